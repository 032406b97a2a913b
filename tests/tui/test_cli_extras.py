"""``linreg-tui run`` branches, share codes, metrics, stop rules, describe; ``noise``."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from linreg_tui.tui.cli import main

T4 = "run --dataset hours --no-bias --init-w 1 --lr 0.01 --batch sgd --no-shuffle --loss sse"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = cli(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# -- what-if branches -----------------------------------------------------------------


def test_branch_json_shares_the_first_k_updates(capsys):
    argv = "run --dataset synthetic --size 30 --updates 12 --batch minibatch:5".split()
    doc = as_json(
        capsys, *argv, "--branch-at", "5", "--then", "lr=0.05,batch=sgd,optimizer=momentum"
    )
    original, branch = doc["runs"]
    assert doc["branch_at"] == 5 and original["label"] == "original"
    assert branch["config"]["optimizer"] == "momentum" and branch["config"]["batch"] == "sgd"
    assert original["history"][:5] == branch["history"][:5]
    assert original["history"][5] != branch["history"][5]
    assert [h["lr"] for h in branch["history"][5:]] == [0.05] * 7
    assert len(original["history"]) == len(branch["history"]) == 12


def test_branch_text_labels_both_runs(capsys):
    code, out, _ = cli(capsys, *T4.split(), "--updates", "4", "--branch-at", "2",
                       "--then", "lr=0.05")  # fmt: skip
    assert code == 0
    assert "== run 1: original ==" in out and "== run 2: branch after update 2: lr=0.05 ==" in out
    branch_part = out.split("== run 2")[1]
    assert "update 2 (" not in branch_part.split("== summary")[0] and "update 3 (" in branch_part
    assert "== summary of the original ==" in out and "== summary of the branch ==" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--then", "lr=0.1"], "go together"),
        (["--branch-at", "2"], "go together"),
        (["--branch-at", "9", "--then", "lr=0.1"], "from 0 to"),
        (["--branch-at", "1", "--then", "seed=3"], "cannot read 'seed=3'"),
        (["--branch-at", "1", "--then", "lr=x"], "--then lr"),
        (["--branch-at", "1", "--then", "batch=minibatch:99"], "larger than the data"),
        (["--branch-at", "1", "--then", "optimizer=lbfgs"], "lbfgs"),
    ],
)
def test_branch_refusals(capsys, extra, message):
    code, out, err = cli(capsys, *T4.split(), "--updates", "3", *extra)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


# -- share codes ----------------------------------------------------------------------


def test_share_code_reproduces_the_history(capsys):
    argv = "run --dataset synthetic --size 40 --lr 0.05 --batch minibatch:8 --optimizer adam "
    argv += "--seed 7 --schedule step:5:0.5 --updates 20"
    code, out, _ = cli(capsys, *argv.split(), "--share")
    share = out.strip()
    assert code == 0 and share.startswith("lr1-") and "\n" not in share
    direct = as_json(capsys, *argv.split())
    again = as_json(capsys, "run", "--code", share)
    assert again["history"] == direct["history"] and len(again["history"]) == 20
    assert as_json(capsys, "run", "--code", share, "--updates", "3")["updates"] == 3


def test_share_code_of_a_csv(capsys, tmp_path, monkeypatch):
    data = tmp_path / "mine.csv"
    data.write_text("a,b,y\n1,2,3\n2,1,4\n3,3,7\n4,0,5\n", encoding="utf-8")
    argv = ["run", "--csv", str(data), "--x", "a,b", "--lr", "0.02", "--updates", "6"]
    share = cli(capsys, *argv, "--share")[1].strip()
    direct = as_json(capsys, *argv)
    assert (
        as_json(capsys, "run", "--code", share, "--csv", str(data))["history"] == direct["history"]
    )
    monkeypatch.chdir(tmp_path)  # found by its name in the current folder
    assert as_json(capsys, "run", "--code", share)["history"] == direct["history"]
    monkeypatch.chdir(tmp_path.parent)
    code, _, err = cli(capsys, "run", "--code", share)
    assert code == 2 and "needs the CSV file 'mine.csv' (SHA-256 " in err
    other = tmp_path / "other.csv"
    other.write_text("a,b,y\n1,2,3\n2,1,4\n3,3,8\n", encoding="utf-8")
    code, _, err = cli(capsys, "run", "--code", share, "--csv", str(other))
    assert code == 2 and "is not the file this code was made with" in err


@pytest.mark.parametrize(
    ("code_text", "message"),
    [
        ("hello", "not a linreg-tui share code"),
        ("lr2-aaaa", "format 2"),
        ("lr1-aaaaaaaaaaaaaaaa", "damaged"),
    ],
)
def test_foreign_and_damaged_codes(capsys, code_text, message):
    code, _, err = cli(capsys, "run", "--code", code_text)
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_damaged_code_and_settings_beside_a_code(capsys):
    share = cli(capsys, "run", "--lr", "0.05", "--share")[1].strip()
    flipped = share[:10] + ("a" if share[10] != "a" else "b") + share[11:]
    assert cli(capsys, "run", "--code", flipped)[0] == 2
    code, _, err = cli(capsys, "run", "--code", share, "--lr", "0.1", "--seed", "3")
    assert code == 2 and "drop --lr, --seed" in err


# -- metrics and stop rules -------------------------------------------------------------


def test_metrics_in_the_history_against_numpy(capsys):
    doc = as_json(capsys, *"run --dataset tutorial15 --lr 0.01 --updates 5 --metrics".split())
    from linreg_tui.engine.catalog import load_dataset

    data = load_dataset("tutorial15")
    for record in doc["history"]:
        pred = data.X @ np.array(record["w"]) + record["b"]
        r = pred - data.y
        m = record["metrics"]
        assert m["mse"] == pytest.approx(np.mean(r**2), rel=1e-9)
        assert m["rmse"] == pytest.approx(np.sqrt(np.mean(r**2)), rel=1e-9)
        assert m["mae"] == pytest.approx(np.mean(np.abs(r)), rel=1e-9)
        r2 = 1 - np.sum(r**2) / np.sum((data.y - data.y.mean()) ** 2)
        assert m["r2"] == pytest.approx(r2, rel=1e-9)


def test_holdout_and_early_stopping(capsys):
    argv = "run --dataset synthetic --size 60 --lr 0.05 --updates 400 --holdout 0.25"
    doc = as_json(capsys, *argv.split(), "--stop", "holdout-rise:5")
    assert doc["holdout"] == {"fraction": 0.25, "rows": 15, "train_rows": 45}
    stopped = doc["stopped"]
    assert stopped["rule"] == "holdout-rise:5" and stopped["update"] == doc["updates"] < 400
    held = [h["holdout"]["mse"] for h in doc["history"]]
    best = int(np.argmin(held)) + 1
    assert stopped["best_update"] == best and stopped["update"] - best == 5
    code, out, _ = cli(capsys, *argv.split(), "--stop", "holdout-rise:5")
    assert (
        code == 0 and f"stopped:   after update {stopped['update']} by --stop holdout-rise:5" in out
    )
    assert "held out: MSE" in out


def test_stop_rules_combine_with_the_length(capsys):
    doc = as_json(capsys, *"run --lr 0.05 --updates 2000".split(), "--stop", "grad-norm:1e-3",
                  "--stop", "loss-change:1e-12:3")  # fmt: skip
    norms = []
    assert doc["stopped"]["rule"] == "grad-norm:0.001"
    assert as_json(capsys, "run", "--updates", "7", "--stop", "grad-norm:1e-9")["updates"] == 7
    del norms


def test_metrics_csv_columns(capsys):
    code, out, _ = cli(
        capsys, *"run --updates 3 --metrics --holdout 0.2 --dataset synthetic --format csv".split()
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0][-8:] == ["mse", "rmse", "mae", "r2", "holdout_mse",
                                           "holdout_rmse", "holdout_mae", "holdout_r2"]  # fmt: skip
    assert len(rows) == 4 and float(rows[1][rows[0].index("mse")]) > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--stop", "holdout-rise:3"], "needs a held-out part"),
        (["--stop", "grad-norm"], "cannot read --stop"),
        (["--holdout", "0.5"], "between 0 and 0.5"),
        (["--holdout", "0"], "between 0 and 0.5"),
        (["--metrics", "--fast"], "--fast"),
        (["--describe", "--format", "json"], "--describe writes sentences"),
    ],
)
def test_metric_and_stop_refusals(capsys, extra, message):
    code, _, err = cli(capsys, "run", "--updates", "3", *extra)
    assert code == 2 and message in err and err.count("\n") == 1


# -- describe -------------------------------------------------------------------------


def test_describe_sentences(capsys):
    code, out, _ = cli(capsys, *T4.split(), "--updates", "3", "--describe")
    assert code == 0
    assert (
        "Update 3 used row 3 (hours 3, score 6): the prediction was 3.30, the gradient −16.23, "
        "so w went from 1.10 to 1.26; the loss on all data fell from 11.38 to 7.65."
    ) in out
    code, out, _ = cli(capsys, *T4.split(), "--updates", "1", "--describe", "zh")
    assert "第 1 次更新使用了第 1 行（hours 1，score 2）" in out


# -- noise ----------------------------------------------------------------------------


def test_noise_json_against_the_formula(capsys):
    code, out, _ = cli(capsys, "noise", "--dataset", "tutorial15", "--batch-sizes", "1,3,5",
                       "--at", "0.5,1", "--format", "json")  # fmt: skip
    doc = json.loads(out)
    from linreg_tui.engine.catalog import load_dataset

    data = load_dataset("tutorial15")
    A = np.c_[data.X, np.ones(data.n)]
    g = 2 * (A @ [0.5, 1.0] - data.y)[:, None] * A
    n = data.n
    tr = np.sum((g - g.mean(axis=0)) ** 2) / n
    assert doc["full_gradient"] == pytest.approx(g.mean(axis=0).tolist())
    for entry in doc["batch_sizes"]:
        b = entry["batch_size"]
        assert entry["exact_trace"] == pytest.approx(tr / b * (n - b) / (n - 1), rel=1e-12)
        assert entry["ratio_to_b1"] == pytest.approx((n - b) / (b * (n - 1)), rel=1e-12)
        assert entry["empirical_trace"] >= 0 and len(entry["mean_gradient"]) == 2


def test_noise_text_and_refusals(capsys):
    code, out, _ = cli(capsys, "noise")
    assert code == 0 and "tr exact" in out and "full gradient" in out
    for argv in (["--batch-sizes", "0"], ["--at", "1"], ["--at", "1,nan"], ["--dataset", "stream"],
                 ["--batch-sizes", "1,x"]):  # fmt: skip
        code, _, err = cli(capsys, "noise", *argv)
        assert code == 2 and err.startswith("linreg-tui") and err.count("\n") == 1, argv


def test_describe_a_large_batch_and_a_standardized_run(capsys):
    argv = "run --dataset synthetic --size 40 --batch minibatch:16 --updates 2 --standardize"
    code, out, _ = cli(capsys, *argv.split(), "--describe")
    lines = [line for line in out.splitlines() if line.startswith("Update ")]
    assert code == 0 and len(lines) == 2
    assert (
        lines[0].startswith("Update 1 used 16 rows (batch loss ")
        and "so w went from 0.00" in lines[0]
    )
    assert " and b went from " in lines[0] and lines[0].endswith(".")
