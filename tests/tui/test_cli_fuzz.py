"""Fuzzing ``linreg-tui run``: hundreds of generated argument lists, valid and hostile.

Whatever the arguments, the command ends with exit 0 (done), 2 (bad input, one line that
starts ``linreg-tui``) or 3 (diverged); never a traceback or a leaked source path; and
with ``--format json`` stdout is one strict JSON document (no NaN or Infinity). Sizes and
lengths are drawn small or absurdly large (refused before allocating), so the whole test
runs in-process in seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linreg_tui.engine.config import RunConfig
from linreg_tui.engine.share import DataSource, Shared, encode
from linreg_tui.tui.cli import main

HUGE = ["100000000000", str(2**64), "99999999999999999999999", "1e309"]
HOSTILE = ["", "-1", "0", "nan", "inf", "-inf", "abc", "1_000", "[a=b", "[/]", "١", "\x1b[31m"]
BAD_NUMBERS = ["1e300", "3e38", "-1e308", *HUGE, *HOSTILE]

# flag → (usual values, hostile values); None: a switch without a value. A value is drawn
# from the hostile list one time in five, so most runs get past parsing and really run.
OPTIONS: dict[str, tuple[list[str], list[str]] | None] = {
    "--size": (["2", "3", "50", "200"], ["1", *HUGE, *HOSTILE]),
    "--slope": (["2", "-1.5", "0"], BAD_NUMBERS),
    "--intercept": (["3", "0", "-10"], BAD_NUMBERS),
    "--noise": (["0", "1", "0.1"], BAD_NUMBERS),
    "--standardize": None,
    "--no-bias": None,
    "--init-w": (["0", "1", "-2.5"], ["1,2", "nan", "1e309", "x"]),
    "--init-b": (["0", "1.5"], BAD_NUMBERS),
    "--init": (["zeros", "random"], ["ones"]),
    "--lr": (["0.01", "0.001", "0.1", "0.5", "5"], ["0", "-1", *BAD_NUMBERS]),
    "--epochs": (["0", "1", "2"], ["-1", "100000000000", "x"]),
    "--updates": (["0", "1", "7", "30"], ["-2", "100000000000", "x"]),
    "--batch": (
        ["full", "sgd", "minibatch:2", "minibatch:3"],
        [
            "minibatch:64",
            "stream:4",
            "stream:99999999999",
            "minibatch:0",
            "minibatch:1_0",
            "stream:",
            "chunks:3",
            "",
        ],
    ),  # fmt: skip
    "--no-shuffle": None,
    "--drop-last": None,
    "--seed": (["0", "7", str(2**64 - 1)], ["-1", str(2**64), "99999999999999999999999"]),
    "--loss": (["mse", "half_mse", "sse", "half_sse"], ["l1"]),
    "--grad": (["analytic", "autograd", "module"], ["numeric"]),
    "--optimizer": (["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"], ["lbfgs"]),
    "--momentum": (["0", "0.9"], ["1", "nan", "-0.5"]),
    "--betas": (["0.9,0.999", "0.5,0.5"], ["0.9", "nan,0.9", "1,1", "a,b"]),
    "--alpha": (["0.99", "0.5"], ["1", "nan"]),
    "--eps": (["1e-8", "0.1"], ["0", "inf", "nan"]),
    "--schedule": (
        ["constant", "step:3:0.5", "exp:0.9", "inv:0.1"],
        ["inv:inf", "inv:nan", "step:0:0.5", "exp:2", "cosine", "step:1_0:0.5", ""],
    ),
    "--dtype": (["float64", "float32"], ["float16"]),
    "--device": (["cpu", "auto"], ["tpu"]),
    "--mistake": (["forget-zero-grad", "overwrite-grad"], ["other"]),
    "--fast": None,
    "--trace": None,
    "--predict": (["1", "2.5", "-3", "1e30"], ["1,2", "nan", "inf", "1e300", "3e38", "", "x"]),
    # branches, share codes, metrics, stop rules, describe (tui/headless_extras.py)
    "--branch-at": (["0", "1", "3"], ["-1", "100000000000", "x"]),
    "--then": (
        ["lr=0.05", "batch=sgd,optimizer=momentum", "loss=sse,mistake=none", "schedule=exp:0.9"],
        ["lr=nan", "seed=1", "x", "", "batch=minibatch:0", "lr=", "optimizer=lbfgs"],
    ),
    "--metrics": None,
    "--holdout": (["0.2", "0.3"], ["0", "0.5", "nan", "-1", "x", "1e309"]),
    "--stop": (
        ["grad-norm:0.001", "loss-change:1e-6:2", "holdout-rise:2"],
        ["grad-norm:-1", "loss-change:x:1", "holdout-rise:0", "", "grad-norm:inf"],
    ),
    "--describe": None,
    "--share": None,
    "--code": (["VALID_CODE"], ["lr1-aaaa", "hello", "", "lr9-x", "lr1-" + "a" * 300]),
}
VALID_CODE = encode(Shared(DataSource("builtin", "hours"), RunConfig(lr=0.05), ("updates", 3)))
FORMATS = ["json", "text", "csv"]
GENERATED = ("--size", "--slope", "--intercept", "--noise")
SOURCES = [
    [],
    ["--dataset", "hours"],
    ["--dataset", "tutorial15"],
    ["--dataset", "synthetic"],
    ["--dataset", "stream"],
    ["--dataset", "housing"],
    ["--csv", "GOOD"],
    ["--csv", "GOOD", "--x", "x", "--y", "y"],
    ["--csv", "NAN"],
    ["--csv", "HUGE"],
    ["--csv", "HUGE", "--dtype", "float32"],
    ["--csv", "EMPTY"],
    ["--csv", "TEXT"],
    ["--csv", "/no/such/file.csv"],
    ["--csv", "GOOD", "--x", "[a=b"],
    ["--dataset", "iris"],
]
CSV_FILES = {
    "GOOD": "x,y\n1,2\n2,4.1\n3,5.9\n4,8.2\n",
    "NAN": "x,y\n1,nan\n2,4\n",
    "HUGE": "x,y\n1e308,1\n-1e308,2\n1e39,3\n",
    "EMPTY": "",
    "TEXT": "x,y\n1,[a=b\n2,4\n",
}


@pytest.fixture(scope="module")
def csv_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    paths = {}
    for key, text in CSV_FILES.items():
        (folder / f"{key.lower()}.csv").write_text(text, encoding="utf-8")
        paths[key] = str(folder / f"{key.lower()}.csv")
    return paths


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    """``run``, a data source, a format, up to 6 options with drawn values, sometimes a
    stray token."""
    argv = ["run", *draw(st.sampled_from(SOURCES)), "--format", draw(st.sampled_from(FORMATS))]
    flags = draw(st.lists(st.sampled_from(sorted(OPTIONS)), max_size=6, unique=True))
    for flag in flags:
        if flag in argv or (argv[1] == "--csv" and flag in GENERATED):
            continue  # (a CSV file with --size is refused: tested in test_cli.py)
        argv.append(flag)
        values = OPTIONS[flag]
        if values is not None:
            usual, hostile = values
            argv.append(draw(st.sampled_from(hostile if draw(st.integers(0, 4)) == 4 else usual)))
    if "--epochs" not in argv and "--updates" not in argv and argv[1] != "--format":
        argv += ["--epochs", "1"]  # the default 100 epochs only on 'hours': keeps it fast
    if draw(st.integers(0, 19)) == 19:
        argv.insert(draw(st.integers(1, len(argv))), draw(st.sampled_from(["--bogus", "-", "x"])))
    return argv


def reject_constant(name: str) -> None:
    raise ValueError(f"JSON output contains {name}")


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,  # the same 300 cases on every run: CI stays reproducible
    suppress_health_check=[HealthCheck.too_slow],
)
@given(argv=argument_lists())
def test_any_arguments_end_cleanly(csv_paths: dict[str, str], argv: list[str]) -> None:
    argv = [VALID_CODE if a == "VALID_CODE" else csv_paths.get(a, a) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    stdout, stderr = out.getvalue(), err.getvalue()
    assert code in (0, 2, 3), (code, stderr)
    assert "Traceback" not in stderr and 'File "' not in stderr and ".py:" not in stderr, stderr
    if code == 2:
        assert stderr.splitlines()[-1].startswith("linreg-tui"), stderr
    if code in (0, 3) and "json" in argv and argv[argv.index("json") - 1] == "--format":
        json.loads(stdout, parse_constant=reject_constant)
