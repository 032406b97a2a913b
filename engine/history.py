"""History: a compact, columnar record of every update of a run.

One row per update holds what is needed to plot the run and to restore its
exact state (θ, the optimizer's state, the accumulated gradient): about
(3p + s + 6)·8 bytes, so a million updates of a 1-feature run fit in well
under 200 MB. Full Steps are rebuilt on demand by replaying one update.
"""

from __future__ import annotations

import numpy as np

# grad_norm: ‖g‖ of the gradient the update used; full_grad_norm: ‖∇L(θ)‖ over all the data
# after the update (what convergence is judged on; NaN where the run diverged).
_COLUMNS_1D = ("loss", "batch_loss", "lr", "elapsed", "grad_norm", "full_grad_norm")


class History:
    """Growable float64 columns indexed by 0-based update (row t = after update t+1)."""

    # the columns (allocated by _alloc, filled up to len(self))
    params: np.ndarray  # (·, p) θ after the update
    grad: np.ndarray  # (·, p) the gradient the update used
    state: np.ndarray  # (·, s) the optimizer's state after the update
    loss: np.ndarray  # full-data loss after the update
    batch_loss: np.ndarray  # the batch's loss before the update
    lr: np.ndarray  # η of the update
    elapsed: np.ndarray  # compute seconds up to and including the update
    grad_norm: np.ndarray  # ‖g‖ of the gradient the update used
    full_grad_norm: np.ndarray  # ‖∇L(θ)‖ over all the data after the update (NaN: diverged)

    def __init__(
        self,
        theta0: np.ndarray,
        state0: np.ndarray,
        loss0: float,
        capacity: int = 256,
        full_grad_norm0: float = float("nan"),
    ):
        self.p = len(theta0)
        self.s = len(state0)
        self.theta0 = np.asarray(theta0, dtype=np.float64).copy()
        self.state0 = np.asarray(state0, dtype=np.float64).copy()
        self.loss0 = float(loss0)
        self.full_grad_norm0 = float(full_grad_norm0)  # ‖∇L(θ₀)‖ over all the data
        self._len = 0
        self._alloc(capacity)

    def _alloc(self, capacity: int) -> None:
        def grow(old: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
            new = np.empty(shape, dtype=np.float64)
            if old is not None:
                new[: self._len] = old[: self._len]
            return new

        get = self.__dict__.get
        self.params = grow(get("params"), (capacity, self.p))
        self.grad = grow(get("grad"), (capacity, self.p))
        self.state = grow(get("state"), (capacity, self.s))
        for name in _COLUMNS_1D:
            setattr(self, name, grow(get(name), (capacity,)))
        self._capacity = capacity

    def __len__(self) -> int:
        return self._len

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more rows."""
        need = self._len + extra
        if need > self._capacity:
            self._alloc(max(need, 2 * self._capacity))

    def append(
        self,
        params: np.ndarray,
        grad: np.ndarray,
        state: np.ndarray,
        loss: float,
        batch_loss: float,
        lr: float,
        elapsed: float,
        grad_norm: float,
        full_grad_norm: float = float("nan"),
    ) -> None:
        """Add the row of one update."""
        self.reserve(1)
        t = self._len
        self.params[t] = params
        self.grad[t] = grad
        self.state[t] = state
        self.loss[t] = loss
        self.batch_loss[t] = batch_loss
        self.lr[t] = lr
        self.elapsed[t] = elapsed
        self.grad_norm[t] = grad_norm
        self.full_grad_norm[t] = full_grad_norm
        self._len = t + 1

    def extend(self, columns: dict[str, np.ndarray]) -> None:
        """Add many rows at once (the fast-forward); every column must have the same length.
        A 1-D column left out is filled with NaN (unknown), never left as garbage."""
        count = len(columns["loss"])
        self.reserve(count)
        start, stop = self._len, self._len + count
        for name in _COLUMNS_1D:
            if name not in columns:
                getattr(self, name)[start:stop] = np.nan
        for name, values in columns.items():
            getattr(self, name)[start:stop] = values
        self._len = stop

    def truncate(self, length: int) -> None:
        """Forget every update after the first ``length``."""
        self._len = max(0, min(length, self._len))

    def view(self, name: str) -> np.ndarray:
        """The filled part of a column (a view, not a copy)."""
        return getattr(self, name)[: self._len]

    def params_at(self, updates: int) -> np.ndarray:
        """θ after ``updates`` updates (0: the starting point)."""
        return self.theta0 if updates == 0 else self.params[updates - 1]

    def state_at(self, updates: int) -> np.ndarray:
        """The optimizer's state after ``updates`` updates."""
        return self.state0 if updates == 0 else self.state[updates - 1]

    def grad_at(self, updates: int) -> np.ndarray:
        """The gradient used by update ``updates`` (0: zeros), i.e. the accumulator."""
        return np.zeros(self.p) if updates == 0 else self.grad[updates - 1]

    def loss_at(self, updates: int) -> float:
        """Full-data loss after ``updates`` updates."""
        return self.loss0 if updates == 0 else float(self.loss[updates - 1])

    def full_grad_norm_at(self, updates: int) -> float:
        """‖∇L(θ)‖ over all the data after ``updates`` updates (NaN where not computed)."""
        return self.full_grad_norm0 if updates == 0 else float(self.full_grad_norm[updates - 1])

    def window(self, names: tuple[str, ...], start: int, stop: int) -> dict[str, np.ndarray]:
        """Copies of 1-D columns for updates start+1 … stop (rows start … stop−1), clipped to
        the filled part: what a reader on another thread may keep."""
        start, stop = max(0, start), min(stop, self._len)
        stop = max(start, stop)
        return {name: getattr(self, name)[start:stop].copy() for name in names}

    def losses(self) -> np.ndarray:
        """Full-data loss after 0, 1, …, len updates."""
        return np.concatenate([[self.loss0], self.view("loss")])

    def nbytes(self) -> int:
        """Memory held by the columns."""
        cols = ["params", "grad", "state", *_COLUMNS_1D]
        return int(sum(getattr(self, c).nbytes for c in cols))
