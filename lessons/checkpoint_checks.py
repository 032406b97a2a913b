"""Checks of one ``[[checkpoint]]`` table: common keys, then what its kind needs.

The file checker is passed in and typed by the :class:`FileChecker` protocol below, so
this module does not import ``checks`` (which imports this one).
"""

from __future__ import annotations

from typing import Any, Protocol

from . import schema
from .model import CHECKPOINT_KINDS, LANGS, MAX_HINT_LEVELS
from .schema import ID_PATTERN, Key


class FileChecker(Protocol):
    """What a checkpoint check needs of ``checks.FileChecker``."""

    base: dict[str, Any]  # the lesson preset's settings
    rows: int | None  # rows of the preset's data, once loaded

    def report(self, key: Key, message: str, severity: str = "error") -> None: ...

    def unknown_keys(
        self, key: Key, table: dict, allowed: tuple[str, ...] | list[str], where: str
    ) -> None: ...

    def require(self, key: Key, table: dict, names: tuple[str, ...], where: str) -> bool: ...

    def text_value(self, key: Key, value: Any, what: str) -> None: ...

    def preset(self, preset: Any, key: Key = ("preset",), where: str = "preset") -> None: ...

    def settings(self, key: Key, table: Any, where: str, *, base: dict | None = None) -> None: ...

    def expression(
        self, key: Key, source: Any, where: str, bias: bool, settings: dict[str, Any]
    ) -> None: ...

    def cost(self, key: Key, updates: int, where: str) -> None: ...

    def numbers(
        self, key: Key, value: Any, where: str, settings: dict[str, Any], compute: Any = None
    ) -> None: ...


COMMON = ("id", "kind", "prompt", "hint", "hints", "explain", "after_page", "preset")
CODE_COLUMNS = 64  # a fix-it's code line, numbered, fits the text column at 80×24


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_count(value: Any, least: int) -> bool:
    return type(value) is int and value >= least


def check_checkpoint(fc: FileChecker, i: int, cp: dict, pages: int, ids: dict[str, int]) -> None:
    """Report every problem of checkpoint ``i`` (0-based) of a lesson with ``pages`` pages."""
    key: Key = ("checkpoint", i)
    cid = cp.get("id")
    where = f"checkpoint {cid!r}" if isinstance(cid, str) else f"checkpoint {i + 1}"
    fc.unknown_keys(key, cp, schema.CHECKPOINT_KEYS, where)
    fc.require(key, cp, schema.CHECKPOINT_REQUIRED, where)
    if cid is not None:
        if not (isinstance(cid, str) and ID_PATTERN.match(cid)):
            fc.report(key + ("id",), f"{where}: id must be lower-case letters, digits, '-' or '_'")
        elif cid in ids:
            fc.report(key + ("id",), f"{where}: id is also used by checkpoint {ids[cid] + 1}")
        else:
            ids[cid] = i
    for name in ("prompt", "hint", "explain"):
        if name in cp:
            fc.text_value(key + (name,), cp[name], f"{where} {name}")
    _hints(fc, key, cp, where)
    after = cp.get("after_page", pages)
    if not (type(after) is int and 0 <= after <= pages):
        fc.report(key + ("after_page",), f"{where}: after_page must be a page number 0–{pages}")
    if "preset" in cp:
        fc.preset(cp["preset"], key + ("preset",), f"{where} preset")
    kind = cp.get("kind")
    if kind is None:
        return
    if kind not in CHECKPOINT_KINDS:
        fc.report(
            key + ("kind",),
            f"{where}: unknown kind {kind!r}; choose one of: " + ", ".join(CHECKPOINT_KINDS),
        )
        return
    allowed = COMMON + schema.KIND_KEYS[kind]
    for name in cp:
        if name in schema.CHECKPOINT_KEYS and name not in allowed:
            fc.report(key + (name,), f"{where}: key {name!r} does not apply to a {kind} checkpoint")
    override = cp.get("preset")
    settings = {**fc.base, **(override if isinstance(override, dict) else {})}
    bias = bool(settings.get("bias", True))
    for name in ("prompt", "hints", "hint", "explain"):
        if name in cp:
            fc.numbers(key + (name,), cp[name], f"{where} {name}", settings, cp.get("compute"))
    if kind == "fixit":
        _fixit(fc, key, cp, where)
    elif kind == "choice" or (kind == "predict" and "options" in cp):
        _choice(fc, key, cp, where)
    elif kind in ("numeric", "predict"):
        _numeric(fc, key, cp, where, bias, settings)
    else:
        _goal(fc, key, cp, where)
    if "run_updates" in cp:
        if not _is_count(cp["run_updates"], 1):
            fc.report(key + ("run_updates",), f"{where}: run_updates must be a whole number ≥ 1")
        else:
            fc.cost(key + ("run_updates",), cp["run_updates"], where)


def _hints(fc: FileChecker, key: Key, cp: dict, where: str) -> int | None:
    """Exactly one of ``hint`` (one level) or ``hints = { en = [...], zh = [...] }`` (1–4
    levels, as many per language); the number of levels, None when unreadable."""
    if ("hint" in cp) == ("hints" in cp):
        fc.report(key, f"{where}: give exactly one of 'hint' (one text) or 'hints' (levels)")
        return None
    if "hint" in cp:
        return 1
    hints, hkey = cp["hints"], key + ("hints",)
    if not isinstance(hints, dict):
        fc.report(hkey, f'{where}: hints must be {{ en = ["…", …], zh = ["…", …] }}')
        return None
    fc.unknown_keys(hkey, hints, LANGS, f"{where} hints")
    counts: dict[str, int] = {}
    for lang in LANGS:
        value = hints.get(lang)
        if not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            fc.report(hkey, f"{where}: hints.{lang} must list non-empty strings")
        else:
            counts[lang] = len(value)
    if len(counts) < 2:
        return None
    if counts["en"] != counts["zh"]:
        fc.report(
            hkey + ("zh",),
            f"{where}: hints.en has {counts['en']} levels but hints.zh has {counts['zh']}",
        )
        return None
    if not 1 <= counts["en"] <= MAX_HINT_LEVELS:
        fc.report(hkey, f"{where}: give 1–{MAX_HINT_LEVELS} hint levels")
        return None
    return counts["en"]


def _fixit(fc: FileChecker, key: Key, cp: dict, where: str) -> None:
    """code (lines), bug_line (1-based, in range), options/answer (as a choice), mistake."""
    from linreg_tui.engine import MISTAKES

    if not fc.require(key, cp, ("code", "bug_line", "mistake"), where):
        return
    code = cp["code"]
    if not (isinstance(code, list) and len(code) >= 2 and all(isinstance(c, str) for c in code)):
        fc.report(key + ("code",), f"{where}: code must list the loop's lines (at least two)")
        code = None
    else:
        for number, line in enumerate(code, 1):
            if len(line) > CODE_COLUMNS:
                fc.report(
                    key + ("code",),
                    f"{where}: code line {number} is longer than {CODE_COLUMNS} characters",
                    "warning",
                )
    line = cp["bug_line"]
    if not _is_count(line, 1) or (code is not None and line > len(code)):
        size = len(code) if code is not None else "the number of code lines"
        fc.report(key + ("bug_line",), f"{where}: bug_line must be a line number 1–{size}")
    mistake = cp["mistake"]
    if mistake not in MISTAKES:
        fc.report(
            key + ("mistake",),
            f"{where}: unknown mistake {mistake!r}; choose one of: " + ", ".join(MISTAKES),
        )
    _choice(fc, key, cp, where)
    if code is not None and _is_count(line, 1) and line <= len(code) and mistake in MISTAKES:
        _editable(fc, key, cp, code[line - 1], where)


def _editable(fc: FileChecker, key: Key, cp: dict, line: str, where: str) -> None:
    """The line editor reads the buggy line as its mistake and the right fix as the repaired
    loop (a warning otherwise: the learner can still pick the fix from the list)."""
    from .fixit_edit import SAME, read_line_edit

    mistake = cp["mistake"]
    if read_line_edit(line, mistake, line).reason != SAME:
        what = f"the line editor cannot read line {cp['bug_line']} as the {mistake} mistake"
        fc.report(key + ("bug_line",), f"{where}: {what}; learners can only pick a fix", "warning")
        return
    options, answer = cp.get("options"), cp.get("answer")
    for lang in LANGS:
        texts = options.get(lang) if isinstance(options, dict) else None
        if not (isinstance(texts, list) and type(answer) is int and 0 <= answer < len(texts)):
            return
        fix = texts[answer]
        if not (isinstance(fix, str) and read_line_edit(line, mistake, fix).fixed):
            what = "the line editor does not read the right option as the repaired loop"
            fc.report(key + ("answer",), f"{where}: {what} ({lang}); rewrite it", "warning")


def _choice(fc: FileChecker, key: Key, cp: dict, where: str) -> None:
    """options = { en = [...], zh = [...] } of equal length ≥ 2; answer = a 0-based index."""
    for name in ("tolerance", "compute", "relative"):
        if name in cp:
            fc.report(key + (name,), f"{where}: {name!r} does not apply to a question with options")
    if not fc.require(key, cp, ("options", "answer"), where):
        return
    options = cp["options"]
    counts: dict[str, int] = {}
    if not isinstance(options, dict):
        fc.report(key + ("options",), f"{where}: options must be {{ en = [...], zh = [...] }}")
    else:
        fc.unknown_keys(key + ("options",), options, LANGS, f"{where} options")
        for lang in LANGS:
            value = options.get(lang)
            if value is None:
                fc.report(key + ("options",), f"{where}: options missing the {lang} list")
            elif not (
                isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
            ):
                fc.report(key + ("options", lang), f"{where}: options.{lang} must list strings")
            else:
                counts[lang] = len(value)
        if len(counts) == 2 and counts["en"] != counts["zh"]:
            fc.report(
                key + ("options", "zh"),
                f"{where}: options.en has {counts['en']} entries "
                f"but options.zh has {counts['zh']}; both languages need the same options",
            )
        if any(c < 2 for c in counts.values()):
            fc.report(key + ("options",), f"{where}: a choice needs at least two options")
    answer = cp["answer"]
    size = min(counts.values()) if counts else None
    if type(answer) is not int:
        fc.report(key + ("answer",), f"{where}: answer must be the 0-based index of an option")
    elif size is not None and not 0 <= answer < size:
        fc.report(
            key + ("answer",),
            f"{where}: answer {answer} is out of range; "
            f"with {size} options it must be 0–{size - 1} (0 is the first option)",
        )


def _numeric(
    fc: FileChecker, key: Key, cp: dict, where: str, bias: bool, settings: dict[str, Any]
) -> None:
    """answer (a number) or compute (an expression), and tolerance > 0."""
    has_answer, has_compute = "answer" in cp, "compute" in cp
    if has_answer == has_compute:
        fc.report(key, f"{where}: give exactly one of 'answer' (a number) or 'compute'")
    if has_answer and not _is_number(cp["answer"]):
        fc.report(key + ("answer",), f"{where}: answer must be a number")
    if has_compute:
        fc.expression(key + ("compute",), cp["compute"], where, bias, settings)
    tol = cp.get("tolerance")
    if tol is None:
        fc.report(key, f"{where}: missing required key 'tolerance'")
    elif not (_is_number(tol) and tol > 0):
        fc.report(key + ("tolerance",), f"{where}: tolerance must be a number > 0")
    if "relative" in cp and not isinstance(cp["relative"], bool):
        fc.report(key + ("relative",), f"{where}: relative must be true or false")


def _goal(fc: FileChecker, key: Key, cp: dict, where: str) -> None:
    """goal = { one condition [, within_updates] } and a solution."""
    if not fc.require(key, cp, ("goal", "solution"), where):
        return
    goal, gkey = cp["goal"], key + ("goal",)
    if not isinstance(goal, dict):
        fc.report(gkey, f"{where}: goal must be a table, e.g. {{ diverge = true }}")
    else:
        fc.unknown_keys(gkey, goal, schema.GOAL_KEYS, f"{where} goal")
        main = [k for k in schema.GOAL_MAIN if k in goal]
        if len(main) != 1:
            fc.report(gkey, f"{where}: a goal needs exactly one of: {', '.join(schema.GOAL_MAIN)}")
        for name in ("diverge", "converge"):
            if name in goal and goal[name] is not True:
                fc.report(gkey + (name,), f"{where}: goal {name} can only be true")
        if "loss_below" in goal and not (_is_number(goal["loss_below"]) and goal["loss_below"] > 0):
            fc.report(gkey + ("loss_below",), f"{where}: loss_below must be a number > 0")
        frac = goal.get("lr_within_stable")
        if frac is not None and not (_is_number(frac) and 0 < frac < 1):
            fc.report(
                gkey + ("lr_within_stable",),
                f"{where}: lr_within_stable is a fraction between 0 and 1, e.g. 0.10",
            )
        within = goal.get("within_updates")
        if within is not None:
            if not _is_count(within, 1):
                fc.report(gkey + ("within_updates",), f"{where}: within_updates must be ≥ 1")
            elif not ({"loss_below", "converge"} & set(goal)):
                fc.report(
                    gkey + ("within_updates",),
                    f"{where}: within_updates goes with loss_below or converge",
                )
        _window(fc, gkey, goal, cp, where)
    solution, skey = cp["solution"], key + ("solution",)
    if not isinstance(solution, dict):
        fc.report(skey, f"{where}: solution must be a table of settings and updates")
        return
    if not _is_count(solution.get("updates", 0), 0):
        fc.report(skey + ("updates",), f"{where}: solution updates must be a whole number ≥ 0")
    else:
        fc.cost(skey + ("updates",), solution.get("updates", 0), f"{where} solution")
    settings = {k: v for k, v in solution.items() if k not in schema.SOLUTION_EXTRA}
    fc.settings(skey, settings, f"{where} solution", base=fc.base)


def _window(fc: FileChecker, gkey: Key, goal: dict, cp: dict, where: str) -> None:
    """A windowed goal: a finite bound, exactly one window [a, b] of whole numbers with
    a < b, and a solution that runs through the window's last update."""
    import math

    hold = [k for k in schema.GOAL_HOLD if k in goal]
    windows = [k for k in schema.GOAL_WINDOWS if k in goal]
    if not hold:
        for name in windows:
            fc.report(gkey + (name,), f"{where}: {name} goes with hold_below or hold_near_optimum")
        return
    bound = goal[hold[0]]
    if not (_is_number(bound) and math.isfinite(bound) and bound > 0):
        fc.report(gkey + (hold[0],), f"{where}: {hold[0]} must be a finite number > 0")
    if len(windows) != 1:
        fc.report(gkey, f"{where}: {hold[0]} needs one window: over_updates or over_epochs")
        return
    name = windows[0]
    pair = goal[name]
    least_first = 1 if name == "over_updates" else 0
    if not (isinstance(pair, list) and len(pair) == 2 and _is_count(pair[0], least_first)):
        what = f"{name} is [first, last], whole numbers ≥ {least_first}"
        fc.report(gkey + (name,), f"{where}: {what}")
        return
    if not (_is_count(pair[1], 1) and pair[1] > pair[0]):
        fc.report(gkey + (name,), f"{where}: {name}'s last must be a whole number after its first")
        return
    _window_in_run(fc, gkey + (name,), name, pair[1], cp, where)


def _window_in_run(fc: FileChecker, key: Key, name: str, last: int, cp: dict, where: str) -> None:
    """The window ends within the solution's run (and within the limits, for the check of
    the untouched preset)."""
    from .limits import batches_per_epoch

    solution = cp.get("solution")
    if not isinstance(solution, dict) or not _is_count(solution.get("updates", 0), 0):
        return
    override = cp.get("preset")
    settings = {**fc.base, **(override if isinstance(override, dict) else {})}
    if name == "over_updates":
        unit, end_solved, end_base = "updates", last, last
    else:
        unit = "epochs"
        solved = {**settings, **{k: v for k, v in solution.items() if k != "updates"}}
        end_solved = last * batches_per_epoch(fc.rows or 1, solved)
        end_base = last * batches_per_epoch(fc.rows or 1, settings)
    updates = solution.get("updates", 0)
    if end_solved > updates:
        fc.report(
            key,
            f"{where}: the window ends at update {end_solved} ({unit} {last}), after the "
            f"solution's {updates} updates: the run must last through the window",
        )
    fc.cost(key, end_base, f"{where} window")
