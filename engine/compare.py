"""Comparison: 2–4 runs from the same start on the same data, moved in lockstep.

The runs are aligned on one axis — updates, epochs, samples seen or seconds of compute —
so that after :meth:`Comparison.advance` every run stands at the same point of that axis:

    updates   u = ⌊x⌋                         (same number of updates)
    epochs    u = ⌊x · updates per epoch⌋     (each run its own batches per epoch)
    samples   u = max{u : samples_seen(u) ≤ x}
    seconds   u = min{u : elapsed(u) ≥ x}     (compute time; found by running ahead)

Each run moves by the fast-forward where its rule is affine, else by stepping. A run that
diverged stays where it stopped.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .config import RunConfig
from .errors import ConfigError, unknown_choice
from .fastforward import forward
from .run import Run

if TYPE_CHECKING:
    from .batching import Batcher
    from .data import Dataset

AXES = ("updates", "epochs", "samples", "seconds")
MIN_RUNS, MAX_RUNS = 2, 4


class Comparison:
    """Runs of ``configs`` on ``dataset``, all starting from the first config's parameters."""

    def __init__(self, dataset: Dataset, configs: list[RunConfig], axis: str = "epochs") -> None:
        if not MIN_RUNS <= len(configs) <= MAX_RUNS:
            raise ConfigError(
                f"a comparison needs {MIN_RUNS} to {MAX_RUNS} runs, got {len(configs)}"
            )
        self.dataset = dataset
        self._axis = _check_axis(axis)
        self.position = 0.0  # where the runs stand on ``axis``
        first = Run(dataset, configs[0])
        self._start = first.params()  # (w, b) in original units, shared by every run
        self.runs: list[Run] = [first] + [Run(dataset, self._same_start(c)) for c in configs[1:]]

    # -- membership ---------------------------------------------------------------------------

    def _same_start(self, config: RunConfig) -> RunConfig:
        """``config`` with its initial parameters replaced by the comparison's start."""
        w, b = self._start
        return config.with_(init_w=tuple(w), init_b=0.0 if b is None else b, init_random=False)

    @property
    def configs(self) -> list[RunConfig]:
        return [run.config for run in self.runs]

    def add_run(self, config: RunConfig) -> Run:
        """Add a run from the common start and bring it to the current position."""
        if len(self.runs) >= MAX_RUNS:
            raise ConfigError(f"a comparison holds at most {MAX_RUNS} runs")
        run = Run(self.dataset, self._same_start(config))
        self.runs.append(run)
        self._move(run, self.position)
        return run

    def remove_run(self, index: int) -> Run:
        """Remove and return run ``index`` (at least two stay)."""
        if len(self.runs) <= MIN_RUNS:
            raise ConfigError(f"a comparison needs at least {MIN_RUNS} runs")
        if not 0 <= index < len(self.runs):
            raise ConfigError(f"run index must be in 0..{len(self.runs) - 1}, got {index}")
        return self.runs.pop(index)

    # -- moving -------------------------------------------------------------------------------

    @property
    def axis(self) -> str:
        """The axis the runs are aligned on."""
        return self._axis

    @axis.setter
    def axis(self, axis: str) -> None:
        """Switch axes; the position becomes the furthest run's coordinate on the new one."""
        self._axis = _check_axis(axis)
        self.position = max(_coordinate(run, axis) for run in self.runs)

    def advance(self, amount: float) -> None:
        """Move every run forward (or back, if ``amount`` < 0) by ``amount`` on the axis."""
        self.seek(self.position + amount)

    def seek(self, position: float) -> None:
        """Put every run at ``position`` on the axis (never before the start)."""
        if not math.isfinite(position):
            raise ConfigError(f"position must be a finite number, got {position}")
        self.position = max(0.0, float(position))
        for run in self.runs:
            self._move(run, self.position)

    def reset(self) -> None:
        """Every run back to the common start."""
        self.position = 0.0
        for run in self.runs:
            run.goto(0)

    def _move(self, run: Run, position: float) -> None:
        if self._axis == "seconds":
            _move_by_time(run, position)
            return
        target = _updates_at(run.batcher, self._axis, position)
        if target < run.updates:
            run.goto(target)
        elif target > run.updates and run.status != "diverged":
            forward(run, target - run.updates)

    # -- reading ------------------------------------------------------------------------------

    def series(self, axis: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each run, (x, full-data loss) after 0, 1, …, its updates, x on ``axis``
        (default: the alignment axis)."""
        axis = _check_axis(axis or self._axis)
        return [(_xs(run, axis), run.history.losses()) for run in self.runs]


def _check_axis(axis: str) -> str:
    if axis not in AXES:
        raise unknown_choice("comparison axis", axis, AXES)
    return axis


def _xs(run: Run, axis: str) -> np.ndarray:
    """Coordinates on ``axis`` after 0 … run.updates updates."""
    u = np.arange(run.updates + 1, dtype=np.int64)
    if axis == "updates":
        return u.astype(np.float64)
    if axis == "epochs":
        return u / run.batcher.per_epoch
    if axis == "samples":
        return samples_seen(run.batcher, u).astype(np.float64)
    return np.concatenate([[0.0], run.history.view("elapsed")])


def _coordinate(run: Run, axis: str) -> float:
    return float(_xs(run, axis)[-1]) if axis != "seconds" else _elapsed(run)


def _elapsed(run: Run) -> float:
    return float(run.history.elapsed[run.updates - 1]) if run.updates else 0.0


def samples_seen(batcher: Batcher, updates: np.ndarray) -> np.ndarray:
    """Rows consumed after each count in ``updates``: Batcher.samples_seen, vectorised."""
    updates = np.asarray(updates, dtype=np.int64)
    if batcher.is_stream or batcher.spec.mode == "full":
        return updates * batcher.size
    epochs, index = np.divmod(updates, batcher.per_epoch)
    per_epoch_rows = batcher.per_epoch * batcher.size if batcher.drop_last else batcher.n
    return epochs * per_epoch_rows + np.minimum(index * batcher.size, batcher.n)


def _updates_at(batcher: Batcher, axis: str, position: float) -> int:
    """Updates a run has done when it stands at ``position`` on ``axis``."""
    if axis == "updates":
        return int(math.floor(position + 1e-9))
    if axis == "epochs":
        return int(math.floor(position * batcher.per_epoch + 1e-9))
    # samples: the largest u with samples_seen(u) ≤ position
    pos = position + 1e-9
    if batcher.is_stream or batcher.spec.mode == "full":
        return int(pos // batcher.size)
    per_epoch_rows = batcher.per_epoch * batcher.size if batcher.drop_last else batcher.n
    epochs = int(pos // per_epoch_rows)
    rest = pos - epochs * per_epoch_rows
    return epochs * batcher.per_epoch + min(int(rest // batcher.size), batcher.per_epoch - 1)


def _move_by_time(run: Run, seconds: float) -> None:
    """Go to the first update whose elapsed compute time reaches ``seconds``: back by the
    History, forward by slices that double in size (at most one slice too far)."""
    done = run.history.view("elapsed")
    if seconds <= _elapsed(run):
        run.goto(int(np.searchsorted(done, seconds, side="left")) + (1 if seconds > 0 else 0))
        return
    size = 1
    while _elapsed(run) < seconds and run.status != "diverged":
        before = run.updates
        forward(run, size)
        if run.updates == before:
            break
        size = min(2 * size, max(run.batcher.per_epoch, 1024))
