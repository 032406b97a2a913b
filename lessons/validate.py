"""Check lesson files and name the file and line of every problem.

``validate_course(path)`` reads a course (a folder of ``.toml`` lessons, one
file, or None for the bundled course) and returns Problems; an empty list
means it loads and every answer can be computed. The structural checks
(TOML syntax, keys, both languages, kinds, presets, expressions) live in
``checks``; this module adds what needs the whole course (duplicate ids) or
the engine (data sets, evaluating every ``compute`` answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .checks import FileChecker


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file, at a 1-based line."""

    file: str
    line: int
    message: str
    severity: str = "error"  # error | warning (warnings do not stop a course from loading)

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {tag}{self.message}"


def format_problems(problems: Iterable[Problem]) -> str:
    """One ``path:line: message`` line per problem."""
    return "\n".join(str(p) for p in problems)


def course_files(path: Path | None) -> list[tuple[str, bytes]]:
    """(display name, contents) of every lesson file of a course, sorted by file name.

    Raises OSError when the path cannot be read (the CLI's exit status 2).
    """
    if path is None:
        from importlib.resources import files

        root = files("linreg_tui.lessons") / "course"
        entries = sorted((e for e in root.iterdir() if e.name.endswith(".toml")), key=_name)
        return [(f"course/{e.name}", e.read_bytes()) for e in entries]
    path = Path(path)
    if path.is_dir():
        entries = sorted(path.glob("*.toml"))
        if not entries:
            raise FileNotFoundError(f"{path}: no .toml lesson files in this folder")
        return [(str(e), e.read_bytes()) for e in entries]
    return [(str(path), path.read_bytes())]


def _name(entry: object) -> str:
    return str(getattr(entry, "name", entry))


def decode(name: str, raw: bytes) -> tuple[str, list[Problem]]:
    """The file's text (UTF-8, BOM allowed); a bad byte is a problem at its line."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        message = f"not UTF-8 text (bad byte at offset {err.start}); save the file as UTF-8"
        return raw.decode("utf-8", errors="replace"), [Problem(name, line, message)]


def check_file(
    name: str, raw: bytes | str, *, base_dir: Path | None = None
) -> tuple[dict | None, list[Problem], str]:
    """(parsed data or None, structural problems, text) of one lesson file."""
    if isinstance(raw, bytes):
        text, bad = decode(name, raw)
        if bad:
            return None, bad, text
    else:
        text = raw
    checker = FileChecker(name, text, base_dir=base_dir)
    data = checker.run()
    found = sorted(checker.problems, key=lambda p: p[0])  # stable: same line keeps check order
    problems = [Problem(name, line, msg, sev) for line, msg, sev in found]
    return data, problems, text


def validate_course(path: Path | str | None = None, *, evaluate: bool = True) -> list[Problem]:
    """Every problem of the course at ``path`` (None: the bundled course).

    ``evaluate`` also computes each ``compute`` answer and each goal's
    solution with the engine (imports torch), so an answer that cannot be
    computed (a step after the run diverged, say) is reported at its line.
    Raises OSError when the path itself cannot be read.
    """
    root = Path(path) if path is not None else None
    problems: list[Problem] = []
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
    return problems


def _duplicates(parsed: list[tuple[str, str, dict]]) -> list[Problem]:
    """Lesson ids and orders used by more than one file."""
    from .locate import KeyLines

    out: list[Problem] = []
    for key in ("id", "order"):
        seen: dict[object, str] = {}
        for name, text, data in parsed:
            value = data.get(key)
            if value is None or isinstance(value, (dict, list)):
                continue
            if value in seen:
                line = KeyLines(text).line_of((key,))
                message = f"lesson {key} {value!r} is also used by {seen[value]}"
                out.append(Problem(name, line, message))
            else:
                seen[value] = name
    return out


def _evaluate(root: Path | None, parsed: list[tuple[str, str, dict]]) -> list[Problem]:
    """Compute every engine answer and check that every goal's solution meets its goal."""
    from .answers import AnswerError, check_solution, compute_answer
    from .loader import load_course
    from .locate import KeyLines

    files = {data.get("id"): (name, text) for name, text, data in parsed}
    out: list[Problem] = []
    for lesson in load_course(root).lessons:
        name, text = files[lesson.id]
        for index, cp in enumerate(lesson.checkpoints):
            key = "compute" if cp.compute is not None else "solution"
            try:
                if cp.compute is not None:
                    compute_answer(cp.compute, lesson.preset_for(cp))
                elif cp.goal is not None:
                    message = check_solution(lesson, cp)
                    if message:
                        raise AnswerError(message)
                else:
                    continue
            except AnswerError as err:
                line = KeyLines(text).line_of(("checkpoint", index, key))
                out.append(Problem(name, line, f"checkpoint {cp.id!r}: {err}"))
    return out
