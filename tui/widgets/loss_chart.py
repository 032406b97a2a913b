"""The loss chart: the full-data loss after every update, for one run or several.

x counts updates, epochs, samples seen or seconds of compute (the title says which); y is
linear or log10. The optimum's loss L* = L(θ*) is a dashed reference line. Axes stay fixed
while runs play: x starts at a short range and doubles when a run reaches its end; y covers
the starting losses and widens only if a loss climbs above it (a diverging run).
"""

from __future__ import annotations

import math

import numpy as np

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
    put_points,
)

TINY = 1e-300  # floor before log10 (a loss of exactly 0)
X_START = {"updates": 20.0, "epochs": 1.0, "samples": 0.0, "seconds": 0.02}


class LossChart(PlotCanvas):
    """Full-data loss per update; ``log_scale`` switches y to log10."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lang = "en"
        self.log_scale = False
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
        scale = t("view.loss.log" if self.log_scale else "view.loss.linear", self.lang)
        title = t(
            "view.loss.title",
            self.lang,
            axis=t(f"view.axis.{snap.alignment}", self.lang),
            scale=scale,
        )
        return FrameSpec(
            (0.0, self._xmax),
            (lo, hi),
            nice_ticks(0.0, self._xmax, max(3, width // 10)),
            yticks,
            title,
        )

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
            if 0 <= row < axes.height:
                for col in range(axes.width):
                    grid.put(axes.col0 + col, axes.row0 + row, "╌", "ref")
                label = f" L* {num(best)} "
                grid.text(axes.col0 + axes.width - len(label) - 1, axes.row0 + row, label, "ref")

    def draw_marks(self, grid: Grid, axes: Axes) -> None:
        snap = self._snap
        assert snap is not None
        for run in reversed(snap.runs):  # run 1 drawn last, on top
            k = run.index % len(RUN_MARKERS)
            put_points(grid, axes, run.trace_x, self._y(run.trace_loss), RUN_MARKERS[k], f"s{k}")

    def legend(self) -> list[tuple[str, str, str]]:
        snap = self._snap
        if snap is None:
            return []
        if len(snap.runs) == 1:
            entries = [(RUN_MARKERS[0], t("view.loss.legend", self.lang), "s0")]
        else:
            entries = [
                (RUN_MARKERS[r.index % 4], r.label or str(r.choice.config.batch), f"s{r.index % 4}")
                for r in snap.runs
            ]
        return entries + [("╌", "L*", "ref")]

    def empty_text(self) -> str:
        return t("view.loading", self.lang)
