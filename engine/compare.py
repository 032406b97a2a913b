"""The lockstep clock: 1–4 runs from one start, moved together along one x-axis.

A :class:`Lockstep` holds runs that start from the same parameters (run 0's; see
:func:`start_of`) and a *position* X on one axis of :mod:`.axes` (updates, epochs, samples
seen or compute seconds; x_r(u) is run r's coordinate after u updates). The Compare view is a
lockstep of 2–4 runs (:class:`Comparison`), the Playground a lockstep of one.

Counted axes (updates, epochs, samples). Run r belongs at k_r(X) = max{u : x_r(u) ≤ X}:

    tick     X ← min_r x_r(u_r + 1): the smallest move after which some run moved; every
             run whose next point that is does one update
    back     X ← the largest point x_r(u) < X of any run; runs past k_r(X) rewind to it
             (repeated until some run moved)
    seek X   every run to k_r(X), by the fast-forward where its rule allows

Seconds. Only computing an update tells how long it took, so run r belongs at the first
update that reaches X: k_r(X) = min{u : x_r(u) ≥ X}. After a tick or a step back, X is the
least compute time of the runs still moving (ties go to the first run):

    tick     the run that has spent the least compute time does one update
    back     the update done last is undone: the run whose previous time x_r(u_r − 1) is the
             largest (ticks step runs in rising order of that time)
    seek X   every run to k_r(X): back through the History, forward by stepping

An added run is brought to the clock. Runs that moved on their own (a fast-forward, the next
epoch, a replaced run back at update 0, a switch of axis) leave the clock at the slowest run
(:meth:`Lockstep.resync`); runs ahead wait until it reaches them, and going back rewinds
them. A diverged run stays where it stopped; a converged one moves on with the clock.
Stepping back is exact: ``Run.goto`` restores and replays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .axes import (
    AXES,
    MAX_RUNS,
    MIN_RUNS,
    check_axis,
    coordinate,
    coordinates,
    samples_seen,
    updates_at,
)
from .config import RunConfig
from .errors import ConfigError
from .fastforward import forward
from .run import Run

if TYPE_CHECKING:
    from .data import Dataset

__all__ = [
    "AXES",
    "MAX_RUNS",
    "MIN_RUNS",
    "Comparison",
    "Lockstep",
    "Start",
    "coordinates",
    "from_start",
    "same_start",
    "samples_seen",
    "start_of",
    "start_runs",
]

Start = tuple[tuple[float, ...], float]  # (w, b) in the data's original units (b 0 if no bias)


def start_of(run: Run) -> Start:
    """The parameters ``run`` started from, in original units."""
    w, b = run.to_original(run.history.theta0)
    return tuple(float(v) for v in w), 0.0 if b is None else float(b)


def from_start(config: RunConfig, start: Start) -> RunConfig:
    """``config`` with its initial parameters replaced by ``start``."""
    w, b = start
    return config.with_(init_w=w, init_b=b, init_random=False)


def start_runs(pairs: Sequence[tuple[Dataset, RunConfig]], start: Start | None = None) -> list[Run]:
    """Runs of (data, config) ``pairs``, all from ``start`` (default: the first run's own)."""
    runs: list[Run] = []
    for dataset, config in pairs:
        runs.append(Run(dataset, config if start is None else from_start(config, start)))
        start = start or start_of(runs[0])
    return runs


def same_start(a: Start, b: Start) -> bool:
    """The two starts are equal up to the rounding of a standardisation round trip."""
    return len(a[0]) == len(b[0]) and bool(
        np.allclose([*a[0], a[1]], [*b[0], b[1]], rtol=1e-9, atol=1e-12)
    )


class Lockstep:
    """Up to MAX_RUNS runs from one start on one clock (see the module docstring)."""

    def __init__(self, runs: Sequence[Run] = (), axis: str = "updates") -> None:
        self._axis = check_axis(axis)
        self.runs: list[Run] = []
        self.position = 0.0  # X: where the clock stands on ``axis``
        if runs:
            self.set_runs(runs)

    # -- membership ---------------------------------------------------------------------------

    @property
    def start(self) -> Start | None:
        """The shared start (run 0's), None while the clock holds no run."""
        return start_of(self.runs[0]) if self.runs else None

    def _from_start(self, run: Run, start: Start) -> Run:
        """``run`` itself if it starts at ``start``, else a fresh run of its config from there."""
        if same_start(start_of(run), start):
            return run
        return Run(run.dataset, from_start(run.config, start))

    def set_runs(self, runs: Sequence[Run]) -> None:
        """Hold ``runs`` (1..MAX_RUNS) instead, all from the first one's start, at X = 0."""
        if not 1 <= len(runs) <= MAX_RUNS:
            raise ConfigError(f"a lockstep holds 1 to {MAX_RUNS} runs, got {len(runs)}")
        start = start_of(runs[0])
        self.runs = [runs[0]] + [self._from_start(r, start) for r in runs[1:]]
        self.reset()

    def add(self, run: Run) -> Run:
        """Add ``run`` (rebuilt from the shared start if it has another) and bring it to the
        clock's position; returns the run now held."""
        if len(self.runs) >= MAX_RUNS:
            raise ConfigError(f"a comparison holds at most {MAX_RUNS} runs")
        if self.runs:
            run = self._from_start(run, start_of(self.runs[0]))
        self.runs.append(run)
        self._move(run, self.position)
        if len(self.runs) == 1:
            self.resync()
        return run

    def remove(self, index: int) -> Run:
        """Remove and return run ``index``; the last run cannot be removed."""
        self._check_index(index)
        if len(self.runs) <= 1:
            raise ConfigError("a lockstep needs at least 1 run")
        run = self.runs.pop(index)
        self.resync()
        return run

    def replace(self, index: int, run: Run) -> Run:
        """Put ``run`` (at update 0) in place of run ``index``; the clock follows the slowest
        run. A new run 0 sets the start: if it moved, the other runs restart from it."""
        self._check_index(index)
        if index == 0:
            start = start_of(run)
            rest = self.runs[1:]
            if rest and not same_start(start, start_of(rest[0])):
                rest = [Run(r.dataset, from_start(r.config, start)) for r in rest]
            self.runs = [run] + rest
        else:
            self.runs[index] = self._from_start(run, start_of(self.runs[0]))
        self.resync()
        return self.runs[index]

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self.runs):
            raise ConfigError(f"run index must be in 0..{len(self.runs) - 1}, got {index}")

    # -- the axis -----------------------------------------------------------------------------

    @property
    def axis(self) -> str:
        """What the runs are aligned by: one of AXES."""
        return self._axis

    @axis.setter
    def axis(self, axis: str) -> None:
        """Align by ``axis`` from now on; the clock goes to the slowest run (none moves)."""
        self._axis = check_axis(axis)
        self.resync()

    @property
    def finished(self) -> bool:
        """Every run has stopped (diverged or converged)."""
        return all(r.status in ("diverged", "converged") for r in self.runs)

    def _movable(self) -> list[Run]:
        return [r for r in self.runs if r.status != "diverged"]

    def resync(self) -> None:
        """After runs moved on their own: X becomes the slowest moving run's coordinate."""
        runs = self._movable() or self.runs
        self.position = min((coordinate(r, self._axis) for r in runs), default=0.0)

    # -- moving -------------------------------------------------------------------------------

    def tick(self) -> bool:
        """One tick forward (the module docstring); False when no run can move."""
        movable = self._movable()
        if not movable:
            return False
        if self._axis == "seconds":
            min(movable, key=lambda r: coordinate(r, "seconds")).step()
            self.resync()
            return True
        target = min(coordinate(r, self._axis, r.updates + 1) for r in movable)
        self._forward_to(target)
        return True

    def step(self, count: int = 1) -> int:
        """Up to ``count`` ticks, stopping once every run has stopped; returns ticks done."""
        done = 0
        while done < count and not self.finished and self.tick():
            done += 1
        return done

    def back(self) -> bool:
        """One tick back, exactly; False at the start."""
        if self._axis == "seconds":
            busy = [r for r in self.runs if r.updates]
            if not busy:
                return False
            last = max(reversed(busy), key=lambda r: coordinate(r, "seconds", r.updates - 1))
            last.step_back()
            self.resync()
            return True
        while self.position > 0:
            x = self.position
            self.position = max(
                coordinate(r, self._axis, max(0, updates_at(r, self._axis, x, strict=True)))
                for r in self.runs
            )
            if self._back_to(self.position):
                return True
        return False

    def seek(self, position: float) -> None:
        """Put the clock at ``position`` (not before the start) and every run at its place."""
        if not math.isfinite(position):
            raise ConfigError(f"position must be a finite number, got {position}")
        self.position = max(0.0, float(position))
        for run in self.runs:
            self._move(run, self.position)

    def advance(self, amount: float) -> None:
        """Seek ``amount`` further along the axis (back, if negative)."""
        self.seek(self.position + amount)

    def reset(self) -> None:
        """Every run back to the shared start."""
        for run in self.runs:
            run.goto(0)
        self.position = 0.0

    def next_epoch(self, cancelled: Callable[[], bool] | None = None) -> None:
        """Every run to the start of its next epoch (or as far as it gets). ``cancelled``
        is asked between updates (Cancelled is raised; the clock follows what was done)."""
        try:
            for run in self.runs:
                run.run_until(epoch=run.epoch + 1, cancelled=cancelled)
        finally:
            self.resync()

    def fast_forward(self, epochs: int, cancelled: Callable[[], bool] | None = None) -> None:
        """Every run ``epochs`` epochs on (the engine's scan where it can); ``cancelled``
        as in :meth:`next_epoch`."""
        try:
            for run in self.runs:
                run.fast_forward(epochs, cancelled)
        finally:
            self.resync()

    def _forward_to(self, position: float) -> None:
        self.position = position
        for run in self._movable():
            target = updates_at(run, self._axis, position)
            if target > run.updates:
                _forward(run, target - run.updates)

    def _back_to(self, position: float) -> bool:
        moved = False
        for run in self.runs:
            target = updates_at(run, self._axis, position)
            if target < run.updates:
                run.goto(target)
                moved = True
        return moved

    def _move(self, run: Run, position: float) -> None:
        """Put ``run`` where it belongs at ``position``, back or forward."""
        if self._axis == "seconds":
            _move_by_time(run, position)
            return
        target = updates_at(run, self._axis, position)
        if target < run.updates:
            run.goto(target)
        elif target > run.updates and run.status != "diverged":
            _forward(run, target - run.updates)

    # -- reading ------------------------------------------------------------------------------

    def series(self, axis: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each run, (x, full-data loss) after 0, 1, …, its updates, x on ``axis``
        (default: the alignment axis)."""
        axis = check_axis(axis or self._axis)
        return [(coordinates(run, axis), run.history.losses()) for run in self.runs]


class Comparison(Lockstep):
    """MIN_RUNS..MAX_RUNS runs of ``configs`` on ``dataset``, all from the first one's start."""

    def __init__(self, dataset: Dataset, configs: list[RunConfig], axis: str = "epochs") -> None:
        if not MIN_RUNS <= len(configs) <= MAX_RUNS:
            raise ConfigError(
                f"a comparison needs {MIN_RUNS} to {MAX_RUNS} runs, got {len(configs)}"
            )
        self.dataset = dataset
        super().__init__(start_runs([(dataset, c) for c in configs]), axis)

    @property
    def configs(self) -> list[RunConfig]:
        return [run.config for run in self.runs]

    def add_run(self, config: RunConfig) -> Run:
        """Add a run of ``config`` from the shared start, brought to the clock's position."""
        start = self.start
        assert start is not None  # a comparison always holds runs
        return self.add(Run(self.dataset, from_start(config, start)))

    def remove_run(self, index: int) -> Run:
        """Remove and return run ``index`` (at least MIN_RUNS stay)."""
        if len(self.runs) <= MIN_RUNS:
            raise ConfigError(f"a comparison needs at least {MIN_RUNS} runs")
        return self.remove(index)


def _forward(run: Run, count: int) -> None:
    """``count`` more updates: one step, or the fast-forward's scan for more."""
    if count == 1:
        run.step()
    else:
        forward(run, count)


def _move_by_time(run: Run, seconds: float) -> None:
    """Go to the first update whose compute time reaches ``seconds``: back through the
    History; forward by slices that double in size, then back to that first update."""
    if run.updates and coordinate(run, "seconds") >= seconds or seconds <= 0:
        done = run.history.view("elapsed")
        run.goto(int(np.searchsorted(done, seconds, side="left")) + (1 if seconds > 0 else 0))
        return
    size = 1
    while coordinate(run, "seconds") < seconds and run.status != "diverged":
        before = run.updates
        _forward(run, size)
        if run.updates == before:
            break
        size = min(2 * size, max(run.batcher.per_epoch, 1024))
    if coordinate(run, "seconds") >= seconds:
        _move_by_time(run, seconds)  # one slice may have gone past the first such update
