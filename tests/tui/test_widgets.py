"""The widgets: chart geometry, the step panel's text, and sending only what changed."""

from __future__ import annotations

import numpy as np
import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.geometry import Region

from linreg_tui.engine.config import BatchSpec
from linreg_tui.tui.choices import DatasetChoice, RunChoice
from linreg_tui.tui.format import num
from linreg_tui.tui.screens.compare import compare_choices
from linreg_tui.tui.screens.playground import t4_choice
from linreg_tui.tui.session import Session
from linreg_tui.tui.stylesheets import VIEWS_TCSS
from linreg_tui.tui.widgets.fit_chart import FitChart
from linreg_tui.tui.widgets.landscape import Landscape
from linreg_tui.tui.widgets.loss_chart import LossChart
from linreg_tui.tui.widgets.plot_canvas import (
    Axes,
    FrameSpec,
    Grid,
    build_frame,
    changed_span,
    log_ticks,
    nice_ticks,
    put_points,
    put_polyline,
)
from linreg_tui.tui.widgets.status_line import health_fragment, tab_lines
from linreg_tui.tui.widgets.step_panel import FragmentView, step_lines


def text(lines) -> str:
    return "\n".join("".join(part for part, _ in line) for line in lines)


@pytest.fixture(scope="module")
def t4() -> Session:
    session = Session([t4_choice()])
    session.build()
    return session


@pytest.fixture(scope="module")
def race() -> Session:
    session = Session(compare_choices())
    session.build()
    return session


# -- pure helpers --------------------------------------------------------------------------


def test_numbers_read_like_the_tutorials() -> None:
    assert [num(-2.0), num(-7.84), num(1.0984000000000003), num(-16.2288)] == [
        "-2.0",
        "-7.84",
        "1.0984",
        "-16.2288",
    ]
    assert num(0.0) == "0.0" and num(None) == "-"
    assert num(1.5e-7) == "1.5000e-07" and num(float("inf")) == "inf"


def test_nice_ticks_are_round_and_inside() -> None:
    ticks = nice_ticks(0.0, 20.0, 4)
    assert [p for p, _ in ticks] == [0.0, 5.0, 10.0, 15.0, 20.0]
    assert all(0.84 <= p <= 3.16 for p, _ in nice_ticks(0.84, 3.16, 4))
    assert [label for _, label in log_ticks(-3.2, 1.5, 10)] == [
        "1e-3",
        "1e-2",
        "1e-1",
        "1e0",
        "1e1",
    ]


def test_axes_map_the_corners_to_the_canvas_corners() -> None:
    axes = Axes(0.0, 10.0, -1.0, 1.0, col0=5, row0=2, width=21, height=11)
    assert list(axes.cols(np.array([0.0, 5.0, 10.0]))) == [0, 10, 20]
    assert list(axes.rows(np.array([1.0, 0.0, -1.0]))) == [0, 5, 10]
    assert axes.x_at(np.array([20]))[0] == pytest.approx(10.0)


def test_put_points_marks_distinct_cells_and_skips_the_outside() -> None:
    grid = Grid(10, 5)
    axes = Axes(0, 9, 0, 4, 0, 0, 10, 5)
    marked = put_points(grid, axes, [0, 0, 9, 20, np.nan], [0, 0, 4, 1, 1], "x", "s1")
    assert marked == 2
    assert grid.chars[4][0] == "x" and grid.chars[0][9] == "x"
    assert grid.styles[4][0] == "s1"


def test_polyline_is_connected_and_dotted_is_sparser() -> None:
    axes = Axes(0, 1, 0, 1, 0, 0, 20, 10)
    xs = axes.x_at(np.arange(40), 2)
    solid, dotted = Grid(20, 10), Grid(20, 10)
    put_polyline(solid, axes, xs, xs, "fit")
    put_polyline(dotted, axes, xs, xs, "lsq", dotted=True)

    def dots(grid: Grid) -> int:
        return sum(bin(ord(c) - 0x2800).count("1") for row in grid.chars for c in row if c != " ")

    assert all(any(row[c] != " " for row in solid.chars) for c in range(20))  # no gap
    assert 0 < dots(dotted) < dots(solid)


def test_wide_characters_keep_rows_aligned() -> None:
    grid = Grid(12, 1)
    end = grid.text(1, 0, "损失 loss", "title")
    assert end == 1 + 4 + 5
    assert sum(cell_len(c) for c in grid.chars[0]) == 12


def test_changed_span_covers_only_the_difference() -> None:
    old = (tuple("update 9 · a"), ("",) * 12)
    new = (tuple("update 8 · a"), ("",) * 12)
    start, end = changed_span(old, new)
    assert start <= 7 < end and end - start <= 3


def test_frame_puts_ticks_around_a_canvas() -> None:
    spec = FrameSpec((0.0, 20.0), (0.0, 5.0), nice_ticks(0, 20, 4), nice_ticks(0, 5, 3), "loss")
    grid, axes = build_frame(60, 16, spec)
    lines = grid.lines()
    assert lines[0].strip() == "loss"
    assert any("20" in line for line in lines[-2:])
    assert 0 < axes.col0 < 10 and axes.width > 40 and axes.height > 8


# -- the step panel and status line -----------------------------------------------------------


def test_step_panel_writes_t4s_second_update_with_numbers(t4: Session) -> None:
    t4.reset()
    t4.step(2)
    body = text(step_lines(t4.snapshot().runs[0], "en"))
    assert "update 2 · epoch 1 · batch 2 of 3" in body
    assert "∂L/∂w = (2/n)·Σ x·(ŷ − y) = -7.84" in body
    assert "w ← w − η·g = 1.02 − 0.01·(-7.84) = 1.0984" in body
    assert "2.04" in body and "-1.96" in body  # ŷ and the residual of row 1 (x = 2)


def test_step_panel_before_the_first_update(t4: Session) -> None:
    t4.reset()
    body = text(step_lines(t4.snapshot().runs[0], "en"))
    assert "w = 1.0" in body and "4.66667" in body  # the start and its full-data loss


def test_step_panel_is_compact_for_big_batches(race: Session) -> None:
    race.reset()
    race.step()
    full = race.snapshot().runs[0]
    body = text(step_lines(full, "en"))
    assert "… and 92 more rows" in body
    assert "∂L/∂b" in body and "b ← b − η·g" in body


def test_step_panel_in_chinese(t4: Session) -> None:
    t4.reset()
    t4.step()
    body = text(step_lines(t4.snapshot().runs[0], "zh"))
    assert "第 1 次更新" in body and "-2.0" in body


def test_step_panel_shows_other_rules_with_their_own_formula() -> None:
    choice = RunChoice(DatasetChoice("hours"), t4_choice().config.with_(optimizer="momentum"))
    session = Session([choice])
    session.build()
    session.step(2)
    body = text(step_lines(session.snapshot().runs[0], "en"))
    # the velocity v (never "b", the bias), from the rule's equations and the History
    assert "v_w ← μ·v_w + g = 0.9·" in body
    assert "w ← w − η·v_w = " in body


def test_diagnosis_names_the_update_and_the_largest_stable_rate() -> None:
    choice = RunChoice(DatasetChoice("hours"), t4_choice().config.with_(lr=0.3))
    session = Session([choice])
    session.build()
    session.step(100)
    snap = session.snapshot().runs[0]
    line, style = health_fragment(snap, "en")
    assert f"diverged at update {snap.diverged_at}" in line
    assert "0.214286" in line and style == "warn"
    assert "✗" in text(step_lines(snap, "en"))


def test_tab_strip_brackets_the_active_panel() -> None:
    line = text(tab_lines([("step", "step"), ("fit", "fit")], "fit", ""))
    assert "[2 fit]" in line and "[1" not in line


# -- widgets in an app: only what changed is sent --------------------------------------------


class OneWidget(App):
    CSS_PATH = VIEWS_TCSS

    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def spy_regions(widget, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Region, ...]]:
    calls: list[tuple[Region, ...]] = []
    original = type(widget).refresh

    def refresh(self, *regions, **kwargs):
        calls.append(regions)
        return original(self, *regions, **kwargs)

    monkeypatch.setattr(type(widget), "refresh", refresh)
    return calls


async def test_loss_chart_refreshes_only_changed_rows(race: Session, monkeypatch) -> None:
    race.reset()
    chart = LossChart()
    async with OneWidget(chart).run_test(size=(80, 24)) as pilot:
        race.step(3)
        chart.show(race.snapshot())
        await pilot.pause()
        calls = spy_regions(chart, monkeypatch)
        race.step()
        chart.show(race.snapshot())
        await pilot.pause()
        regions = [r for call in calls for r in call]
        assert calls and all(call for call in calls)  # never a whole-widget refresh
        assert all(r.height == 1 for r in regions)
        assert sum(r.width for r in regions) < 80 * 23 / 4


async def test_loss_chart_axes_stay_fixed_then_double(race: Session) -> None:
    race.reset()
    chart = LossChart()
    async with OneWidget(chart).run_test(size=(80, 24)) as pilot:
        race.step(2)
        chart.show(race.snapshot())
        await pilot.pause()
        first = chart._axes
        race.step(5)
        chart.show(race.snapshot())
        assert chart._axes == first  # fixed while the runs stay inside
        race.step(30)
        chart.show(race.snapshot())
        assert chart._xmax == 40.0  # 20 → 40 once a run passed 20 updates
        chart.set_log_scale(True)
        await pilot.pause()
        assert "log scale" in chart.last_grid.lines()[0]


async def test_fragment_view_refreshes_only_the_changed_number(monkeypatch) -> None:
    view = FragmentView()
    async with OneWidget(view).run_test(size=(60, 10)) as pilot:
        view.set_lines([[("update ", ""), ("12", "num")], [("static", "")]])
        await pilot.pause()
        calls = spy_regions(view, monkeypatch)
        view.set_lines([[("update ", ""), ("13", "num")], [("static", "")]])
        assert len(calls) == 1 and len(calls[0]) == 1
        region = calls[0][0]
        assert region.y == 0 and region.width <= 4 and region.x >= 6
        assert view.plain_lines == ["update 13", "static"]


async def test_landscape_marks_optimum_start_and_paths(race: Session) -> None:
    race.reset()
    race.step(20)
    land = Landscape()
    async with OneWidget(land).run_test(size=(80, 24)) as pilot:
        land.show(race.snapshot())
        await pilot.pause()
        body = "\n".join(land.last_grid.lines())
        assert "*" in body and "S" in body
        assert "x" in body and "+" in body and "•" in body  # three runs, three markers
        lines = land.last_grid.lines()
        styles = {s for row in land.last_grid.styles for s in row}
        assert {"c0", "c1", "c2"} <= styles  # contour lines of several levels
        assert any(0x2800 < ord(c) <= 0x28FF for c in body)  # drawn in braille dots
        levels = land.levels(np.zeros((1, 1)))
        assert np.all(np.diff(levels) < 0)  # largest first, log-spaced:
        excess = levels - race.facts[0].optimum_loss
        assert np.allclose(excess[1:] / excess[:-1], 1 / 4)
        labels = [f"{float(f'{v:.2g}'):.4g}" for v in levels]
        assert sum(label in body for label in labels) >= 3  # levels are labelled
        axes = land._axes
        assert lines[-1].rstrip().endswith("w")  # the x axis is named
        assert lines[axes.row0 - 1][: axes.col0 - 1].strip() == "b"  # and the y axis
        # every run's current point, in its own marker, on top of the paths
        canvas = "\n".join(line[axes.col0 : axes.col0 + axes.width] for line in lines[axes.row0 :])
        for run in race.snapshot().runs:
            col = int(axes.cols([run.trace_theta[-1][0]])[0])
            row = int(axes.rows([run.trace_theta[-1][1]])[0])
            assert lines[axes.row0 + row][axes.col0 + col] in "123"
        assert "123" in lines[0] and "now" in lines[0]  # the legend says so, outside the data
        assert "now" not in canvas


async def test_landscape_of_one_parameter_marks_the_current_w_on_the_curve(t4: Session) -> None:
    t4.reset()
    t4.step(4)
    land = Landscape()
    async with OneWidget(land).run_test(size=(60, 20)) as pilot:
        land.show(t4.snapshot())
        await pilot.pause()
        lines, axes = land.last_grid.lines(), land._axes
        run = t4.snapshot().runs[0]
        col = int(axes.cols([run.theta[0]])[0])
        row = int(axes.rows([run.loss])[0])
        assert lines[axes.row0 + row][axes.col0 + col] == "●"
        assert lines[-1].rstrip().endswith("w")


async def test_fit_chart_least_squares_line_and_feature_views() -> None:
    session = Session(
        [
            RunChoice(
                DatasetChoice("diabetes"),
                t4_choice().config.with_(bias=True, init_w=None, lr=0.1, batch=BatchSpec("full")),
            )
        ]
    )
    session.build()
    session.step(3)
    chart = FitChart()
    async with OneWidget(chart).run_test(size=(80, 24)) as pilot:
        chart.show(session.snapshot().runs[0])
        await pilot.pause()
        assert chart.view == -1 and "ŷ" in chart.last_grid.lines()[0]
        assert chart.cycle_view() == session.facts[0].feature_names[0]
        styles = lambda: {s for row in chart.last_grid.styles for s in row}  # noqa: E731
        assert "lsq" not in styles()
        chart.toggle_lsq()
        assert "lsq" in styles() and "data" in styles()


@pytest.mark.parametrize(
    ("method", "lines"),
    [
        ("autograd", ["w = torch.tensor(1.0984, requires_grad=True)", "loss.backward()"]),
        ("module", ["model = nn.Linear(1, 1, bias=False)", "optimizer.zero_grad()"]),
    ],
)
def test_step_panel_shows_the_pytorch_lines_of_the_gradient_method(method, lines) -> None:
    choice = t4_choice()
    session = Session([RunChoice(choice.data, choice.config.with_(grad=method))])
    session.build()
    session.step(3)
    body = text(step_lines(session.snapshot().runs[0], "en"))
    for line in lines:
        assert line in body
    grad = "w.grad = -16.2288" if method == "autograd" else "model.weight.grad = -16.2288"
    assert grad in body
    assert "hand formula − PyTorch: largest difference 0" in body
    plain = text(step_lines(t4_session_at(3), "en"))
    assert "loss.backward()" not in plain and "largest difference" not in plain


def t4_session_at(updates: int):
    session = Session([t4_choice()])
    session.build()
    session.step(updates)
    return session.snapshot().runs[0]
