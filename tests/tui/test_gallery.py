"""The gallery from Home: g opens it, ↑↓ show each preset's commentary, Enter opens the
preset as a live view, escape comes back; ``--gallery PATH`` adds a teacher's presets and
refuses a bad file in one line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_wait import until
from textual.widgets import OptionList, Static

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.cli import main
from linreg_tui.tui.screens.gallery import GalleryScreen, PresetScreen

MINE = """id = "mine"
order = 1
title = { en = "[b]Mine[/b] \\u001b[31m", zh = "我的" }
about = { en = "A teacher's [red]own[/red] preset.", zh = "教师自己的预设。" }
try = { en = "Press n.", zh = "按 n。" }

[preset]
dataset = "hours"
bias = false
lr = 0.05
"""


async def _open_gallery(pilot) -> GalleryScreen:
    app = pilot.app
    await pilot.press("g")
    await until(pilot, lambda: isinstance(app.screen, GalleryScreen), what="the gallery")
    screen = app.screen
    await until(pilot, lambda: screen.gallery is not None, what="the presets")
    return screen


def _about(screen: GalleryScreen) -> str:
    return str(screen.query_one("#gallery-about", Static).render())


async def test_gallery_lists_presets_and_opens_one_as_a_live_view() -> None:
    from linreg_tui.tui.screens.compare import CompareView
    from linreg_tui.tui.screens.playground import PlaygroundView

    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_gallery(pilot)
        first = screen.highlighted_entry()
        assert first is not None and first.id == "t1-autograd"
        assert "Tutorial T1" in _about(screen) and "Try:" in _about(screen)
        await pilot.press("down")
        assert screen.highlighted_entry().id == "t2-full-batch"
        assert "Three students" in _about(screen)
        await pilot.press(*["down"] * 4, "enter")  # 6: a learning rate too large
        await until(pilot, lambda: isinstance(app.screen, PresetScreen))
        assert "A learning rate too large" in app.screen.sub_title
        view = app.screen.query_one(PlaygroundView)
        await until(pilot, lambda: view.snapshot is not None, what="the preset's run")
        assert view.session.choices[0].config.lr == 0.25
        await pilot.press("escape")
        assert app.screen is screen and screen.highlighted_entry().id == "lr-too-large"
        await pilot.press(*["down"] * 3, "enter")  # 9: the overwrite bug beside the fix
        await until(pilot, lambda: isinstance(app.screen, PresetScreen))
        compare = app.screen.query_one(CompareView)
        labels = [c.label for c in compare.session.choices]
        assert labels == ["fixed", "overwrite bug"]
        await pilot.press("escape", "escape")
        assert not isinstance(app.screen, (GalleryScreen, PresetScreen))


async def test_gallery_in_chinese() -> None:
    app = LinregApp(lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_gallery(pilot)
        assert "教程 T1" in _about(screen) and "试一试" in _about(screen)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "Tutorial T1" in _about(screen)


async def test_a_teachers_presets_come_last_with_their_text_shown_as_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(MINE, encoding="utf-8")
    app = LinregApp(gallery_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_gallery(pilot)
        menu = screen.query_one(OptionList)
        ids = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        assert ids[-2:] == ["heading:own", "preset:mine"]
        menu.highlighted = len(ids) - 1
        await pilot.pause()
        assert "[red]own[/red]" in _about(screen)  # markup shown, not applied
        prompt = str(menu.get_option_at_index(len(ids) - 1).prompt)
        assert "[b]Mine[/b]" in prompt and "\x1b" not in prompt


def test_cli_refuses_a_bad_gallery_in_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(MINE.replace("lr = 0.05", "lr = -2"), encoding="utf-8")
    assert main(["--gallery", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.toml:10" in err and "learning rate" in err
    assert main(["--gallery", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the gallery" in err


async def test_a_click_on_a_preset_opens_it_once() -> None:
    from linreg_tui.tui.screens.gallery import GalleryList

    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_gallery(pilot)
        await pilot.click(GalleryList, offset=(8, 4))  # row 4: the fourth preset (T4)
        await until(pilot, lambda: isinstance(app.screen, PresetScreen))
        assert app.screen.entry.id == "t4-sgd"
        await pilot.press("escape")
        assert app.screen is screen  # one preset screen was pushed, not two


def test_serve_checks_a_teachers_gallery_before_starting(tmp_path: Path) -> None:
    import argparse

    from linreg_tui.tui.classroom.serve import config_of

    def args(gallery: Path) -> argparse.Namespace:
        return argparse.Namespace(
            data_root=str(tmp_path / "root"), token_file=str(tmp_path / "token"), roster=None,
            course=None, gallery=str(gallery), max_sessions=2, idle_timeout=60, no_skip=False,
        )  # fmt: skip

    good = tmp_path / "mine.toml"
    good.write_text(MINE, encoding="utf-8")
    config, _ = config_of(args(good))
    assert config.gallery == str(good.resolve())
    bad = tmp_path / "bad.toml"
    bad.write_text(MINE.replace('dataset = "hours"', 'dataset = "nope"'), encoding="utf-8")
    with pytest.raises(ValueError, match="bad.toml:8: .*unknown dataset"):
        config_of(args(bad))


async def test_every_bundled_preset_opens_and_steps() -> None:
    from linreg_tui.lessons.gallery import load_gallery
    from linreg_tui.tui.screens.run_view import RunView

    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        for entry in load_gallery().entries:
            app.push_screen(PresetScreen(entry))
            await until(pilot, lambda: isinstance(app.screen, PresetScreen))
            await until(pilot, lambda: app.screen.query(RunView), what=entry.id)
            view = app.screen.query_one(RunView)
            await until(pilot, lambda v=view: v.snapshot is not None, what=entry.id)
            await pilot.press("n", "n")
            await until(pilot, lambda v=view: v.snapshot.runs[0].updates == 2, what=entry.id)
            assert not view._failed, (entry.id, view.message)
            assert len(view.session.choices) == max(1, len(entry.preset.runs))
            await pilot.press("escape")


async def test_a_gallery_that_went_missing_says_why_in_the_list(tmp_path: Path) -> None:
    missing = tmp_path / "[b]gone[/b]"
    app = LinregApp(gallery_path=missing, load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, GalleryScreen))
        screen = app.screen
        await until(pilot, lambda: screen.error, what="the error")
        shown = str(screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert shown.startswith("✗") and "[b]gone[/b]" in shown
        assert screen.highlighted_entry() is None
        await pilot.press("enter")  # nothing to open: nothing happens
        assert app.screen is screen
