"""Data as plain arrays: feature standardization and the CLI's column lists.

The :class:`Dataset` and :class:`StreamSpec` live in :mod:`.dataset`, CSV reading in
:mod:`.csv_loader`; both are re-exported here for the callers that know them by this name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .csv_loader import LoadCancelled, load_csv
from .dataset import Dataset, StreamSpec, frozen_array
from .errors import DataError


@dataclass(frozen=True, eq=False)
class Standardizer:
    """z-scores per feature: z = (x − μ) / σ, with μ, σ the column mean and (population) std.

    A model fitted on z, ŷ = z·w_std + b_std, is the same model as ŷ = x·w + b with
    w = w_std / σ and b = b_std − Σ w_std·μ/σ (:meth:`to_original`), and back
    (:meth:`to_standardized`): w_std = w·σ, b_std = b + Σ w·μ.
    """

    mean: np.ndarray  # μ, shape (d,)
    std: np.ndarray  # σ, shape (d,), all > 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", frozen_array(self.mean, 1))
        object.__setattr__(self, "std", frozen_array(self.std, 1))

    @classmethod
    def fit(cls, X: Any, names: Sequence[str] | None = None) -> Standardizer:
        """μ and σ of each column of X; a constant column, or one whose squares overflow
        float64 (σ could not be computed), raises DataError naming it."""
        from .data_range import check_columns

        X = frozen_array(X, 2)
        labels = [str(n) for n in names] if names is not None else None
        check_columns(X, labels or [f"column {j}" for j in range(X.shape[1])])
        for j in range(X.shape[1]):
            if np.ptp(X[:, j]) == 0:  # exact test: σ computed in floats may be 1e-17, not 0
                label = repr(names[j]) if names is not None else f"column {j}"
                raise DataError(
                    f"feature {label} is constant ({X[0, j]:g} in every row): it cannot be "
                    "standardized (σ = 0) and its weight cannot be told apart from the bias"
                )
        return cls(X.mean(axis=0), X.std(axis=0))

    def transform(self, X: Any) -> np.ndarray:
        """(X − μ) / σ, column by column (inf/nan for rows beyond float64, no warning)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return (np.asarray(X, dtype=np.float64) - self.mean) / self.std

    def to_original(self, w_std: Any, b_std: float) -> tuple[np.ndarray, float]:
        """Parameters for raw features: w = w_std/σ, b = b_std − Σ w_std·μ/σ."""
        w_std = np.asarray(w_std, dtype=np.float64).reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's θ: inf, nan
            w = w_std / self.std
            return w, float(b_std - np.sum(w * self.mean))

    def to_standardized(self, w: Any, b: float) -> tuple[np.ndarray, float]:
        """Parameters for z-scored features: w_std = w·σ, b_std = b + Σ w·μ."""
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):
            return w * self.std, float(b + np.sum(w * self.mean))


def parse_columns(text: str) -> list[str | int]:
    """Split the CLI's ``--x a,b,c`` into column names.

    Items stay strings, digits included: :func:`load_csv` reads "2" as the
    header's column named "2" if there is one, else as the 0-based index 2.
    """
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise DataError(f"cannot read columns {text!r}: give names or indexes separated by commas")
    return list(items)


__all__ = ["Dataset", "LoadCancelled", "Standardizer", "StreamSpec", "load_csv", "parse_columns"]
