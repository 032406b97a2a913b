"""Where a run stands on a comparison's x-axis: updates, epochs, samples seen or seconds.

The coordinate of run r after u updates, on each axis:

    updates   x_r(u) = u
    epochs    x_r(u) = u / P_r            (P_r: run r's updates per epoch)
    samples   x_r(u) = samples_r(u)       (rows its first u updates consumed)
    seconds   x_r(u) = elapsed_r(u)       (compute seconds, below; x_r(0) = 0)

*Seconds* are compute seconds: the wall-clock time run r spent inside its own updates
(``Step.elapsed``, the History's ``elapsed`` column), summed from its start. They are
measured when an update is first computed and restored, not measured again, when the run
steps back — so pausing, drawing the screen or the other runs never count, and moving back
and forth shows the same x. Unlike the other three ("counted") axes, they are known only for
updates already done.

Names and limits live here once: the alignments (``AXES``) and how many runs a comparison
holds (``MIN_RUNS``..``MAX_RUNS``; a lockstep clock holds 1..``MAX_RUNS``, so a playground is
a one-run clock). This module imports no Run at run time, so the course model can import the
names without loading the engine.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .errors import unknown_choice

if TYPE_CHECKING:
    from .batching import Batcher
    from .run import Run

AXES = ("updates", "epochs", "samples", "seconds")  # what runs are aligned by (the x-axis)
COUNTED_AXES = AXES[:3]  # axes whose coordinates are known before an update is computed
MIN_RUNS, MAX_RUNS = 2, 4  # runs in a comparison; a lockstep clock holds 1..MAX_RUNS
_REL = 1e-12  # relative tolerance of "x_r(u) ≤ X" (far above float rounding, far below 1)


def check_axis(axis: str) -> str:
    """``axis`` if it is one of AXES, else the engine's unknown-choice ConfigError."""
    if axis not in AXES:
        raise unknown_choice("comparison axis", axis, AXES)
    return axis


def samples_seen(batcher: Batcher, updates: np.ndarray) -> np.ndarray:
    """Rows consumed after each count in ``updates``: Batcher.samples_seen, vectorised."""
    updates = np.asarray(updates, dtype=np.int64)
    if batcher.is_stream or batcher.spec.mode == "full":
        return updates * batcher.size
    epochs, index = np.divmod(updates, batcher.per_epoch)
    per_epoch_rows = batcher.per_epoch * batcher.size if batcher.drop_last else batcher.n
    return epochs * per_epoch_rows + np.minimum(index * batcher.size, batcher.n)


def coordinates(run: Run, axis: str, updates: np.ndarray | None = None) -> np.ndarray:
    """x_r(u) on ``axis`` for each u in ``updates`` (default 0, 1, …, run.updates).

    On "seconds" every u must be ≤ run.updates (only done updates have a time)."""
    check_axis(axis)
    if updates is None:
        updates = np.arange(run.updates + 1, dtype=np.int64)
    u = np.asarray(updates, dtype=np.int64)
    if axis == "updates":
        return u.astype(np.float64)
    if axis == "epochs":
        return u / run.batcher.per_epoch
    if axis == "samples":
        return samples_seen(run.batcher, u).astype(np.float64)
    if u.size and int(u.max()) > run.updates:
        raise ValueError(f"no compute time yet for update {int(u.max())} (done: {run.updates})")
    elapsed = run.history.view("elapsed")
    out = np.zeros(u.shape, dtype=np.float64)
    done = u > 0
    out[done] = elapsed[u[done] - 1]
    return out


def coordinate(run: Run, axis: str, updates: int | None = None) -> float:
    """x_r(u) for one u (default: where the run stands now); scalar arithmetic, as the clock
    asks this for every run on every tick."""
    u = run.updates if updates is None else updates
    if axis == "updates":
        return float(u)
    if axis == "epochs":
        return u / run.batcher.per_epoch
    if axis == "samples":
        return float(run.batcher.samples_seen(u))
    check_axis(axis)
    if u > run.updates:
        raise ValueError(f"no compute time yet for update {u} (done: {run.updates})")
    return float(run.history.view("elapsed")[u - 1]) if u > 0 else 0.0


def updates_at(run: Run, axis: str, position: float, *, strict: bool = False) -> int:
    """On a counted axis, the updates run r has done when the clock stands at X = ``position``:

        k_r(X) = max{u ≥ 0 : x_r(u) ≤ X}     (strict: max{u : x_r(u) < X}, −1 if none)

    so a run never passes the clock; it moves once the clock reaches its next point."""
    if axis not in COUNTED_AXES:
        raise ValueError(f"updates_at is for the counted axes {COUNTED_AXES}, not {axis!r}")
    if axis == "samples":
        tol = _REL * max(1.0, abs(position))
        rows = math.ceil(position - tol) - 1 if strict else math.floor(position + tol)
        return _updates_within(run.batcher, rows)
    v = position * (run.batcher.per_epoch if axis == "epochs" else 1)
    tol = _REL * max(1.0, abs(v))
    return max(-1, math.ceil(v - tol) - 1) if strict else max(0, math.floor(v + tol))


def _updates_within(batcher: Batcher, rows: int) -> int:
    """max{u : samples_seen(u) ≤ rows} (−1 when ``rows`` < 0); samples_seen rises strictly."""
    if rows < 0:
        return -1
    if batcher.is_stream or batcher.spec.mode == "full":
        return rows // batcher.size
    per_epoch_rows = batcher.per_epoch * batcher.size if batcher.drop_last else batcher.n
    epochs, rest = divmod(rows, per_epoch_rows)
    return epochs * batcher.per_epoch + min(rest // batcher.size, batcher.per_epoch - 1)
