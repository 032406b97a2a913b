"""What the learner picked: a data source plus run settings, passed between screens.

Dialogs build these; the session turns them into engine Runs. Loading goes
through the engine, so a bad CSV raises the engine's DataError, whose message
the dialog shows inline.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linreg_tui.engine import RunConfig

if TYPE_CHECKING:
    from linreg_tui.engine import Dataset

BIG_CSV_BYTES = 1 << 20  # from this size a CSV loads in a worker with progress, and is kept


@dataclass(frozen=True)
class DatasetChoice:
    """A built-in data set by name, or a CSV file with chosen columns."""

    name: str | None = "hours"  # catalogue name; None when csv_path is set
    csv_path: str | None = None  # a user CSV file
    x: tuple[str | int, ...] | None = None  # feature columns (names or 0-based indices)
    y: str | int | None = None  # target column
    size: int | None = None  # rows of a synthetic set (None: the catalogue default)
    seed: int = 0  # seed of synthetic and stream sets

    @property
    def label(self) -> str:
        """Short text for status lines."""
        if self.csv_path:
            return self.csv_path.rsplit("/", 1)[-1]
        return self.name or "?"

    def load(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Dataset:
        """Load through the engine (raises DataError / ConfigError with a message).

        A CSV file reports ``progress(bytes_read, bytes_total)`` and stops with the
        engine's LoadCancelled once ``cancelled()`` is true. The last CSV loaded is kept
        (keyed by the choice and the file's size and modification time), so the dialog
        that checked a file and the view that then uses it read it once.
        """
        from linreg_tui.engine import load_csv, load_dataset

        if not self.csv_path:
            return load_dataset(self.name or "hours", size=self.size, seed=self.seed)
        stamp = _file_stamp(self.csv_path)
        keep = stamp is not None and stamp[0] >= BIG_CSV_BYTES  # small files reload in no time
        with _LAST_CSV_LOCK:
            if keep and _LAST_CSV and _LAST_CSV[0] == (self, stamp):
                return _LAST_CSV[1]
        x = list(self.x) if self.x else None
        data = load_csv(self.csv_path, x, self.y, progress=progress, cancelled=cancelled)
        if keep:
            with _LAST_CSV_LOCK:
                _LAST_CSV[:] = [(self, stamp), data]
        return data

    @property
    def csv_bytes(self) -> int:
        """Size of the CSV file in bytes (0 for built-in data or an unreadable path)."""
        stamp = _file_stamp(self.csv_path) if self.csv_path else None
        return stamp[0] if stamp else 0


def _file_stamp(path: str) -> tuple[int, int] | None:
    """(size, modification time in ns) of a file, or None if it cannot be read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


_LAST_CSV: list = []  # [(choice, stamp), Dataset] of the last CSV loaded; workers share it
_LAST_CSV_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunChoice:
    """One run to show: where its data comes from and how it descends."""

    data: DatasetChoice = field(default_factory=DatasetChoice)
    config: RunConfig = field(default_factory=RunConfig)
    label: str = ""  # legend text in the compare view ("full", "sgd", "mini-batch 4")
    fork: Fork | None = None  # a what-if branch: updates 1…fork.at are fork.parent's


@dataclass(frozen=True)
class Fork:
    """Where a branch forked: its first ``at`` updates are ``parent``'s, exactly; from
    update at + 1 it follows its own config (engine.branch)."""

    parent: RunChoice  # the run it forked from (itself a branch, for a branch of a branch)
    at: int  # updates shared with the parent
