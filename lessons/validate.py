"""Check lesson files and name the file and line of every problem.

``validate_course(path)`` reads a course (a folder of ``.toml`` lessons, one
file, or None for the bundled course) and returns Findings; an empty list
means it loads and every answer can be computed. The structural checks
(TOML syntax, keys, both languages, kinds, presets, expressions) live in
``checks`` (run per file by ``sources``); this module adds what needs the
whole course (duplicate ids) or the engine (data sets, evaluating every ``compute`` answer).
"""

from __future__ import annotations

from pathlib import Path

from linreg_tui.engine import EngineError

from .answers import AnswerError, check_fixit, check_solution, compute_answer
from .expressions import ExpressionError
from .loader import load_course
from .locate import KeyLines
from .model import Item, Lesson, LocalText, Preset
from .schema import GRADED_KINDS
from .sources import Finding, check_file, course_files, format_problems
from .templates import STORE, Template, compute_value, format_value, templates, value_key


def validate_course(path: Path | str | None = None, *, evaluate: bool = True) -> list[Finding]:
    """Every problem of the course at ``path`` (None: the bundled course).

    ``evaluate`` also computes each ``compute`` answer and each goal's
    solution with the engine (imports torch), so an answer that cannot be
    computed (a step after the run diverged, say) is reported at its line.
    Raises OSError when the path itself cannot be read.
    """
    root = Path(path) if path is not None else None
    problems: list[Finding] = []
    parsed: list[tuple[str, str, dict]] = []
    for name, raw in course_files(root):
        base_dir = Path(name).parent if root is not None else None
        data, found, text = check_file(name, raw, base_dir=base_dir)
        problems += found
        if data is not None:
            parsed.append((name, text, data))
    problems += _duplicates(parsed)
    if evaluate and not any(p.severity == "error" for p in problems):
        problems += _evaluate(root, parsed)
    return problems + _graded_hints(parsed)


def _item_texts(lesson: Lesson) -> list[tuple[Item, tuple[str | int, ...], LocalText]]:
    """(item, key path, text) of every text that may hold templates."""
    out: list[tuple[Item, tuple[str | int, ...], LocalText]] = []
    for index, page in enumerate(lesson.pages):
        out.append((page, ("page", index, "text"), page.text))
    for index, cp in enumerate(lesson.checkpoints):
        out += [(cp, ("checkpoint", index, "prompt"), cp.prompt)]
        out += [(cp, ("checkpoint", index, "explain"), cp.explain)]
        hint_key = "hints" if cp.hints else "hint"
        out += [(cp, ("checkpoint", index, hint_key), h) for h in cp.levels]
    return out


def _templates(lesson: Lesson, name: str, text: str, bundled: bool = False) -> list[Finding]:
    """Compute every ``{{ … }}`` template with the engine on its item's preset; in the
    bundled course, also check the value shipped for it (``_stored_problem``)."""
    out: list[Finding] = []
    for item, key, local in _item_texts(lesson):
        for lang in ("en", "zh"):
            body = local.get(lang)
            if "{{" not in body:
                continue
            try:
                found = templates(body)
            except ExpressionError:
                continue  # reported by the file checks
            for template in (t for t in found if t.quote is None):
                preset = lesson.preset_for(item)
                try:
                    value = compute_value(template, preset)
                    problem = _stored_problem(template, preset, value) if bundled else None
                except (AnswerError, EngineError) as err:
                    problem = str(err)
                if problem:
                    line = KeyLines(text).line_of(key)
                    out.append(Finding(name, line, f"template {template.source}: {problem}"))
    return out


def _stored_problem(template: Template, preset: Preset, value: float) -> str | None:
    """What is wrong with the value shipped for a bundled template (``template_values``):
    missing, or other digits than the engine computes now."""
    from .templates import stored_values  # looked up now: tests replace it

    stored = stored_values().get(value_key(template.expr, preset))
    if stored is not None and format_value(stored, template) == format_value(value, template):
        return None
    return (
        f"its value is not in {STORE} (or the engine now computes other digits); "
        "run python -m linreg_tui.lessons.template_values"
    )


def _graded_hints(parsed: list[tuple[str, str, dict]]) -> list[Finding]:
    """numeric and goal checkpoints need at least two hint levels (a nudge, then the
    formula, then the worked answer). A rule of ``lessons validate``, not of loading: a
    course with single hints still opens in the app."""
    out: list[Finding] = []
    for name, text, data in parsed:
        checkpoints = data.get("checkpoint")
        for index, cp in enumerate(checkpoints if isinstance(checkpoints, list) else []):
            if not isinstance(cp, dict) or cp.get("kind") not in GRADED_KINDS:
                continue
            hints = cp.get("hints")
            levels = hints.get("en") if isinstance(hints, dict) else None
            if isinstance(levels, list) and len(levels) >= 2:
                continue
            key = "hints" if "hints" in cp else "hint"
            line = KeyLines(text).line_of(("checkpoint", index, key))
            message = (
                f"checkpoint {cp.get('id')!r}: a {cp['kind']} checkpoint needs at least two "
                'hint levels: hints = { en = ["a nudge", "the formula", "the worked answer"], '
                "zh = [...] }"
            )
            out.append(Finding(name, line, message))
    return out


def _duplicates(parsed: list[tuple[str, str, dict]]) -> list[Finding]:
    """Lesson ids and orders used by more than one file."""
    out: list[Finding] = []
    for key in ("id", "order"):
        seen: dict[object, str] = {}
        for name, text, data in parsed:
            value = data.get(key)
            if value is None or isinstance(value, (dict, list)):
                continue
            if value in seen:
                line = KeyLines(text).line_of((key,))
                message = f"lesson {key} {value!r} is also used by {seen[value]}"
                out.append(Finding(name, line, message))
            else:
                seen[value] = name
    return out


__all__ = ["Finding", "check_file", "course_files", "format_problems", "validate_course"]


def _evaluate(root: Path | None, parsed: list[tuple[str, str, dict]]) -> list[Finding]:
    """Compute every engine answer and check that every goal's solution meets its goal."""
    files = {data.get("id"): (name, text) for name, text, data in parsed}
    out: list[Finding] = []
    for lesson in load_course(root).lessons:
        name, text = files[lesson.id]
        out += _templates(lesson, name, text, bundled=root is None)
        for index, cp in enumerate(lesson.checkpoints):
            key = "compute" if cp.compute is not None else "solution"
            try:
                if cp.kind == "fixit":
                    key = "mistake"
                    message = check_fixit(lesson, cp)
                    if message:
                        raise AnswerError(message)
                elif cp.compute is not None:
                    compute_answer(cp.compute, lesson.preset_for(cp))
                elif cp.goal is not None:
                    message = check_solution(lesson, cp)
                    if message:
                        raise AnswerError(message)
                else:
                    continue
            except (AnswerError, EngineError) as err:  # the engine refusing the preset too
                line = KeyLines(text).line_of(("checkpoint", index, key))
                out.append(Finding(name, line, f"checkpoint {cp.id!r}: {err}"))
    return out


__all__ = ["Finding", "check_file", "course_files", "format_problems", "validate_course"]
