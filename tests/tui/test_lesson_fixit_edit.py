"""A fix-it repaired in its line editor: wrong edits get hints, the right one runs both loops."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_wait import until
from textual.pilot import Pilot
from textual.widgets import Static

from linreg_tui.lessons.loader import load_course
from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens.lesson import LessonScreen
from linreg_tui.tui.widgets.lesson_checkpoint import ChoiceList
from linreg_tui.tui.widgets.lesson_edit import FixitEditor

COURSE = load_course()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(folder))
    return folder


def feedback(screen: LessonScreen) -> str:
    return str(screen.query_one("#cp-feedback", Static).render())


async def type_line(pilot: Pilot, text: str) -> None:
    """Clear the editor (ctrl+u) and type ``text`` key by key, then Enter."""
    keys = ["space" if c == " " else c for c in text]
    await pilot.press("ctrl+u", *keys, "enter")


async def open_fixit(pilot: Pilot, lesson_id: str) -> tuple[LessonScreen, object]:
    app = pilot.app
    await until(pilot, lambda: app.engine_ready and app.lessons is not None, timeout=120)
    lesson = COURSE.lesson(lesson_id)
    index = next(i for i, it in enumerate(lesson.items()) if getattr(it, "kind", "") == "fixit")
    app.push_screen(LessonScreen(app.lessons.course, lesson_id, index))
    await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
    screen = app.screen
    await until(pilot, lambda: screen.state is not None and screen.state.ready)
    cp = lesson.items()[index]
    await until(pilot, lambda: isinstance(screen.focused, ChoiceList), what="the lines")
    await pilot.press(str(cp.bug_line))
    await until(pilot, lambda: isinstance(screen.focused, FixitEditor), what="the editor")
    return screen, cp


async def test_wrong_edits_get_hints_and_the_right_one_runs_both_loops(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen, cp = await open_fixit(pilot, "descent")
        editor = screen.focused
        assert editor.value == cp.code[cp.bug_line - 1].strip()  # prefilled with the bug
        await type_line(pilot, "import os")  # not a form: no try used, nothing run
        assert "Cannot read that line (no try used)" in feedback(screen)
        assert screen.state.session.misses == 0
        await type_line(pilot, "w = w + lr * grad / 2")  # the same mistake, half the step
        await until(pilot, lambda: screen.state.edit_loop is not None, what="the edit's loop")
        text = feedback(screen)
        assert "still makes the loop's mistake (sign-flip), with η × 0.5" in text
        assert "try 1 of 3" in text and cp.levels[0].en in text  # a miss: one hint level
        assert "your loop: loss" in text or "your loop: diverged" in text
        await type_line(pilot, "w = w - lr * grad / 2")  # descends, but not the repair
        await until(pilot, lambda: screen.state.edit_loop is not None, what="the edit's loop")
        assert "descends, but with a step η × 0.5" in feedback(screen)
        assert cp.levels[1].en in feedback(screen)
        await type_line(pilot, "w -= lr * grad")  # the repaired loop, written another way
        await until(pilot, lambda: screen.state.finished and screen.state.fixit is not None)
        assert screen.state.outcome.status == "correct"
        text = feedback(screen)
        assert "✓ Your line repairs the loop." in text
        result = screen.state.fixit
        assert f"repaired loop: loss {result.fixed.loss:.6g}" in text
        view = screen.live.view
        await until(
            pilot,
            lambda: all(r.updates == cp.run_updates for r in view.snapshot.runs),
            what="both loops run live",
            timeout=60,
        )
        assert screen.state.edit_loop.loss == pytest.approx(result.fixed.loss, rel=1e-12)


async def test_hostile_text_in_the_editor_shows_as_typed(data: Path) -> None:
    app = LinregApp(lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await open_fixit(pilot, "autograd")
        await type_line(pilot, "[bold red]w[/] = 1")
        text = feedback(screen)
        assert "[bold red]w[/] = 1" in text  # not markup: shown as typed
        assert "看不懂这一行" in text
        await type_line(pilot, "w.grad.zero_(); w -= lr * w.grad")  # cleared before use
        await until(pilot, lambda: screen.state.edit_loop is not None, what="the edit's loop")
        assert "参数永远不动" in feedback(screen)
        await type_line(pilot, "w -= lr * w.grad; w.grad.zero_()")
        await until(pilot, lambda: screen.state.finished, what="judged")
        assert screen.state.outcome.status == "correct"
