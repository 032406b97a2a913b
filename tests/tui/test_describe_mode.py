"""``linreg-tui --describe``: each update the learner stops on is told as one sentence on the
status line (for screen readers), the same sentence ``run --describe`` prints."""

from __future__ import annotations

from pilot_wait import open_playground, until

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.cli import build_parser
from linreg_tui.tui.widgets.status_line import StatusLine


def status(view) -> str:
    return " ".join(" ".join(view.query_one(StatusLine).plain_lines).split())


async def test_describe_mode_tells_each_update_it_stops_on() -> None:
    app = LinregApp(describe=True)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_playground(pilot)
        assert "Update 1" not in status(view)  # nothing to tell at update 0
        await pilot.press("n")
        await until(pilot, lambda: "Update 1 used row" in status(view), what="update 1 told")
        assert "the loss on all data" in status(view)
        await pilot.press("n")
        await until(pilot, lambda: "Update 2 used row" in status(view), what="update 2 told")
        await pilot.press("ctrl+l")
        await pilot.press("n")
        await until(pilot, lambda: "第 3 次更新" in status(view), what="update 3 told in Chinese")


async def test_without_describe_mode_no_sentence() -> None:
    app = LinregApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("n")
        await until(pilot, lambda: view.snapshot.runs[0].updates == 1)
        await pilot.pause(0.1)
        assert "Update 1 used row" not in status(view)


def test_the_flag_reaches_the_app() -> None:
    assert build_parser([]).parse_args(["--describe"]).describe is True
    assert build_parser([]).parse_args([]).describe is False
