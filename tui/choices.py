"""What the learner picked: a data source plus run settings, passed between screens.

Dialogs build these; the session turns them into engine Runs. Loading goes
through the engine, so a bad CSV raises the engine's DataError, whose message
the dialog shows inline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linreg_tui.engine.config import RunConfig

if TYPE_CHECKING:
    from linreg_tui.engine.data import Dataset


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

    def load(self) -> Dataset:
        """Load through the engine (raises DataError / ConfigError with a message)."""
        from linreg_tui.engine.catalog import load_dataset
        from linreg_tui.engine.data import load_csv

        if self.csv_path:
            return load_csv(self.csv_path, list(self.x) if self.x else None, self.y)
        return load_dataset(self.name or "hours", size=self.size, seed=self.seed)


@dataclass(frozen=True)
class RunChoice:
    """One run to show: where its data comes from and how it descends."""

    data: DatasetChoice = field(default_factory=DatasetChoice)
    config: RunConfig = field(default_factory=RunConfig)
    label: str = ""  # legend text in the compare view ("full", "sgd", "mini-batch 4")
