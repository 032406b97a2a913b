"""The compare table, the per-run panels, small multiples and run markers, in the real app.

Expected numbers come from the engine itself (a Run built from the same choice, stepped
the same number of times), never from the widgets' formatting.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import pytest
from pilot_wait import until
from rich.cells import cell_len
from textual.pilot import Pilot

from linreg_tui.engine.run import Run
from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.choices import RunChoice
from linreg_tui.tui.render.plot_grid import RUN_MARKERS
from linreg_tui.tui.screens.compare import CompareScreen, CompareView, compare_choices
from linreg_tui.tui.widgets.compare_table import (
    LIVE_INTERVAL,
    CompareTable,
    fit_num,
    fit_pair,
    short,
)
from linreg_tui.tui.widgets.loss_chart import LossChart
from linreg_tui.tui.widgets.run_panel import RunPanel

STEPS = 3


@pytest.fixture(autouse=True)
def progress_dir(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(tmp_path / "data"))


async def open_compare(pilot: Pilot, choices: list[RunChoice] | None = None) -> CompareView:
    app = pilot.app
    await until(pilot, lambda: app.engine_ready)
    if choices is None:
        await pilot.press("c")
    else:
        app.push_screen(CompareScreen(choices))
    await until(pilot, lambda: isinstance(app.screen, CompareScreen))
    await until(pilot, lambda: bool(app.screen.query(CompareView)))
    view = app.screen.query_one(CompareView)
    await until(pilot, lambda: view.snapshot is not None)
    await pilot.pause()
    return view


async def settle(pilot: Pilot, view: CompareView) -> None:
    await until(
        pilot, lambda: not [w for w in view.workers if w.group == "engine" and w.is_running]
    )
    await pilot.pause(0.1)


def engine_step(choice: RunChoice, steps: int):
    """The engine's own latest Step after ``steps`` updates of ``choice``."""
    run = Run(choice.data.load(), choice.config)
    for _ in range(steps):
        run.step()
    return run.last_step


def row(table: CompareTable, label: str) -> list[str]:
    """The cells of the table row labelled ``label`` (``a → b`` kept as one cell)."""
    line = next(text for text in table.plain_lines if text.split(" ", 1)[0] == label)
    cells = line[cell_len(label) :].split()
    joined: list[str] = []
    for cell in cells:
        if joined and (cell == "→" or joined[-1].endswith("→")):
            joined[-1] += " " + cell
        else:
            joined.append(cell)
    return joined


def shows(text: str, value: float) -> bool:
    """``text`` is ``value`` rounded to the significant digits it shows (3 at least)."""
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    digits = len(mantissa)
    return digits >= 3 and float(text) == float(f"{value:.{digits}g}")


# -- the table's numbers are the engine's ---------------------------------------------------


async def test_table_at_80x24_shows_each_runs_gradient_and_updates_of_w_and_b() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        await pilot.press("a")  # a fourth run: the narrowest columns
        await settle(pilot, view)
        await pilot.press(*["right"] * STEPS)
        await pilot.pause(0.2)
        table = view.query_one(CompareTable)
        runs = view.snapshot.runs
        assert len(runs) == 4 and [r.updates for r in runs] == [STEPS] * 4
        grads_w, grads_b = row(table, "∂L/∂w"), row(table, "∂L/∂b")
        ws, bs = row(table, "w"), row(table, "b")
        for k, run in enumerate(runs):
            step = engine_step(run.choice, STEPS)
            assert shows(grads_w[k], step.batch_grad[0]), (k, grads_w[k], step.batch_grad[0])
            assert shows(grads_b[k], step.batch_grad[1]), (k, grads_b[k], step.batch_grad[1])
            for cell, j in ((ws[k], 0), (bs[k], 1)):  # b's update is there, like w's
                before, after = cell.split(" → ")
                assert shows(before, step.params_before[j]) and shows(after, step.params_after[j])
        assert row(table, "batch")[:2] == ["full:", "100"]
        assert "momentum" in row(table, "optimizer")


async def test_the_runs_are_named_once_batch_and_optimizer_on_rows_of_their_own() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        lines = view.query_one(CompareTable).plain_lines
        assert lines[0].split() == ["▶", "1", "•", "2", "x", "3", "+"]
        assert lines[1].split() == ["batch", "full:", "100", "rows", "SGD:", "1", "row"] + [
            "mini-batch:",
            "4",
            "rows",
        ]
        assert lines[2].split() == ["optimizer", "plain", "plain", "plain"]  # not "sgd" again


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_nothing_is_cut_at_80x24_nor_in_the_panels_at_120x40(lang: str) -> None:
    for size in ((80, 24), (120, 40)):
        app = LinregApp(lang=lang)
        async with app.run_test(size=size) as pilot:
            view = await open_compare(pilot)
            await pilot.press("a")
            await settle(pilot, view)
            await pilot.press(*["right"] * STEPS, "2", "right_square_bracket")  # lr differs
            await settle(pilot, view)
            table = view.query_one(CompareTable)
            assert table.size.height == len(table.plain_lines)  # every row on screen
            panels = list(view.query(RunPanel)) if view.query_one("#panels").display else []
            widgets = [table] + [p for p in panels if p.display]
            assert len(widgets) == (1 if size[0] < 120 else 5)
            assert table.shown_lines == table.plain_lines  # the table never needs to wrap
            for widget in widgets:
                assert len(widget.shown_lines) <= widget.size.height  # every line on screen
                for text in widget.shown_lines:  # long rule lines wrap at spaces, never cut
                    assert cell_len(text) <= widget.size.width, (size, text)
                words = " ".join(widget.plain_lines).split()
                assert " ".join(widget.shown_lines).split() == words
            chart = view.query_one("#loss", LossChart)
            title = chart.last_grid.lines()[0]
            assert title.rstrip().endswith("L* 1.07706")  # legend whole, beside the title


def test_numbers_get_fewer_digits_never_cut() -> None:
    assert short(-19.775132) == "-19.7751" and short(-19.775132, 3) == "-19.8"
    assert short(3.1e-5, 2) == "3.1e-5" and short(2.0, 3) == "2.0"
    for width in range(3, 10):
        text = fit_num(-0.000123456, width)
        assert math.isclose(float(text), -0.000123456, rel_tol=0.5)
    assert fit_num(1234.5678, 6) == "1234.6" and fit_num(1234.5678, 4) == "1235"
    assert fit_pair(1.50616, 1.90167, 15) == "1.5062 → 1.9017"


# -- the charts ------------------------------------------------------------------------------


async def test_two_identical_runs_both_stay_visible_on_the_loss_chart() -> None:
    choice = compare_choices()[0]
    twins = [replace(choice, label="full batch"), replace(choice, label="full batch (again)")]
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot, twins)
        await pilot.press(*["right"] * 12)
        await pilot.pause(0.2)
        chart = view.query_one("#loss", LossChart)
        axes = chart._axes
        assert axes is not None
        canvas = chart.last_grid.lines()[axes.row0 : axes.row0 + axes.height]
        data = "".join(line[axes.col0 : axes.col0 + axes.width] for line in canvas)
        assert data.count(RUN_MARKERS[0]) >= 3 and data.count(RUN_MARKERS[1]) >= 3
        assert "L*" not in data  # the reference's label sits outside the data


async def test_z_toggles_small_multiples_on_shared_axes() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        await pilot.press(*["right"] * 10, "z")
        await pilot.pause(0.2)
        assert not view.query_one("#loss").display and view.query_one("#multiples").display
        smalls = [view.query_one(f"#loss-{k}", LossChart) for k in range(3)]
        assert not view.query_one("#loss-3").display  # three runs: three small charts
        limits = {(c._axes.x0, c._axes.x1, c._axes.y0, c._axes.y1) for c in smalls}
        assert len(limits) == 1  # one set of axes
        for k, chart in enumerate(smalls):
            axes = chart._axes
            rows = chart.last_grid.lines()[axes.row0 : axes.row0 + axes.height]
            data = "".join(line[axes.col0 : axes.col0 + axes.width] for line in rows)
            others = set(RUN_MARKERS[:3]) - {RUN_MARKERS[k]}
            assert RUN_MARKERS[k] in data and not others & set(data)
            assert chart.last_grid.lines()[0].strip().startswith(f"{k + 1} {RUN_MARKERS[k]}")
        await pilot.press("y")  # the scale is shared too
        assert not any(c.log_scale for c in view.query(LossChart))
        await pilot.press("z")
        await pilot.pause()
        assert view.query_one("#loss").display and not view.query_one("#multiples").display


async def test_a_click_on_a_column_selects_its_run() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        table = view.query_one(CompareTable)
        line = table.plain_lines[0]
        await pilot.click(CompareTable, offset=(line.index("3 +") + 2, 0))  # +1: padding
        await pilot.pause()
        assert view.selected == 2 and "▶ 3 +" in table.plain_lines[0]


async def test_while_playing_the_numbers_redraw_five_times_a_second_and_end_current() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_compare(pilot)
        table = view.query_one(CompareTable)
        drawn: list[float] = []
        original = table.redraw
        table.redraw = lambda: (drawn.append(time.monotonic()), original())  # type: ignore[method-assign]
        await pilot.press("space")
        await until(pilot, lambda: min(r.updates for r in view.snapshot.runs) >= 10)
        start = len(drawn)
        await pilot.pause(1.0)
        during = drawn[start:]
        assert 2 <= len(during) <= 1 / LIVE_INTERVAL + 2
        gaps = sorted(b - a for a, b in zip(during, during[1:], strict=False))
        assert gaps[len(gaps) // 2] >= LIVE_INTERVAL * 0.9  # typically one interval apart
        await pilot.press("space")
        await pilot.pause(0.3)
        shown = row(table, "updates")
        assert shown == [str(r.updates) for r in view.snapshot.runs]  # paused: current at once


def test_with_several_features_the_bias_stays_and_the_corner_counts_the_rest() -> None:
    from linreg_tui.tui.choices import DatasetChoice
    from linreg_tui.tui.session import Session
    from linreg_tui.tui.widgets.compare_table import table_lines
    from linreg_tui.tui.widgets.run_panel import panel_lines

    data = DatasetChoice("housing")
    choices = [
        replace(c, data=data, config=c.config.with_(lr=0.01, standardize=True))
        for c in compare_choices()
    ]
    session = Session(choices)
    session.build()
    session.step(2)
    snap = session.snapshot()
    tight = ["".join(text for text, _ in line) for line in table_lines(snap, 78, "en", 0, 11)]
    labels = [line.split()[0] for line in tight[1:]]
    assert labels[-4:] == ["∂L/∂w1", "∂L/∂b", "w1", "b"]
    assert tight[0].startswith("+1 more")
    roomy = ["".join(text for text, _ in line) for line in table_lines(snap, 78, "en", 0, 20)]
    assert [line.split()[0] for line in roomy[-6:]] == [
        "∂L/∂w1",
        "∂L/∂w2",
        "∂L/∂b",
        "w1",
        "w2",
        "b",
    ]
    assert not roomy[0].strip().startswith("+")
    for run in snap.runs:  # a panel writes out every parameter's update (three here)
        text = ["".join(t for t, _ in line) for line in panel_lines(run, 38, "en")]
        assert sum(line.startswith(("w1 ←", "w2 ←", "b ←")) for line in text) == 3
        assert all(cell_len(line) <= 38 for line in text)
