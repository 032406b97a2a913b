"""SVG snapshots of the lesson screen at 80×24: a page with formulas and a checkpoint after a
wrong answer (hint shown, option marked), in English and in Chinese (wide characters must
line up). Cursor blinking is frozen. Update with
``python -m pytest tests/tui/test_snapshots_lesson.py --snapshot-update`` after checking the
new pictures by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens.lesson import LessonScreen

LANGS = ["en", "zh"]


@pytest.fixture(autouse=True)
def progress_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(tmp_path / "data"))


def opened(lesson_id: str, item: int, keys: tuple[str, ...] = ()):
    """A run_before that opens ``lesson_id`` at ``item``, presses ``keys`` and settles."""

    async def run_before(pilot) -> None:
        app = pilot.app
        for _ in range(2400):
            if app.engine_ready and app.lessons is not None:
                break
            await pilot.pause(0.05)
        assert app.engine_ready and app.lessons is not None
        app.push_screen(LessonScreen(app.lessons.course, lesson_id, item))
        for _ in range(600):
            screen = app.screen
            if isinstance(screen, LessonScreen) and screen.is_mounted and screen.live.ready:
                break
            await pilot.pause(0.05)
        await pilot.press(*keys)
        for widget in app.screen.query("Input"):
            widget.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_page(snap_compare, lang: str) -> None:
    app = LinregApp(lang=lang)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened("loss", 1))


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_checkpoint_after_a_wrong_answer(snap_compare, lang: str) -> None:
    app = LinregApp(lang=lang)
    from linreg_tui.lessons.loader import load_course

    items = load_course().lesson("minibatch").items()
    index = [getattr(item, "id", None) for item in items].index("per-epoch")  # a choice
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened("minibatch", index, ("a",)))
