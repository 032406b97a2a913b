"""The Playground driven by Pilot inside the real app: every key, and what it changed."""

from __future__ import annotations

import pytest
from pilot_wait import open_playground, until
from rich.cells import cell_len
from textual.pilot import Pilot

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.choices import DatasetChoice
from linreg_tui.tui.screens import dialogs
from linreg_tui.tui.screens.help import HelpScreen
from linreg_tui.tui.screens.home import HomeScreen
from linreg_tui.tui.screens.playground import PlaygroundScreen, PlaygroundView, t4_choice
from linreg_tui.tui.screens.run_choices import adapt_to_data, label_for
from linreg_tui.tui.screens.run_view import RunCommands, batch_cycle
from linreg_tui.tui.session import RunChanged
from linreg_tui.tui.widgets.fit_chart import FitChart
from linreg_tui.tui.widgets.loss_chart import LossChart
from linreg_tui.tui.widgets.status_line import StatusLine
from linreg_tui.tui.widgets.step_panel import StepPanel


def run(view: PlaygroundView):
    return view.snapshot.runs[0]


def status(view: PlaygroundView) -> str:
    return "\n".join(view.query_one(StatusLine).plain_lines)


async def settle(pilot: Pilot, view: PlaygroundView) -> None:
    """Wait for the view's engine workers (rebuilds, epochs) to finish."""
    await until(
        pilot, lambda: not [w for w in view.workers if w.group == "engine" and w.is_running]
    )
    await pilot.pause(0.05)


async def test_step_back_and_forth_reads_t4s_numbers() -> None:
    messages: list = []
    app = LinregApp()
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right", "n", "right")
        assert run(view).updates == 3
        assert run(view).step.grad[0] == pytest.approx(-16.2288)
        await pilot.press("left")
        assert run(view).updates == 2
        panel = "\n".join(view.query_one(StepPanel).plain_lines)
        assert "= -7.84" in panel and "= 1.0984" in panel
        unique = {id(m): m for m in messages if isinstance(m, RunChanged)}  # hook sees bubbling
        assert [m.updates for m in unique.values()][-4:] == [1, 2, 3, 2]


async def test_space_plays_and_pauses() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("plus", "plus", "plus")  # 5 → 50 updates per second
        assert view.session.speed == 50
        await pilot.press("space")
        assert view.playing and "▶" in status(view)
        await until(pilot, lambda: run(view).updates >= 5)
        await pilot.press("space")
        assert not view.playing
        await pilot.pause(0.2)
        stopped = run(view).updates
        await pilot.pause(0.3)
        assert run(view).updates == stopped
        assert "⏸" in status(view)
        await pilot.press("minus")
        assert view.session.speed == 20


async def test_epoch_fast_forward_and_reset() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("e")
        await until(pilot, lambda: run(view).updates == 3)  # T4: 3 updates per epoch
        await pilot.press("f")
        await until(pilot, lambda: run(view).updates == 33)  # 10 epochs more
        await pilot.press("F")  # fast-forward length 10 → 100
        assert view.ff_epochs == 100
        await pilot.press("r")
        assert run(view).updates == 0 and run(view).step is None


async def test_learning_rate_keys_rebuild_the_run_and_warn_when_too_large() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right", "right")
        await pilot.press("right_square_bracket")
        await settle(pilot, view)
        assert run(view).choice.config.lr == pytest.approx(0.02)
        assert run(view).updates == 0  # restarted, same data
        assert "restarts" in status(view)
        await pilot.press("left_square_bracket")
        await settle(pilot, view)
        assert run(view).choice.config.lr == pytest.approx(0.01)
        for _ in range(5):  # 0.32 ≥ 2/λmax = 0.214 for the hours data
            await pilot.press("right_square_bracket")
            await settle(pilot, view)
        assert run(view).choice.config.lr == pytest.approx(0.32)
        assert "0.214286" in status(view)


async def test_a_diverging_run_stops_and_says_where_and_why() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        for _ in range(5):
            await pilot.press("right_square_bracket")
            await settle(pilot, view)
        await pilot.press("plus", "plus", "plus", "plus")
        await pilot.press("space")
        await until(pilot, lambda: run(view).status == "diverged")
        await until(pilot, lambda: not view.playing)
        assert f"diverged at update {run(view).diverged_at}" in status(view)
        assert "largest stable lr ≈ 0.214286" in status(view)
        panel = "\n".join(view.query_one(StepPanel).plain_lines)
        assert "blew up" in panel and "below ≈ 0.214286" in panel  # the advice names the rate
        for widget in (view.query_one(StatusLine), view.query_one(StepPanel)):
            width = widget.scrollable_content_region.width
            assert all(cell_len(line) <= width for line in widget.shown_lines)  # nothing cut
            assert " ".join(widget.shown_lines).split() == " ".join(widget.plain_lines).split()
        await pilot.press("r")  # still responsive
        assert run(view).updates == 0


async def test_fast_forwarding_into_a_divergence_names_the_update() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        for _ in range(6):
            await pilot.press("right_square_bracket")
            await settle(pilot, view)
        await pilot.press("f")
        await until(pilot, lambda: run(view).status == "diverged")
        await settle(pilot, view)
        assert f"diverged at update {run(view).diverged_at}" in status(view)
        assert "fast-forwarded" not in status(view)


async def test_batch_optimizer_and_gradient_keys_cycle() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("b")
            await settle(pilot, view)
            seen.append(str(run(view).choice.config.batch))
        assert seen == ["minibatch:2", "full", "sgd"]  # hours has 3 rows: mini-batches of 2
        await pilot.press("m")
        await settle(pilot, view)
        assert run(view).choice.config.optimizer == "momentum"
        await pilot.press("g")
        await settle(pilot, view)
        assert run(view).choice.config.grad == "autograd"
        await pilot.press("right")
        assert run(view).step.grad[0] == pytest.approx(-2.0)  # same numbers by autograd


def test_batch_cycle_on_bigger_data() -> None:
    from linreg_tui.engine.config import BatchSpec

    assert str(batch_cycle(BatchSpec("sgd"), 100)) == "minibatch:4"
    assert str(batch_cycle(BatchSpec("minibatch", 4), 100)) == "full"


def test_new_data_takes_the_catalogues_suggestions() -> None:
    from linreg_tui.engine.config import BatchSpec

    t4 = t4_choice().config
    housing, suggested = adapt_to_data(t4, DatasetChoice("housing"), 500, keep_batch=False)
    assert suggested and housing.lr == pytest.approx(4e-5) and housing.bias
    assert housing.init_w is None and str(housing.batch) == "full"
    mini = t4.with_(batch=BatchSpec("minibatch", 4))
    hours, _ = adapt_to_data(mini, DatasetChoice("hours"), 3, keep_batch=True)
    assert str(hours.batch) == "minibatch:2" and hours.init_w == (1.0,)
    csv, suggested = adapt_to_data(t4, DatasetChoice(None, csv_path="mine.csv"), 10)
    assert not suggested and csv.init_w is None and csv.lr == t4.lr
    assert label_for(t4.with_(optimizer="adam"), "en") == "SGD + adam"
    assert label_for(mini, "zh") == "小批量 4"


async def test_dialog_keys_push_the_dialogs_and_use_their_results() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, dialogs.SettingsDialog)
        app.screen.dismiss(None)  # cancelled: nothing changes
        await pilot.pause()
        assert run(view).choice.config.lr == pytest.approx(0.01)
        await pilot.press("s")
        choice = view.session.choices[0]
        app.screen.dismiss(view.session.with_config(0, lr=0.05))
        await settle(pilot, view)
        assert run(view).choice.config.lr == pytest.approx(0.05)
        assert run(view).choice.data == choice.data

        await pilot.press("d")
        assert isinstance(app.screen, dialogs.DatasetDialog)
        app.screen.dismiss(DatasetChoice("tutorial15"))
        await settle(pilot, view)
        assert run(view).facts.n == 15 and run(view).choice.config.bias
        assert "suggested settings" in status(view)

        await pilot.press("k")
        assert isinstance(app.screen, dialogs.CodeScreen)
        await pilot.press("escape")
        await pilot.press("o")
        assert isinstance(app.screen, dialogs.ExportDialog)
        await pilot.press("escape")
        assert isinstance(app.screen, PlaygroundScreen)


async def test_chart_keys_and_panels() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        assert view.panel == "step" and view.query_one(StepPanel).display
        await pilot.press("2")
        assert view.panel == "fit"
        assert view.query_one(FitChart).display and not view.query_one(StepPanel).display
        await pilot.press("l")
        assert view.query_one(FitChart).show_lsq
        await pilot.press("tab")
        assert view.panel == "loss"
        await pilot.press("y")
        assert view.query_one(LossChart).log_scale
        await pilot.press("tab", "tab")
        assert view.panel == "step"
        await pilot.press("4", "p")  # one parameter: the landscape is the curve L(w)
        assert view.panel == "land" and "(w, w)" in status(view)
        await pilot.press("v")  # one feature: the fit chart stays y against x
        assert view.query_one(FitChart).view == 0


async def test_escape_goes_back_home() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, PlaygroundScreen)
        await pilot.press("space")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.pause(0.2)
        assert not view.playing


async def test_resizing_switches_between_tabs_and_everything() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right")
        assert not view.has_class("-wide")
        panels = [view.query_one(f"#{name}") for name in ("step", "fit", "loss", "land")]
        assert [p.display for p in panels] == [True, False, False, False]
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.1)
        assert view.has_class("-wide")
        assert all(p.display for p in panels)
        assert all(p.size.width > 20 and p.size.height > 8 for p in panels)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert not view.has_class("-wide")
        assert [p.display for p in panels] == [True, False, False, False]
        await pilot.resize_terminal(100, 30)  # the README's promise: every panel from 100×30
        await pilot.pause(0.1)
        assert view.has_class("-wide") and all(p.display for p in panels)
        await pilot.resize_terminal(99, 30)
        await pilot.pause(0.1)
        assert not view.has_class("-wide")


async def test_the_view_says_it_is_loading_until_the_engine_is_ready() -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PlaygroundScreen())
        await pilot.pause(0.1)
        view = app.screen.query_one(PlaygroundView)
        assert "Loading the engine" in status(view)
        await pilot.press("right")  # taken and queued, not lost
        assert view.snapshot is None
        app.engine_ready = True
        await until(pilot, lambda: view.snapshot is not None and not view.busy)
        assert run(view).updates == 1
        await pilot.press("right")
        assert run(view).updates == 2


async def test_command_palette_lists_the_keys() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_playground(pilot)
        labels = [label for label, _, _ in RunCommands(app.screen)._items()]
        assert any(label.startswith("Next") for label in labels)
        assert any("lr ×2" in label for label in labels)


async def test_chinese_labels() -> None:
    app = LinregApp(lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right")
        assert "第 1 次更新" in status(view)
        assert "练习场" in app.screen.sub_title


def screen_text(app: LinregApp) -> str:
    """What the terminal shows now (the compositor's picture, caches included)."""
    return "\n".join(
        "".join(segment.text for segment in strip)
        for strip in app.screen._compositor.render_strips()  # noqa: SLF001
    )


async def test_every_panel_is_current_when_it_is_shown_again() -> None:
    """Issue: at 80×24, p 2 3 1 → → → 2 showed the fit line of update 0 and the loss chart
    of update 0; each panel must show the latest update when it becomes visible."""
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("2", "3", "1", "right", "right", "right", "2")
        await pilot.pause(0.1)
        assert run(view).updates == 3
        assert "ŷ = 1.26·x" in screen_text(app)  # w after T4's third update, 1.26069
        await pilot.press("3")
        await pilot.pause(0.1)
        chart = view.query_one(LossChart)
        rows = screen_text(app).splitlines()
        below = next(i for i, row in enumerate(rows) if "L*" in row) + 1  # under the legend
        drawn = sum(row.count("•") for row in rows[below:-1])
        assert drawn == 4 == sum(row.count("•") for row in chart.last_grid.lines()[1:])
