"""Shared chart rendering for the fit, loss and landscape charts.

A chart is three layers on a grid of terminal cells:

1. the *frame* — border, ticks and tick labels — drawn by plotext (theme "colorless", our
   own "nice" tick positions, one private plotext terminal, never the global figure) and
   cached until the size or the limits change;
2. the *background* — marks that stay put while a run plays (data points, contours,
   reference lines) — cached with the frame;
3. the *marks* — what moves (the current line, the loss curves, the path) — drawn on a
   copy of the cached layers every frame, in plain Python/numpy.

Every frame the widget compares each row of the new picture with the last one and refreshes
only the rows that differ (Textual's Line API: ``render_line`` hands out cached Strips), so a
loss curve growing by a point costs a row or two of terminal output, not the whole chart.
Axes stay fixed while a run plays; subclasses widen them (by doubling) only when data leave.
Every mark has a character of its own, so colour is never the only cue; colours come from
component classes (``plot--s0`` …) styled in ``views.tcss``.

The grid, the data → cell mapping and the marks live in :mod:`.plot_grid`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from .plot_grid import (  # noqa: F401 - re-exported: the charts' shared vocabulary
    RUN_MARKERS,
    STYLE_NAMES,
    Axes,
    Grid,
    changed_span,
    log_ticks,
    nice_ticks,
    put_points,
    put_polyline,
)

# -- the frame (plotext) ------------------------------------------------------------------


@dataclass(frozen=True)
class FrameSpec:
    """What decides a chart's frame; equal specs reuse the cached frame."""

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    xticks: tuple[tuple[float, str], ...]
    yticks: tuple[tuple[float, str], ...]
    title: str = ""

    @classmethod
    def auto(
        cls,
        xlim: tuple[float, float],
        ylim: tuple[float, float],
        width: int,
        height: int,
        title: str,
    ) -> FrameSpec:
        """A frame with ticks spaced for a chart of ``width`` × ``height`` cells."""
        return cls(
            xlim,
            ylim,
            nice_ticks(*xlim, max(3, width // 10)),
            nice_ticks(*ylim, max(2, height // 4)),
            title,
        )


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_plotext_lock = threading.Lock()
_plotext_figure: Any = None


def _figure() -> Any:
    """A private plotext figure (its own terminal object, not plotext's global one)."""
    global _plotext_figure
    if _plotext_figure is None:
        from plotext._kernel.terminal import terminal

        term = terminal()
        term.limit(False, False)  # our sizes, not the real terminal's
        _plotext_figure = term._master
    return _plotext_figure


def warm_up() -> None:
    """Import plotext ahead of the first chart (it takes ~0.5 s); safe from a worker thread."""
    with _plotext_lock:
        _figure()


def _plotext_frame(width: int, height: int, spec: FrameSpec) -> tuple[list[str], Axes]:
    fig = _figure()
    fig.clear()
    fig.theme("colorless")
    fig.plot_size(width, height)
    for axis, lim, ticks in (("x", spec.xlim, spec.xticks), ("y", spec.ylim, spec.yticks)):
        ruler = fig.ruler(axis)
        ruler.lim(*lim)
        if ticks:
            ruler.ticks([p for p, _ in ticks], [label for _, label in ticks])
    text = fig.build().string(colorless=True)
    lines = [_ANSI.sub("", line) for line in text.split("\n")][:height]
    col0, row0 = fig._parts.canvas.position()
    cw, ch = fig._parts.canvas.size()
    axes = Axes(*spec.xlim, *spec.ylim, col0, row0, cw, ch)
    return lines, axes


def build_frame(width: int, height: int, spec: FrameSpec) -> tuple[Grid, Axes]:
    """A grid holding the title row and, below it, plotext's border, ticks and labels.

    Too small for a frame (or plotext missing): the whole area below the title is canvas.
    """
    grid = Grid(width, height)
    grid.text(1, 0, spec.title, "title")
    body = height - 1
    if width >= 16 and body >= 6:
        try:
            with _plotext_lock:
                lines, axes = _plotext_frame(width, body, spec)
        except Exception:  # plotext missing or of another major version: draw bare
            lines, axes = [], None
        if axes is not None and axes.width > 1 and axes.height > 1:
            for row, line in enumerate(lines):
                grid.text(0, row + 1, line, "frame")
            return grid, Axes(
                *spec.xlim, *spec.ylim, axes.col0, axes.row0 + 1, axes.width, axes.height
            )
    return grid, Axes(*spec.xlim, *spec.ylim, 0, 1, max(1, width), max(1, body))


# -- the widget -----------------------------------------------------------------------------


class PlotCanvas(Widget):
    """A chart drawn on a Grid and sent to the terminal row by row (Line API).

    Subclasses provide :meth:`frame_spec`, :meth:`draw_background` and :meth:`draw_marks`
    (and may override :meth:`legend`), then call :meth:`replot` whenever their data change;
    call ``replot(background=True)`` when the background layer itself changed.
    """

    COMPONENT_CLASSES = {f"plot--{name}" for name in STYLE_NAMES}

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._base: Grid | None = None
        self._axes: Axes | None = None
        self._base_key: tuple | None = None
        self._background_version = 0
        self._keys: list[tuple | None] = []
        self._strips: list[Strip] = []
        self._styles: dict[str, Style] = {}
        self.last_grid: Grid | None = None  # the picture last sent (tests read it)

    # -- for subclasses ---------------------------------------------------------------

    def frame_spec(self, width: int, height: int) -> FrameSpec | None:
        """Limits, ticks and title for a chart of this size; None: nothing to draw yet."""
        return None

    def draw_background(self, grid: Grid, axes: Axes) -> None:
        """Marks that stay put while a run plays (cached with the frame)."""

    def draw_marks(self, grid: Grid, axes: Axes) -> None:
        """Marks that move; drawn every frame on a copy of the cached layers."""

    def legend(self) -> list[tuple[str, str, str]]:
        """(marker, label, style name) entries written at the right of the title row."""
        return []

    def empty_text(self) -> str:
        """What an empty chart says (no data yet)."""
        return ""

    # -- drawing -------------------------------------------------------------------------

    def replot(self, *, background: bool = False) -> None:
        """Redraw the picture and refresh only the terminal rows that changed."""
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return
        if background:
            self._background_version += 1
        spec = self.frame_spec(width, height)
        if spec is None:
            grid = Grid(width, height)
            grid.text(1, 0, self.empty_text(), "title")
            self._commit(grid)
            return
        key = (width, height, spec, self._background_version)
        if key != self._base_key or self._base is None:
            base, axes = build_frame(width, height, spec)
            self.draw_background(base, axes)
            self._base, self._axes, self._base_key = base, axes, key
        grid = self._base.copy()
        assert self._axes is not None
        self.draw_marks(grid, self._axes)
        self._draw_legend(grid)
        self._commit(grid)

    def _draw_legend(self, grid: Grid) -> None:
        """Entries right-aligned on the title row; when they do not all fit there, one per
        line in the canvas's top-right corner (over whatever is drawn there)."""
        entries = self.legend()
        if not entries:
            return
        sizes = [cell_len(m) + 1 + cell_len(label) for m, label, _ in entries]
        room = grid.width - grid.end_of(0) - 2
        if sum(size + 2 for size in sizes) <= room:
            col = grid.width - sum(size + 2 for size in sizes)
            for marker, label, style in entries:
                col = grid.text(col, 0, marker, style)
                col = grid.text(col + 1, 0, label, "frame") + 2
            return
        axes = self._axes
        if axes is None:
            return
        width = max(sizes) + 2
        left = axes.col0 + axes.width - width
        for row, (marker, label, style) in enumerate(entries[: max(0, axes.height - 1)]):
            y = axes.row0 + row
            grid.text(left, y, " " * width, "frame")
            col = grid.text(left + 1, y, marker, style)
            grid.text(col + 1, y, label, "frame")

    def _commit(self, grid: Grid) -> None:
        """Turn changed rows into Strips and refresh just those rows."""
        self.last_grid = grid
        width, height = grid.width, grid.height
        full = len(self._keys) != height or (self._strips and self._strips[0].cell_length != width)
        if full:
            self._keys = [None] * height
            self._strips = [Strip.blank(width)] * height
        dirty: list[Region] = []
        for row in range(height):
            key = grid.row_key(row)
            old = self._keys[row]
            if key != old:
                self._keys[row] = key
                self._strips[row] = self._strip(grid.chars[row], grid.styles[row], width)
                if old is not None:
                    start, end = changed_span(old, key)
                    dirty.append(Region(start, row, end - start, 1))
        if full:
            self.refresh()
        elif dirty:
            # Only the changed cells of each changed row go to the terminal.
            self.refresh(*dirty)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            base = self.rich_style
            if name:
                style = base + self.get_component_rich_style(f"plot--{name}", default=Style())
            else:
                style = base
            self._styles[name] = style
        return style

    def _strip(self, chars: list[str], styles: list[str], width: int) -> Strip:
        segments: list[Segment] = []
        start = 0
        for col in range(1, width + 1):
            if col == width or styles[col] != styles[start]:
                segments.append(Segment("".join(chars[start:col]), self._style(styles[start])))
                start = col
        return Strip(segments, width)

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._keys = [None] * len(self._keys)  # restyle every row on the next replot
        self.call_later(self.replot)

    def on_resize(self) -> None:
        self._base_key = None
        self.replot()

    def on_show(self) -> None:
        self.replot()
