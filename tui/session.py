"""The bridge between the engine and the views: one Run, or several in lockstep.

A :class:`Session` owns the runs of a view. Every change to them happens under
``session.lock`` — from the UI thread for quick moves (one update, one back, reset) and from
worker threads for slow ones (building runs, which imports torch; fast-forward; playing). After
each change the session hands out a :class:`SessionSnapshot`: frozen copies of what the widgets
draw, so the UI thread never reads a Run while a worker is stepping it.

Lockstep. Runs advance on a shared clock of integer *ticks*; the alignment decides what a
tick is worth and how many updates run r has done at tick T:

    updates   k_r(T) = T
    epochs    k_r(T) = ⌊T·P_r / P_max⌋        (P: updates per epoch; the finest run sets a tick)
    samples   k_r(T) = max{k : samples_r(k) ≤ T·s_min}   (s_min: the smallest batch)
    seconds   each tick steps the run that has spent the least compute time so far

so stepping back is exact (``Run.goto`` replays), and every run is at the same place on the
chart's x-axis. A playground is a session of one run aligned by updates.

Playing (:meth:`Session.play`, run in a ``@work(thread=True)`` worker): ticks are due at
``speed`` per second; they are done in batches, at most one frame per 1/``max_fps`` s, each
batch capped at half a frame of compute so the app stays responsive; cancellation is checked
every batch, and play stops by itself once every run has diverged or converged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from textual.message import Message

from .choices import DatasetChoice, RunChoice
from .snapshot import RunFacts, RunSnapshot, SessionSnapshot, make_facts, snapshot_of

ALIGNMENTS = ("updates", "epochs", "samples", "seconds")
PLAY_SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)  # ticks per second
FF_EPOCHS = (1, 10, 100, 1000)  # choices for the fast-forward length


@dataclass
class SessionFrame(Message):
    """New pictures of the runs (posted by the play worker and after every change)."""

    snapshot: SessionSnapshot  # frozen copies of every run's state
    note: str = ""  # what the change was, for the status line ("" while playing)

    def can_replace(self, message: Message) -> bool:
        # A newer play frame makes an older, still-queued one pointless.
        return isinstance(message, SessionFrame) and not (self.note or message.note)


@dataclass
class RunChanged(Message):
    """A run of a view changed (stepped, rewound, reset, rebuilt). For lessons and tests."""

    index: int  # which run (0 in the playground)
    label: str  # the run's legend text
    updates: int  # updates done
    epoch: int  # 0-based epoch of the next update
    loss: float  # full-data loss now
    lr: float  # the learning rate of the next update
    status: str  # ready | converging | diverging | converged | diverged
    diverged: bool  # the run has stopped because the loss blew up
    diverged_at: int | None  # the update where it did
    converged: bool  # the full-data gradient norm fell below the tolerance
    max_stable_lr: float  # 2/λ_max, the largest stable rate of full-batch GD
    optimum_loss: float  # L(θ*), the least squares loss


def run_changed(snap: RunSnapshot) -> RunChanged:
    """The RunChanged message describing one run's snapshot."""
    return RunChanged(
        index=snap.index,
        label=snap.label,
        updates=snap.updates,
        epoch=snap.epoch,
        loss=snap.loss,
        lr=snap.lr,
        status=snap.health,
        diverged=snap.status == "diverged",
        diverged_at=snap.diverged_at,
        converged=snap.status == "converged",
        max_stable_lr=snap.facts.max_stable_lr,
        optimum_loss=snap.facts.optimum_loss,
    )


class Session:
    """The runs of one view and the clock that moves them together."""

    def __init__(self, choices: Sequence[RunChoice], *, speed: int = 5, with_fit: bool = True):
        self.choices: list[RunChoice] = list(choices)
        self.runs: list = []  # engine Runs, built by build()
        self.facts: list[RunFacts] = []
        self.lock = threading.RLock()
        self.alignment = "updates"
        self.ticks = 0
        self.version = 0  # bumped by every change, so stale frames can be told apart
        self.speed = speed
        self.with_fit = with_fit  # snapshots carry ŷ over the data (the fit chart needs it)
        self._datasets: dict[DatasetChoice, object] = {}

    # -- building -----------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return bool(self.runs) and len(self.runs) == len(self.choices)

    def _dataset(self, data: DatasetChoice):
        if data not in self._datasets:
            self._datasets[data] = data.load()
        return self._datasets[data]

    def _make(self, choice: RunChoice) -> tuple[object, RunFacts]:
        from linreg_tui.engine.run import Run

        run = Run(self._dataset(choice.data), choice.config)
        return run, make_facts(run)

    def build(self) -> None:
        """Load the data and build every run (slow the first time: imports torch)."""
        from .widgets.plot_canvas import warm_up

        built = [self._make(choice) for choice in self.choices]
        warm_up()
        with self.lock:
            self.version += 1
            self.runs = [run for run, _ in built]
            self.facts = [facts for _, facts in built]
            self.ticks = 0

    def replace(self, index: int, choice: RunChoice) -> None:
        """Rebuild run ``index`` from ``choice`` at update 0; raises EngineError (and keeps
        the old run) when the choice cannot be built."""
        run, facts = self._make(choice)
        with self.lock:
            self.version += 1
            self.choices[index] = choice
            self.runs[index], self.facts[index] = run, facts
            self._resync()

    def switch_data(
        self, data: DatasetChoice, adapt: Callable[[RunChoice, int], RunChoice]
    ) -> None:
        """Move every run onto ``data`` (``adapt`` fits each choice to its row count): all
        runs are built first and swapped in together, so an error keeps all the old ones."""
        rows = len(self._dataset(data).y)
        choices = [adapt(choice, rows) for choice in self.choices]
        built = [self._make(choice) for choice in choices]
        with self.lock:
            self.version += 1
            self.choices = choices
            self.runs = [run for run, _ in built]
            self.facts = [facts for _, facts in built]
            self.ticks = 0

    def add(self, choice: RunChoice) -> None:
        run, facts = self._make(choice)
        with self.lock:
            self.version += 1
            self.choices.append(choice)
            self.runs.append(run)
            self.facts.append(facts)
            self._resync()

    def remove(self, index: int) -> None:
        with self.lock:
            self.version += 1
            del self.choices[index], self.runs[index], self.facts[index]
            self._resync()

    # -- the clock ----------------------------------------------------------------------

    def _target(self, run, ticks: int) -> int:
        """k_r(T): updates run ``run`` has done at tick ``ticks`` (see the module doc)."""
        if self.alignment == "epochs":
            top = max(r.batcher.per_epoch for r in self.runs)
            return ticks * run.batcher.per_epoch // top
        if self.alignment == "samples":
            unit = min(r.batcher.size for r in self.runs) * ticks
            lo, hi = 0, unit // max(1, run.batcher.size) + run.batcher.per_epoch + 1
            while lo < hi:  # largest k with samples_seen(k) <= unit
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if run.batcher.samples_seen(mid) <= unit else (lo, mid - 1)
            return lo
        return ticks

    def _ticks_of(self, run) -> int:
        """The smallest tick T at which run ``run`` is where it is now."""
        if self.alignment in ("updates", "seconds"):
            return run.updates
        lo, hi = 0, 1
        while self._target(run, hi) < run.updates:
            hi *= 2
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (mid + 1, hi) if self._target(run, mid) < run.updates else (lo, mid)
        return lo

    def _resync(self) -> None:
        """After runs moved on their own: the clock follows the run furthest behind."""
        self.ticks = min((self._ticks_of(r) for r in self.runs), default=0)

    def _goto(self, ticks: int) -> None:
        """Move the clock to ``ticks``: going forward, runs behind it catch up (runs ahead,
        e.g. after a fast-forward, wait); going back, runs ahead of it rewind."""
        forward = ticks >= self.ticks
        self.ticks = max(0, ticks)
        for run in self.runs:
            target = self._target(run, self.ticks)
            if (forward and target > run.updates and run.status != "diverged") or (
                not forward and target < run.updates
            ):
                run.goto(target)

    def set_alignment(self, alignment: str) -> None:
        with self.lock:
            self.version += 1
            self.alignment = alignment
            self._resync()

    @property
    def finished(self) -> bool:
        """Every run has stopped (diverged or converged)."""
        return all(r.status in ("diverged", "converged") for r in self.runs)

    # -- moving -------------------------------------------------------------------------

    def _tick(self) -> None:
        if self.alignment == "seconds":
            live = [r for r in self.runs if r.status not in ("diverged", "converged")]
            if live:
                min(
                    live, key=lambda r: r.history.elapsed[r.updates - 1] if r.updates else 0.0
                ).step()
            self.ticks += 1
            return
        self._goto(self.ticks + 1)

    def step(self, count: int = 1) -> None:
        """``count`` ticks forward (one update in the playground)."""
        with self.lock:
            self.version += 1
            for _ in range(count):
                if self.finished:
                    break
                self._tick()

    def back(self) -> None:
        """One tick back, exactly (the engine restores and replays)."""
        with self.lock:
            self.version += 1
            if self.alignment == "seconds":
                busy = [r for r in self.runs if r.updates]
                if busy:
                    max(busy, key=lambda r: r.history.elapsed[r.updates - 1]).step_back()
                self.ticks = max(0, self.ticks - 1)
                return
            while self.ticks > 0:
                before = [r.updates for r in self.runs]
                self._goto(self.ticks - 1)
                if [r.updates for r in self.runs] != before:
                    break

    def reset(self) -> None:
        with self.lock:
            self.version += 1
            for run in self.runs:
                run.reset()
            self.ticks = 0

    def next_epoch(self) -> None:
        """Every run to the start of its next epoch (or as far as it gets)."""
        with self.lock:
            self.version += 1
            for run in self.runs:
                run.run_until(epoch=run.epoch + 1)
            self._resync()

    def fast_forward(self, epochs: int) -> None:
        """Every run ``epochs`` epochs on (the engine's scan where it can)."""
        with self.lock:
            self.version += 1
            for run in self.runs:
                run.fast_forward(epochs)
            self._resync()

    def with_config(self, index: int, **changes: object) -> RunChoice:
        """Run ``index``'s choice with some config fields changed (validated)."""
        choice = self.choices[index]
        return replace(choice, config=choice.config.with_(**changes))

    # -- pictures -----------------------------------------------------------------------

    def history_window(
        self, index: int, names: tuple[str, ...], start: int, stop: int
    ) -> dict[str, np.ndarray]:
        """Copies of run ``index``'s History columns for updates start+1 … stop (read-only;
        empty when there is no such run): what lesson goals read between frames."""
        with self.lock:
            if not 0 <= index < len(self.runs):
                return {name: np.empty(0) for name in names}
            return self.runs[index].history_window(names, start, stop)

    def snapshot(self) -> SessionSnapshot:
        with self.lock:
            runs = tuple(
                snapshot_of(i, run, choice, facts, alignment=self.alignment, with_fit=self.with_fit)
                for i, (run, choice, facts) in enumerate(
                    zip(self.runs, self.choices, self.facts, strict=True)
                )
            )
            return SessionSnapshot(runs, self.alignment, self.ticks, self.speed, self.version)

    # -- playing ------------------------------------------------------------------------

    def play(
        self,
        emit: Callable[[SessionSnapshot], None],
        cancelled: Callable[[], bool],
        *,
        max_fps: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Advance at ``self.speed`` ticks per second until cancelled or finished, emitting
        one snapshot per frame. Ticks that cannot be done in time are dropped (the speed is
        an upper bound), so a slow machine plays slower instead of freezing."""
        owed, last = 1.0, clock()  # one tick at once: pressing play shows a change
        while not cancelled() and not self.finished:
            period = max(1.0 / max_fps, 1.0 / max(self.speed, 1e-9))
            started = clock()
            owed += (started - last) * self.speed
            last = started
            due = int(owed + 1e-6)
            done = 0
            if due:
                with self.lock:
                    self.version += 1
                    deadline = started + 0.5 * period
                    while done < due and not self.finished and not cancelled():
                        self._tick()
                        done += 1
                        if clock() > deadline:
                            break
                owed = owed - done if done == due else 0.0
            if done:
                emit(self.snapshot())
            sleep(max(0.0, period - (clock() - started)))
