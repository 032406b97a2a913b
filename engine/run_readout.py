"""Plain-value reads of a Run, for code outside the engine.

A :class:`~.run.Run` keeps its History, Batcher, Problem, update rule and Standardizer to
itself; the UI, the CLI and the lessons read them only through these methods, which return
floats, tuples, strings and arrays that are copies (or read-only views), never the engine's
own objects. Parameters are reported in the data's original units where a name says so
(``w``/``b``), in working units (standardized when the config says so) where it says θ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from .batching import Batcher
    from .config import RunConfig
    from .data import Standardizer
    from .dataset import Dataset
    from .history import History
    from .noise import BatchNoise
    from .optimizers import UpdateRule
    from .problem import Problem


class BatchPlan(NamedTuple):
    """How a run draws its batches."""

    size: int  # rows in a (non-final) batch
    per_epoch: int  # updates per epoch
    shuffle: bool  # the row order is reshuffled every epoch
    stream: bool  # a fresh draw every update (stream data)
    drop_last: bool  # a short last mini-batch is dropped


class HistoryRow(NamedTuple):
    """One update's row of the History: parameters in original units, the gradient the
    update used (with respect to the parameters the run descends), its losses."""

    update: int  # 1-based
    epoch: int  # 1-based, as the app counts
    w: tuple[float, ...]
    b: float | None
    grad_w: tuple[float, ...]
    grad_b: float | None
    batch_loss: float
    loss: float


def _read_only(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=np.float64)
    out.flags.writeable = False
    return out


class RunReadout:
    """The reading half of a Run (mixed into :class:`~.run.Run`)."""

    config: RunConfig
    dataset: Dataset
    history: History
    batcher: Batcher
    problem: Problem
    rule: UpdateRule
    standardizer: Standardizer | None

    if TYPE_CHECKING:  # defined by Run

        def to_original(self, theta: np.ndarray) -> tuple[list[float], float | None]: ...

    @property
    def per_epoch(self) -> int:
        """Updates per epoch."""
        return int(self.batcher.per_epoch)

    @property
    def standardized(self) -> bool:
        """The run descends on z-scored features."""
        return self.standardizer is not None

    @property
    def device(self) -> str:
        """The torch device the run computes on ("cpu", "cuda", …)."""
        return str(self.problem.device)

    @property
    def initial_loss(self) -> float:
        """Full-data loss L(θ₀) before the first update."""
        return float(self.history.loss0)

    def batch_plan(self) -> BatchPlan:
        b = self.batcher
        return BatchPlan(int(b.size), int(b.per_epoch), b.shuffle, b.is_stream, b.drop_last)

    def rule_text(self) -> tuple[str, str]:
        """(the update rule's name with its constants, its formula: one line per equation)."""
        return str(self.rule), self.rule.formula()

    def history_columns(self) -> dict[str, np.ndarray | None]:
        """Every update as read-only arrays: update, epoch (1-based), w (u, d) and b in
        original units, loss, batch_loss, grad_w (u, d), grad_b, lr. ``b``/``grad_b`` are
        None without a bias."""
        h, d, bias = self.history, self.problem.d, self.config.bias
        params, grad = h.view("params"), h.view("grad")
        w = np.array(params[:, :d], dtype=np.float64)
        b = np.array(params[:, d], dtype=np.float64) if bias else None
        if self.standardizer is not None:
            # θ_std = (w·σ, b + Σ w·μ)  ⇔  w = w_std/σ, b = b_std − Σ w·μ (row by row).
            w = w / self.standardizer.std
            if b is not None:
                b = b - w @ self.standardizer.mean
        updates = np.arange(1, len(h) + 1)
        columns: dict[str, np.ndarray | None] = {
            "update": updates,
            "epoch": (updates - 1) // self.batcher.per_epoch + 1,
            "w": w,
            "b": b,
            "loss": h.view("loss"),
            "batch_loss": h.view("batch_loss"),
            "grad_w": grad[:, :d],
            "grad_b": grad[:, d] if bias else None,
            "lr": h.view("lr"),
        }
        return {k: (None if v is None else _read_only(v)) for k, v in columns.items()}

    def history_row(self, update: int) -> HistoryRow:
        """The History row of ``update`` (1-based, at most the updates done)."""
        h, d, bias = self.history, self.problem.d, self.config.bias
        w, b = self.to_original(h.params_at(update))
        grad = h.grad_at(update)
        return HistoryRow(
            update=update,
            epoch=(update - 1) // self.batcher.per_epoch + 1,
            w=tuple(w),
            b=b,
            grad_w=tuple(float(g) for g in grad[:d]),
            grad_b=float(grad[d]) if bias else None,
            batch_loss=float(h.view("batch_loss")[update - 1]),
            loss=float(h.loss_at(update)),
        )

    def trace(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(full-data loss, θ in working units) after each update count in ``counts``
        (0 = the start), as new arrays of shape (k,) and (k, p)."""
        h = self.history
        idx = np.asarray(counts, dtype=np.int64)
        return _at(h.view("loss"), h.loss0, idx), _at(h.view("params"), h.theta0, idx)

    def least_squares(self) -> tuple[np.ndarray, float]:
        """(θ*, L(θ*)): the least-squares optimum in working units and its full-data loss
        (engine.analysis.closed_form)."""
        from .analysis import closed_form

        theta, loss = closed_form(self.problem)
        return _read_only(theta), float(loss)

    def loss_surface(
        self,
        i: int,
        j: int,
        center: np.ndarray,
        limits: tuple[tuple[float, float], tuple[float, float]],
        resolution: int | tuple[int, int],
    ) -> np.ndarray:
        """Z (res_i, res_j): the full-data loss over θ_i × θ_j on the grid ``limits``, the
        other parameters at ``center`` (engine.analysis.loss_surface)."""
        from .analysis import loss_surface

        return loss_surface(
            self.problem, i, j, center=center, limits=limits, resolution=resolution
        ).Z

    def to_working(self, w: np.ndarray | list[float], b: float | None) -> np.ndarray:
        """θ in working units from (w, b) in the data's original units (b ignored without a
        bias): the inverse of ``to_original`` (standardized: w_std = w·σ, b_std = b + Σ w·μ)."""
        w_arr = np.asarray(w, dtype=np.float64).reshape(-1)
        bias = float(b) if b is not None else 0.0
        if self.standardizer is not None:
            w_arr, bias = self.standardizer.to_standardized(w_arr, bias)
        if not self.config.bias:
            return np.asarray(w_arr, dtype=np.float64)
        return np.concatenate([w_arr, [bias]])

    def gradient_noise(
        self, theta: np.ndarray, batch_sizes: list[int], seed: int = 0
    ) -> tuple[np.ndarray, list[BatchNoise]]:
        """(∇L(θ) over all the data, one BatchNoise per batch size) at θ in working units
        (engine.noise.gradient_noise on this run's data and loss)."""
        from .noise import gradient_noise

        return gradient_noise(self.problem, theta, batch_sizes, seed=seed)

    def loss_scan(self, i: int, values: np.ndarray, center: np.ndarray) -> np.ndarray:
        """L as θ_i takes each of ``values``, the others at ``center``."""
        from .analysis import loss_scan_1d

        return loss_scan_1d(self.problem, i, values, center=center)


def _at(column: np.ndarray, first: np.ndarray | float, idx: np.ndarray) -> np.ndarray:
    """Values after ``idx`` updates: ``first`` at 0, else column[idx − 1]."""
    out = np.empty((len(idx), *np.shape(first)), dtype=np.float64)
    zero = idx == 0
    out[zero] = first
    out[~zero] = column[idx[~zero] - 1]
    return out
