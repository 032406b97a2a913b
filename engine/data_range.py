"""Is the data small enough for the math? Values, and sums of squares, that fit a dtype.

Finite data can still break the arithmetic: with x = 1e308 every value is a valid
float64, but Σx² (in the Gram matrix AᵀA, the loss, the z-score's σ) is infinite, and
float32 holds nothing above 3.4e38 and no square above 1.8e19. Such data is the
learner's to fix, not a divergence: :func:`check_range` raises a DataError naming the
column before any of that arithmetic runs, so no NumPy warning, LAPACK complaint or NaN
ever reaches the screen.

Sums are compared in log₂ so that checking them cannot overflow either:
log₂ Σv² = 2·log₂ m + log₂ Σ(v/m)², with m = max |v| and every v/m in [−1, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .errors import DataError

# Σv² must stay 2⁴ = 16 times below the dtype's largest value: the gradient's factor 2,
# the Hessian 2·AᵀA under a sum loss and the cross terms Σx·y (≤ √(Σx²·Σy²)) then fit.
HEADROOM_BITS = 4


def log2_sum_squares(values: np.ndarray) -> float:
    """log₂ Σv² of a 1-d array of finite values, without overflow (−inf when all are 0)."""
    m = float(np.max(np.abs(values))) if values.size else 0.0
    if m == 0.0:
        return -math.inf
    scaled = values / m
    return 2.0 * math.log2(m) + math.log2(float(scaled @ scaled))


def _check_column(values: np.ndarray, name: str, dtype: str, hint: str) -> None:
    """DataError when a column's values or Σv² overflow ``dtype``."""
    info = np.finfo(dtype)
    top = float(np.max(np.abs(values))) if values.size else 0.0
    if top > float(info.max):
        raise DataError(
            f"column {name!r}: values up to {top:.3g} do not fit {dtype} "
            f"(largest {float(info.max):.3g}); {hint}"
        )
    limit = math.log2(float(info.max)) - HEADROOM_BITS
    if log2_sum_squares(values) > limit:
        raise DataError(
            f"column {name!r}: values up to {top:.3g} are too large for {dtype} arithmetic: "
            f"the sum of their squares (in AᵀA, the loss and the gradient) exceeds "
            f"{2.0**limit:.3g}; {hint}"
        )


def check_columns(X: np.ndarray, names: Sequence[str], dtype: str = "float64") -> None:
    """Each column of X (n, d) fits ``dtype``, squares summed; DataError naming the first
    that does not. float64 is the dtype the z-scores and the closed form are computed in."""
    hint = _hint(dtype)
    for j in range(X.shape[1]):
        _check_column(np.asarray(X[:, j], dtype=np.float64), str(names[j]), dtype, hint)


def check_range(
    X: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str],
    target_name: str,
    dtype: str,
    standardized: bool,
) -> None:
    """The data a Problem is built from fits float64 and ``dtype``, or a DataError.

    Raw features are checked unless they are standardized (then only their float64 sums
    matter, checked by the Standardizer); the target always is, in float64 and ``dtype``.
    """
    y_col = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    for kind in dict.fromkeys(("float64", dtype)):
        if not standardized:
            check_columns(X, feature_names, kind)
        check_columns(y_col, [target_name], kind)


def _hint(dtype: str) -> str:
    """What the learner can do about values too large for ``dtype``."""
    if dtype == "float64":
        return "rescale the column (divide it by a power of 10)"
    return "use --dtype float64, standardize the features, or rescale the column"
