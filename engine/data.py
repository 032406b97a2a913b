"""Data sets as plain arrays: CSV loading, feature standardization and endless streams.

A :class:`Dataset` holds X (n, d) and y (n,) as read-only float64 NumPy arrays;
the engine moves them to torch when a run starts. Streams (tutorial T3) also
carry a :class:`StreamSpec` that draws a fresh, seeded batch for every update.
torch is imported only inside :meth:`StreamSpec.draw`, never at module level.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ConfigError, DataError

# Preference order when several delimiters split every sampled line evenly: a
# ';' file with decimal commas ("1,5;2,3") also splits evenly on ','.
DELIMITERS = ("\t", ";", ",")
_SNIFF_LINES = 20
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def _frozen_array(values: Any, ndim: int) -> np.ndarray:
    """A float64 copy of ``values`` reshaped to ``ndim`` dimensions, made read-only."""
    arr = np.array(values, dtype=np.float64)
    if ndim == 2 and arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    elif ndim == 1 and arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.reshape(-1)
    if arr.ndim != ndim:
        raise DataError(f"expected a {ndim}-d array of numbers, got shape {arr.shape}")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class StreamSpec:
    """Endless points: y = slope·x + intercept + noise·ε, x ~ U[low, high), ε ~ N(0, 1).

    :meth:`draw` is a pure function of its arguments: the same (count, seed)
    gives the same batch on any device, because the numbers are drawn on the
    CPU in float64 and only then cast and moved.
    """

    slope: float  # true weight of the line the points scatter around
    intercept: float  # true bias
    noise: float  # standard deviation of the Gaussian noise on y (>= 0)
    low: float = 0.0  # x is drawn uniformly from [low, high)
    high: float = 5.0

    def draw(
        self, count: int, seed: int, dtype: Any = "float64", device: Any = "cpu"
    ) -> tuple[Any, Any]:
        """Draw ``count`` points with a fresh ``torch.Generator`` seeded with ``seed``.

        Returns (X of shape (count, 1), y of shape (count,)) as torch tensors of
        ``dtype`` (a torch dtype or "float64"/"float32") on ``device``.
        """
        import torch

        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConfigError(f"a stream batch needs at least 1 point, got {count!r}")
        if isinstance(dtype, str):
            if dtype not in ("float64", "float32"):
                raise ConfigError(f"unknown dtype {dtype!r}; choose one of: float64, float32")
            dtype = getattr(torch, dtype)
        f64 = torch.float64
        g = torch.Generator().manual_seed(int(seed))
        x = torch.rand(count, 1, generator=g, dtype=f64) * (self.high - self.low) + self.low
        eps = torch.randn(count, 1, generator=g, dtype=f64)
        y = self.slope * x + self.intercept + self.noise * eps
        return x.to(device=device, dtype=dtype), y.reshape(count).to(device=device, dtype=dtype)

    def sample(self, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The same points as :meth:`draw` in float64 on the CPU, as NumPy arrays."""
        x, y = self.draw(count, seed)
        return x.numpy(), y.numpy()


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value; compare by id
class Dataset:
    """Rows of features X (n, d) and targets y (n,), float64 and read-only.

    ``stream`` is set for endless data (T3): X, y are then a fixed reference
    sample used for the full-data loss and the charts, and the engine draws
    each update's batch with ``stream.draw``.
    """

    name: str  # catalogue name or the CSV's file stem
    X: np.ndarray  # (n, d) features
    y: np.ndarray  # (n,) targets
    feature_names: tuple[str, ...]  # d names, in column order
    target_name: str  # name of y
    stream: StreamSpec | None = None  # fresh batches for stream mode; None for fixed data
    description: str = ""  # one or two sentences for the learner

    def __post_init__(self) -> None:
        X = _frozen_array(self.X, 2)
        y = _frozen_array(self.y, 1)
        names = tuple(str(n) for n in self.feature_names)
        if X.shape[0] != y.shape[0]:
            raise DataError(f"data set {self.name!r}: {X.shape[0]} rows of X but {len(y)} of y")
        if len(names) != X.shape[1]:
            raise DataError(
                f"data set {self.name!r}: {X.shape[1]} feature columns but {len(names)} names"
            )
        if not (np.isfinite(X).all() and np.isfinite(y).all()):
            raise DataError(f"data set {self.name!r} contains NaN or infinite values")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", names)

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """Number of features (weights, not counting the bias)."""
        return int(self.X.shape[1])

    def __repr__(self) -> str:
        kind = ", stream" if self.stream is not None else ""
        return (
            f"Dataset({self.name!r}, n={self.n}, d={self.d}, "
            f"features={self.feature_names}, target={self.target_name!r}{kind})"
        )


@dataclass(frozen=True, eq=False)
class Standardizer:
    """z-scores per feature: z = (x − μ) / σ, with μ, σ the column mean and (population) std.

    A model fitted on z, ŷ = z·w_std + b_std, is the same model as ŷ = x·w + b with
    w = w_std / σ and b = b_std − Σ w_std·μ/σ (:meth:`to_original`), and back
    (:meth:`to_standardized`): w_std = w·σ, b_std = b + Σ w·μ.
    """

    mean: np.ndarray  # μ, shape (d,)
    std: np.ndarray  # σ, shape (d,), all > 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _frozen_array(self.mean, 1))
        object.__setattr__(self, "std", _frozen_array(self.std, 1))

    @classmethod
    def fit(cls, X: Any, names: Sequence[str] | None = None) -> Standardizer:
        """μ and σ of each column of X; a constant column raises DataError naming it."""
        X = _frozen_array(X, 2)
        for j in range(X.shape[1]):
            if np.ptp(X[:, j]) == 0:  # exact test: σ computed in floats may be 1e-17, not 0
                label = repr(names[j]) if names is not None else f"column {j}"
                raise DataError(
                    f"feature {label} is constant ({X[0, j]:g} in every row): it cannot be "
                    "standardized (σ = 0) and its weight cannot be told apart from the bias"
                )
        return cls(X.mean(axis=0), X.std(axis=0))

    def transform(self, X: Any) -> np.ndarray:
        """(X − μ) / σ, column by column."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.std

    def to_original(self, w_std: Any, b_std: float) -> tuple[np.ndarray, float]:
        """Parameters for raw features: w = w_std/σ, b = b_std − Σ w_std·μ/σ."""
        w_std = np.asarray(w_std, dtype=np.float64).reshape(-1)
        w = w_std / self.std
        return w, float(b_std - np.sum(w * self.mean))

    def to_standardized(self, w: Any, b: float) -> tuple[np.ndarray, float]:
        """Parameters for z-scored features: w_std = w·σ, b_std = b + Σ w·μ."""
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        return w * self.std, float(b + np.sum(w * self.mean))


def parse_columns(text: str) -> list[str | int]:
    """Split the CLI's ``--x a,b,c`` into column names.

    Items stay strings, digits included: :func:`load_csv` reads "2" as the
    header's column named "2" if there is one, else as the 0-based index 2.
    """
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise DataError(f"cannot read columns {text!r}: give names or indexes separated by commas")
    return list(items)


class _Source(Protocol):
    """Anything with bytes to read: a Path or an importlib.resources Traversable."""

    def read_bytes(self) -> bytes: ...


def _read_text(source: _Source, label: str) -> str:
    """The file's text, decoded as UTF-8 with an optional BOM."""
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{label} is a directory, not a CSV file") from None
    except PermissionError:
        raise DataError(f"{label}: permission denied") from None
    except OSError as err:
        raise DataError(f"{label}: cannot read it ({err.strerror or err})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{label} is not UTF-8 text (bad byte at offset {err.start}); save it as UTF-8"
        ) from None


def _sniff(lines: list[str]) -> str:
    """The delimiter among tab, ';' and ',' that splits every sampled line into equal parts."""
    sample = lines[:_SNIFF_LINES]
    widths = {d: [len(next(csv.reader([s], delimiter=d))) for s in sample] for d in DELIMITERS}
    for d in DELIMITERS:
        if widths[d][0] > 1 and len(set(widths[d])) == 1:
            return d
    # Ragged or single-column: split as the first line suggests, so the error names the line.
    return max(DELIMITERS, key=lambda d: (widths[d][0], d == ","))


def _split(line: str, delimiter: str) -> list[str]:
    """Stripped cells of one line; the csv module only when there are quotes to honour."""
    cells = next(csv.reader([line], delimiter=delimiter)) if '"' in line else line.split(delimiter)
    return [cell.strip() for cell in cells]


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """(1-based line number, stripped cells) of every non-blank line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if not numbered:
        return []
    delimiter = _sniff([line for _, line in numbered])
    rows = [(number, _split(line, delimiter)) for number, line in numbered]
    if all(cells[-1] == "" and len(cells) > 1 for _, cells in rows):  # "1,2," on every line
        rows = [(number, cells[:-1]) for number, cells in rows]
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _has_header(rows: list[tuple[int, list[str]]]) -> bool:
    """Line 1 is a header if it has a non-numeric cell and is all text, is alone,
    or has a text cell above a number on line 2."""
    first = rows[0][1]
    text_cells = [j for j, cell in enumerate(first) if not _is_number(cell)]
    if not text_cells:
        return False
    if len(text_cells) == len(first) or len(rows) == 1:
        return True
    second = rows[1][1]
    return any(j < len(second) and _is_number(second[j]) for j in text_cells)


def _default_names(width: int) -> list[str]:
    """Names for the columns of a file without a header: x, y or col0, col1, …"""
    return ["x", "y"] if width == 2 else [f"col{j}" for j in range(width)]


def _resolve(label: str, names: list[str], item: str | int, header: bool) -> int:
    """The 0-based index of a column given by name, index, or a string of digits."""
    available = (
        f"available: {', '.join(names)}"
        if header
        else f"the file has no header; columns are {', '.join(names)}"
    )
    available += f" (or an index 0-{len(names) - 1})"
    if isinstance(item, bool) or not isinstance(item, (int, str)):
        raise DataError(f"{label}: cannot select column {item!r}; {available}")
    if isinstance(item, int):
        if 0 <= item < len(names):
            return item
        raise DataError(f"{label}: no column {item}; {available}")
    key = item.strip()
    matches = [j for j, name in enumerate(names) if name == key]
    if len(matches) > 1:
        where = ", ".join(str(j) for j in matches)
        raise DataError(
            f"{label}: the header names {len(matches)} columns {key!r} ({where}); "
            "select by index or rename them"
        )
    if matches:
        return matches[0]
    if key.isascii() and key.isdigit():
        if int(key) < len(names):
            return int(key)
        raise DataError(f"{label}: no column {key}; {available}")
    raise DataError(f"{label}: no column {key!r}; {available}")


def _select(
    label: str,
    names: list[str],
    header: bool,
    x: Sequence[str | int] | None,
    y: str | int | None,
) -> tuple[list[int], int]:
    """Indexes of the feature columns and of the target; defaults: all but the last, the last."""
    if isinstance(x, (str, int)):
        x = [x]  # a single column given bare
    yi = _resolve(label, names, y, header) if y is not None else len(names) - 1
    if x is None:
        xi = [j for j in range(len(names)) if j != yi]
    else:
        xi = [_resolve(label, names, item, header) for item in x]
    if not xi:
        raise DataError(f"{label}: no feature columns selected")
    seen: set[int] = set()
    for j in xi:
        if j in seen:
            raise DataError(f"{label}: column {names[j]!r} is selected twice as a feature")
        seen.add(j)
    if yi in seen:
        raise DataError(f"{label}: column {names[yi]!r} is both a feature and the target")
    return xi, yi


def _number(label: str, line: int, name: str, cell: str) -> float:
    """One cell as a finite float, or a DataError naming its line and column."""
    where = f"{label}, line {line}, column {name!r}"
    if cell == "":
        raise DataError(f"{where}: empty cell, expected a number")
    try:
        value = float(cell)
    except ValueError:
        hint = " (use a dot as the decimal mark)" if _DECIMAL_COMMA.fullmatch(cell) else ""
        raise DataError(f"{where}: {cell!r} is not a number{hint}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise DataError(f"{where}: {cell!r} is not a finite number")
    return value


def _numbers(
    label: str, rows: list[tuple[int, list[str]]], cols: list[int], names: list[str]
) -> np.ndarray:
    """The selected columns as an (n, len(cols)) float64 array, every cell finite."""
    cells = [[row[j] for j in cols] for _, row in rows]
    try:  # fast path: NumPy parses the whole table at once
        table = np.array(cells, dtype=np.float64)
    except ValueError:
        table = None
    if table is not None and np.isfinite(table).all():
        return table
    # Slow path: Python's float() cell by cell, naming the first bad one.
    return np.array(
        [[_number(label, line, names[j], row[j]) for j in cols] for line, row in rows],
        dtype=np.float64,
    )


def _width(label: str, rows: list[tuple[int, list[str]]]) -> int:
    """The cells per line, the same on every line and at least 2, or a DataError."""
    if not rows:
        raise DataError(f"{label} is empty")
    width = len(rows[0][1])
    for line, cells in rows[1:]:
        if len(cells) != width:
            raise DataError(
                f"{label}, line {line}: {len(cells)} cells, but line {rows[0][0]} has {width}"
            )
    if width < 2:
        raise DataError(f"{label} has only 1 column; it needs feature columns and a target")
    return width


def load_csv(
    path: str | PathLike[str] | _Source,
    x: Sequence[str | int] | None = None,
    y: str | int | None = None,
    name: str | None = None,
) -> Dataset:
    """Read a CSV file of numbers into a :class:`Dataset`.

    Columns are chosen by header name or 0-based index (an int, or a string
    of digits that is not a header name); by default the features are all
    columns but the target and the target is the last column. The header is
    detected (line 1 holds text where line 2 holds numbers), the delimiter
    sniffed among ',', ';' and tab; the file must be UTF-8 (a BOM is fine).
    Only the selected columns must be numeric. Every problem raises
    :class:`DataError` with one line naming the file, line and column.
    """
    source: _Source = Path(path) if isinstance(path, (str, PathLike)) else path
    label = str(path)
    rows = _rows(_read_text(source, label))
    width = _width(label, rows)
    header = _has_header(rows)
    names = _default_names(width)
    if header:
        names = [cell or names[j] for j, cell in enumerate(rows[0][1])]
        rows = rows[1:]
    xi, yi = _select(label, names, header, x, y)
    if not rows:
        raise DataError(f"{label} has a header but no data rows")
    if len(rows) < 2:
        raise DataError(f"{label} has only 1 data row; at least 2 are needed to fit a line")
    table = _numbers(label, rows, [*xi, yi], names)
    stem = name if name is not None else Path(getattr(source, "name", label)).stem or label
    return Dataset(
        name=stem,
        X=table[:, :-1],
        y=table[:, -1],
        feature_names=tuple(names[j] for j in xi),
        target_name=names[yi],
    )
