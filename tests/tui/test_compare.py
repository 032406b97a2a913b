"""The Compare view driven by Pilot inside the real app: runs, lockstep, axis, selection."""

from __future__ import annotations

from pilot_wait import until
from textual.pilot import Pilot

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens import dialogs
from linreg_tui.tui.screens.compare import CompareScreen, CompareView, compare_choices
from linreg_tui.tui.screens.home import HomeScreen
from linreg_tui.tui.session import RunChanged
from linreg_tui.tui.widgets.compare_table import CompareTable
from linreg_tui.tui.widgets.landscape import Landscape
from linreg_tui.tui.widgets.loss_chart import LossChart
from linreg_tui.tui.widgets.run_panel import RunPanel
from linreg_tui.tui.widgets.status_line import StatusLine


async def open_compare(pilot: Pilot) -> CompareView:
    app = pilot.app
    await until(pilot, lambda: app.engine_ready)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, CompareScreen))
    view = app.screen.query_one(CompareView)
    await until(pilot, lambda: view.snapshot is not None)
    await pilot.pause()
    return view


def updates(view: CompareView) -> list[int]:
    return [r.updates for r in view.snapshot.runs]


def status(view: CompareView) -> str:
    return "\n".join(view.query_one(StatusLine).plain_lines)


async def settle(pilot: Pilot, view: CompareView) -> None:
    await until(
        pilot, lambda: not [w for w in view.workers if w.group == "engine" and w.is_running]
    )
    await pilot.pause(0.05)


def test_default_runs_share_data_start_and_rate() -> None:
    choices = compare_choices()
    assert [str(c.config.batch) for c in choices] == ["full", "sgd", "minibatch:4"]
    assert len({c.data for c in choices}) == 1
    assert {c.config.lr for c in choices} == {0.02}
    assert {(c.config.init_w, c.config.init_b) for c in choices} == {(None, 0.0)}
    assert [c.label for c in choices] == ["full batch", "SGD", "mini-batch 4"]


async def test_three_runs_step_and_play_in_lockstep() -> None:
    messages: list = []
    app = LinregApp()
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        view = await open_compare(pilot)
        assert len(view.query_one(CompareTable).plain_lines[0].split()) == 7  # ▶ 1 • 2 x 3 +
        await pilot.press("right", "right", "left")
        assert updates(view) == [1, 1, 1]
        indexes = {m.index for m in messages if isinstance(m, RunChanged)}
        assert indexes == {0, 1, 2}
        await pilot.press("space")
        await until(pilot, lambda: min(updates(view)) >= 10)
        await pilot.press("space")
        await pilot.pause(0.2)
        done = updates(view)
        assert len(set(done)) == 1  # lockstep by updates
        row = next(r for r in view.query_one(CompareTable).plain_lines if r.startswith("updates"))
        assert row.split()[1:] == [str(done[0])] * 3


async def test_axis_key_changes_what_the_runs_are_aligned_by() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        await pilot.press("u")
        assert view.snapshot.alignment == "epochs"
        assert "epochs" in view.query_one(LossChart).last_grid.lines()[0]
        for _ in range(50):
            await pilot.press("right")
        assert updates(view) == [0, 50, 12]  # half an epoch each
        await pilot.press("u", "u", "u")
        assert view.snapshot.alignment == "updates"
        assert "lockstep by updates" in status(view)


async def test_select_add_and_remove_runs() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        await pilot.press("2")
        assert view.selected == 1 and "▶ 2 x" in view.query_one(CompareTable).plain_lines[0]
        await pilot.press("tab")
        assert view.selected == 2
        await pilot.press("4")
        assert view.selected == 2 and "no run 4" in status(view)
        await pilot.press("a")
        await settle(pilot, view)
        assert len(view.snapshot.runs) == 4
        assert view.snapshot.runs[3].choice.config.optimizer == "momentum"
        await pilot.press("a")
        assert "at most 4" in status(view)
        await pilot.press("4", "x")
        await pilot.pause()
        assert len(view.snapshot.runs) == 3
        assert "4 o" not in view.query_one(CompareTable).plain_lines[0]
        await pilot.press("x")
        assert len(view.snapshot.runs) == 2
        await pilot.press("x")
        assert "at least 2" in status(view)


async def test_settings_and_lr_of_the_selected_run_only() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        await pilot.press("2", "right_square_bracket")
        await settle(pilot, view)
        assert [r.choice.config.lr for r in view.snapshot.runs] == [0.02, 0.04, 0.02]
        await pilot.press("3", "s")
        assert isinstance(app.screen, dialogs.SettingsDialog)
        app.screen.dismiss(view.session.with_config(2, optimizer="adam"))
        await settle(pilot, view)
        third = view.snapshot.runs[2]
        assert third.choice.config.optimizer == "adam"
        assert third.label == "mini-batch 4 + adam"
        await pilot.press("b")  # selected run: minibatch → full
        await settle(pilot, view)
        assert str(view.snapshot.runs[2].choice.config.batch) == "full"


async def test_charts_log_scale_and_escape() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        loss, land = view.query_one(LossChart), view.query_one(Landscape)
        assert loss.log_scale and loss.display and not land.display
        title = loss.last_grid.lines()[0]  # at 80 columns the legend numbers the runs
        assert "x 2" in title and "+ 3" in title and "L* 1.07706" in title
        await pilot.press("v")
        assert land.display and not loss.display
        await pilot.press("y")
        assert not loss.log_scale
        await pilot.press("e")
        await settle(pilot, view)
        assert updates(view)[1] == 100  # SGD made one epoch of 100 rows
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_wide_terminal_shows_both_charts() -> None:
    app = LinregApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_compare(pilot)
        assert view.has_class("-wide")
        loss, land = view.query_one(LossChart), view.query_one(Landscape)
        assert loss.display and land.display
        assert loss.size.width > 40 and land.size.width > 40
        await pilot.press("right")
        await pilot.pause(0.1)
        panels = [p for p in view.query(RunPanel) if p.display]
        assert len(panels) == 3 and all(p.size.height >= 6 for p in panels)


async def test_new_data_moves_every_run_at_once() -> None:
    from linreg_tui.tui.choices import DatasetChoice

    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, dialogs.DatasetDialog)
        app.screen.dismiss(DatasetChoice("hours"))
        await settle(pilot, view)
        runs = view.snapshot.runs
        assert {r.facts.n for r in runs} == {3}
        assert [str(r.choice.config.batch) for r in runs] == ["full", "sgd", "minibatch:2"]
        assert {r.choice.config.lr for r in runs} == {0.01}  # the catalogue's suggestion
        assert "suggested settings" in status(view)


async def test_run_labels_follow_the_language() -> None:
    """ctrl+l relabels the runs the app named (their history stays); switching back restores."""
    app = LinregApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_compare(pilot)
        await pilot.press("n", "n")
        await settle(pilot, view)
        before = updates(view)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: [r.label for r in view.snapshot.runs][1] == "随机(SGD)")
        labels = [c.label for c in view.session.choices]
        assert labels == [c.label for c in compare_choices("zh")]
        assert updates(view) == before  # relabelled, not rebuilt
        await pilot.press("ctrl+l")
        await until(pilot, lambda: [r.label for r in view.snapshot.runs][1] == "SGD")
        assert [c.label for c in view.session.choices] == ["full batch", "SGD", "mini-batch 4"]
