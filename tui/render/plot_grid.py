"""The cell grid charts are drawn on, and the marks drawn on it — no Textual, no plotext.

A :class:`Grid` holds one character and one style name per terminal cell; :class:`Axes`
maps data to cells the way plotext does (centre-aligned: a value at fraction f of the axis
range lands in cell ⌊½ + f·(W − 1)⌋, rows counted from the top). Marks are distinct
characters (``•`` ``x`` ``+`` ``o`` per run, braille dots for lines), so colour is never
the only cue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len

from ..plain import visible

# Series markers by run index: distinct shapes, so runs differ without colour.
RUN_MARKERS = ("•", "x", "+", "o")
STYLE_NAMES = (
    "frame",
    "title",
    "s0",
    "s1",
    "s2",
    "s3",
    "data",
    "fit",
    "lsq",
    "ref",
    "opt",
    "start",
    "warn",
    "c0",
    "c1",
    "c2",
    "c3",
    "c4",
)
BRAILLE = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [sub-row][sub-col]


# -- ticks ------------------------------------------------------------------------------


def nice_step(span: float, count: int) -> float:
    """A 1-2-2.5-5 × 10^k step giving about ``count`` intervals over ``span``."""
    raw = span / max(1, count)
    if not math.isfinite(raw) or raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if mult * mag >= raw * 0.999:
            return mult * mag
    return 10 * mag


def fmt_tick(value: float) -> str:
    """A tick label: 4 significant digits, no ``-0``."""
    text = f"{value:.4g}"
    return "0" if text in ("-0", "0") else text


def nice_ticks(lo: float, hi: float, count: int) -> tuple[tuple[float, str], ...]:
    """(position, label) pairs at round numbers inside [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return ((lo, fmt_tick(lo)),)
    step = nice_step(hi - lo, count)
    first = math.ceil(lo / step - 1e-9)
    ticks: list[tuple[float, str]] = []
    k = first
    while k * step <= hi + step * 1e-9 and len(ticks) < 50:
        value = 0.0 if abs(k * step) < step * 1e-9 else k * step
        ticks.append((value, fmt_tick(value)))
        k += 1
    return tuple(ticks)


def log_ticks(lo_exp: float, hi_exp: float, count: int) -> tuple[tuple[float, str], ...]:
    """Ticks of a log10 axis given in exponents: whole powers of ten, labelled ``1e-3``."""
    lo, hi = math.ceil(lo_exp - 1e-9), math.floor(hi_exp + 1e-9)
    stride = max(1, math.ceil((hi - lo + 1) / max(1, count)))
    return tuple((float(k), f"1e{k}") for k in range(lo, hi + 1, stride))


# -- the cell grid ------------------------------------------------------------------------


class Grid:
    """A width × height picture: one character and one style name per cell.

    A wide character (CJK) takes its cell plus an empty string in the next one, so rows
    always hold ``width`` cells and line up.
    """

    __slots__ = ("width", "height", "chars", "styles")

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[""] * width for _ in range(height)]

    def copy(self) -> Grid:
        new = Grid.__new__(Grid)
        new.width, new.height = self.width, self.height
        new.chars = [row[:] for row in self.chars]
        new.styles = [row[:] for row in self.styles]
        return new

    def put(self, col: int, row: int, char: str, style: str) -> None:
        """One cell (ignored outside the grid)."""
        if 0 <= col < self.width and 0 <= row < self.height:
            self.chars[row][col] = char
            self.styles[row][col] = style

    def text(self, col: int, row: int, text: str, style: str, limit: int | None = None) -> int:
        """Write ``text`` from ``col``, wide characters taking two cells; stop at ``limit``
        (default: the grid's width). Returns the column after the text."""
        end = self.width if limit is None else min(limit, self.width)
        if not 0 <= row < self.height:
            return col
        for char in visible(text):  # titles quote column names: controls made visible
            cells = cell_len(char)
            if col < 0 or col + cells > end:
                break
            self.chars[row][col] = char
            self.styles[row][col] = style
            if cells == 2:
                self.chars[row][col + 1] = ""
                self.styles[row][col + 1] = style
            col += cells
        return col

    def end_of(self, row: int) -> int:
        """The column after the last non-blank cell of ``row`` (0 for a blank row)."""
        chars = self.chars[row]
        for col in range(self.width - 1, -1, -1):
            if chars[col] != " ":
                return col + 1
        return 0

    def row_key(self, row: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(self.chars[row]), tuple(self.styles[row])

    def lines(self) -> list[str]:
        """Plain text of every row (for tests and the text log)."""
        return ["".join(row) for row in self.chars]


def changed_span(old: tuple[tuple, tuple], new: tuple[tuple, tuple]) -> tuple[int, int]:
    """[start, end) of the cells that differ between two rows given as (chars, styles)."""
    (oc, os_), (nc, ns) = old, new
    size = max(len(oc), len(nc))
    start = 0
    while start < min(len(oc), len(nc)) and oc[start] == nc[start] and os_[start] == ns[start]:
        start += 1
    end = size
    if len(oc) == len(nc):
        while end > start and oc[end - 1] == nc[end - 1] and os_[end - 1] == ns[end - 1]:
            end -= 1
    # A wide character's second cell is "": widen the span to keep both halves together.
    return max(0, start - 1), min(size, end + 1)


@dataclass(frozen=True)
class Axes:
    """Where the data rectangle [x0, x1] × [y0, y1] sits in a Grid (cells, inclusive)."""

    x0: float
    x1: float
    y0: float
    y1: float
    col0: int  # first canvas column
    row0: int  # first canvas row (top)
    width: int  # canvas columns
    height: int  # canvas rows

    def cols(self, xs: np.ndarray, sub: int = 1) -> np.ndarray:
        """Cell columns (or sub-columns with ``sub`` per cell) of x values, as floats."""
        span = self.x1 - self.x0 or 1.0
        f = (np.asarray(xs, dtype=np.float64) - self.x0) / span
        return np.floor(0.5 + f * (self.width * sub - 1))

    def rows(self, ys: np.ndarray, sub: int = 1) -> np.ndarray:
        """Cell rows (or sub-rows) of y values counted from the canvas top, as floats."""
        span = self.y1 - self.y0 or 1.0
        f = (self.y1 - np.asarray(ys, dtype=np.float64)) / span
        return np.floor(0.5 + f * (self.height * sub - 1))

    def x_at(self, cols: np.ndarray, sub: int = 1) -> np.ndarray:
        """The x value at the centre of each (sub-)column."""
        n = max(1, self.width * sub - 1)
        return self.x0 + np.asarray(cols, dtype=np.float64) / n * (self.x1 - self.x0)

    def y_at(self, rows: np.ndarray, sub: int = 1) -> np.ndarray:
        """The y value at the centre of each (sub-)row counted from the top."""
        n = max(1, self.height * sub - 1)
        return self.y1 - np.asarray(rows, dtype=np.float64) / n * (self.y1 - self.y0)

    def contains(self, x: float, y: float) -> bool:
        lo_x, hi_x = sorted((self.x0, self.x1))
        lo_y, hi_y = sorted((self.y0, self.y1))
        return lo_x <= x <= hi_x and lo_y <= y <= hi_y


def put_points(
    grid: Grid, axes: Axes, xs: np.ndarray, ys: np.ndarray, char: str, style: str
) -> int:
    """Mark each distinct cell hit by the points (x, y); returns how many cells were marked."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return 0
    cols = axes.cols(xs[ok])
    rows = axes.rows(ys[ok])
    inside = (cols >= 0) & (cols < axes.width) & (rows >= 0) & (rows < axes.height)
    cells = np.unique(rows[inside].astype(np.int64) * axes.width + cols[inside].astype(np.int64))
    for cell in cells.tolist():
        row, col = divmod(cell, axes.width)
        grid.put(axes.col0 + col, axes.row0 + row, char, style)
    return len(cells)


def put_polyline(
    grid: Grid, axes: Axes, xs: np.ndarray, ys: np.ndarray, style: str, dotted: bool = False
) -> None:
    """Draw a curve through (x, y) in braille dots (2 × 4 per cell), filling vertical gaps so
    steep stretches stay connected; ``dotted`` leaves every other cell out (a dashed look
    that tells two lines apart without colour). Cells already holding a mark are left alone."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    sub_w, sub_h = axes.width * 2, axes.height * 4
    cols = axes.cols(xs, 2)
    rows = axes.rows(ys, 4)
    bits: dict[tuple[int, int], int] = {}
    prev: tuple[float, float] | None = None
    for c, r in zip(cols.tolist(), rows.tolist(), strict=True):
        if not (math.isfinite(c) and math.isfinite(r)):
            prev = None
            continue
        lo = hi = r
        if prev is not None and prev[0] == c - 1:  # join to the neighbour half-way
            mid = (prev[1] + r) / 2
            lo, hi = min(r, math.ceil(mid)), max(r, math.floor(mid))
        prev = (c, r)
        if not 0 <= c < sub_w or (dotted and int(c) % 4 >= 2):  # dotted: every other cell
            continue
        for rr in range(int(max(lo, 0)), int(min(hi, sub_h - 1)) + 1):
            cell = (int(c) // 2, rr // 4)
            bits[cell] = bits.get(cell, 0) | BRAILLE[rr % 4][int(c) % 2]
    for (col, row), value in bits.items():
        gc, gr = axes.col0 + col, axes.row0 + row
        old = grid.chars[gr][gc]
        if old == " ":
            grid.put(gc, gr, chr(0x2800 + value), style)
        elif len(old) == 1 and 0x2800 <= ord(old) <= 0x28FF and grid.styles[gr][gc] == style:
            grid.put(gc, gr, chr(ord(old) | value), style)
