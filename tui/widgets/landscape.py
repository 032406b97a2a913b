"""The loss landscape: contours of the full-data loss and the path each run took.

Two parameters (θ_i, θ_j) — (w, b) by default, any pair when there are more, the others
held at the optimum θ*: dotted contour lines where the loss crosses the levels

    L_k = L* + (k/K)²·(L(θ₀) − L*),   k = 1, 2, …

(equally spaced ellipses for a quadratic bowl), the optimum as ``*``, each run's visited
points with its own marker, its start as ``S``. One parameter (a model without bias): the
curve L(w) itself, with the visited (w, L) points on it — T2's brute-force scan.

Contours come from ``engine.analysis.loss_surface`` evaluated once per cell whenever the
limits change; limits are centred on θ* and wide enough for every start, and grow (doubling)
only when a path leaves them — a diverging run.
"""

from __future__ import annotations

import numpy as np

from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import RunFacts, SessionSnapshot

from .plot_canvas import (
    RUN_MARKERS,
    Axes,
    FrameSpec,
    Grid,
    PlotCanvas,
    put_points,
    put_polyline,
)

LEVELS = 5  # contour levels between θ* and the starting loss
MARGIN = 1.3  # half-span = MARGIN × the farthest start from θ*
MAX_GROWTH = 2.0**20  # stop widening (a path gone to infinity) beyond this factor


class Landscape(PlotCanvas):
    """Contours (or the curve) of L with every run's path."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lang = "en"
        self.pair = (0, 1)
        self._snap: SessionSnapshot | None = None
        self._facts: RunFacts | None = None
        self._span: np.ndarray | None = None  # half-widths per parameter
        self._base_span: np.ndarray | None = None

    # -- data in ---------------------------------------------------------------------

    def show(self, snap: SessionSnapshot) -> None:
        facts = snap.runs[0].facts if snap.runs else None
        if facts is not self._facts:
            self._facts = facts
            self._span = None
            self.pair = (0, 1) if facts is not None and facts.p > 1 else (0, 0)
            self._background_version += 1
        self._snap = snap
        self._fit_limits()
        self.replot()

    def cycle_pair(self) -> tuple[str, str]:
        """Next pair of parameters (θ_i, θ_j), i < j; returns their names."""
        facts = self._facts
        if facts is not None and facts.p > 2:
            pairs = [(i, j) for i in range(facts.p) for j in range(i + 1, facts.p)]
            self.pair = pairs[(pairs.index(self.pair) + 1) % len(pairs)]
            self._background_version += 1
            self.replot()
        return self.pair_names()

    def pair_names(self) -> tuple[str, str]:
        if self._facts is None:
            return ("", "")
        names = self._facts.param_names
        return names[self.pair[0]], names[self.pair[1]]

    # -- limits ------------------------------------------------------------------------

    def _runs(self):
        facts = self._facts
        return [r for r in self._snap.runs if r.facts.p == facts.p] if self._snap and facts else []

    def _fit_limits(self) -> None:
        facts = self._facts
        runs = self._runs()
        if facts is None or not runs:
            return
        star = facts.theta_star
        if self._span is None:
            starts = np.array([r.trace_theta[0] for r in runs])
            far = np.max(np.abs(starts - star), axis=0) * MARGIN
            floor = 0.25 * np.maximum(1.0, np.abs(star))
            self._span = np.where(far > 0, np.maximum(far, 0.1 * floor), floor)
            self._base_span = self._span.copy()
            self._background_version += 1
        for r in runs:
            path = r.trace_theta[np.all(np.isfinite(r.trace_theta), axis=1)]
            if not len(path):
                continue
            reach = np.max(np.abs(path - star), axis=0)
            grown = self._span.copy()
            while np.any(reach > grown) and np.all(grown < self._base_span * MAX_GROWTH):
                grown = np.where(reach > grown, grown * 2, grown)
            if not np.array_equal(grown, self._span):
                self._span = grown
                self._background_version += 1

    def _lims(self) -> tuple[tuple[float, float], tuple[float, float]]:
        star, span = self._facts.theta_star, self._span  # type: ignore[union-attr]
        i, j = self.pair
        return (star[i] - span[i], star[i] + span[i]), (star[j] - span[j], star[j] + span[j])

    def _curve(self, xs: np.ndarray) -> np.ndarray:
        return np.asarray(self._facts.scan(self.pair[0], xs))  # type: ignore[union-attr]

    # -- drawing -----------------------------------------------------------------------

    def frame_spec(self, width: int, height: int) -> FrameSpec | None:
        facts = self._facts
        if facts is None or self._span is None:
            return None
        xlim, ylim = self._lims()
        a, b = self.pair_names()
        if facts.p == 1:
            top = float(np.max(self._curve(np.linspace(*xlim, 9))))
            ylim = (0.0, top * 1.05 if top > 0 else 1.0)
            title = t("view.land.title_1d", self.lang, a=a)
        else:
            title = t("view.land.title", self.lang, a=a, b=b)
            if facts.p > 2:
                title += t("view.land.others", self.lang)
        return FrameSpec.auto(xlim, ylim, width, height, title)

    def draw_background(self, grid: Grid, axes: Axes) -> None:
        facts = self._facts
        assert facts is not None
        i, j = self.pair
        if facts.p == 1:
            xs = axes.x_at(np.arange(axes.width * 2), 2)
            put_polyline(grid, axes, xs, self._curve(xs), "c1")
            put_points(grid, axes, [facts.theta_star[0]], [facts.optimum_loss], "*", "opt")
            return
        xs = axes.x_at(np.arange(axes.width))
        ys = axes.y_at(np.arange(axes.height))  # top row first
        Z = facts.surface(i, j, (xs[0], xs[-1]), (ys[-1], ys[0]), (axes.width, axes.height))
        Z = np.asarray(Z)[:, ::-1].T  # rows top-down, columns left-right
        self._contours(grid, axes, Z)
        put_points(grid, axes, [facts.theta_star[i]], [facts.theta_star[j]], "*", "opt")

    def _contours(self, grid: Grid, axes: Axes, Z: np.ndarray) -> None:
        facts = self._facts
        assert facts is not None
        best = facts.optimum_loss
        runs = self._runs()
        if facts.p == 2:  # the start's loss: its contour is the outermost one drawn
            top = max((float(r.trace_loss[0]) for r in runs), default=float(Z.max()))
        else:  # a slice through θ*: the start's loss says nothing here, the slice's range does
            top = float(np.quantile(Z, 0.9))
        top = top if np.isfinite(top) and top > best else float(Z.max())
        depth = max(top - best, 1e-300)
        band = np.floor(LEVELS * np.sqrt(np.maximum(Z - best, 0.0) / depth)).astype(np.int64)
        # A cell is on a contour when the band changes between it and its right neighbour
        # (or, where the contour runs flat, its lower one); levels above the start's loss
        # are left out, they only add clutter.
        low = band < LEVELS
        edge = np.zeros_like(band, dtype=bool)
        edge[:, :-1] |= (band[:, :-1] != band[:, 1:]) & low[:, :-1]
        flat = np.zeros_like(edge)
        flat[:-1, :] = (band[:-1, :] != band[1:, :]) & low[:-1, :]
        flat[:, 1:-1] &= ~(edge[:, :-2] | edge[:, 1:-1] | edge[:, 2:])[:, :]
        edge |= flat
        for row, col in zip(*np.nonzero(edge), strict=True):
            level = min(int(band[row, col]), 4)
            grid.put(axes.col0 + int(col), axes.row0 + int(row), "·", f"c{level}")

    def draw_marks(self, grid: Grid, axes: Axes) -> None:
        facts = self._facts
        assert facts is not None
        i, j = self.pair
        for run in reversed(self._runs()):  # run 1 drawn last, on top
            k = run.index % len(RUN_MARKERS)
            theta = run.trace_theta
            if facts.p == 1:
                xs, ys = theta[:, 0], run.trace_loss
            else:
                xs, ys = theta[:, i], theta[:, j]
            put_points(grid, axes, xs[1:], ys[1:], RUN_MARKERS[k], f"s{k}")
            put_points(grid, axes, xs[:1], ys[:1], "S", "start")

    def legend(self) -> list[tuple[str, str, str]]:
        return [
            ("*", t("view.land.optimum", self.lang), "opt"),
            ("S", t("view.land.start", self.lang), "start"),
        ]

    def empty_text(self) -> str:
        return t("view.loading", self.lang)
