"""The share-code key: K in the Playground shows the run's code, y copies it; the code
replays the same history headless."""

from __future__ import annotations

import json

from pilot_wait import open_playground
from textual.widgets import Static

from linreg_tui.engine.config import RunConfig
from linreg_tui.engine.share import decode
from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.choices import DatasetChoice, RunChoice
from linreg_tui.tui.cli import main
from linreg_tui.tui.screens import dialogs
from linreg_tui.tui.screens.share_screen import share_code


async def test_share_key_shows_and_copies_the_code() -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_playground(pilot)
        await pilot.press("right", "right", "right", "K")
        assert isinstance(app.screen, dialogs.ShareScreen)
        dialog = app.screen
        shown = str(dialog.query_one("#share-code", Static).render())
        assert shown == dialog.code and dialog.code.startswith("lr1-")
        shared = decode(dialog.code)
        assert shared.config == view.session.choices[0].config
        assert shared.length == ("updates", 3) and shared.source.name == "hours"
        await pilot.press("y")
        assert app.clipboard == dialog.code and dialog.message_text.startswith("✓")
        await pilot.press("escape")
        assert not isinstance(app.screen, dialogs.ShareScreen)


def test_a_csv_choice_replays_headless(tmp_path, monkeypatch, capsys) -> None:
    data = tmp_path / "pts.csv"
    data.write_text("u,v\n1,2.5\n2,3.9\n3,6.2\n4,8.1\n", encoding="utf-8")
    config = RunConfig(lr=0.03, seed=4)
    code = share_code(RunChoice(DatasetChoice(None, str(data)), config), 5)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--code", code, "--format", "json"]) == 0
    replay = json.loads(capsys.readouterr().out)
    assert main(["run", "--csv", str(data), "--lr", "0.03", "--seed", "4", "--updates", "5",
                 "--format", "json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["history"] == replay["history"]


def test_a_synthetic_choice_keeps_its_data_seed(capsys) -> None:
    choice = RunChoice(DatasetChoice("synthetic", size=30, seed=9), RunConfig(lr=0.02, seed=1))
    code = share_code(choice, 4)
    assert main(["run", "--code", code, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    from linreg_tui.engine.run import Run

    run = Run(choice.data.load(), choice.config)
    run.run_until(update=4)
    assert doc["params"]["w"][0] == run.params()[0][0] and doc["dataset"]["rows"] == 30
