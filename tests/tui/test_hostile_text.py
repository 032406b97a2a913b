"""Outside text is shown exactly as written: never markup, never a terminal control code.

Hostile strings go through every dialog field, the CSV loader's messages, lesson text and
progress notices in the real app; each must show verbatim (controls as visible symbols)
and nothing may crash. A string parsed as markup would crash (``[a=b``), vanish (``[b]``)
or become an action (``[@click=app.quit]``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pilot_wait import until
from rich.text import Text
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Static, TabbedContent

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.choices import DatasetChoice, RunChoice
from linreg_tui.tui.plain import plain, safe, visible
from linreg_tui.tui.screens.dialogs import CodeScreen, DatasetDialog, ExportDialog, SettingsDialog
from linreg_tui.tui.screens.home import EngineStatus, HomeMenu
from linreg_tui.tui.textlog import export_of

HOSTILE = (
    "[a=b",
    "[/]",
    "[b]5",
    "[@click=app.quit]x",
    "\x1b[31mred\x1b[0m",
    "x" * 5000,
    "שלום",
    "测试",
)
IDS = ("open-tag", "close", "bold", "click", "ansi", "long", "rtl", "wide")


def shown(widget: Widget) -> str:
    """The text a Static (or any widget rendering text) puts on screen."""
    visual = widget.render()
    if isinstance(visual, (Text, Content)):
        return visual.plain
    return str(visual)


def quoted(text: str, message: str) -> bool:
    """``message`` quotes ``text``: as is, or as Python's repr writes it."""
    return text in message or repr(text)[1:-1] in message


async def alive(app: LinregApp, pilot) -> None:
    """Everything on screen renders (a markup error would surface here) and the app runs."""
    await pilot.pause()
    app.export_screenshot()
    assert app.is_running and app.return_code is None


def message_of(dialog) -> str:
    box = dialog.query_one("#message", Static)
    assert shown(box) == visible(dialog.message_text)  # verbatim, controls made visible
    assert "\x1b" not in shown(box)
    return dialog.message_text


# -- the helpers themselves -------------------------------------------------------------


def test_controls_become_visible_one_for_one() -> None:
    assert visible("a\x1b[31mb\x07\x9b\x7f") == "a␛[31mb␇\ufffd␡"
    assert visible("tab\tand\nnewline [b]") == "tab\tand\nnewline [b]"
    styled = Text("x\x1by")
    styled.stylize("bold", 0, 3)
    assert safe(styled).plain == "x␛y" and safe(styled).spans == styled.spans
    assert plain("[b]5").plain == "[b]5"


# -- dialogs -------------------------------------------------------------------------------

SETTINGS_TEXT = ("lr", "momentum", "betas", "init_w", "init_b", "seed", "batch", "schedule")


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
async def test_settings_fields(text: str) -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = SettingsDialog(RunChoice())
        await app.push_screen(dialog)
        for name in SETTINGS_TEXT:
            box = dialog.query_one(f"#f-{name}", Input)
            before = box.value
            box.value = text
            box.focus()
            await pilot.press("enter")
            message = message_of(dialog)
            assert quoted(text, message), (name, message)
            assert "settings." not in message  # the field is named by its label
            box.value = before
            await alive(app, pilot)
        assert app.screen is dialog  # nothing was applied, nothing was clicked


async def test_number_fields_are_named_by_their_label() -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = SettingsDialog(RunChoice())
        await app.push_screen(dialog)
        dialog.query_one("#f-lr", Input).value = ""
        await pilot.press("enter")
        assert "Learning rate" in message_of(dialog)
        data = DatasetDialog(DatasetChoice(name="synthetic"))
        await app.push_screen(data)
        data.query_one("#f-size", Input).value = "[b]5"
        data.action_apply()
        message = message_of(data)
        assert "'[b]5'" in message and "Points" in message and "dataset." not in message


@pytest.fixture
def hostile_csv(tmp_path: Path) -> Path:
    """A CSV whose folder, name and bad cell all look like markup."""
    folder = tmp_path / "[b]data [i]"
    folder.mkdir()
    path = folder / "[data]-[@click=app.quit].csv"
    path.write_text("x,y\n1,2\n[red]oops[/red],3\n2,4\n", encoding="utf-8")
    return path


async def test_csv_path_columns_and_the_loaders_messages(hostile_csv: Path) -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = DatasetDialog(DatasetChoice(name=None, csv_path=str(hostile_csv)))
        await app.push_screen(dialog)
        await pilot.pause()
        assert dialog.query_one(TabbedContent).active == "csv"
        dialog.action_apply()
        message = message_of(dialog)  # the bad cell, with the file's name
        assert str(hostile_csv) in message and "[red]oops[/red]" in message
        for text in HOSTILE:
            for field in ("#f-path", "#f-x", "#f-y"):
                dialog.query_one("#f-path", Input).value = str(hostile_csv)
                dialog.query_one(field, Input).value = text
                dialog.action_apply()
                assert quoted(text.strip(), message_of(dialog)), (field, text[:20])
                await alive(app, pilot)
            dialog.query_one("#f-x", Input).value = ""
            dialog.query_one("#f-y", Input).value = ""
        assert app.screen is dialog


@pytest.fixture
def engine_run():
    from linreg_tui.tui.choices import RunChoice as Choice

    choice = Choice()
    from linreg_tui.engine.run import Run

    run = Run(choice.data.load(), choice.config)
    run.step()
    return choice, run


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
async def test_export_and_code_save_paths(text: str, tmp_path: Path, engine_run) -> None:
    choice, run = engine_run
    bad = str(tmp_path / "no such folder" / f"{text[:200]}.csv")
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(100, 40)) as pilot:
        export = ExportDialog(export_of(run))
        await app.push_screen(export)
        export.query_one("#f-path", Input).value = bad
        export.action_apply()
        assert bad in message_of(export)
        await alive(app, pilot)
        app.pop_screen()
        code = CodeScreen(choice)
        await app.push_screen(code)
        code.query_one("#f-path", Input).value = bad
        code.action_save()
        assert bad in message_of(code)
        await alive(app, pilot)


async def test_export_done_notice_quotes_the_path(tmp_path: Path, engine_run) -> None:
    _, run = engine_run
    folder = tmp_path / "[b]x [i] \x1b[31m"
    folder.mkdir()
    path = folder / "[a=b.csv"
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(100, 40)) as pilot:
        export = ExportDialog(export_of(run))
        await app.push_screen(export)
        export.query_one("#f-path", Input).value = str(path)
        export.action_apply()
        await alive(app, pilot)
        assert path.exists()
        assert any(visible(path) in n.message for n in app._notifications)  # noqa: SLF001


# -- Home, lessons and progress ----------------------------------------------------------


def write_course(folder: Path, text: str) -> None:
    folder.mkdir()
    esc = json.dumps  # TOML basic strings share JSON's escapes
    (folder / "01-x.toml").write_text(
        f'id = "x"\norder = 1\ntitle = {{ en = {esc(text[:60])}, zh = {esc(text[:60])} }}\n'
        '[preset]\ndataset = "hours"\n'
        f"[[page]]\ntext.en = {esc('page ' + text)}\ntext.zh = {esc(text)}\n"
        f'[[checkpoint]]\nid = "c"\nkind = "choice"\nanswer = 0\n'
        f"prompt = {{ en = {esc(text)}, zh = {esc(text)} }}\n"
        f"options = {{ en = [{esc(text)}, 'b'], zh = [{esc(text)}, 'b'] }}\n"
        f"hint = {{ en = {esc(text)}, zh = {esc(text)} }}\n"
        f"explain = {{ en = {esc(text)}, zh = {esc(text)} }}\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("text", ["[@click=app.quit]q [a=b [/] \x1b[2J\x1b[31m שלום 测试"])
async def test_lesson_text_and_titles(text: str, tmp_path: Path) -> None:
    from linreg_tui.tui.screens.lesson import LessonScreen, open_lesson

    write_course(tmp_path / "course", text)
    app = LinregApp(lessons_path=tmp_path / "course")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.lessons is not None and app.engine_ready, timeout=120)
        assert app.lessons.course is not None, app.lessons.error
        menu = app.screen.query_one(HomeMenu)
        await until(pilot, lambda: menu.option_count > 5)
        rows = [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)]
        assert any(visible(text[:20]) in row for row in rows)
        open_lesson(app, "x")
        await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
        screen = app.screen
        await until(pilot, lambda: screen.query("#lesson-page"))
        assert shown(screen.query_one("#lesson-page", Static)) == visible("page " + text)
        assert "\x1b" not in screen.sub_title
        await alive(app, pilot)
        await pilot.press(">")  # the checkpoint: prompt, options, help
        await until(pilot, lambda: screen.state is not None)
        assert visible(text) in shown(screen.query_one("#cp-prompt", Static))
        await pilot.press("b")  # wrong: the hint shows
        await until(pilot, lambda: screen.state.outcome is not None)
        assert visible(text) in shown(screen.query_one("#cp-feedback", Static))
        await alive(app, pilot)


async def test_engine_error_on_home() -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for text in HOSTILE:
            app.engine_error = f"ImportError: {text}"
            await pilot.pause()
            assert visible(text) in shown(app.screen.query_one(EngineStatus))
            await alive(app, pilot)


async def test_progress_notice_quotes_the_file(progress_dir: Path) -> None:
    """A corrupt progress file whose bad entry looks like markup: the notice shows it."""
    progress_dir.mkdir(parents=True)
    key = "[@click=app.quit]x/[a=b \x1b[31m"
    bad = {"version": 1, "courses": {"bundled": {"checkpoints": {key: {"result": "?"}}}}}
    (progress_dir / "progress.json").write_text(json.dumps(bad), encoding="utf-8")
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await alive(app, pilot)
        notices = [n.message for n in app._notifications]  # noqa: SLF001
        assert any(visible(repr(key)) in n for n in notices), notices
        await until(pilot, lambda: app.screen.query("Toast"))
        assert any(visible(repr(key)) in shown(t) for t in app.screen.query("Toast"))
    assert list(progress_dir.glob("progress.json.corrupt-*"))


async def test_a_deeply_nested_progress_file_does_not_stop_home(progress_dir: Path) -> None:
    """100,000 ``[`` then ``]``: moved aside with a notice; Home lists the lessons."""
    progress_dir.mkdir(parents=True)
    (progress_dir / "progress.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: app.lessons is not None, timeout=30)
        assert app.lessons.course is not None and app.lessons.progress is not None
        assert "nested too deeply" in (app.lessons.notice or "")
        await until(pilot, lambda: app.screen.query("Toast"))
        await alive(app, pilot)
    assert list(progress_dir.glob("progress.json.corrupt-*"))
