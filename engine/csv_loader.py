"""Streaming CSV loading: NumPy's C parser block by block, an exact pass only where it fails.

The file is read in blocks of about ``BLOCK_BYTES`` cut at line ends. Each block
goes through ``numpy.loadtxt`` (C speed); a block it refuses, or one holding a
non-finite value or a line of the wrong width, is read again cell by cell by
:func:`.csv_cells.exact_block`, which names the file, line, column and bad cell.
Memory stays near twice the final float64 array (the blocks' arrays, then their
concatenation), whatever the file's size. ``progress(bytes_read, bytes_total)``
is called after every block and ``cancelled()`` checked before each one: both
are plain callables, so any front end can show a bar and offer a cancel key.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from .csv_cells import exact_block
from .csv_layout import SNIFF_LINES, CsvLayout, read_layout, select
from .dataset import Dataset
from .errors import DataError

BLOCK_BYTES = 4 << 20  # bytes per block: small next to the array, large enough to be fast
_HEAD_BYTES = 1 << 16  # the layout is sniffed from the lines in the file's first 64 KiB
_BOM = b"\xef\xbb\xbf"

Progress = Callable[[int, int], None]  # (bytes read so far, bytes in the file)
Cancelled = Callable[[], bool]  # True once the caller wants the load to stop


class LoadCancelled(DataError):
    """The caller's ``cancelled()`` returned True while the file was being read."""


class CsvSource(Protocol):
    """Anything with bytes to read: a Path or an importlib.resources Traversable."""

    def read_bytes(self) -> bytes: ...


def _open(source: CsvSource, label: str) -> tuple[IO[bytes], int]:
    """A binary stream over the file and its size in bytes (DataError if unreadable)."""
    try:
        if isinstance(source, Path):
            stream = source.open("rb")
            return stream, os.fstat(stream.fileno()).st_size
        raw = source.read_bytes()  # a packaged resource: small, and may not be a real file
        return io.BytesIO(raw), len(raw)
    except FileNotFoundError:
        raise DataError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{label} is a directory, not a CSV file") from None
    except PermissionError:
        raise DataError(f"{label}: permission denied") from None
    except OSError as err:
        raise DataError(f"{label}: cannot read it ({err.strerror or err})") from None


def _cut(stream: IO[bytes], label: str, size: int) -> Iterator[bytes]:
    """Blocks of whole lines, each ending with a line break (one is added at the very end)."""
    rest = b""
    while True:
        try:
            chunk = stream.read(size)
        except OSError as err:
            raise DataError(f"{label}: cannot read it ({err.strerror or err})") from None
        if not chunk:
            if rest:
                yield rest + b"\n"
            return
        data = rest + chunk
        end = data.rfind(b"\n") + 1 or data.rfind(b"\r") + 1  # "\r" alone: old Mac line ends
        if end == 0:
            rest = data  # a line longer than a block: keep reading
            continue
        yield data[:end]
        rest = data[end:]


class _Blocks:
    """The file's blocks as (bytes with "\\n" line ends, 1-based number of their first line)."""

    def __init__(
        self,
        stream: IO[bytes],
        label: str,
        total: int,
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> None:
        self.stream, self.label, self.total = stream, label, total
        self.progress, self.cancelled = progress, cancelled

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        line, done = 1, 0
        for raw in _cut(self.stream, self.label, BLOCK_BYTES):
            if self.cancelled is not None and self.cancelled():
                raise LoadCancelled(f"{self.label}: loading was cancelled")
            start, block = done, raw
            done += len(raw)
            if start == 0 and block.startswith(_BOM):
                block, start = block[len(_BOM) :], start + len(_BOM)
            if b"\r" in block:
                block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if not block.isascii():
                self.decode(block, start)
            yield block, line
            line += block.count(b"\n")
            if self.progress is not None:
                self.progress(min(done, self.total), self.total)

    def decode(self, block: bytes, start: int) -> str:
        """The block as text, or a DataError giving the file offset of the first bad byte."""
        try:
            return block.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DataError(
                f"{self.label} is not UTF-8 text (bad byte at offset {start + err.start}); "
                "save it as UTF-8"
            ) from None


def _widths_ok(block: bytes, layout: CsvLayout) -> bool:
    """Every non-blank line of ``block`` has the layout's number of cells (no quotes in it).

    Counted with NumPy on the raw bytes: delimiters per line. With a trailing
    delimiter, each non-blank line must also end with one.
    """
    raw_width = layout.width + (1 if layout.trailing else 0)
    buf = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(buf == 10)
    seps = np.flatnonzero(buf == ord(layout.delimiter))
    per_line = np.diff(np.searchsorted(seps, ends), prepend=0)
    bad = np.flatnonzero(per_line != raw_width - 1)
    if bad.size > 1000:
        return False
    starts = np.concatenate(([0], ends[:-1] + 1))
    if any(per_line[i] or block[starts[i] : ends[i]].strip() for i in bad):
        return False  # only blank lines may lack delimiters
    if layout.trailing:
        full = ends[per_line > 0]
        return bool(np.all(buf[full - 1] == ord(layout.delimiter)))
    return True


def _fast_block(block: bytes, layout: CsvLayout, cols: Sequence[int]) -> np.ndarray | None:
    """The selected columns by ``numpy.loadtxt``, or None where the exact pass must decide."""
    every = sorted(cols) == list(range(layout.width)) and not layout.trailing
    if not every and (b'"' in block or not _widths_ok(block, layout)):
        return None  # loadtxt ignores the width of lines when given usecols
    try:
        table = np.loadtxt(
            io.BytesIO(block),
            delimiter=layout.delimiter,
            dtype=np.float64,
            comments=None,
            quotechar='"',
            usecols=None if every else list(cols),
            ndmin=2,
            encoding="utf-8",
        )
    except ValueError:
        return None
    if table.shape[1] != (len(cols) if not every else layout.width):
        return None  # a block of lines all shorter (or longer) than the file's first
    if every and list(cols) != list(range(layout.width)):
        table = table[:, list(cols)]
    return table if np.isfinite(table).all() else None


def _head(blocks: _Blocks, block: bytes) -> list[str]:
    """The first lines of the first block (about 64 KiB of them: enough to sniff)."""
    end = block.find(b"\n", _HEAD_BYTES) + 1 or len(block)
    return blocks.decode(block[:end], 0).split("\n")


def _merged_head(blocks: _Blocks) -> Iterator[tuple[bytes, int]]:
    """The blocks, the first ones merged until they hold enough lines to sniff the layout
    (more than SNIFF_LINES non-blank lines, or 64 KiB): the layout never depends on where
    a block happens to end."""
    it = iter(blocks)
    head, line = b"", 1
    for block, start in it:
        line = start if not head else line
        head += block
        if len(head) >= _HEAD_BYTES or sum(1 for s in head.split(b"\n") if s.strip()) > SNIFF_LINES:
            break
    if head:
        yield head, line
    yield from it


def _header_end(block: bytes, line: int) -> int:
    """The offset just after line ``line`` (1-based) of a block that starts at line 1."""
    end = -1
    for _ in range(line):
        end = block.index(b"\n", end + 1)
    return end + 1


def _parse(
    blocks: _Blocks, label: str, x: Sequence[str | int] | None, y: str | int | None
) -> tuple[CsvLayout, list[int], int, list[np.ndarray]]:
    """The layout, selected columns and the arrays of every block."""
    layout: CsvLayout | None = None
    xi: list[int] = []
    yi = 0
    parts: list[np.ndarray] = []
    for block, line in _merged_head(blocks):
        if layout is None:
            layout = read_layout(_head(blocks, block), label)
            xi, yi = select(label, layout.names, layout.header, x, y)
            if layout.header:
                cut = _header_end(block, layout.first_line)
                block, line = block[cut:], layout.first_line + 1
        if not block or block.isspace():
            continue
        cols = [*xi, yi]
        table = _fast_block(block, layout, cols)
        if table is None:
            table = exact_block(label, blocks.decode(block, 0), line, layout, cols)
        parts.append(table)
    if layout is None:
        raise DataError(f"{label} is empty")
    return layout, xi, yi, parts


def _columns(parts: list[np.ndarray], d: int) -> tuple[np.ndarray, np.ndarray]:
    """X (n, d) and y (n,) from the blocks' (rows, d + 1) arrays, read-only.

    Each block's array is dropped as soon as it is copied, and the Dataset keeps these
    read-only arrays without copying them again: loading peaks near two arrays' worth.
    """
    rows = sum(len(part) for part in parts)
    X, y = np.empty((rows, d)), np.empty(rows)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        X[at : at + len(part)] = part[:, :-1]
        y[at : at + len(part)] = part[:, -1]
        at += len(part)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def csv_layout(path: str | PathLike[str] | CsvSource) -> CsvLayout:
    """The layout of a CSV file (delimiter, header, names), read from its head only."""
    source: CsvSource = Path(path) if isinstance(path, (str, PathLike)) else path
    label = str(path)
    stream, total = _open(source, label)
    with stream:
        blocks = _Blocks(stream, label, total, None, None)
        for block, _ in _merged_head(blocks):
            return read_layout(_head(blocks, block), label)
    raise DataError(f"{label} is empty")


def load_csv(
    path: str | PathLike[str] | CsvSource,
    x: Sequence[str | int] | None = None,
    y: str | int | None = None,
    name: str | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Dataset:
    """Read a CSV file of numbers into a :class:`Dataset`.

    Columns are chosen by header name or 0-based index (an int, or a string
    of digits that is not a header name); by default the features are all
    columns but the target and the target is the last column. The header is
    detected (line 1 holds text where line 2 holds numbers), the delimiter
    sniffed among ',', ';' and tab; the file must be UTF-8 (a BOM is fine).
    Only the selected columns must be numeric. Every problem raises
    :class:`DataError` with one line naming the file, line and column;
    ``cancelled()`` returning True raises :class:`LoadCancelled`.
    """
    source: CsvSource = Path(path) if isinstance(path, (str, PathLike)) else path
    label = str(path)
    stream, total = _open(source, label)
    with stream:
        blocks = _Blocks(stream, label, total, progress, cancelled)
        layout, xi, yi, parts = _parse(blocks, label, x, y)
    features, target = _columns(parts, len(xi))
    if len(target) == 0:
        raise DataError(f"{label} has a header but no data rows")
    if len(target) < 2:
        raise DataError(f"{label} has only 1 data row; at least 2 are needed to fit a line")
    stem = name if name is not None else Path(getattr(source, "name", label)).stem or label
    return Dataset(
        name=stem,
        X=features,
        y=target,
        feature_names=tuple(layout.names[j] for j in xi),
        target_name=layout.names[yi],
    )
