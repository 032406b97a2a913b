"""The loss chart: the full-data loss after every update, for one run or several.

x counts updates, epochs, samples seen or seconds of compute (the title says which); y is
linear or log10. The optimum's loss L* = L(θ*) is a dashed reference line, its value in the
legend (outside the data, so no point covers it). Axes stay fixed while runs play: x starts at
a short range and doubles when a run reaches its end; y covers the starting losses and widens
only if a loss climbs above it (a diverging run).

Several runs never hide one another: where their points fall in the same cell, the cells go
to each of them in turn along the curve, a few columns each (run ``(col // SHARE) mod k`` of
the k there), so two identical runs read ``••xx••xx`` instead of one covering the other.
(Short stretches rather than single cells: each change of colour costs bytes on the wire.)
With ``only`` set, the chart is one of the compare view's small multiples: it draws that run
alone, on axes fitted to all the runs (every small chart has the same axes).
"""

from __future__ import annotations

import math

import numpy as np
from rich.cells import cell_len

from linreg_tui.tui.format import num
from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import SessionSnapshot

from .plot_canvas import (
    RUN_MARKERS,
    Axes,
    FrameSpec,
    Grid,
    PlotCanvas,
    log_ticks,
    nice_ticks,
)

TINY = 1e-300  # floor before log10 (a loss of exactly 0)
SHARE = 2  # columns in a row that a shared stretch gives each run before the next one
FORK_LINE = "╎"  # where a what-if branch left its original
X_START = {"updates": 20.0, "epochs": 1.0, "samples": 0.0, "seconds": 0.02}


class LossChart(PlotCanvas):
    """Full-data loss per update; ``log_scale`` switches y to log10."""

    def __init__(
        self, *, only: int | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.lang = "en"
        self.log_scale = False
        self.only = only  # draw only the run at this index (a small multiple); None: all
        self._snap: SessionSnapshot | None = None
        self._identity: tuple | None = None
        self._xmax = 0.0
        self._ylim: tuple[float, float] | None = None

    # -- data in ---------------------------------------------------------------------

    def show(self, snap: SessionSnapshot) -> None:
        """Draw ``snap``; axes widen only if a run left them."""
        identity = (snap.alignment, tuple((r.choice, r.facts.optimum_loss) for r in snap.runs))
        restart = all(r.updates == 0 for r in snap.runs)
        if identity != self._identity or restart:
            self._identity = identity
            self._xmax, self._ylim = 0.0, None
            self._background_version += 1
        self._snap = snap
        self._fit_limits()
        self.replot()

    def set_log_scale(self, on: bool) -> None:
        self.log_scale = on
        self._ylim = None
        self._background_version += 1
        self._fit_limits()
        self.replot()

    # -- limits ------------------------------------------------------------------------

    def _y(self, loss: np.ndarray) -> np.ndarray:
        loss = np.asarray(loss, dtype=np.float64)
        return np.log10(np.maximum(loss, TINY)) if self.log_scale else loss

    def _fit_limits(self) -> None:
        snap = self._snap
        if snap is None or not snap.runs:
            return
        runs = snap.runs
        start = X_START.get(snap.alignment, 20.0) or float(max(r.facts.n for r in runs))
        xmax = max(self._xmax, start)
        reach = max(float(r.trace_x[-1]) for r in runs)
        while reach > xmax:
            xmax *= 2
        self._xmax = xmax
        finite = [r.trace_loss[np.isfinite(r.trace_loss)] for r in runs]
        top = max((float(v.max()) for v in finite if v.size), default=1.0)
        first = max(float(r.trace_loss[0]) for r in runs if math.isfinite(r.trace_loss[0]))
        if self.log_scale:
            self._ylim = self._log_limits(runs, finite, top, first)
        else:
            lo, hi = self._ylim or (0.0, (first or 1.0) * 1.05)
            while top > hi and hi < 1e300:
                hi *= 2
            self._ylim = (lo, hi)

    def _log_limits(self, runs, finite, top: float, first: float) -> tuple[float, float]:
        best = [r.facts.optimum_loss for r in runs if r.facts.optimum_loss > 0]
        floor = min(best) if best else max(first, TINY) * 1e-4
        low = min((float(v[v > 0].min()) for v in finite if (v > 0).any()), default=floor)
        lo, hi = self._ylim or (math.floor(math.log10(max(floor, TINY))), 0.0)
        hi = max(hi, math.ceil(math.log10(max(top, first, TINY) * 1.05)))
        while math.log10(max(low, TINY)) < lo and lo > -300:
            lo -= 2
        return (float(lo), float(hi))

    # -- drawing -----------------------------------------------------------------------

    def frame_spec(self, width: int, height: int) -> FrameSpec | None:
        snap = self._snap
        if snap is None or not snap.runs or self._ylim is None:
            return None
        lo, hi = self._ylim
        if hi <= lo:
            hi = lo + 1.0
        yticks = (
            log_ticks(lo, hi, max(2, height // 4))
            if self.log_scale
            else nice_ticks(lo, hi, max(2, height // 4))
        )
        return FrameSpec(
            (0.0, self._xmax),
            (lo, hi),
            nice_ticks(0.0, self._xmax, max(3, width // 10)),
            yticks,
            self._title(snap, width),
        )

    def _title(self, snap: SessionSnapshot, width: int) -> str:
        """The chart's title: the long one when it fits on one row with the legend, else the
        short one; a small multiple names its run (just ``1 •`` when narrow)."""
        if self.only is not None:
            run = self._runs()
            if not run:
                return ""
            k = run[0].index
            head = f"{k + 1} {RUN_MARKERS[k % len(RUN_MARKERS)]}"
            full = f"{head} {run[0].label}"
            return full if cell_len(full) + 2 <= width else head
        axis = t(f"view.axis.{snap.alignment}", self.lang)
        scale = "log" if self.log_scale else "linear"
        long = t("view.loss.title", self.lang, axis=axis, scale=t(f"view.loss.{scale}", self.lang))
        short = t(
            "view.loss.short", self.lang, axis=axis, scale=t(f"view.loss.{scale}_short", self.lang)
        )
        legend = min(_cells(entries) for entries in self._legends(snap))
        return long if cell_len(long) + 2 + legend <= width else short

    def _runs(self) -> list:
        """The runs this chart draws (all, or the one it is the small multiple of)."""
        snap = self._snap
        if snap is None:
            return []
        return [r for r in snap.runs if self.only is None or r.index == self.only]

    def draw_background(self, grid: Grid, axes: Axes) -> None:
        snap = self._snap
        assert snap is not None
        seen = set()
        for run in snap.runs:
            best = run.facts.optimum_loss
            if best in seen or (self.log_scale and best <= 0):
                continue
            seen.add(best)
            row = int(axes.rows(self._y(np.array([best])))[0])
            if 0 <= row < axes.height:  # its value is in the legend, outside the data
                for col in range(axes.width):
                    grid.put(axes.col0 + col, axes.row0 + row, "╌", "ref")

    def fork_points(self) -> list[tuple[int, float]]:
        """(k, x) of each what-if branch's fork that this chart draws (update k at x)."""
        out = []
        for run in self._runs():
            fork = run.choice.fork
            if fork is None or run.updates < fork.at or not len(run.trace_updates):
                continue
            x = float(np.interp(fork.at, run.trace_updates, run.trace_x))
            if (fork.at, x) not in out:
                out.append((fork.at, x))
        return out

    def _draw_forks(self, grid: Grid, axes: Axes) -> None:
        """A dashed vertical line ``╎`` at each fork (under the curves)."""
        for _, x in self.fork_points():
            col = int(axes.cols(np.array([x]))[0])
            if 0 <= col < axes.width:
                for row in range(axes.height):
                    grid.put(axes.col0 + col, axes.row0 + row, FORK_LINE, "ref")

    def draw_marks(self, grid: Grid, axes: Axes) -> None:
        self._draw_forks(grid, axes)
        owners: dict[int, list[int]] = {}  # cell → the runs with a point there
        for run in self._runs():
            for cell in self._cells(axes, run.trace_x, self._y(run.trace_loss)).tolist():
                owners.setdefault(cell, []).append(run.index)
        for cell, runs in owners.items():
            row, col = divmod(cell, axes.width)
            k = runs[(col // SHARE) % len(runs)] % len(RUN_MARKERS)  # shared cells take turns
            grid.put(axes.col0 + col, axes.row0 + row, RUN_MARKERS[k], f"s{k}")

    @staticmethod
    def _cells(axes: Axes, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """The distinct cells (row · width + col) that the points (x, y) fall in."""
        ok = np.isfinite(xs) & np.isfinite(ys)
        cols, rows = axes.cols(xs[ok]), axes.rows(ys[ok])
        inside = (cols >= 0) & (cols < axes.width) & (rows >= 0) & (rows < axes.height)
        return np.unique(rows[inside].astype(np.int64) * axes.width + cols[inside].astype(np.int64))

    def legend(self) -> list[tuple[str, str, str]]:
        """Each run's marker and label (just its number when the labels do not fit beside
        the title: the compare table names the runs), and L* with its value."""
        snap = self._snap
        if snap is None or self.only is not None:  # a small multiple's title names its run
            return []
        width = self.size.width
        room = width - cell_len(self._title(snap, width)) - 2
        options = self._legends(snap)
        for entries in options:
            if _cells(entries) <= room:
                return entries
        return options[-1]

    def _legends(self, snap: SessionSnapshot) -> list[list[tuple[str, str, str]]]:
        """The legend's forms, most explicit first."""
        best = sorted({r.facts.optimum_loss for r in snap.runs})
        reference = ("╌", "L* " + " / ".join(num(v) for v in best[:2]), "ref")
        forks = self.fork_points()
        if forks:  # the fork line, named with its update
            ks = ",".join(str(k) for k, _ in sorted(forks))
            fork = (FORK_LINE, t("view.fork.legend", self.lang, k=ks), "ref")
            return [[*form, fork] for form in self._run_legends(snap, reference)]
        return self._run_legends(snap, reference)

    def _run_legends(
        self, snap: SessionSnapshot, reference: tuple[str, str, str]
    ) -> list[list[tuple[str, str, str]]]:
        """The runs' legend forms with ``reference`` (L*), most explicit first."""
        if len(snap.runs) == 1:
            return [[(RUN_MARKERS[0], t("view.loss.legend", self.lang), "s0"), reference]]
        runs = [(RUN_MARKERS[r.index % 4], r, f"s{r.index % 4}") for r in snap.runs]
        full = [(m, r.label or str(r.choice.config.batch), s) for m, r, s in runs]
        numbered = [(m, str(r.index + 1), s) for m, r, s in runs]
        return [[*full, reference], [*numbered, reference]]

    def empty_text(self) -> str:
        return t("view.loading", self.lang)


def _cells(entries: list[tuple[str, str, str]]) -> int:
    """Cells a legend takes on the title row (as plot_canvas lays it out)."""
    return sum(cell_len(m) + 1 + cell_len(label) + 2 for m, label, _ in entries)
