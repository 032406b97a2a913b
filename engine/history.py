"""History: a compact, columnar record of every update of a run.

One row per update holds what is needed to plot the run and to restore its
exact state (θ, the optimizer's state, the accumulated gradient): about
(3p + s + 6)·8 bytes, so a million updates of a 1-feature run fit in well
under 200 MB. Full Steps are rebuilt on demand by replaying one update.

The compiled fast-forward stores θ only and registers a *filler* for its rows
(:meth:`History.add_lazy`): every other column of those rows is computed from θ when it is
first read — all of it when a column is taken whole, one row by the ``*_at`` readers — so a
fast-forward pays for the columns only if they are looked at. Readers see the same values
either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

# fill(rows, first, theta): write every derived column of ``rows`` (views of the History's
# rows first … first + len − 1, by column name) from their θ (rows["params"]) and the θ
# before the first of them.
Filler = Callable[[dict[str, np.ndarray], int, np.ndarray], None]

# grad_norm: ‖g‖ of the gradient the update used; full_grad_norm: ‖∇L(θ)‖ over all the data
# after the update (what convergence is judged on; NaN where the run diverged).
_COLUMNS_1D = ("loss", "batch_loss", "lr", "elapsed", "grad_norm", "full_grad_norm")


class History:
    """Growable float64 columns indexed by 0-based update (row t = after update t+1)."""

    # the columns (allocated by _alloc, filled up to len(self)); the derived ones (every
    # column but params and state) are properties below that fill lazy rows first
    params: np.ndarray  # (·, p) θ after the update
    state: np.ndarray  # (·, s) the optimizer's state after the update
    # grad (·, p): the gradient the update used; loss: full-data loss after the update;
    # batch_loss: the batch's loss before it; lr: η of the update; elapsed: compute seconds
    # up to and including it; grad_norm: ‖g‖ of its gradient; full_grad_norm: ‖∇L(θ)‖ over
    # all the data after it (NaN: diverged)

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
        self._cols: dict[str, np.ndarray] = {}
        self._lazy: list[tuple[int, int, Filler]] = []  # [start, stop) not yet derived
        self._lock = threading.RLock()  # a reader's fill vs the writer's growth
        self._alloc(capacity)

    def _alloc(self, capacity: int) -> None:
        def grow(old: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
            new = np.empty(shape, dtype=np.float64)
            if old is not None:
                new[: self._len] = old[: self._len]
            return new

        with self._lock:
            get = self.__dict__.get
            self.params = grow(get("params"), (capacity, self.p))
            self.state = grow(get("state"), (capacity, self.s))
            cols = self._cols
            self._cols = {"grad": grow(cols.get("grad"), (capacity, self.p))}
            for name in _COLUMNS_1D:
                self._cols[name] = grow(cols.get(name), (capacity,))
            self._capacity = capacity

    # -- the derived columns: whole, after every lazy row is filled ---------------------------

    def _derived(self, name: str) -> np.ndarray:
        if self._lazy:
            self.fill(0, self._len)
        return self._cols[name]

    @property
    def grad(self) -> np.ndarray:
        return self._derived("grad")

    @property
    def loss(self) -> np.ndarray:
        return self._derived("loss")

    @property
    def batch_loss(self) -> np.ndarray:
        return self._derived("batch_loss")

    @property
    def lr(self) -> np.ndarray:
        return self._derived("lr")

    @property
    def elapsed(self) -> np.ndarray:
        return self._derived("elapsed")

    @property
    def grad_norm(self) -> np.ndarray:
        return self._derived("grad_norm")

    @property
    def full_grad_norm(self) -> np.ndarray:
        return self._derived("full_grad_norm")

    def fill(self, start: int, stop: int) -> None:
        """Derive the lazy rows among start … stop−1 (their fillers run on those rows only;
        the rest stay lazy)."""
        with self._lock:
            keep: list[tuple[int, int, Filler]] = []
            for lo, hi, filler in self._lazy:
                a, b = max(lo, start), min(hi, stop)
                if a >= b:
                    keep.append((lo, hi, filler))
                    continue
                filler(self._rows(a, b), a, self.params_at(a))
                keep += [(lo, a, filler)] * (lo < a) + [(b, hi, filler)] * (b < hi)
            self._lazy = keep

    def _rows(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Views of every column's rows start … stop−1, by name."""
        views = {"params": self.params[start:stop], "state": self.state[start:stop]}
        views.update((name, col[start:stop]) for name, col in self._cols.items())
        return views

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
        cols = self._cols
        self.params[t] = params
        cols["grad"][t] = grad
        self.state[t] = state
        cols["loss"][t] = loss
        cols["batch_loss"][t] = batch_loss
        cols["lr"][t] = lr
        cols["elapsed"][t] = elapsed
        cols["grad_norm"][t] = grad_norm
        cols["full_grad_norm"][t] = full_grad_norm
        self._len = t + 1

    def extend(self, columns: dict[str, np.ndarray]) -> None:
        """Add many rows at once (the fast-forward); every column must have the same length.
        A 1-D column left out is filled with NaN (unknown), never left as garbage."""
        count = len(columns["loss"])
        self.reserve(count)
        start, stop = self._len, self._len + count
        rows = self._rows(start, stop)
        for name in _COLUMNS_1D:
            if name not in columns:
                rows[name][:] = np.nan
        for name, values in columns.items():
            rows[name][:] = values
        self._len = stop

    def open_rows(self, count: int) -> dict[str, np.ndarray]:
        """Writable views of every column's next ``count`` rows (room is made first), for a
        writer that fills them in place (the compiled fast-forward); :meth:`commit` then adds
        the rows it filled. Rows not committed are not part of the History."""
        self.reserve(count)
        return self._rows(self._len, self._len + count)

    def commit(self, count: int, filler: Filler | None = None) -> None:
        """Add the first ``count`` rows filled through :meth:`open_rows`; with ``filler``,
        only their θ was written and ``filler`` derives the rest when first read."""
        if not 0 <= count <= self._capacity - self._len:
            raise ValueError(f"cannot commit {count} rows: {self._capacity - self._len} open")
        with self._lock:
            if filler is not None and count:
                self._lazy.append((self._len, self._len + count, filler))
            self._len += count

    def truncate(self, length: int) -> None:
        """Forget every update after the first ``length``."""
        with self._lock:
            self._len = max(0, min(length, self._len))
            self._lazy = [(lo, min(hi, self._len), f) for lo, hi, f in self._lazy if lo < self._len]

    def view(self, name: str) -> np.ndarray:
        """The filled part of a column (a view, not a copy)."""
        return getattr(self, name)[: self._len]

    def _row(self, name: str, updates: int) -> np.ndarray:
        """Row ``updates`` − 1 of a derived column (that row filled, if lazy)."""
        if self._lazy:
            self.fill(updates - 1, updates)
        return self._cols[name][updates - 1]

    def params_at(self, updates: int) -> np.ndarray:
        """θ after ``updates`` updates (0: the starting point)."""
        return self.theta0 if updates == 0 else self.params[updates - 1]

    def state_at(self, updates: int) -> np.ndarray:
        """The optimizer's state after ``updates`` updates."""
        return self.state0 if updates == 0 else self.state[updates - 1]

    def grad_at(self, updates: int) -> np.ndarray:
        """The gradient used by update ``updates`` (0: zeros), i.e. the accumulator."""
        return np.zeros(self.p) if updates == 0 else self._row("grad", updates)

    def loss_at(self, updates: int) -> float:
        """Full-data loss after ``updates`` updates."""
        return self.loss0 if updates == 0 else float(self._row("loss", updates))

    def full_grad_norm_at(self, updates: int) -> float:
        """‖∇L(θ)‖ over all the data after ``updates`` updates (NaN where not computed)."""
        return self.full_grad_norm0 if updates == 0 else float(self._row("full_grad_norm", updates))

    def elapsed_at(self, updates: int) -> float:
        """Compute seconds up to and including update ``updates`` (0: none)."""
        return 0.0 if updates == 0 else float(self._row("elapsed", updates))

    def window(self, names: tuple[str, ...], start: int, stop: int) -> dict[str, np.ndarray]:
        """Copies of 1-D columns for updates start+1 … stop (rows start … stop−1), clipped to
        the filled part: what a reader on another thread may keep."""
        start, stop = max(0, start), min(stop, self._len)
        stop = max(start, stop)
        self.fill(start, stop)
        rows = self._rows(start, stop)
        return {name: rows[name].copy() for name in names}

    def losses(self) -> np.ndarray:
        """Full-data loss after 0, 1, …, len updates."""
        return np.concatenate([[self.loss0], self.view("loss")])

    def nbytes(self) -> int:
        """Memory held by the columns."""
        cols = [self.params, self.state, *self._cols.values()]
        return int(sum(c.nbytes for c in cols))
