"""The bridge between the engine and the views: one Run, or several in lockstep.

A :class:`Session` owns the runs of a view and the engine's lockstep clock that moves them
(:class:`~linreg_tui.engine.compare.Lockstep`: the alignments, the shared start, what a tick
is, exact steps back — all defined there; a playground is a clock of one run). The session
adds only what a Textual view needs. Every change happens under ``session.lock`` — from the
UI thread for quick moves (one tick, one back, reset) and from worker threads for slow ones
(building runs, which imports torch; fast-forward; playing). After each change the session
hands out a :class:`SessionSnapshot`: frozen copies of what the widgets draw, so the UI
thread never reads a Run while a worker is stepping it.

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
from typing import TYPE_CHECKING

import numpy as np
from textual.message import Message

from linreg_tui.engine import Cancelled, Lockstep, Start

from .choices import DatasetChoice, RunChoice
from .framecap import frame_cap
from .snapshot import RunFacts, SessionSnapshot, make_facts, snapshot_of
from .textlog import HistoryExport, export_of

if TYPE_CHECKING:
    from linreg_tui.engine import Dataset, Run

PLAY_SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)  # ticks per second
FF_EPOCHS = (1, 10, 100, 1000)  # choices for the fast-forward length
NOISE_PLAY_ROWS = 100_000  # larger data: the noise cloud is drawn when paused, not per frame


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
    """A run of a view was shown anew (stepped, rewound, reset, rebuilt): one per run and
    frame, for an embedding lesson to check its goal against the view's session."""

    index: int  # which run (0 in the playground)
    updates: int  # updates it has done


class Session:
    """The runs of one view and the engine clock that moves them together."""

    def __init__(
        self,
        choices: Sequence[RunChoice],
        *,
        speed: int = 5,
        with_fit: bool = True,
        alignment: str = "updates",
        start_at: int = 0,
        start_epochs: int = 0,
    ) -> None:
        self.choices: list[RunChoice] = list(choices)
        self.start_at = start_at  # the clock's position once built (a fork opens at its k)
        self.start_epochs = start_epochs  # or epochs fast-forwarded once built (a share code)
        self.noise = False  # snapshots carry the cloud of mini-batch steps (key c)
        self.clock = Lockstep(axis=alignment)  # holds the runs once build() has made them
        self.facts: list[RunFacts] = []
        self.lock = threading.RLock()
        self.version = 0  # bumped by every change, so stale frames can be told apart
        self.starts = 0  # bumped whenever the runs start over at update 0 (a new attempt)
        self.speed = speed
        self.with_fit = with_fit  # snapshots carry ŷ over the data (the fit chart needs it)
        self._datasets: dict[DatasetChoice, Dataset] = {}

    @property
    def runs(self) -> list[Run]:
        """The engine Runs, in the clock's order (empty until built); read under the lock."""
        return self.clock.runs

    @property
    def alignment(self) -> str:
        """What the runs are aligned by: one of the engine's AXES."""
        return self.clock.axis

    @alignment.setter
    def alignment(self, alignment: str) -> None:
        self.set_alignment(alignment)

    @property
    def position(self) -> float:
        """Where the clock stands on the alignment axis."""
        return self.clock.position

    # -- building -----------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return bool(self.runs) and len(self.runs) == len(self.choices)

    def _dataset(self, data: DatasetChoice) -> Dataset:
        if data not in self._datasets:
            self._datasets[data] = data.load()
        return self._datasets[data]

    def _make(self, choice: RunChoice, start: Start | None) -> tuple[Run, RunFacts]:
        """A run of ``choice`` from ``start`` (None: its own) and its facts; slow, so done
        outside the lock (the clock rebuilds a run whose start has moved meanwhile)."""
        from linreg_tui.engine import Run, from_start

        if choice.fork is not None:
            run = self._branch(choice, start)
            return run, make_facts(run)
        config = choice.config if start is None else from_start(choice.config, start)
        run = Run(self._dataset(choice.data), config)
        return run, make_facts(run)

    def _branch(self, choice: RunChoice, start: Start | None) -> Run:
        """The branch ``choice`` describes: its parent built and stepped to the fork, then
        engine.branch_run with the settings that differ (ConfigError for any other)."""
        from dataclasses import fields

        from linreg_tui.engine import BRANCHABLE, ConfigError, RunConfig, branch_run, from_start

        fork = choice.fork
        assert fork is not None
        parent, _ = self._make(fork.parent, start)
        parent.run_until(update=fork.at)
        if parent.updates < fork.at:
            raise ConfigError(f"the run stopped at update {parent.updates}, before the fork")
        config = choice.config if start is None else from_start(choice.config, start)
        if choice.data != fork.parent.data:
            raise ConfigError("a branch keeps the data of the run it forked from")
        changes = {
            f.name: getattr(config, f.name)
            for f in fields(RunConfig)
            if getattr(config, f.name) != getattr(parent.config, f.name)
        }
        for name in changes:
            if name not in BRANCHABLE:
                raise ConfigError(
                    f"a branch cannot change {name}; it may change: {', '.join(BRANCHABLE)}"
                )
        return branch_run(parent, fork.at, **changes)

    def _make_all(self, choices: Sequence[RunChoice]) -> list[tuple[Run, RunFacts]]:
        """Runs of ``choices``, all from the first one's start."""
        from linreg_tui.engine import start_of

        first = self._make(choices[0], None)
        start = start_of(first[0])
        return [first] + [self._make(choice, start) for choice in choices[1:]]

    def build(self) -> None:
        """Load the data and build every run (slow the first time: imports torch)."""
        built = self._make_all(self.choices)
        with self.lock:
            self.version += 1
            self.starts += 1
            self.clock.set_runs([run for run, _ in built])
            self.facts = [facts for _, facts in built]
            if self.start_at:
                self.clock.seek(self.start_at)
            if self.start_epochs:
                self.clock.fast_forward(self.start_epochs)

    def relabel(self, index: int, label: str) -> None:
        """Change run ``index``'s legend text only (the run and its history stay)."""
        with self.lock:
            self.version += 1
            self.choices[index] = replace(self.choices[index], label=label)

    def replace(self, index: int, choice: RunChoice) -> None:
        """Rebuild run ``index`` from ``choice`` at update 0 (a new first run moves the shared
        start; the clock restarts the others from it); raises EngineError (and keeps the old
        run) when the choice cannot be built."""
        run, facts = self._make(choice, None if index == 0 else self.clock.start)
        with self.lock:
            self.version += 1
            self.starts += 1
            self.clock.replace(index, run)
            self.choices[index] = choice
            self.facts[index] = facts

    def switch_data(
        self, data: DatasetChoice, adapt: Callable[[RunChoice, int], RunChoice]
    ) -> None:
        """Move every run onto ``data`` (``adapt`` fits each choice to its row count): all
        runs are built first and swapped in together, so an error keeps all the old ones."""
        rows = len(self._dataset(data).y)
        choices = [adapt(choice, rows) for choice in self.choices]
        built = self._make_all(choices)
        with self.lock:
            self.version += 1
            self.starts += 1
            self.clock.set_runs([run for run, _ in built])
            self.choices = choices
            self.facts = [facts for _, facts in built]

    def add(self, choice: RunChoice) -> None:
        """Add a run of ``choice`` from the shared start, brought to the clock's position."""
        run, facts = self._make(choice, self.clock.start)
        with self.lock:
            self.version += 1
            self.clock.add(run)
            self.choices.append(choice)
            self.facts.append(facts)

    def remove(self, index: int) -> None:
        with self.lock:
            self.version += 1
            self.clock.remove(index)
            del self.choices[index], self.facts[index]

    def with_config(self, index: int, **changes: object) -> RunChoice:
        """Run ``index``'s choice with some config fields changed (validated)."""
        choice = self.choices[index]
        return replace(choice, config=choice.config.with_(**changes))

    # -- moving -------------------------------------------------------------------------

    def set_alignment(self, alignment: str) -> None:
        """Align by ``alignment`` from now on (no run moves; the clock goes to the slowest)."""
        with self.lock:
            self.version += 1
            self.clock.axis = alignment

    @property
    def finished(self) -> bool:
        """Every run has stopped (diverged or converged)."""
        return self.clock.finished

    def step(self, count: int = 1, cancelled: Callable[[], bool] | None = None) -> int:
        """``count`` ticks forward (one update in the playground); returns the ticks done
        (fewer once every run has stopped). The lock is taken per tick, so a long run never
        keeps the UI thread waiting; ``cancelled`` is asked before each tick (engine
        ``Cancelled`` is raised once it says stop)."""
        done = 0
        while done < count:
            if cancelled is not None and cancelled():
                raise Cancelled(f"stopped after {done} ticks")
            with self.lock:
                self.version += 1
                if not self.clock.step(1):
                    break
            done += 1
        return done

    def back(self) -> None:
        """One tick back, exactly (the engine restores and replays)."""
        with self.lock:
            self.version += 1
            self.clock.back()

    def reset(self) -> None:
        with self.lock:
            self.version += 1
            self.starts += 1
            self.clock.reset()

    def next_epoch(self, cancelled: Callable[[], bool] | None = None) -> None:
        """Every run to the start of its next epoch (or as far as it gets); ``cancelled``
        as in :meth:`step`."""
        with self.lock:
            self.version += 1
            self.clock.next_epoch(cancelled)

    def fast_forward(self, epochs: int, cancelled: Callable[[], bool] | None = None) -> None:
        """Every run ``epochs`` epochs on (the engine's scan where it can); ``cancelled``
        as in :meth:`step`."""
        with self.lock:
            self.version += 1
            self.clock.fast_forward(epochs, cancelled)

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

    def history_export(self, index: int) -> HistoryExport:
        """Run ``index``'s history frozen for the export dialog (copied under the lock)."""
        with self.lock:
            return export_of(self.runs[index])

    def untouched(self) -> bool:
        """No run has done an update yet (the views still show their starting point)."""
        with self.lock:
            return not any(run.updates for run in self.runs)

    def snapshot(self, playing: bool = False) -> SessionSnapshot:
        """Frozen copies of every run; ``playing``: a play frame (the noise cloud of data
        over NOISE_PLAY_ROWS rows, half a second of work at a million, waits for a pause)."""
        with self.lock:
            runs = tuple(
                snapshot_of(
                    i,
                    run,
                    choice,
                    facts,
                    alignment=self.alignment,
                    with_fit=self.with_fit,
                    noise=self.noise and (not playing or facts.n <= NOISE_PLAY_ROWS),
                )
                for i, (run, choice, facts) in enumerate(
                    zip(self.runs, self.choices, self.facts, strict=True)
                )
            )
            return SessionSnapshot(
                runs, self.alignment, self.clock.position, self.speed, self.version
            )

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
            # frame_cap: a classroom server may lower the cap while this plays
            period = max(1.0 / frame_cap(max_fps), 1.0 / max(self.speed, 1e-9))
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
                        if not self.clock.tick():
                            break
                        done += 1
                        if clock() > deadline:
                            break
                owed = owed - done if done == due else 0.0
            if done:
                emit(self.snapshot(playing=True))
            sleep(max(0.0, period - (clock() - started)))
