"""The answering state machine, goals and language choice."""

from __future__ import annotations

import pytest

from linreg_tui.lessons.checkpoints import (
    CORRECT,
    INVALID,
    REVEALED,
    SKIPPED,
    WRONG,
    CheckpointSession,
    numbers_match,
    parse_choice,
    parse_number,
)
from linreg_tui.lessons.i18n import pick_language
from linreg_tui.lessons.model import Checkpoint, Goal, LocalText, Solution, frozen_map


def text(word: str) -> LocalText:
    return LocalText(f"{word} (en)", f"{word}（中）")


def checkpoint(kind: str = "numeric", **fields: object) -> Checkpoint:
    base: dict[str, object] = {
        "id": "q",
        "kind": kind,
        "prompt": text("prompt"),
        "hint": text("hint"),
        "explain": text("explain"),
        "after_page": 1,
    }
    return Checkpoint(**{**base, **fields})  # type: ignore[arg-type]


NUMERIC = checkpoint(answer=-2.0, tolerance=0.01)
CHOICE = checkpoint("choice", options=(text("a"), text("b"), text("c")), answer=1)


def test_numeric_correct_first_try() -> None:
    s = CheckpointSession(NUMERIC, -2.0, "en")
    out = s.attempt("-2.005")
    assert out.status == CORRECT and out.tries == 1 and out.finished
    assert out.explain == "explain (en)" and out.answer_text == "-2"


def test_wrong_shows_hint_then_reveals_after_three() -> None:
    s = CheckpointSession(NUMERIC, -2.0, "zh")
    first = s.attempt("2")
    assert (first.status, first.hint, first.finished) == (WRONG, "hint（中）", False)
    assert s.attempt(-1.9).status == WRONG
    third = s.attempt("0")
    assert third.status == REVEALED and third.tries == 3 and not third.was_correct
    assert third.answer_text == "-2" and third.explain == "explain（中）"
    assert s.attempt("-2").status == INVALID  # finished: no more tries


def test_unreadable_input_does_not_count() -> None:
    s = CheckpointSession(NUMERIC, -2.0, "zh")
    out = s.attempt("minus two")
    assert out.status == INVALID and out.tries == 0 and "数" in (out.message or "")
    assert s.attempt("－２．０").status == CORRECT  # full-width digits from a Chinese IME


def test_choice_by_letter_number_or_index() -> None:
    assert CheckpointSession(CHOICE, 1, "en").attempt("B").status == CORRECT
    assert CheckpointSession(CHOICE, 1, "en").attempt("2").status == CORRECT
    assert CheckpointSession(CHOICE, 1, "en").attempt(1).status == CORRECT
    s = CheckpointSession(CHOICE, 1, "en")
    assert s.attempt("d").status == INVALID and s.tries == 0
    assert s.attempt("a").status == WRONG
    assert s.answer_text() == "b) b (en)"


def test_predict_is_asked_once() -> None:
    cp = checkpoint("predict", answer=8.0, tolerance=0.1, run_updates=100)
    wrong = CheckpointSession(cp, 8.0, "en").attempt("5")
    assert wrong.status == REVEALED and wrong.finished and not wrong.was_correct
    right = CheckpointSession(cp, 8.0, "en").attempt("7.95")
    assert right.status == CORRECT and right.was_correct


def test_skip_and_goal_reporting() -> None:
    s = CheckpointSession(NUMERIC, -2.0, "en")
    assert s.skip().status == SKIPPED
    assert s.skip().status == INVALID
    goal = checkpoint(
        "goal", goal=Goal(diverge=True), solution=Solution(frozen_map({"lr": 0.3}), 40)
    )
    g = CheckpointSession(goal, None, "zh")
    assert g.report(False) is None
    assert g.miss().status == WRONG
    assert g.report(True).status == CORRECT  # type: ignore[union-attr]
    r = CheckpointSession(goal, None, "en").reveal()
    assert r.status == REVEALED and r.answer_text == "Set lr = 0.3, then run 40 updates."
    assert CheckpointSession(goal, None, "zh").reveal().answer_text == (
        "设置 lr = 0.3，然后运行 40 次更新。"
    )
    with pytest.raises(ValueError):
        g.attempt("1")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3", 3.0),
        ("−9.33", -9.33),
        ("28/3", 28 / 3),
        ("2,5", 2.5),
        ("1e-4", 1e-4),
        ("０.５", 0.5),
        ("", None),
        ("1/0", None),
        ("nan", None),
        ("abc", None),
    ],
)
def test_parse_number(raw: str, value: float | None) -> None:
    got = parse_number(raw)
    assert got == (pytest.approx(value) if value is not None else None)


def test_parse_choice_and_tolerance() -> None:
    assert (
        parse_choice("c)", 3) == 2 and parse_choice("Ｃ", 3) == 2 and parse_choice("4", 3) is None
    )
    assert numbers_match(0.000405, 0.0004, 0.05, relative=True)
    assert not numbers_match(0.00043, 0.0004, 0.05, relative=True)
    assert numbers_match(1.01, 1.0, 0.01, relative=False)
    assert not numbers_match(1.02, 1.0, 0.01, relative=False)


@pytest.mark.parametrize(
    ("argv", "env", "lang"),
    [
        (None, {}, "en"),
        (None, {"LANG": "zh_CN.UTF-8"}, "zh"),
        (None, {"LANG": "zh_TW.UTF-8"}, "zh"),
        (None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        (None, {"LC_ALL": "", "LANG": "zh_CN"}, "zh"),
        (None, {"LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"LANG": "C"}, "en"),
        ("zh", {"LANG": "en_US.UTF-8"}, "zh"),
        ("EN", {"LANG": "zh_CN.UTF-8"}, "en"),
    ],
)
def test_pick_language(argv: str | None, env: dict[str, str], lang: str) -> None:
    assert pick_language(argv, env) == lang


def test_pick_language_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="en, zh"):
        pick_language("fr", {})


@pytest.mark.parametrize(
    ("lang", "prompt", "shown"),
    [
        ("en", "What is w exactly? (4 decimals)", "1.2607"),
        ("zh", "它的精确值是多少？（保留 4 位小数）", "1.2607"),
        ("en", "What is w? (1 decimal)", "1.3"),
        ("en", "What is w?", "1.26069"),  # no precision asked: 6 significant digits
    ],
)
def test_the_answer_is_shown_to_the_precision_the_question_asked(lang, prompt, shown) -> None:
    cp = checkpoint(answer=None, tolerance=0.001, prompt=LocalText(prompt, prompt))
    s = CheckpointSession(cp, 1.2606905, lang)
    for _ in range(3):
        out = s.attempt("5")
    assert out.status == REVEALED and out.answer_text == shown


# -- graded hints and fix-its -------------------------------------------------------------

GRADED = checkpoint(
    answer=-2.0, tolerance=0.01, hints=(text("nudge"), text("formula"), text("worked"))
)
FIXIT = checkpoint(
    "fixit",
    code=("for x in xs:", "    g = x", "w = w + lr * g"),
    bug_line=3,
    options=(text("w = w + g"), text("w = w - lr * g")),
    answer=1,
    mistake="sign-flip",
)


def test_each_wrong_answer_shows_one_hint_level_more() -> None:
    s = CheckpointSession(GRADED, -2.0, "en")
    assert s.hint_level == 0 and s.hints() == []
    assert s.attempt("5").hint == "nudge (en)"
    assert s.attempt("6").hint == "formula (en)"
    assert s.hints() == ["nudge (en)", "formula (en)"]
    assert s.attempt("7").status == REVEALED


def test_asking_for_a_hint_is_not_a_try_and_stops_at_the_last_level() -> None:
    s = CheckpointSession(GRADED, -2.0, "zh")
    assert [s.more_hint() for _ in range(5)] == [1, 2, 3, 3, 3]
    assert s.tries == 0 and s.hints()[-1] == "worked（中）"
    assert s.attempt("-2").status == CORRECT


def test_a_single_hint_is_one_level() -> None:
    s = CheckpointSession(NUMERIC, -2.0, "en")
    assert NUMERIC.levels == (NUMERIC.hint,)
    assert s.more_hint() == 1 and s.more_hint() == 1


def test_fixit_asks_for_the_line_then_its_fix() -> None:
    s = CheckpointSession(FIXIT, 1, "en")
    assert s.attempt("9").status == INVALID  # no line 9: no try used
    wrong = s.attempt("2")
    assert wrong.status == WRONG and wrong.hint == "hint (en)" and not s.line_found
    found = s.attempt("3")
    assert found.status == "line" and not found.finished and s.line_found
    assert s.attempt("a").status == WRONG  # the wrong fix
    done = s.attempt("b")
    assert done.status == CORRECT and done.tries == 4
    assert done.answer_text == "line 3: w = w - lr * g (en)"


def test_fixit_reveals_after_three_misses_and_takes_indices() -> None:
    s = CheckpointSession(FIXIT, 1, "zh")
    assert s.attempt(0).status == WRONG and s.attempt(2).status == "line"
    assert s.attempt(0).status == WRONG
    out = s.attempt(0)
    assert out.status == REVEALED and out.answer_text == "第 3 行：w = w - lr * g（中）"
    assert not FIXIT.is_choice and not FIXIT.is_numeric
