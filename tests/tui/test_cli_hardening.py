"""Issue 9's CLI defects, one regression test each: no traceback whatever the input.

Seeds outside 0 … 2⁶⁴ − 1, sizes beyond memory, non-finite or overflowing --predict,
--schedule inv:inf, --no-bias with --init-b: exit 2 and one line. JSON never holds NaN
or Infinity. An unexpected exception is one line and exit 1 (the traceback only with
--debug); numeric warnings become messages without source paths.
"""

from __future__ import annotations

import json
import math

import pytest

from linreg_tui.tui import headless
from linreg_tui.tui.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


BAD = [
    # issue 9, item 4: seeds outside 0 … 2⁶⁴ − 1, sizes beyond memory (no traceback, exit 2)
    (["--seed", str(2**64), "--init", "random", "--epochs", "3"], "2^64 - 1"),
    (["--dataset", "stream", "--seed", "99999999999999999999999", "--updates", "2"], "seed"),
    (["--seed", "-1"], "seed must be from 0"),
    (["--dataset", "stream", "--batch", "stream:99999999999", "--updates", "1"], "of memory"),
    (["--dataset", "synthetic", "--size", "100000000000", "--epochs", "1"], "of memory"),
    (["--epochs", "100000000000"], "updates need about"),
    (["--predict", "nan", "--format", "json"], "finite"),
    (["--predict", "inf", "--format", "json"], "finite"),
    # item 8: non-finite or overflowing --predict
    (["--predict", "nan"], "finite"),
    (["--predict", "inf"], "finite"),
    (["--predict", "1e300", "--dtype", "float32"], "too large for float32"),
    # item 9: the message says what is wrong; --init-b is not silently ignored
    (["--schedule", "inv:inf"], "finite K"),
    (["--schedule", "inv:-1"], "K >= 0"),
    (["--no-bias", "--init-b", "5"], "--init-b"),
]


@pytest.mark.parametrize(("args", "words"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(capsys, args: list[str], words: str) -> None:
    code, out, err = run_cli(capsys, "run", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("linreg-tui"), err
    assert words in err and "Traceback" not in err


def test_non_finite_numbers_are_json_null_with_a_status(capsys) -> None:
    """No NaN/Infinity in the JSON (strict parse): a diverged run and an overflowing
    prediction give null, and status fields say why."""

    def strict(text: str) -> dict:
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"JSON has {c}"))

    code, out, err = run_cli(capsys, "run", "--lr", "5", "--epochs", "30", "--format", "json")
    doc = strict(out)
    assert code == 3 and doc["status"] == "diverged" and doc["non_finite"] == []
    code, out, err = run_cli(capsys, "run", "--lr", "1e38", "--dtype", "float32", "--updates",
                             "3", "--predict", "2", "--format", "json")  # fmt: skip
    doc = strict(out)
    assert code == 3 and doc["predictions"] == [None] and doc["predictions_status"] == ["diverged"]
    assert "prediction" not in err
    code, out, err = run_cli(capsys, "run", "--predict", "3e38", "1", "--dtype", "float32",
                             "--epochs", "50", "--format", "json")  # fmt: skip
    doc = strict(out)
    assert code == 0 and doc["status"] == "done"
    assert doc["predictions"][0] is None and doc["predictions_status"] == ["overflow", "ok"]
    assert "overflows float32" in err and err.count("\n") == 1


def test_json_safe_replaces_every_non_finite_float() -> None:
    from linreg_tui.tui.headless import json_safe

    where: list[str] = []
    doc = json_safe({"a": [1.0, math.inf], "b": {"c": -math.inf, "d": math.nan}, "e": "x"},
                    "", where)  # fmt: skip
    assert doc == {"a": [1.0, None], "b": {"c": None, "d": None}, "e": "x"}
    assert where == ["a[1]", "b.c", "b.d"]


def test_an_unexpected_error_is_one_line_exit_1(capsys, monkeypatch) -> None:
    def broken(*args):
        raise ValueError("Overflow when\nunpacking long long")

    monkeypatch.setattr(headless, "cmd_run", broken)
    code, out, err = run_cli(capsys, "run")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "internal error (ValueError: Overflow when unpacking long long)" in err
    assert "report it" in err and "--debug" in err
    code, out, err = run_cli(capsys, "run", "--debug")
    assert code == 1 and "Traceback (most recent call last)" in err and "broken" in err


def test_running_out_of_memory_is_exit_2(capsys, monkeypatch) -> None:
    def hungry(*args):
        raise MemoryError

    monkeypatch.setattr(headless, "cmd_run", hungry)
    code, _, err = run_cli(capsys, "run")
    assert code == 2 and err == "linreg-tui: not enough memory for this run; " \
        "choose a smaller size or batch\n"  # fmt: skip


def test_numeric_warnings_become_messages_without_paths(capsys, monkeypatch) -> None:
    import numpy as np

    def overflowing(args, out, err):
        np.exp(np.array([1000.0, 2000.0]))
        np.exp(np.array([1000.0]))
        return 0

    monkeypatch.setattr(headless, "cmd_run", overflowing)
    code, _, err = run_cli(capsys, "run")
    assert code == 0
    assert err == (
        "linreg-tui: warning: overflow encountered in exp (2 times); "
        "some numbers may be inf or nan\n"
    )


def test_data_errors_are_exit_2_on_one_line(capsys, monkeypatch) -> None:
    """A DataError (e.g. values overflowing the dtype, naming the column) from loading."""
    from linreg_tui.engine.errors import DataError
    from linreg_tui.tui import headless

    def overflowing(args):
        raise DataError("column 'x': 1e+39 does not fit in float32\n(line 2)")

    monkeypatch.setattr(headless, "load_data", overflowing)
    code, out, err = run_cli(capsys, "run", "--dtype", "float32")
    assert code == 2 and out == ""
    assert err == "linreg-tui: column 'x': 1e+39 does not fit in float32 (line 2)\n"
