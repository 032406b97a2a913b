"""In a classroom session every dialog stays in the learner's folder: its default path is
there, and a path into another learner's folder is refused with a message, nothing written.
(The kernel's Landlock confinement is tested in tests/tui/classroom/test_isolation.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static, TabbedContent

from linreg_tui.engine.config import RunConfig
from linreg_tui.tui.choices import DatasetChoice, RunChoice
from linreg_tui.tui.confine import ENV
from linreg_tui.tui.screens.dialogs import CodeScreen, DatasetDialog, ExportDialog
from linreg_tui.tui.textlog import export_of

NOTHING = object()


class Host(App[None]):
    """A bare app that opens one dialog and records what it dismisses with."""

    CSS_PATH = sorted((Path(__file__).parents[2] / "tui" / "styles").glob("*.tcss"))

    def __init__(self, dialog) -> None:
        super().__init__()
        self.dialog, self.result = dialog, NOTHING
        self.engine_ready = True

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, value: object) -> None:
        self.result = value


@pytest.fixture
def learners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    alice.mkdir()
    bob.mkdir()
    (bob / "data.csv").write_text("x,y\n1,2\n2,4\n", encoding="utf-8")
    monkeypatch.setenv(ENV, str(alice))
    monkeypatch.chdir(alice)
    return alice, bob


async def _path(pilot, dialog, value: str) -> None:
    dialog.query_one("#f-path", Input).value = value
    await pilot.pause()


async def test_export_writes_in_the_folder_and_refuses_another(learners, tmp_path) -> None:
    from linreg_tui.engine.run import Run

    alice, bob = learners
    run = Run(DatasetChoice("hours").load(), RunConfig())
    run.run_until(update=2)
    dialog = ExportDialog(export_of(run))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await _path(pilot, dialog, "../bob/stolen.csv")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "outside your folder" in dialog.message_text
        assert not (bob / "stolen.csv").exists()
        await _path(pilot, dialog, "linreg-history.csv")  # the default: the learner's folder
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert (alice / "linreg-history.csv").exists()


async def test_saving_code_into_another_folder_is_refused(learners) -> None:
    alice, bob = learners
    dialog = CodeScreen(RunChoice(), updates=5)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await _path(pilot, dialog, str(bob / "prog.py"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "outside your folder" in dialog.message_text
    assert not (bob / "prog.py").exists()


async def test_opening_another_learners_csv_is_refused(learners) -> None:
    _alice, bob = learners
    dialog = DatasetDialog()
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog.query_one(TabbedContent).active = "csv"
        await _path(pilot, dialog, str(bob / "data.csv"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.result is NOTHING
        assert "outside your folder" in dialog.message_text
