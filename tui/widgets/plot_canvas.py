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

from ..palette import run_styles_css
from ..render.plot_grid import (  # noqa: F401 - re-exported: the charts' shared vocabulary
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
    xname: str = ""  # the x axis's name, written after the last x tick label
    yname: str = ""  # the y axis's name, written above the y tick labels

    @classmethod
    def auto(
        cls,
        xlim: tuple[float, float],
        ylim: tuple[float, float],
        width: int,
        height: int,
        title: str,
        xname: str = "",
        yname: str = "",
    ) -> FrameSpec:
        """A frame with ticks spaced for a chart of ``width`` × ``height`` cells."""
        return cls(
            xlim,
            ylim,
            nice_ticks(*xlim, max(3, width // 10)),
            nice_ticks(*ylim, max(2, height // 4)),
            title,
            xname,
            yname,
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


def build_frame(width: int, height: int, spec: FrameSpec, top: int = 1) -> tuple[Grid, Axes]:
    """A grid holding the title row, ``top - 1`` rows kept free for the legend, and below
    them plotext's border, ticks and labels, with the axes' names outside the canvas.

    Too small for a frame (or plotext missing): the whole area below the top is canvas.
    """
    grid = Grid(width, height)
    grid.text(1, 0, spec.title, "title")
    body = height - top
    if width >= 16 and body >= 6:
        try:
            with _plotext_lock:
                lines, axes = _plotext_frame(width, body, spec)
        except Exception:  # plotext missing or of another major version: draw bare
            lines, axes = [], None
        if axes is not None and axes.width > 1 and axes.height > 1:
            for row, line in enumerate(lines):
                grid.text(0, row + top, line, "frame")
            axes = Axes(*spec.xlim, *spec.ylim, axes.col0, axes.row0 + top, axes.width, axes.height)
            _axis_names(grid, axes, spec)
            return grid, axes
    return grid, Axes(*spec.xlim, *spec.ylim, 0, top, max(1, width), max(1, body))


def _axis_names(grid: Grid, axes: Axes, spec: FrameSpec) -> None:
    """The x name right of the last x tick label; the y name left of the top border."""
    if spec.xname:
        row = axes.row0 + axes.height + 1  # the tick label row under the bottom border
        col = grid.width - cell_len(spec.xname) - 1
        if row < grid.height and grid.end_of(row) < col:
            grid.text(col, row, spec.xname, "title")
    if spec.yname:
        row = axes.row0 - 1  # the top border
        col = axes.col0 - 1 - cell_len(spec.yname)
        if row >= 0 and col >= 0:
            grid.text(col, row, spec.yname, "title")


# -- the legend ---------------------------------------------------------------------------

LegendEntry = tuple[str, str, str]  # (marker, label, style name)


def legend_rows(entries: list[LegendEntry], width: int, title_cells: int) -> list[list]:
    """Entries laid out right-aligned: all on the title row when they fit beside the title,
    else flowing over rows of their own under it (never over the data). Each row is a list
    of (column, entry)."""
    if not entries:
        return []
    sizes = [cell_len(m) + 1 + cell_len(label) + 2 for m, label, _ in entries]
    if sum(sizes) <= width - title_cells:
        return [_right_aligned(list(zip(sizes, entries, strict=True)), width)]
    rows: list[list] = [[]]  # row 0 (the title row) stays empty
    current: list = []
    for size, entry in zip(sizes, entries, strict=True):
        if current and sum(s for s, _ in current) + size > width - 1:
            rows.append(_right_aligned(current, width))
            current = []
        current.append((size, entry))
    rows.append(_right_aligned(current, width))
    return rows


def _right_aligned(sized: list, width: int) -> list:
    col = width - sum(size for size, _ in sized)
    placed = []
    for size, entry in sized:
        placed.append((col, entry))
        col += size
    return placed


def _draw_legend(grid: Grid, rows: list[list]) -> None:
    for row, placed in enumerate(rows):
        for col, (marker, label, style) in placed:
            end = grid.text(col, row, marker, style)
            grid.text(end + 1, row, label, "frame")


# -- the widget -----------------------------------------------------------------------------


class PlotCanvas(Widget):
    """A chart drawn on a Grid and sent to the terminal row by row (Line API).

    Subclasses provide :meth:`frame_spec`, :meth:`draw_background` and :meth:`draw_marks`
    (and may override :meth:`legend`), then call :meth:`replot` whenever their data change;
    call ``replot(background=True)`` when the background layer itself changed.
    """

    DEFAULT_CSS = """
    PlotCanvas {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }

    PlotCanvas > .plot--frame { color: $text-muted; }
    PlotCanvas > .plot--title { color: $text; text-style: bold; }
    PlotCanvas > .plot--data { color: $text; }
    PlotCanvas > .plot--fit { color: $primary-lighten-2; text-style: bold; }
    PlotCanvas > .plot--lsq { color: $success; }
    PlotCanvas > .plot--ref { color: $text-muted; }
    PlotCanvas > .plot--opt { color: $error-lighten-2; text-style: bold; }
    PlotCanvas > .plot--start { color: $text; text-style: bold; }
    PlotCanvas > .plot--warn { color: $error-lighten-2; }
    PlotCanvas > .plot--c0 { color: $success-darken-1; }
    PlotCanvas > .plot--c1 { color: $primary-darken-1; }
    PlotCanvas > .plot--c2 { color: $secondary-lighten-1; }
    PlotCanvas > .plot--c3 { color: $warning-darken-2; }
    PlotCanvas > .plot--c4 { color: $error-darken-1; }
    """ + run_styles_css("PlotCanvas > .plot--")

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
        if background:
            self._background_version += 1
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0 or not self.display:
            # A hidden chart costs nothing; it redraws whole from its latest data when shown.
            self._keys = []
            return
        spec = self.frame_spec(width, height)
        if spec is None:
            grid = Grid(width, height)
            grid.text(1, 0, self.empty_text(), "title")
            self._commit(grid)
            return
        entries = self.legend()
        rows = legend_rows(entries, width, cell_len(spec.title) + 2)
        key = (width, height, spec, self._background_version, len(rows))
        if key != self._base_key or self._base is None:
            base, axes = build_frame(width, height, spec, top=max(1, len(rows)))
            self.draw_background(base, axes)
            self._base, self._axes, self._base_key = base, axes, key
        grid = self._base.copy()
        assert self._axes is not None
        self.draw_marks(grid, self._axes)
        _draw_legend(grid, rows)
        self._commit(grid)

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
        self._keys = []  # whatever the terminal last showed of this chart is out of date
        self.replot()
