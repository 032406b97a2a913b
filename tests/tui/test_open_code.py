"""``linreg-tui --open CODE``: the Playground opens on a share code's run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pilot_wait import until

from linreg_tui.engine import ConfigError
from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.cli import main
from linreg_tui.tui.open_code import open_code
from linreg_tui.tui.screens.home import HomeScreen
from linreg_tui.tui.screens.playground import PlaygroundScreen, PlaygroundView

RUN = "run --dataset synthetic --size 40 --lr 0.02 --batch minibatch:4 --updates 7".split()


def share(capsys, *argv: str) -> str:
    assert main([*argv, "--share"]) == 0
    return capsys.readouterr().out.strip()


@pytest.mark.parametrize("code", ["garbage", "lr1-aaaa", "lr9-abcd", ""])
def test_a_bad_code_is_one_line_and_exit_2(capsys, code):
    assert main(["--open", code]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("linreg-tui: ")
    assert "Traceback" not in err


def test_a_damaged_letter_is_refused(capsys):
    code = share(capsys, *RUN)
    bad = code[:-3] + ("a" if code[-3] != "a" else "b") + code[-2:]
    assert main(["--open", bad]) == 2
    assert "damaged" in capsys.readouterr().err


def test_a_csv_code_needs_the_very_file(tmp_path, capsys, monkeypatch):
    data = tmp_path / "pts.csv"
    data.write_text("x,y\n1,2\n2,4.1\n3,5.9\n4,8.2\n")
    code = share(capsys, "run", "--csv", str(data), "--updates", "3")
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["--open", code]) == 2
    err = capsys.readouterr().err
    assert "'pts.csv'" in err and "SHA-256" in err
    (elsewhere / "pts.csv").write_text("x,y\n1,2\n")
    with pytest.raises(ConfigError, match="not the file"):
        open_code(code)
    opened = open_code(code, tmp_path)
    assert opened.choice.data.csv_path == str(tmp_path / "pts.csv") and opened.updates == 3


async def test_the_app_opens_the_playground_on_the_codes_run(capsys):
    code = share(capsys, *RUN)
    assert main([*RUN, "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)["history"]
    app = LinregApp(opened=open_code(code))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PlaygroundScreen))
        view = app.screen.query_one(PlaygroundView)
        await until(pilot, lambda: view.snapshot is not None)
        run = view.snapshot.runs[0]
        assert run.updates == 7 and run.choice.config.lr == 0.02
        assert run.loss == pytest.approx(history[-1]["loss"], rel=1e-12)
        assert np.allclose(view.session.runs[0].history.view("loss"), [h["loss"] for h in history])
        await pilot.press("escape")  # Home lies underneath
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
