"""The Step: an immutable record of one gradient-descent update.

Widgets and the text log render Steps; they never recompute the math.
Parameters are one flat vector θ = (w₁, …, w_d[, b]): weights first, the
bias (when the model has one) last.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

PER_SAMPLE_LIMIT = 32  # batches up to this many rows keep each sample's gradient term


@dataclass(frozen=True, eq=False)
class Step:
    """One update θ_after = rule(θ_before, g, η), with everything that went into it."""

    update: int  # 1-based number of this update within the run
    epoch: int  # 0-based epoch this update belongs to
    batch_index: int  # 0-based position of this batch within its epoch
    samples_seen: int  # rows consumed by the run so far, this batch included
    rows: np.ndarray  # indices of the batch's rows in the data set (stream: fresh draws, -1)
    x: np.ndarray  # (b, d) the batch's features, in working units
    y: np.ndarray  # (b,) the batch's targets
    predictions: np.ndarray  # ŷ = X·w + b with θ_before, (b,)
    residuals: np.ndarray  # r = ŷ − y, (b,)
    batch_loss: float  # L_batch(θ_before) under the run's loss
    grad: np.ndarray  # g, the gradient the rule used, (p,)
    batch_grad: np.ndarray  # ∇L_batch(θ_before) alone (differs from g under a mistake)
    per_sample: np.ndarray | None  # (b, p) each row's term of batch_grad; None if b > 32
    lr: float  # η used for this update (after the schedule)
    params_before: np.ndarray  # θ before the update, (p,)
    params_after: np.ndarray  # θ after the update, (p,)
    loss_before: float  # full-data loss at θ_before
    loss_after: float  # full-data loss at θ_after
    grad_norm: float  # ‖g‖₂
    bias: bool  # whether θ ends with a bias term
    loss_name: str  # mse | half_mse | sse | half_sse
    optimizer: str  # name of the update rule
    elapsed: float  # seconds of compute spent by the run up to and including this update
    status: str = "running"  # running | converged | diverged
    full_grad_norm: float = float("nan")  # ‖∇L(θ_after)‖ over all the data (NaN: diverged)
    # max_j |∂L/∂θ_j by the run's method − by the hand formula 2c·Aᵀ(Aθ − y)| on this batch;
    # None when the method is the hand formula itself (autograd and nn.Module are checked)
    grad_check: float | None = None
    batch_loss_after: float = float("nan")  # L_batch(θ_after): what T4 prints as "loss="

    def __post_init__(self) -> None:
        """Freeze every array field: a writable one is replaced by a read-only view of it.

        A view (not a copy) keeps a full-batch Step at n = 10⁶ from copying its data; the
        engine never writes into the arrays it hands to a Step after building it.
        """
        for name in ARRAY_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            arr = np.asarray(value)
            if arr.flags.writeable:
                arr = arr.view()
                arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def d(self) -> int:
        """Number of weights (features)."""
        return len(self.params_before) - (1 if self.bias else 0)

    def _weights(self, vec: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in vec[: self.d])

    def _bias(self, vec: np.ndarray) -> float | None:
        return float(vec[-1]) if self.bias else None

    @property
    def grad_w(self) -> tuple[float, ...]:
        """∂L/∂w_j as used by the update."""
        return self._weights(self.grad)

    @property
    def grad_b(self) -> float | None:
        """∂L/∂b as used by the update (None without a bias)."""
        return self._bias(self.grad)

    @property
    def w_before(self) -> tuple[float, ...]:
        return self._weights(self.params_before)

    @property
    def b_before(self) -> float | None:
        return self._bias(self.params_before)

    @property
    def w_after(self) -> tuple[float, ...]:
        return self._weights(self.params_after)

    @property
    def b_after(self) -> float | None:
        return self._bias(self.params_after)

    @property
    def batch_size(self) -> int:
        return int(len(self.y))


ARRAY_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(Step) if "np.ndarray" in str(f.type)
)  # rows, x, y, predictions, residuals, grad, batch_grad, per_sample, params_before/after
