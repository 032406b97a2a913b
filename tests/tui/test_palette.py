"""Runs are drawn in the Okabe–Ito colour-blind-safe palette, each with its own marker, in
the Compare view's loss chart, landscape, table and run panels."""

from __future__ import annotations

from pilot_wait import until

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.palette import OKABE_ITO, RUN_COLOURS, run_styles_css
from linreg_tui.tui.render.plot_grid import RUN_MARKERS


def test_run_colours_are_four_distinct_okabe_ito_colours_with_their_own_markers() -> None:
    assert len(set(RUN_COLOURS)) == len(RUN_COLOURS) == len(set(RUN_MARKERS)) == 4
    assert set(RUN_COLOURS) <= set(OKABE_ITO.values())
    css = run_styles_css("X > .p--")
    assert css.count("text-style: bold") == 4  # what is left under NO_COLOR, with the marker
    assert "X > .p--s3 { color: #CC79A7" in css


def _hex(style) -> str:
    r, g, b = style.color.triplet
    return f"#{r:02X}{g:02X}{b:02X}"


async def test_compare_draws_each_run_in_its_palette_colour() -> None:
    from linreg_tui.tui.screens.compare import CompareScreen
    from linreg_tui.tui.widgets.compare_table import CompareTable
    from linreg_tui.tui.widgets.landscape import Landscape
    from linreg_tui.tui.widgets.loss_chart import LossChart

    app = LinregApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.engine_ready)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        for chart in (app.screen.query_one(LossChart), app.screen.query_one(Landscape)):
            for k, colour in enumerate(RUN_COLOURS):
                assert _hex(chart.get_component_rich_style(f"plot--s{k}")) == colour
        table = app.screen.query_one(CompareTable)
        for k, colour in enumerate(RUN_COLOURS):
            assert _hex(table.get_component_rich_style(f"lines--s{k}")) == colour
