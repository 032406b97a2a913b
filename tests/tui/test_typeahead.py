"""Type-ahead: keys typed while a view opens, while the engine loads or while a run is rebuilt
are applied in order once the view is ready; leaving a view keeps its runs.

Keys are posted to the app in one go (``burst``) — the way a fast typist's keys sit in the
terminal's input together — instead of ``pilot.press``, which waits between keys.
"""

from __future__ import annotations

from pilot_wait import until
from textual import events
from textual.pilot import Pilot

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens.compare import CompareScreen, CompareView
from linreg_tui.tui.screens.home import HomeScreen
from linreg_tui.tui.screens.playground import PlaygroundScreen, PlaygroundView
from linreg_tui.tui.screens.run_view import RunView

CHARACTERS = {"space": " ", "right_square_bracket": "]", "left_square_bracket": "["}


def burst(app: LinregApp, *keys: str) -> None:
    """Post every key at once, without waiting for the app between them."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))


async def view_of(pilot: Pilot, screen_type: type) -> RunView:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, screen_type), what="the view's screen")
    view = app.screen.query_one(RunView)
    await until(pilot, lambda: view.ready and not view.busy, what="the runs")
    return view


async def test_c_then_space_plays_compare() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        burst(app, "c", "space")
        view = await view_of(pilot, CompareScreen)
        await until(pilot, lambda: view.playing or view.snapshot.runs[0].updates > 0)


async def test_p_then_three_n_shows_update_3() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        burst(app, "p", "n", "n", "n")
        view = await view_of(pilot, PlaygroundScreen)
        # The keys may still be on their way through the app: wait for them, not a fixed time.
        await until(pilot, lambda: view.snapshot.runs[0].updates == 3, timeout=10)
        await pilot.pause(0.1)
        assert view.snapshot.runs[0].updates == 3 and not view.busy


async def test_keys_typed_before_the_engine_loaded_wait_for_it() -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "p", "n", "n", "2")
        await until(pilot, lambda: isinstance(app.screen, PlaygroundScreen))
        view = app.screen.query_one(PlaygroundView)
        await pilot.pause(0.1)
        assert view.snapshot is None and view.panel == "step"  # the frame, waiting
        assert "Loading the engine" in "\n".join(
            strip.text for strip in app.screen._compositor.render_strips()
        )
        app._load_engine()
        await until(pilot, lambda: view.ready and view.panel == "fit", timeout=60)
        assert view.snapshot.runs[0].updates == 2  # the steps, typed before the panel key


async def test_keys_typed_during_a_rebuild_act_on_the_new_run() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        await pilot.press("p")
        view = await view_of(pilot, PlaygroundScreen)
        lr = view.snapshot.runs[0].lr
        burst(app, "right_square_bracket", "right_square_bracket", "n")
        await until(pilot, lambda: view.snapshot.runs[0].updates == 1 and not view.busy)
        assert view.snapshot.runs[0].lr == lr * 4  # both ] counted, then the step


async def test_escape_drops_keys_still_waiting() -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "p", "space")
        await until(pilot, lambda: isinstance(app.screen, PlaygroundScreen))
        view = app.screen.query_one(PlaygroundView)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        app._load_engine()
        await until(pilot, lambda: view.ready)
        await pilot.pause(0.1)
        assert not view.playing and view.snapshot.runs[0].updates == 0


async def test_the_playground_keeps_its_run_until_new_run() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        await pilot.press("p")
        view = await view_of(pilot, PlaygroundScreen)
        await pilot.press("m", "right_square_bracket")
        await until(pilot, lambda: not view.busy)
        await pilot.press("n", "n", "3")
        before = view.snapshot.runs[0]
        assert before.updates == 2 and before.choice.config.optimizer != "sgd"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("p")
        again = await view_of(pilot, PlaygroundScreen)
        assert again is view and view.panel == "loss"
        run = view.snapshot.runs[0]
        assert (run.updates, run.lr, run.choice.config) == (2, before.lr, before.choice.config)
        await pilot.press("N")
        await until(pilot, lambda: not view.busy and view.snapshot.runs[0].lr == 0.01)
        run = view.snapshot.runs[0]
        assert run.updates == 0 and run.choice.config.optimizer == "sgd"


async def test_compare_keeps_its_runs_until_new_run() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        await pilot.press("c")
        view = await view_of(pilot, CompareScreen)
        await pilot.press("a")
        await until(pilot, lambda: len(view.snapshot.runs) == 4 and not view.busy)
        await pilot.press("n", "n")
        await pilot.press("escape", "c")
        again = await view_of(pilot, CompareScreen)
        assert again is view
        assert len(view.snapshot.runs) == 4 and view.snapshot.runs[0].updates == 2
        await pilot.press("N")
        await until(pilot, lambda: len(view.snapshot.runs) == 3 and not view.busy)
        assert [run.updates for run in view.snapshot.runs] == [0, 0, 0]
        assert isinstance(view, CompareView)


async def test_keys_waiting_for_an_engine_that_failed_are_dropped_and_greyed() -> None:
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "p", "n")
        await until(pilot, lambda: isinstance(app.screen, PlaygroundScreen))
        view = app.screen.query_one(PlaygroundView)
        await until(pilot, lambda: view.busy and view._queue, what="the queued step")
        app.engine_error = "ImportError: no torch"
        await pilot.pause(0.05)
        assert "no torch" in view.message and not view._queue
        assert view.check_action("step", ()) is None  # greyed: no runs are coming
