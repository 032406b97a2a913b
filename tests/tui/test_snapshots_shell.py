"""SVG snapshots of the app shell: Home, Help, the settings dialog, the too-small message.

Each is taken once the engine has loaded and the lessons are listed (a small
course written by the test, so the bundled course can grow without touching
these), with every cursor's blink frozen. Update with
``python -m pytest tests/tui/test_snapshots_shell.py --snapshot-update``
after checking the new pictures by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.choices import RunChoice
from linreg_tui.tui.screens.dialogs import SettingsDialog

SIZES = [(80, 24), (120, 40)]
LESSON = """id = "{id}"
order = {order}
title = {{ en = "{en}", zh = "{zh}" }}

[preset]
dataset = "hours"

[[page]]
text.en = "Page."
text.zh = "页。"
"""
TITLES = [
    ("loss", "A model and its loss", "模型与损失"),
    ("gradient", "The gradient, by hand", "手算梯度"),
    ("descent", "Gradient descent, full batch", "梯度下降：全批量"),
]


@pytest.fixture
def app_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A factory of apps over a three-lesson course with the first lesson done."""
    from linreg_tui.lessons.loader import course_key
    from linreg_tui.lessons.progress import ProgressStore

    course = tmp_path / "course"
    course.mkdir()
    for order, (lid, en, zh) in enumerate(TITLES, start=1):
        text = LESSON.format(id=lid, order=order, en=en, zh=zh)
        (course / f"{order:02d}-{lid}.toml").write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(data))
    ProgressStore(data).update(lambda p: p.course(course_key(course)).mark_done("loss"))

    def make(lang: str = "en") -> LinregApp:
        return LinregApp(lang=lang, lessons_path=course)

    return make


async def settle(pilot) -> None:
    """Wait for the engine and the lessons, then freeze every blinking cursor."""
    app = pilot.app
    for _ in range(1200):
        if app.engine_ready and app.lessons is not None:
            break
        await pilot.pause(0.05)
    assert app.engine_ready and app.lessons is not None
    await pilot.pause()
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, app_for, size) -> None:
    assert snap_compare(app_for(), terminal_size=size, run_before=settle)


def test_home_in_chinese(snap_compare, app_for) -> None:
    assert snap_compare(app_for("zh"), terminal_size=(80, 24), run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, app_for, size) -> None:
    async def open_help(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app_for(), terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_dialog(snap_compare, app_for, size) -> None:
    async def open_settings(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(SettingsDialog(RunChoice(), "en"))
        await settle(pilot)

    assert snap_compare(app_for(), terminal_size=size, run_before=open_settings)


def test_settings_dialog_with_an_error_in_chinese(snap_compare, app_for) -> None:
    async def bad_lr(pilot) -> None:
        await settle(pilot)
        dialog = SettingsDialog(RunChoice(), "zh")
        pilot.app.push_screen(dialog)
        await settle(pilot)
        dialog.query_one("#f-lr").value = "0"
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_for("zh"), terminal_size=(80, 24), run_before=bad_lr)


@pytest.mark.parametrize("size", [(60, 20), (79, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_too_small(snap_compare, app_for, size) -> None:
    assert snap_compare(app_for(), terminal_size=size, run_before=settle)
