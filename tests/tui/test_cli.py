"""The ``linreg-tui`` command line: output formats, bad input, exit codes, the app launch.

Most tests call ``main([...])`` in-process and read capsys; a few start a real
process to see exit codes and stderr exactly as a shell does.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import types

import pytest

from linreg_tui.tui import cli, headless
from linreg_tui.tui.cli import main

T4 = (
    "run --dataset hours --no-bias --init-w 1 --lr 0.01 --epochs 10 --batch sgd --no-shuffle "
    "--loss sse"
).split()


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = run_cli(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# -- formats ------------------------------------------------------------------------------


def test_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "run", "--dataset", "housing", "--lr", "1e-5", "--updates", "7",
                   "--predict", "100,3", "50,2")  # fmt: skip
    assert {"params", "loss", "history", "diverged_at", "predictions", "config", "dataset"} <= set(
        doc
    )
    assert len(doc["params"]["w"]) == 2 and isinstance(doc["params"]["b"], float)
    assert doc["diverged_at"] is None
    assert len(doc["history"]) == 7
    first, last = doc["history"][0], doc["history"][-1]
    assert set(first) >= {"update", "epoch", "w", "b", "loss", "batch_loss", "grad"}
    assert first["update"] == 1 and last["update"] == 7
    assert set(first["grad"]) == {"w", "b"} and len(first["grad"]["w"]) == 2
    # The loss of the first batch is taken at the start (zeros): the mse of y itself.
    assert last["w"] == doc["params"]["w"] and last["loss"] == doc["loss"]
    assert doc["history"][1]["batch_loss"] == pytest.approx(first["loss"])  # full batch
    assert doc["dataset"]["features"] == ["area", "rooms"]
    assert doc["config"]["lr"] == 1e-5 and doc["config"]["batch"] == "full"
    # predictions = w·x + b with the reported parameters
    w, b = doc["params"]["w"], doc["params"]["b"]
    expected = [w[0] * 100 + w[1] * 3 + b, w[0] * 50 + w[1] * 2 + b]
    assert doc["predictions"] == pytest.approx(expected, rel=1e-12)


def test_json_without_bias_reports_null_b(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, *T4)
    assert doc["params"]["b"] is None
    assert all(r["b"] is None and r["grad"]["b"] is None for r in doc["history"])
    assert [r["epoch"] for r in doc["history"]] == [e for e in range(1, 11) for _ in range(3)]


def test_csv_is_a_table_with_a_header(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "run", "--epochs", "4", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "update", "epoch", "w_hours", "b", "loss", "batch_loss", "grad_w_hours", "grad_b", "lr"
    ]  # fmt: skip
    assert len(rows) == 5
    table = [[float(v) for v in row] for row in rows[1:]]
    assert [r[0] for r in table] == [1, 2, 3, 4]
    # full batch: update k's batch loss is the full loss after update k-1
    assert table[1][5] == pytest.approx(table[0][4])


def test_text_log_of_t4_with_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, *T4, "--trace", "--predict", "4")
    assert code == 0 and err == ""
    trace = r"grad: x = \S+  y = \S+  ŷ − y = \S+  term ∂w = (\S+)"
    grads = [float(m) for m in re.findall(trace, out)]
    assert len(grads) == 30
    assert [round(g, 2) for g in grads[:3]] == [-2.0, -7.84, -16.23]
    epochs = re.findall(r"epoch (\d+) done: w = (\S+)  last-batch loss = (\S+)", out)
    assert len(epochs) == 10
    assert (epochs[0][0], round(float(epochs[0][1]), 2), round(float(epochs[0][2]), 2)) == (
        "1",
        1.26,
        4.92,
    )  # fmt: skip  (epochs count from 1: T4's "progress: 0")
    assert (round(float(epochs[-1][1]), 2), round(float(epochs[-1][2]), 2)) == (1.95, 0.02)
    assert "hours = 4 → ŷ = 7.80486   (in full: 7.804863933862125)" in out
    assert "model:     ŷ = w·hours" in out and "L = Σ (ŷ − y)²" in out
    assert "optimum:   w = 2" in out
    assert "diagnosis:" in out


def test_text_log_samples_long_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "run", "--epochs", "1000")
    assert code == 0
    lines = re.findall(r"^update (\d+) ", out, flags=re.M)
    assert 10 <= len(lines) <= 30
    assert lines[0] == "1" and lines[-1] == "1000"
    assert "no --dataset or --csv given: using the built-in 'hours'" in out


def test_standardized_params_come_back_in_original_units(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = run_json(capsys, "run", "--dataset", "housing", "--standardize", "--lr", "0.3",
                   "--epochs", "400")  # fmt: skip
    optimum = doc["optimum"]
    assert doc["params"]["w"] == pytest.approx(optimum["w"], rel=1e-6)
    assert doc["params"]["b"] == pytest.approx(optimum["b"], rel=1e-6)
    assert doc["history"][-1]["w"] == doc["params"]["w"]
    assert 1.5 < doc["params"]["w"][0] < 3  # price per m², not per standard deviation


def test_fast_lands_where_stepping_does(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "--dataset", "housing", "--lr", "1e-5", "--batch", "minibatch:8",
            "--epochs", "30"]  # fmt: skip
    slow = run_json(capsys, *argv)
    fast = run_json(capsys, *argv, "--fast")
    assert len(fast["history"]) == len(slow["history"]) == 30 * 8
    assert fast["params"]["w"] == pytest.approx(slow["params"]["w"], rel=1e-9)
    assert fast["loss"] == pytest.approx(slow["loss"], rel=1e-9)


def test_user_csv_by_column_names(capsys, tmp_path) -> None:
    path = tmp_path / "pts.csv"
    path.write_text("h;extra;score\n1;9;2\n2;9;4\n3;9;6\n", encoding="utf-8")
    doc = run_json(capsys, "run", "--csv", str(path), "--x", "h", "--y", "score", "--no-bias",
                   "--epochs", "200", "--lr", "0.05")  # fmt: skip
    assert doc["dataset"]["features"] == ["h"] and doc["dataset"]["target"] == "score"
    assert doc["params"]["w"][0] == pytest.approx(2.0, abs=1e-6)


def test_datasets_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "datasets")
    assert code == 0
    first = out.splitlines()[0].split()
    assert first[:3] == ["name", "kind", "rows"]
    assert re.search(r"^hours\s+inline\s+3\s", out, flags=re.M)
    code, out, _ = run_cli(capsys, "datasets", "--format", "json")
    names = [d["name"] for d in json.loads(out)]
    assert {"hours", "tutorial15", "synthetic", "stream", "datacsv"} <= set(names)


# -- bad input: exit 2, one line on stderr --------------------------------------------


@pytest.fixture
def bad_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,2\n2,abc\n", encoding="utf-8")
    return str(path)


BAD = [
    (["--lr", "0"], "learning rate"),
    (["--lr", "nan"], "learning rate"),
    (["--lr", "-1"], "learning rate"),
    (["--epochs", "-1"], "--epochs"),
    (["--updates", "-3"], "--updates"),
    (["--batch", "minibatch:0"], "batch size"),
    (["--batch", "minibatch:4"], "larger than the data"),
    (["--batch", "chunks:4"], "minibatch:K"),
    (["--batch", "stream:4"], "stream"),
    (["--loss", "l1"], "half_mse"),
    (["--optimizer", "lbfgs"], "adam"),
    (["--dataset", "iris"], "tutorial15"),
    (["--csv", "/no/such/file.csv"], "no such file"),
    (["--dataset", "hours", "--csv", "x.csv"], "not both"),
    (["--x", "a"], "--csv"),
    (["--predict", "1,2"], "--predict"),
    (["--init-w", "1", "2"], "--init-w"),
    (["--init-w", "one"], "--init-w"),
    (["--schedule", "cosine"], "step:N:GAMMA"),
    (["--betas", "0.9"], "--betas"),
    (["--momentum", "1.5", "--optimizer", "momentum"], "momentum"),
    (["--epochs", "2", "--updates", "3"], "not allowed with"),
    (["--trace", "--fast"], "--fast"),
]


@pytest.mark.parametrize(("args", "words"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(capsys, args: list[str], words: str) -> None:
    code, out, err = run_cli(capsys, "run", *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("linreg-tui"), err
    assert words in err
    assert "Traceback" not in err


def test_malformed_csv_names_the_line_and_column(capsys, bad_csv: str) -> None:
    code, _, err = run_cli(capsys, "run", "--csv", bad_csv)
    assert code == 2 and err.count("\n") == 1
    assert "line 3" in err and "'y'" in err and "'abc'" in err


CSV_CASES = [
    ("", [], "empty"),
    ("x,y\n", [], "no data rows"),
    ("x,y\n1,2\n", [], "only 1 data row"),
    ("x,y\n1,2\n2,4,5\n3,6\n", [], "line 3"),
    ("x,y\n1,nan\n2,4\n", [], "not a finite number"),
    ("x,y\n1,inf\n2,4\n", [], "not a finite number"),
    ("x,x,y\n1,1,2\n2,2,4\n", ["--x", "x", "--y", "y"], "2 columns 'x'"),
    ("x,y\n1,2\n2,4\n", ["--x", "zz"], "no column 'zz'"),
    ("x,y\n1,2\n2,4\n", ["--x", "x", "--y", "x"], "both a feature and the target"),
]


@pytest.mark.parametrize(("text", "args", "words"), CSV_CASES)
def test_bad_csv_files(capsys, tmp_path, text: str, args: list[str], words: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli(capsys, "run", "--csv", str(path), *args)
    assert code == 2 and err.count("\n") == 1 and words in err, err


def test_cuda_when_absent(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present here")
    code, _, err = run_cli(capsys, "run", "--device", "cuda")
    assert code == 2 and "CUDA" in err and err.count("\n") == 1


def t4_style_divergence(lr: float) -> int:
    """The first full-batch update (mse, with bias, from zeros on hours) whose loss exceeds
    1e6 times the starting loss, by a plain loop."""
    xs, ys = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]
    w = b = 0.0

    def loss() -> float:
        return sum((w * x + b - y) ** 2 for x, y in zip(xs, ys, strict=True)) / 3

    start = loss()
    for update in range(1, 1000):
        gw = sum(2 * x * (w * x + b - y) for x, y in zip(xs, ys, strict=True)) / 3
        gb = sum(2 * (w * x + b - y) for x, y in zip(xs, ys, strict=True)) / 3
        w, b = w - lr * gw, b - lr * gb
        if not math.isfinite(loss()) or loss() > 1e6 * start:
            return update
    raise AssertionError("did not diverge")


def test_diverging_run_exits_3_and_names_the_update(capsys) -> None:
    expected = t4_style_divergence(0.2)
    code, out, err = run_cli(capsys, "run", "--lr", "0.2", "--epochs", "100")
    assert code == 3
    assert f"diverged at update {expected}" in err and err.count("\n") == 1
    assert "2/λmax = 0.180295" in err  # 2/λmax of H = (2/3)·AᵀA for x = 1, 2, 3
    assert f"diverged at update {expected}" in out
    code, out, err = run_cli(capsys, "run", "--lr", "0.2", "--format", "json")
    assert code == 3 and json.loads(out)["diverged_at"] == expected
    assert len(json.loads(out)["history"]) == expected


# -- help, version, app launch -----------------------------------------------------------


def test_help_mentions_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["run", "--help"]):
        code, out, _ = run_cli(capsys, *argv)
        assert code == 0
        assert "exit codes" in out and "3    the run diverged" in out
        assert "2    bad arguments or data" in out
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.startswith("linreg-tui ")


def test_no_terminal_explains_and_exits_2(capsys, monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    code, out, err = run_cli(capsys)
    assert code == 2 and out == ""
    assert err.strip() == cli.NO_TERMINAL


def fake_app(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    module = types.ModuleType("linreg_tui.tui.app")

    def run_app(**kwargs):
        calls.append(kwargs)
        return 0

    module.run_app = run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "linreg_tui.tui.app", module)
    return calls


def test_ci_without_terminal_runs_a_headless_smoke(capsys, monkeypatch) -> None:
    calls = fake_app(monkeypatch)
    monkeypatch.setenv("CI", "true")
    code, _, _ = run_cli(capsys, "--lang", "zh")
    assert code == 0
    assert calls == [{"lang": "zh", "mouse": True, "lessons_path": None, "headless_smoke": True}]


def test_terminal_launches_the_app(capsys, monkeypatch) -> None:
    calls = fake_app(monkeypatch)
    monkeypatch.setattr(cli, "_is_tty", lambda stream: True)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    code, _, _ = run_cli(capsys, "--no-mouse", "--lessons", "my/lessons")
    assert code == 0
    assert calls == [{"lang": "zh", "mouse": False, "lessons_path": "my/lessons"}]


@pytest.mark.parametrize(("answer", "code", "erased"), [("y\n", 0, 1), ("n\n", 1, 0), ("", 1, 0)])
def test_reset_progress_asks_first(capsys, monkeypatch, answer, code, erased) -> None:
    import linreg_tui.lessons.progress as progress

    calls: list[int] = []
    monkeypatch.setattr(progress, "reset_progress", lambda *a, **k: calls.append(1))
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    got, _, err = run_cli(capsys, "--reset-progress")
    assert got == code and len(calls) == erased
    assert "Erase all saved lesson progress? [y/N]" in err


def test_lessons_list_prints_the_bundled_course_as_json(capsys) -> None:
    assert main(["lessons", "list", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert len(listing) >= 13
    assert all(item["title"]["en"] and item["title"]["zh"] for item in listing)


def test_lessons_validate_names_file_and_line_of_a_problem(capsys, tmp_path) -> None:
    broken = tmp_path / "01-broken.toml"
    broken.write_text('id = "x"\norder = 1\ntitle = { en = "T" }\n', encoding="utf-8")
    assert main(["lessons", "validate", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "01-broken.toml:3" in out + err


def test_keyboard_interrupt_exits_130_quietly(capsys, monkeypatch) -> None:
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(headless, "cmd_run", interrupted)
    code, out, err = run_cli(capsys, "run")
    assert code == 130 and err == ""


# -- real processes -------------------------------------------------------------------


def shell(*argv: str) -> subprocess.CompletedProcess[str]:
    """``linreg-tui ARGV`` in a fresh interpreter (without CI set); it also reports on stderr
    any UI library the command imported (the headless path must not load them)."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    code = (
        "import sys; from linreg_tui.tui.cli import main; status = main(); "
        "heavy = {'textual', 'rich', 'plotext', 'scipy'} & {m.split('.')[0] for m in sys.modules}; "
        "heavy and print('imported', sorted(heavy), file=sys.stderr); sys.exit(status)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


def test_processes_exit_codes_without_traceback() -> None:
    ok = shell(*T4, "--trace")
    assert ok.returncode == 0 and ok.stderr == "" and "epoch 10 done" in ok.stdout
    bad = shell("run", "--csv", "/no/such.csv")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    seed = shell("run", "--dataset", "stream", "--seed", "99999999999999999999999")
    assert seed.returncode == 2 and seed.stderr.count("\n") == 1 and "seed" in seed.stderr
    diverged = shell("run", "--lr", "0.5", "--format", "csv")
    assert diverged.returncode == 3 and "diverged at update" in diverged.stderr
    no_tty = shell()
    assert no_tty.returncode == 2 and no_tty.stderr.strip() == cli.NO_TERMINAL
