"""The app shell driven by Pilot: keys, screens, language, engine loading, lessons, size."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pilot_wait import until

from linreg_tui.tui.app import LinregApp, run_app
from linreg_tui.tui.i18n import t
from linreg_tui.tui.screens.help import HelpScreen
from linreg_tui.tui.screens.home import EngineStatus, HomeMenu, HomeScreen
from linreg_tui.tui.screens.too_small import TooSmallScreen

LESSON = """id = "{id}"
order = {order}
title = {{ en = "{en}", zh = "{zh}" }}

[preset]
dataset = "hours"
{pages}"""
PAGE = '\n[[page]]\ntext.en = "Page."\ntext.zh = "页。"\n'


def write_course(folder: Path) -> Path:
    """Two small lessons: "first" (two pages) and "second" (one page)."""
    folder.mkdir(parents=True, exist_ok=True)
    for order, (lid, en, zh, pages) in enumerate(
        [("first", "A model and its loss", "模型与损失", 2), ("second", "The gradient", "梯度", 1)],
        start=1,
    ):
        text = LESSON.format(id=lid, order=order, en=en, zh=zh, pages=PAGE * pages)
        (folder / f"0{order}-{lid}.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course")


def screen_text(app: LinregApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notices(app: LinregApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_importing_the_app_does_not_import_torch() -> None:
    code = "import sys, linreg_tui.tui.app; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_home_says_the_engine_is_loading_until_it_is_ready(course: Path) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Loading the engine" in screen_text(app)
        assert not app.query_one(EngineStatus).has_class("-ready")
        app.engine_ready = True
        await pilot.pause()
        assert "Engine ready" in screen_text(app) and "Loading" not in screen_text(app)
        assert app.query_one(EngineStatus).has_class("-ready")


async def test_the_engine_loads_in_a_background_worker(course: Path) -> None:
    app = LinregApp(lessons_path=course)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.engine_ready)
        assert "torch" in sys.modules and "linreg_tui.engine.run" in sys.modules
        await pilot.pause()
        assert "✓ Engine ready." in screen_text(app)


async def test_home_lists_lessons_with_marks_and_resumes(course: Path, progress_dir: Path) -> None:
    from linreg_tui.lessons.loader import course_key
    from linreg_tui.lessons.progress import ProgressStore

    ProgressStore(progress_dir).update(lambda p: p.course(course_key(course)).mark_done("first"))
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await pilot.pause()
        text = screen_text(app)
        assert "Lessons: 1 of 2 done" in text
        first = next(line for line in text.splitlines() if "A model and its loss" in line)
        second = next(line for line in text.splitlines() if "The gradient" in line)
        assert first.lstrip().startswith("✓") and "100%" in first
        assert second.lstrip().startswith("○") and "0%" in second and "continue here" in second
        assert app.query_one(HomeMenu).highlighted_option.id == "lesson:second"


async def test_lesson_titles_follow_the_language(course: Path) -> None:
    app = LinregApp(lang="zh", lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await pilot.pause()
        text = screen_text(app)
        assert "模型与损失" in text and "课程：已完成 0 / 2" in text
        assert "A model and its loss" not in text


async def test_enter_on_a_lesson(course: Path) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await pilot.pause()
        assert app.query_one(HomeMenu).highlighted_option.id == "lesson:first"
        await pilot.press("enter")
        await pilot.pause()
        await until(pilot, lambda: type(app.screen).__name__ == "LessonScreen")
        assert app.screen.lesson.id == "first"


async def test_a_broken_course_is_explained_not_fatal(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "01.toml").write_text('id = "x"\norder = "one"\n', encoding="utf-8")
    app = LinregApp(lessons_path=folder, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await pilot.pause()
        assert app.lessons.course is None and app.lessons.error
        assert "No lessons found" in screen_text(app)
        assert isinstance(app.screen, HomeScreen)


async def test_arrows_and_enter_open_help_and_escape_returns(course: Path) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    posted: list[object] = []
    async with app.run_test(message_hook=posted.append) as pilot:
        await until(pilot, lambda: app.lessons is not None)
        menu = app.query_one(HomeMenu)
        for _ in range(10):
            if menu.highlighted_option.id == "view:help":
                break
            await pilot.press("down")
        assert menu.highlighted_option.id == "view:help"
        await pilot.press("enter")
        assert isinstance(app.screen, HelpScreen)
        assert isinstance(app.screen, HelpScreen)  # Home asks the app, which opens it
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_question_mark_opens_help_once(course: Path) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Everywhere" in text and "What it does" in text  # its first section
        await pilot.press("question_mark")  # ? again closes it: no second copy
        assert [type(s) for s in app.screen_stack] == [HomeScreen]


async def test_q_quits(course: Path) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app._exit and app.return_code == 0


@pytest.mark.parametrize("key", ["ctrl+l", "l"])
async def test_language_switch_changes_visible_text(course: Path, key: str) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await pilot.pause()
        assert t("home.tagline", "en") in screen_text(app)
        await pilot.press(key)
        await pilot.pause()
        assert app.lang == "zh"
        text = screen_text(app)
        assert t("home.tagline", "zh") in text and "模型与损失" in text
        assert "练习场" in text.splitlines()[-1]  # the footer too
        assert not list(app._notifications)  # noqa: SLF001 - no toast over Home's legend
        await pilot.press(key)
        await pilot.pause()
        assert app.lang == "en" and t("home.tagline", "en") in screen_text(app)


async def test_help_follows_the_language(course: Path) -> None:
    app = LinregApp(lang="zh", lessons_path=course, load_engine=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert "练习场与对比视图" in screen_text(app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "Playground and Compare" in screen_text(app)


@pytest.mark.parametrize(("key", "view"), [("p", "playground"), ("c", "compare")])
async def test_p_and_c_open_the_views(course: Path, key: str, view: str) -> None:
    app = LinregApp(lessons_path=course)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        await pilot.press(key)
        await pilot.pause()
        assert type(app.screen).__name__ == f"{view.capitalize()}Screen"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_a_view_opens_at_once_while_the_engine_loads(course: Path) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert type(app.screen).__name__ == "PlaygroundScreen"  # its frame, loading
        view = app.screen.query_one("#playground")
        assert view.snapshot is None
        app._load_engine()  # what the app does after its first paint
        await until(pilot, lambda: app.engine_ready and view.snapshot is not None)


async def test_a_too_small_terminal_shows_a_message_until_enlarged(course: Path) -> None:
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "too small" in screen_text(app) and "60×20" in screen_text(app)
        await pilot.press("question_mark")  # keys other than q do nothing here
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert isinstance(app.screen, HomeScreen)
        await pilot.resize_terminal(79, 30)
        await pilot.pause(0.1)
        assert isinstance(app.screen, TooSmallScreen) and "79×30" in screen_text(app)
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.1)
        assert [type(s) for s in app.screen_stack] == [HomeScreen]


async def test_the_too_small_message_speaks_chinese() -> None:
    app = LinregApp(lang="zh", load_engine=False)
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        assert "终端窗口太小" in screen_text(app)


def test_no_mouse_reaches_textual(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(self: LinregApp, **kwargs: object) -> None:
        seen.update(kwargs, lang=self.lang, lessons=self.lessons_path, smoke=self.smoke)

    monkeypatch.setattr(LinregApp, "run", fake_run)
    assert run_app(lang="zh", mouse=False, lessons_path="x") == 0
    assert seen == {"mouse": False, "headless": False, "lang": "zh", "lessons": "x", "smoke": False}


def test_headless_smoke_run_exits_zero_once_the_engine_is_loaded(tmp_path: Path) -> None:
    code = "from linreg_tui.tui.app import run_app; raise SystemExit(run_app(headless_smoke=True))"
    env = {**os.environ, "LINREG_TUI_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]


async def test_smoke_mode_waits_for_the_engine(course: Path) -> None:
    app = LinregApp(lessons_path=course, smoke=True, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await asyncio.sleep(0.1)
        assert not app._exit  # Home is up, but the engine is not: keep waiting
        app.engine_ready = True
        await pilot.pause()
        assert app._exit and app.return_code == 0


async def test_a_corrupt_progress_file_is_reported_and_home_still_opens(
    course: Path, progress_dir: Path
) -> None:
    progress_dir.mkdir(parents=True)
    (progress_dir / "progress.json").write_text("{not json", encoding="utf-8")
    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        await pilot.pause()
        assert any("moved it to progress.json.corrupt" in n for n in notices(app))
        assert "Lessons: 0 of 2 done" in screen_text(app)


async def test_home_shows_new_progress_when_it_comes_back(course: Path, progress_dir: Path) -> None:
    from linreg_tui.lessons.loader import course_key
    from linreg_tui.lessons.progress import ProgressStore

    app = LinregApp(lessons_path=course, load_engine=False)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.lessons is not None)
        assert "Lessons: 0 of 2 done" in screen_text(app)
        await pilot.press("question_mark")
        ProgressStore(progress_dir).update(
            lambda p: p.course(course_key(course)).mark_done("first")
        )
        await pilot.press("escape")
        await until(pilot, lambda: "Lessons: 1 of 2 done" in screen_text(app), timeout=10)
