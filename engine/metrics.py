"""Regression metrics per update, and the seeded hold-out split.

For targets y and predictions ŷ = A·θ over m rows, with ȳ = (1/m) Σ yᵢ:

    MSE = (1/m) Σ (ŷᵢ − yᵢ)²     RMSE = √MSE     MAE = (1/m) Σ |ŷᵢ − yᵢ|
    R²  = 1 − Σ (ŷᵢ − yᵢ)² / Σ (yᵢ − ȳ)²     (NaN when every yᵢ is equal)

These are always on the mean scale, whatever loss the run minimises.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

METRICS = ("mse", "rmse", "mae", "r2")
_CHUNK = 1 << 22  # predictions computed per block of updates: rows × updates ≤ this


def holdout_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, held-out rows), sorted: round(fraction·n) rows (at least 1) drawn
    with ``seed``; ConfigError unless 0 < fraction < 0.5 and both parts have a row."""
    if not (0 < fraction < 0.5):
        raise ConfigError(f"--holdout must be between 0 and 0.5 (exclusive), got {fraction!r}")
    held = max(1, round(fraction * n))
    if n - held < 2:
        raise ConfigError(f"--holdout {fraction:g} leaves too few rows to train on ({n} rows)")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[held:]), np.sort(order[:held])


def metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, np.ndarray]:
    """MSE, RMSE, MAE, R² of predictions ``pred`` (m,) or (m, u) against y (m,); each (u,)
    or a scalar array."""
    y = np.asarray(y, dtype=np.float64)
    r = np.asarray(pred, dtype=np.float64) - (y[:, None] if np.ndim(pred) == 2 else y)
    with np.errstate(all="ignore"):
        mse = (r * r).mean(axis=0)
        total = float(((y - y.mean()) ** 2).sum())
        r2 = 1.0 - (r * r).sum(axis=0) / total if total > 0 else np.full_like(mse, np.nan)
        return {"mse": mse, "rmse": np.sqrt(mse), "mae": np.abs(r).mean(axis=0), "r2": r2}


def metrics_per_update(A: np.ndarray, y: np.ndarray, params: np.ndarray) -> dict[str, np.ndarray]:
    """metrics() of ŷ = A·θ_t for every row θ_t of ``params`` (u, p): columns of length u."""
    u = params.shape[0]
    step = max(1, _CHUNK // max(1, A.shape[0]))
    parts: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
    for start in range(0, u, step):
        with np.errstate(all="ignore"):
            pred = A @ params[start : start + step].T
        for name, values in metrics(y, pred).items():
            parts[name].append(np.atleast_1d(values))
    empty = np.zeros(0)
    return {name: np.concatenate(v) if v else empty for name, v in parts.items()}
