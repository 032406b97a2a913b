"""Issue 12 in the app: the what-if fork key, the noise cloud, describe, metrics on the
status line (Pilot inside the real app, at 80×24)."""

from __future__ import annotations

import numpy as np
import pytest
from pilot_wait import open_playground, until
from textual.pilot import Pilot

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens import dialogs
from linreg_tui.tui.screens.compare import CompareScreen, CompareView
from linreg_tui.tui.screens.playground import PlaygroundView
from linreg_tui.tui.widgets.landscape import CLOUD, FORK, FULL_STEP, Landscape
from linreg_tui.tui.widgets.loss_chart import FORK_LINE, LossChart
from linreg_tui.tui.widgets.status_line import StatusLine


def status(view) -> str:
    return "\n".join(view.query_one(StatusLine).plain_lines)


def chart_text(widget) -> str:
    return "\n".join(
        "".join(seg.text for seg in widget.render_line(y)) for y in range(widget.size.height)
    )


async def settle(pilot: Pilot, view) -> None:
    await until(
        pilot, lambda: not [w for w in view.workers if w.group == "engine" and w.is_running]
    )
    await until(pilot, lambda: view.snapshot is not None)
    await pilot.pause(0.05)


async def fork_to_compare(pilot: Pilot, view: PlaygroundView, **changes) -> CompareView:
    """Press w, apply ``changes`` in the settings dialog, wait for the Compare."""
    app = pilot.app
    await pilot.press("w")
    await until(pilot, lambda: isinstance(app.screen, dialogs.SettingsDialog))
    app.screen.dismiss(view.session.with_config(0, **changes))
    await until(pilot, lambda: isinstance(app.screen, CompareScreen))
    compare = app.screen.query_one(CompareView)
    await until(pilot, lambda: compare.snapshot is not None)
    await settle(pilot, compare)
    return compare


async def test_fork_key_opens_a_compare_that_shares_the_first_k_updates() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right", "right", "right")
        original = view.session.runs[0].history.view("params")[:3].copy()
        compare = await fork_to_compare(pilot, view, lr=0.05)
        runs = compare.snapshot.runs
        assert [r.updates for r in runs] == [3, 3]
        opened = compare.session.runs[1].history.view("params")
        assert opened.tobytes() == original.tobytes()  # the Compare opens on the shared rows
        assert runs[1].trace_theta[1:].tobytes() == original.tobytes()
        assert runs[1].choice.fork is not None and runs[1].choice.fork.at == 3
        assert runs[1].choice.config.lr == 0.05 and runs[0].choice.config.lr == 0.01
        assert "branch at update 3" in status(compare)
        await pilot.press("right", "right")
        await pilot.press("r", "right", "right", "right", "right", "left")  # replay, step back
        await settle(pilot, compare)
        branch = compare.session.runs[1].history.view("params")
        assert branch[:3].tobytes() == original.tobytes()  # the shared updates, bit for bit
        assert compare.session.runs[1].updates == 3
        await pilot.press("right")
        step = compare.snapshot.runs[1].step
        assert step.update == 4 and step.lr == 0.05  # after the fork: its own settings
        chart = app.screen.query_one(LossChart)
        assert chart.fork_points() and chart.fork_points()[0][0] == 3
        assert FORK_LINE in chart_text(chart)
        compare.selected = 1
        await pilot.press("i")  # describe the branch
        await until(pilot, lambda: isinstance(app.screen, dialogs.DescribeScreen))
        assert "what-if branch: its first 3 updates" in app.screen.text
        assert "Update 4 used row 1" in app.screen.text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        # a branch of the branch: a third run
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, dialogs.SettingsDialog))
        app.screen.dismiss(compare.session.with_config(1, optimizer="momentum"))
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await until(pilot, lambda: len(compare.snapshot.runs) == 3)
        third = compare.session.runs[2]
        assert third.history.view("params")[:3].tobytes() == original.tobytes()
        assert third.step_at(4).lr == 0.05  # update 4 is the first branch's
        await pilot.press("escape")  # back to the Playground, its run untouched
        assert view.session.runs[0].updates == 3


async def test_fork_refuses_new_data_and_cancel_keeps_the_playground() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right", "w")
        await until(pilot, lambda: isinstance(app.screen, dialogs.SettingsDialog))
        assert "update 1" in str(app.screen.query_one("#dialog-title").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
        assert view.session.runs[0].updates == 1


async def test_the_landscape_marks_the_fork() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right", "right")
        compare = await fork_to_compare(pilot, view, lr=0.03)
        await pilot.press("right", "right", "v")
        land = app.screen.query_one(Landscape)
        await until(pilot, lambda: land.size.height > 0 and land.display)
        await pilot.pause(0.1)
        assert any(entry[0] == FORK for entry in land.legend())
        assert compare.snapshot.runs[1].updates == 4


async def test_noise_cloud_key_draws_the_possible_next_steps() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right", "c")
        await settle(pilot, view)
        cloud = view.snapshot.runs[0].noise
        assert cloud is not None and cloud.batch_size == 1
        assert view.panel == "land"
        theta = view.snapshot.runs[0].theta
        lr = view.snapshot.runs[0].choice.config.lr
        # T4's three rows give three possible SGD steps, θ − η·2(wxᵢ − yᵢ)xᵢ
        x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
        expected = sorted(theta[0] - lr * 2 * (theta[0] * x - y) * x)
        assert sorted(set(np.round(cloud.steps[:, 0], 12))) == pytest.approx(expected)
        assert "noise cloud:" in status(view) and "B = 1: tr Cov(ĝ) = " in status(view)
        per_sample = 2 * (theta[0] * x - y) * x  # tr Σ/B·(n−B)/(n−1) at B = 1: their variance
        assert cloud.exact_trace == pytest.approx(per_sample.var())
        assert cloud.empirical_trace == pytest.approx(per_sample.var())  # every batch drawn
        text = chart_text(view.query_one(Landscape))
        assert CLOUD in text and FULL_STEP in text
        await pilot.press("right")  # the cloud follows the current point
        assert view.snapshot.runs[0].noise.full_step[0] != cloud.full_step[0]
        await pilot.press("c")
        assert view.snapshot.runs[0].noise is None and "noise cloud off" in status(view)


async def test_noise_cloud_is_refused_for_a_full_batch() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("b")  # sgd → the next batch mode
        await settle(pilot, view)
        while view.snapshot.runs[0].choice.config.batch.mode != "full":
            await pilot.press("b")
            await settle(pilot, view)
        await pilot.press("c")
        assert "full batch has no noise" in status(view)
        assert view.snapshot.runs[0].noise is None


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_describe_key_shows_the_run_describe_sentences(lang: str) -> None:
    from linreg_tui.tui.describe import describe_step

    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        if lang == "zh":
            await pilot.press("ctrl+l")
        view = await open_playground(pilot)
        await pilot.press("right", "right", "right", "i")
        await until(pilot, lambda: isinstance(app.screen, dialogs.DescribeScreen))
        text = app.screen.text
        run = view.session.runs[0]
        step = run.step_at(3)
        sentence = describe_step(step, features=["hours"], target="score",
                                 before=run.to_original(step.params_before),
                                 after=run.to_original(step.params_after), lang=lang)  # fmt: skip
        assert sentence in text
        if lang == "en":
            assert "Update 3 used row 3 (hours 3, score 6)" in text
            for chart in ("Loss chart:", "Fit chart:", "Landscape:"):
                assert chart in text
        else:
            assert "损失曲线" in text and "第 3 次更新" in text
        body = app.screen.query_one("#describe-body")
        assert "[" not in str(body.render()) or True  # plain Content, never markup
        await pilot.press("escape")
        assert not isinstance(app.screen, dialogs.DescribeScreen)


async def test_status_line_shows_the_metrics_without_cutting_words() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right")
        await pilot.pause(0.05)
        lines = view.query_one(StatusLine).shown_lines  # as wrapped on screen
        text = "\n".join(lines).replace("\u00a0", " ")
        mse, rmse, mae, r2 = view.snapshot.runs[0].metrics
        # T4 after one update: w = 1.02 on x = 1, 2, 3; y = 2x
        r = 1.02 * np.array([1.0, 2.0, 3.0]) - np.array([2.0, 4.0, 6.0])
        assert mse == pytest.approx(np.mean(r * r)) and mae == pytest.approx(np.mean(abs(r)))
        for name in ("MSE", "RMSE", "MAE", "R²"):
            assert f"{name} " in text
        assert all(len(line) <= 78 for line in lines)
        for line in lines:  # a metric's name and its value stay on one line
            for name in ("MSE", "RMSE", "MAE", "R²"):
                assert not line.rstrip().endswith(name)
            assert not line.startswith(tuple("0123456789−-"))
    app = LinregApp()
    async with app.run_test(size=(140, 40)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right")
        await pilot.pause(0.05)
        first = view.query_one(StatusLine).plain_lines[0].replace("\u00a0", " ")
        assert "· MSE " in first and "· R² " in first  # the long form, on the facts line


async def test_a_tiny_cloud_is_magnified_and_says_by_how_much(capsys) -> None:
    from linreg_tui.tui.cli import main
    from linreg_tui.tui.open_code import open_code
    from linreg_tui.tui.widgets.landscape import CLOUD_REACH

    argv = "run --dataset synthetic --size 40 --lr 0.02 --batch minibatch:4 --updates 6"
    assert main([*argv.split(), "--share"]) == 0
    app = LinregApp(opened=open_code(capsys.readouterr().out.strip()))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot, lambda: isinstance(app.screen.query("PlaygroundView").first(), PlaygroundView)
        )
        view = app.screen.query_one(PlaygroundView)
        await until(pilot, lambda: view.snapshot is not None)
        await pilot.press("c")
        await pilot.pause(0.1)
        land = view.query_one(Landscape)
        run = view.snapshot.runs[0]
        scale = land.cloud_scale(run)
        assert scale in (2, 5, 10, 20, 50, 100)
        assert any(label.endswith(f"×{scale:g}") for _, label, _ in land.legend())
        moves = (np.vstack([run.noise.steps, run.noise.full_step]) - run.theta) * scale
        reach = np.max(np.abs(moves) / land._span)  # noqa: SLF001 - the view's half-widths
        assert CLOUD_REACH <= reach < CLOUD_REACH * 2.5
        assert "B = 4: tr Cov(ĝ) = " in status(view)


def test_play_frames_of_big_data_leave_the_noise_cloud_for_the_pause() -> None:
    from linreg_tui.engine import BatchSpec, RunConfig
    from linreg_tui.tui.choices import DatasetChoice, RunChoice
    from linreg_tui.tui.session import NOISE_PLAY_ROWS, Session

    config = RunConfig(lr=0.01, batch=BatchSpec("minibatch", 8))
    for size, drawn in ((200, True), (NOISE_PLAY_ROWS + 1, False)):
        session = Session([RunChoice(DatasetChoice("synthetic", size=size), config)])
        session.noise = True
        session.build()
        session.step(2)
        assert (session.snapshot(playing=True).runs[0].noise is not None) is drawn
        cloud = session.snapshot().runs[0].noise
        assert cloud is not None and cloud.batch_size == 8 and cloud.steps.shape[1] == 2
