"""A big CSV loads in the data dialog's worker: "Loading big.csv… 45 %", Escape cancels.

The loader is gated (a wrapper around its fast block parser waits on an Event after a few
blocks), so the test sees the dialog mid-load however fast or busy the machine is.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from pilot_wait import until
from textual.app import App, ComposeResult
from textual.widgets import Input, Static, TabbedContent

from linreg_tui.engine import csv_loader
from linreg_tui.tui.choices import BIG_CSV_BYTES, DatasetChoice
from linreg_tui.tui.screens.dialogs import DatasetDialog

ROWS = 120_000
NOTHING = object()  # "the dialog has not dismissed yet"


class Host(App[None]):
    """A bare app that opens the dialog and records what it dismisses with."""

    CSS_PATH = sorted((Path(__file__).parents[2] / "tui" / "styles").glob("*.tcss"))

    def __init__(self, dialog: DatasetDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.result: object = NOTHING

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, value: object) -> None:
        self.result = value


@pytest.fixture
def big_csv(tmp_path: Path) -> Path:
    """≈ 2 MB of x, y rows: over the size that loads in the worker."""
    path = tmp_path / "big.csv"
    x = np.arange(ROWS, dtype=np.float64)
    np.savetxt(path, np.column_stack([x, 2 * x + 1]), fmt="%.6f", delimiter=",", header="x,y",
               comments="")  # fmt: skip
    assert path.stat().st_size > BIG_CSV_BYTES
    return path


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Small blocks, and the loader waits for the returned Event after its fourth block."""
    monkeypatch.setattr(csv_loader, "BLOCK_BYTES", 32 << 10)
    released = threading.Event()
    fast = csv_loader._fast_block
    calls = [0]

    def gated(*args: object) -> object:
        calls[0] += 1
        if calls[0] > 4:
            released.wait(20)
        return fast(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(csv_loader, "_fast_block", gated)
    return released


async def open_csv(pilot, dialog: DatasetDialog, path: Path) -> None:
    await pilot.pause()  # let the catalogue take focus first (it activates its tab)
    dialog.query_one(TabbedContent).active = "csv"
    dialog.query_one("#f-path", Input).value = str(path)
    await pilot.pause()
    await pilot.press("ctrl+s")


def percent(text: str) -> int | None:
    """The percentage in "Loading big.csv… 45 %  (Esc cancels)", or None."""
    if not text.startswith("Loading big.csv… "):
        return None
    return int(text.removeprefix("Loading big.csv… ").split(" %")[0])


async def test_a_big_csv_shows_its_progress_then_loads(big_csv: Path, gate) -> None:
    dialog = DatasetDialog()
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_csv(pilot, dialog, big_csv)
        await until(pilot, lambda: (percent(dialog.message_text) or 0) > 0, what="a percentage")
        assert 0 < (percent(dialog.message_text) or 0) < 100 and dialog.loading_csv
        assert app.result is NOTHING
        gate.set()
        await until(pilot, lambda: app.result is not NOTHING, what="the dialog to close")
    assert app.result == DatasetChoice(name=None, csv_path=str(big_csv))
    data = app.result.load()  # kept from the dialog's load: the view does not read it again
    assert data is app.result.load() and data.n == ROWS and data.y[-1] == 2 * (ROWS - 1) + 1


async def test_escape_cancels_the_loading_and_a_second_escape_closes(big_csv: Path, gate) -> None:
    dialog = DatasetDialog()
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_csv(pilot, dialog, big_csv)
        await until(pilot, lambda: percent(dialog.message_text) is not None, what="loading")
        await pilot.press("escape")
        assert dialog.message_text.startswith("Cancelling the loading of big.csv")
        gate.set()
        await until(pilot, lambda: "cancelled" in dialog.message_text, what="cancelled")
        assert dialog.message_text.startswith("✗ Loading big.csv was cancelled")
        assert app.result is NOTHING and app.screen is dialog and not dialog.loading_csv
        await pilot.press("escape")
        await until(pilot, lambda: app.result is not NOTHING, what="the dialog to close")
    assert app.result is None


async def test_a_bad_cell_in_a_big_csv_is_explained_inline(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = [f"{i},{2 * i}" for i in range(ROWS)]
    rows[-7] = "1,two"
    path.write_text("x,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    dialog = DatasetDialog()
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_csv(pilot, dialog, path)
        await until(pilot, lambda: "Not loaded" in dialog.message_text, what="the error")
        assert f"line {ROWS - 7 + 2}, column 'y': 'two' is not a number" in dialog.message_text
        assert app.result is NOTHING and not dialog.loading_csv
