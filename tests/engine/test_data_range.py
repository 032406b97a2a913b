"""Huge-but-finite data is a data error naming the column, never warnings, NaN or LAPACK noise
(engine/data_range.py; issue 9 item 5)."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from linreg_tui.engine import analysis
from linreg_tui.engine.config import RunConfig
from linreg_tui.engine.data import Dataset, Standardizer
from linreg_tui.engine.data_range import check_range, log2_sum_squares
from linreg_tui.engine.errors import DataError
from linreg_tui.engine.run import Run


def huge(value: float, target: str = "y") -> Dataset:
    return Dataset("huge", [[value], [-value], [value / 10], [5.0]], [1, 2, 3, 4], ("x",), target)


def test_log2_sum_squares_does_not_overflow() -> None:
    assert log2_sum_squares(np.array([1e308, -1e308])) == pytest.approx(2 * math.log2(1e308) + 1)
    assert log2_sum_squares(np.array([3.0, 4.0])) == pytest.approx(math.log2(25.0))
    assert log2_sum_squares(np.zeros(3)) == -math.inf


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_x_near_float64_max_names_the_column(
    standardize: bool, dtype: str, capfd: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any NumPy RuntimeWarning fails the test
        with pytest.raises(DataError, match=r"column 'x'.*float64"):
            Run(huge(1e308), RunConfig(standardize=standardize, dtype=dtype))
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_float32_overflowing_value_is_refused_before_lapack(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(DataError, match=r"column 'x': values up to 1e\+39 do not fit float32"):
        Run(huge(1e39), RunConfig(dtype="float32"))
    assert capfd.readouterr().out == ""  # no "** On entry to DLASCL …"


def test_float32_squares_and_the_target_are_checked() -> None:
    with pytest.raises(DataError, match="column 'x'.*float32 arithmetic.*--dtype float64"):
        Run(huge(1e19), RunConfig(dtype="float32"))
    Run(huge(1e19), RunConfig(dtype="float64"))  # fine in float64
    Run(huge(1e19), RunConfig(dtype="float32", standardize=True))  # z-scores are small
    big_y = Dataset("t", [[1.0], [2.0], [3.0]], [1e200, 2.0, 3.0], ("x",), "price")
    with pytest.raises(DataError, match="column 'price'"):
        Run(big_y, RunConfig(standardize=True))


def test_check_range_accepts_ordinary_data() -> None:
    X = np.random.default_rng(0).normal(size=(100, 3)) * 1e6
    check_range(X, X[:, 0], ("a", "b", "c"), "y", "float32", standardized=False)


def test_standardizer_names_an_overflowing_column() -> None:
    X = np.array([[1.0, 1e300], [2.0, -1e300], [3.0, 5.0]])
    with pytest.raises(DataError, match="column 'rooms'"):
        Standardizer.fit(X, names=("area", "rooms"))


def test_optimum_is_the_same_with_and_without_standardizing() -> None:
    data = huge(1e150)
    raw = Run(data, RunConfig())
    z = Run(data, RunConfig(standardize=True))
    theta_raw, loss_raw = analysis.closed_form(raw.problem)
    theta_z, loss_z = analysis.closed_form(z.problem)
    assert z.standardizer is not None
    w, b = z.standardizer.to_original(theta_z[:-1], theta_z[-1])
    assert loss_raw == pytest.approx(loss_z, rel=1e-9)
    np.testing.assert_allclose(theta_raw, [*w, b], rtol=1e-9)


def test_cli_exits_2_with_one_line_and_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("x,y\n1e308,1\n-1e308,2\n1e307,3\n5,4\n", encoding="utf-8")
    for extra in ([], ["--standardize"], ["--dtype", "float32"]):
        done = subprocess.run(
            [sys.executable, "-m", "linreg_tui.tui.cli", "run", "--csv", str(path), *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "column 'x'" in done.stderr
        assert "Warning" not in done.stderr and done.stdout == ""
