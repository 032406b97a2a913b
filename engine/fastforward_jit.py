"""The compiled fast-forward of plain sgd, per-sample or by mini-batches (see
:mod:`.fastforward`).

When numba is installed, plain sgd (no momentum, no mistake) over sgd or mini-batch
batches, float64 on the CPU, with at most MAX_PARAMS parameters, is fast-forwarded by a
compiled loop (:mod:`.fastforward_kernels`) that steps the updates in stepping's order,
reading each update's rows through the epoch's order (no gather), so it agrees with
:meth:`Run.step` to rounding. The loop writes θ straight into the History and judges each
update's full-data loss for divergence as it goes; every other column of those rows (the
gradient, the losses, the norms, η, the elapsed time) is derived from θ by a second,
chain-free compiled pass only when it is first read (:meth:`.history.History.commit` with a
filler). Chunks end at each epoch's end (one order per chunk) and every CHUNK_UPDATES
updates (a look at the cancel flag).

numba is optional: without it, if it fails to load, or for short fast-forwards (where
loading it would cost more than it saves) the vectorised scans of :mod:`.fastforward` run
instead, with the same results to rounding. It is imported only here, on first use: never
when the engine, the CLI or the app starts. Compiled code is cached on disk (``cache=True``)
under the user's cache directory (``NUMBA_CACHE_DIR`` when set), so a read-only install
still caches and only the first use on a machine compiles (a few seconds); :func:`warm`
lets a background worker pay the import and the load before the user asks.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from .analysis import divergence_limit
from .errors import Cancelled
from .losses import get_loss

if TYPE_CHECKING:
    import torch

    from .run import Run

MAX_PARAMS = 8  # the loop's full-data loss costs O(p²) per update: beyond this the scans win
MIN_SAMPLES = 20_000  # rows a fast-forward must visit for the compiled loop, once loaded
# ... and before loading it (numba's import and the cached code, ~1 s) pays off: the scans
# take about as long for this many
COLD_MIN_SAMPLES = 5_000_000
CHUNK_UPDATES = 1 << 20  # updates between two looks at the cancel flag (~10 ms)

_kernels: ModuleType | None = None
_unavailable = False


def kernels() -> ModuleType | None:
    """The compiled kernels' module, imported (and numba with it) on first call; None when
    numba is not installed or fails to load."""
    global _kernels, _unavailable
    if _kernels is None and not _unavailable:
        _set_cache_dir()
        try:
            _kernels = importlib.import_module(".fastforward_kernels", __package__)
        except Exception:  # ImportError, or a numba that does not work with this numpy
            _unavailable = True
    return _kernels


def _set_cache_dir() -> None:
    """Cache the compiled code under the user's cache directory unless NUMBA_CACHE_DIR says
    otherwise (numba reads it when imported): the package's own folder may be read-only."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        from platformdirs import user_cache_dir

        os.environ["NUMBA_CACHE_DIR"] = os.path.join(user_cache_dir("linreg-tui"), "numba")


def warm() -> bool:
    """Import numba and load (or, the first time on this machine, compile) both kernels by
    running them on two rows, so the first large fast-forward starts at once. For a
    background worker; True when the compiled path is available."""
    found = kernels()
    if found is None:
        return False
    A, y, order, eta = np.ones((2, 2)), np.ones(2), np.empty(0, np.int64), np.ones(1)
    ref = (np.zeros(2), np.zeros(2), np.eye(2), 0.0)
    cols = [np.empty((2, 2)), np.empty((2, 2))] + [np.empty(2) for _ in range(5)]
    found.sgd_scan(A, y, order, 0, 1, 1.0, True, 1.0, eta, np.zeros(2), *ref, np.inf, cols[0])
    found.sample_scan(A, y, order, 0, 2.0, 1.0, eta, np.zeros(2), *ref, np.inf, cols[0])
    found.sgd_columns(A, y, order, 0, 1, 1.0, True, eta, np.zeros(2), *ref, *cols)
    return True


def applies(run: Run, n_updates: int) -> bool:
    """Whether this fast-forward takes the compiled loop: plain sgd (no mistake) over sgd or
    mini-batch batches, float64 on the CPU, at most MAX_PARAMS parameters, at least
    MIN_SAMPLES rows to visit (COLD_MIN_SAMPLES while numba is not loaded yet: see
    :func:`warm`), and numba available. (The caller checked :func:`.fastforward.supports`.)"""
    from .fastforward_plan import rule_coefficients

    cfg, problem, batcher = run.config, run.problem, run.batcher
    shape_fits = (
        cfg.optimizer == "sgd"
        and cfg.mistake is None
        and cfg.dtype == "float64"
        and problem.device == "cpu"
        and batcher.spec.mode in ("sgd", "minibatch")
        and problem.p <= MAX_PARAMS
        and rule_coefficients(cfg)[:2] == (1.0, 0.0)
    )
    least = MIN_SAMPLES if _kernels is not None else COLD_MIN_SAMPLES
    return shape_fits and n_updates * batcher.size >= least and kernels() is not None


def advance(run: Run, n_updates: int, cancelled: Callable[[], bool] | None = None) -> None:
    """As :func:`.fastforward.advance`, by the compiled loop; chunks end at epoch ends (one
    order per chunk) and every CHUNK_UPDATES updates (a look at ``cancelled``)."""
    end = run.updates + n_updates
    run.history.reserve(n_updates)
    per_epoch = run.batcher.per_epoch
    while run.updates < end:
        if cancelled is not None and cancelled():
            run.sync_from_history()
            raise Cancelled(f"stopped at update {run.updates}")
        t0 = run.updates
        count = min(end - t0, CHUNK_UPDATES, per_epoch - t0 % per_epoch)
        bad = _chunk(run, t0, count)
        if bad is not None and run.step_flagged():
            return
    run.sync_from_history()


def _chunk(run: Run, t0: int, count: int) -> int | None:
    """Updates t0 … t0+count−1 (one epoch's) added to the History, θ now and the other
    columns when read; the offset of the first that looks diverged (not kept), or None."""
    found = kernels()
    assert found is not None  # applies() said so
    h, scan = run.history, _Scan(run, t0, found)
    base = h.elapsed_at(t0)
    rows = h.open_rows(count)
    started = time.perf_counter()
    theta = np.array(h.params_at(t0), dtype=np.float64)
    limit = divergence_limit(h.loss0, run.config.divergence_factor)
    if scan.m == 1 and len(theta) <= 2:  # one row per update, θ in registers
        bad = found.sample_scan(
            *scan.data, scan.order(), scan.first, 2.0 * scan.c_rows, 1.0,
            scan.eta(t0, count), theta, *scan.reference(), limit, rows["params"],
        )  # fmt: skip
    else:
        bad = found.sgd_scan(
            *scan.data, scan.order(), scan.first, scan.m, scan.c_rows, scan.mean, 1.0,
            scan.eta(t0, count), theta, *scan.reference(), limit, rows["params"],
        )  # fmt: skip
    wall = time.perf_counter() - started
    keep = count if bad < 0 else int(bad)

    def fill(rows: dict[str, np.ndarray], first: int, theta: np.ndarray) -> None:
        scan.fill(rows, first, theta)
        # cumulative compute seconds, the chunk's wall time spread evenly over its updates
        k = np.arange(first - t0 + 1, first - t0 + 1 + len(rows["params"]), dtype=np.float64)
        np.multiply(k, wall / count, out=rows["elapsed"])
        rows["elapsed"] += base

    h.commit(keep, fill)
    return None if bad < 0 else keep


class _Scan:
    """What the compiled kernels need to run or derive one chunk's updates (all within one
    epoch, from update t0): the data, the epoch's order, the loss's scale, the schedule."""

    def __init__(self, run: Run, t0: int, kernels: ModuleType) -> None:
        cfg, batcher, problem = run.config, run.batcher, run.problem
        self.kernels = kernels  # the lazy rows are derived by the code that stepped them
        self.problem, self.batcher, self.schedule, self.lr = problem, batcher, cfg.schedule, cfg.lr
        self.epoch, index = divmod(t0, batcher.per_epoch)
        self.t0, self.m = t0, batcher.size
        self.first = index * batcher.size
        loss = get_loss(cfg.loss)
        self.c_rows, self.mean, self.c = loss.constant, loss.mean, loss.scale(problem.n)
        # zero-copy views of the run's float64 CPU tensors
        self.data = (_floats(problem.A), _floats(problem.y))

    def order(self) -> np.ndarray:
        """The epoch's row order ((0,) for the identity: no shuffling)."""
        if not self.batcher.shuffle:
            return np.empty(0, np.int64)
        return np.ascontiguousarray(self.batcher.epoch_order(self.epoch), dtype=np.int64)

    def eta(self, t: int, count: int) -> np.ndarray:
        """η of updates t … t+count−1, or (1,) when the schedule is constant."""
        from .schedules import lr_series

        if self.schedule.kind == "constant":
            return np.array([self.lr], dtype=np.float64)
        return lr_series(self.schedule, self.lr, t, count)

    def reference(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """(θ_r, g_r, c·G, L_r) of the full-data loss L = L_r + eᵀ(g_r + c·G·e), e = θ − θ_r,
        as stepping evaluates it (Problem.full_loss): on large data around θ_r = 0 from the
        Gram matrix the run already holds, L = c·(θᵀGθ − 2θᵀh + yᵀy); on small data around
        the optimum (the LossExpansion, a cheap pass there), where less cancels."""
        from .analysis import expansion
        from .problem import GRAM_LOSS_MIN_ROWS

        problem, c = self.problem, self.c
        if problem.n >= GRAM_LOSS_MIN_ROWS:
            G, h, yy = problem.gram()
            return np.zeros(problem.p), _floats(-2.0 * c * h), _floats(c * G), c * yy
        ref = expansion(problem)
        return _floats(ref.theta), _floats(ref.grad), _floats(ref.c * ref.G), float(ref.loss)

    def fill(self, rows: dict[str, np.ndarray], first: int, theta: np.ndarray) -> None:
        """Derive the columns of the History rows ``rows`` (updates first+1 …) from θ."""
        count = len(rows["params"])
        self.kernels.sgd_columns(
            *self.data, self.order(), self.first + (first - self.t0) * self.m, self.m,
            self.c_rows, self.mean, self.eta(first, count), np.asarray(theta, np.float64),
            *self.reference(),
            rows["params"], rows["grad"], rows["loss"], rows["batch_loss"], rows["lr"],
            rows["grad_norm"], rows["full_grad_norm"],
        )  # fmt: skip


def _floats(t: torch.Tensor) -> np.ndarray:
    """A float64 array of a CPU tensor (no copy when it already is one)."""
    return np.ascontiguousarray(t.detach().numpy(), dtype=np.float64)
