"""The sgd-noise lesson's spread question on the lesson screen: predict, then see 1/√B."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_wait import until
from textual.widgets import Static

from linreg_tui.lessons.answers import compute_answer
from linreg_tui.lessons.checkpoints import format_number
from linreg_tui.lessons.loader import load_course
from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens.lesson import LessonScreen
from linreg_tui.tui.widgets.lesson_checkpoint import AnswerInput

LESSON = load_course().lesson("sgd-noise")
SPREAD = LESSON.checkpoint("spread-b4")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_predict_the_spread_then_see_it_halve(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(tmp_path / "data"))
    preset = LESSON.preset_for(SPREAD)
    s1, s4, s16 = (compute_answer(f"grad_spread({b})", preset) for b in (1, 4, 16))
    app = LinregApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready and app.lessons is not None, timeout=120)
        index = LESSON.items().index(SPREAD)
        app.push_screen(LessonScreen(app.lessons.course, LESSON.id, index))
        await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
        screen = app.screen
        await until(pilot, lambda: screen.state is not None and screen.state.ready)

        def text(selector: str) -> str:
            return str(screen.query_one(selector, Static).render())

        assert f"{s1:.3g}" in text("#cp-prompt")  # the B = 1 spread, computed
        await until(pilot, lambda: isinstance(screen.focused, AnswerInput), what="the box")
        guess = format_number(round(s1 / 2, 2))  # the 1/√B law's prediction
        await pilot.press(*guess, "enter")
        await until(pilot, lambda: screen.state.finished, what="judged")
        assert screen.state.outcome.was_correct  # within 10 %: a bit more than half
        feedback = text("#cp-feedback")
        for value in (s4, s1 / s4, s16):
            assert f"{value:.3g}" in feedback
        assert s1 / s4 == pytest.approx(2.0, rel=0.05) and s4 / s16 == pytest.approx(2, rel=0.1)
