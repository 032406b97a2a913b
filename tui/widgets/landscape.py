"""The loss landscape: contours of the full-data loss and the path each run took.

Two parameters (θ_i, θ_j) — (w, b) by default, any pair when there are more, the others
held at the optimum θ*: contour lines, drawn in braille dots (2 × 4 per cell), where the
loss crosses the log-spaced levels

    L_k = L* + 4^(−k)·(L(θ₀) − L*),   k = 0, 1, …, K − 1

(for a quadratic bowl each ellipse is half the size of the one around it), each labelled
with its loss; the axes named after the two parameters; the optimum as ``*``, each run's
visited points with its own marker, its start as ``S`` and where it is now as ``●`` (one
run) or its number (several). One parameter (a model without bias): the curve L(w) itself,
with the visited (w, L) points and the current one on it — T2's brute-force scan.

Contours come from ``engine.analysis.loss_surface`` evaluated once per cell whenever the
limits change; limits are centred on θ* and wide enough for every start, and grow (doubling)
only when a path leaves them — a diverging run.
"""

from __future__ import annotations

import numpy as np

from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import RunFacts, RunSnapshot, SessionSnapshot

from ..render.plot_grid import BRAILLE, fmt_tick
from .plot_canvas import (
    RUN_MARKERS,
    Axes,
    FrameSpec,
    Grid,
    PlotCanvas,
    put_points,
    put_polyline,
)

NOW = "●"  # where a lone run is now (several runs: their numbers)
FORK = "Y"  # where a what-if branch left its original (a letter: no colour needed)
CLOUD = "·"  # a possible next step, one per mini-batch (the noise cloud)
FULL_STEP = "◆"  # the full-data gradient step, drawn over the cloud
CLOUD_REACH = 0.15  # the magnified cloud's farthest step: this share of the half-width

LEVELS = 5  # contour levels between θ* and the starting loss
LEVEL_RATIO = 4.0  # each level's excess loss L − L* is this many times smaller than the last
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

    def _runs(self) -> list[RunSnapshot]:
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
            return FrameSpec.auto(xlim, ylim, width, height, title, xname=a, yname="L")
        title = t("view.land.title", self.lang, a=a, b=b)
        if facts.p > 2:
            title += t("view.land.others", self.lang)
        return FrameSpec.auto(xlim, ylim, width, height, title, xname=a, yname=b)

    def draw_background(self, grid: Grid, axes: Axes) -> None:
        facts = self._facts
        assert facts is not None
        i, j = self.pair
        if facts.p == 1:
            xs = axes.x_at(np.arange(axes.width * 2), 2)
            put_polyline(grid, axes, xs, self._curve(xs), "c1")
            put_points(grid, axes, [facts.theta_star[0]], [facts.optimum_loss], "*", "opt")
            return
        xs = axes.x_at(np.arange(axes.width * 2), 2)
        ys = axes.y_at(np.arange(axes.height * 4), 4)  # top sub-row first
        Z = facts.surface(i, j, (xs[0], xs[-1]), (ys[-1], ys[0]), (axes.width * 2, axes.height * 4))
        Z = np.asarray(Z)[:, ::-1].T  # sub-rows top-down, sub-columns left-right
        self._contours(grid, axes, Z)
        put_points(grid, axes, [facts.theta_star[i]], [facts.theta_star[j]], "*", "opt")

    def levels(self, Z: np.ndarray) -> np.ndarray:
        """The contour levels L_k (see the module doc), largest first."""
        facts = self._facts
        assert facts is not None
        best = facts.optimum_loss
        if facts.p == 2:  # the start's loss: its contour is the outermost one drawn
            top = max((float(r.trace_loss[0]) for r in self._runs()), default=float(Z.max()))
        else:  # a slice through θ*: the start's loss says nothing here, the slice's range does
            top = float(np.quantile(Z, 0.9))
        finite = Z[np.isfinite(Z)]
        if not (np.isfinite(top) and top > best) and finite.size:
            top = float(finite.max())
        depth = max(top - best, 1e-300)
        return best + depth * LEVEL_RATIO ** -np.arange(LEVELS, dtype=np.float64)

    def _contours(self, grid: Grid, axes: Axes, Z: np.ndarray) -> None:
        """Braille dots on the sub-cells where the band (how many levels lie above the
        loss) changes to the right or below; then each level's label on its line."""
        levels = self.levels(Z)
        band = np.searchsorted(-levels, -np.nan_to_num(Z, nan=np.inf), side="right")
        edge = np.zeros(band.shape, dtype=bool)
        level = np.zeros(band.shape, dtype=np.int64)
        for a, b, sl in (
            (band[:, :-1], band[:, 1:], np.s_[:, :-1]),
            (band[:-1, :], band[1:, :], np.s_[:-1, :]),
        ):
            cross = (a != b) & (np.maximum(a, b) > 0)
            edge[sl] |= cross
            level[sl] = np.where(cross, np.maximum(a, b) - 1, level[sl])
        bits: dict[tuple[int, int], tuple[int, int]] = {}
        for sub_row, sub_col in zip(*np.nonzero(edge), strict=True):
            cell = (int(sub_col) // 2, int(sub_row) // 4)
            dot = BRAILLE[int(sub_row) % 4][int(sub_col) % 2]
            value, k = bits.get(cell, (0, 99))
            bits[cell] = (value | dot, min(k, int(level[sub_row, sub_col])))
        for (col, row), (value, k) in bits.items():
            grid.put(axes.col0 + col, axes.row0 + row, chr(0x2800 + value), f"c{min(k, 4)}")
        self._labels(grid, axes, band, levels)

    def _labels(self, grid: Grid, axes: Axes, band: np.ndarray, levels: np.ndarray) -> None:
        """Each level's value written on its line, where the line crosses the row of θ*
        right of the optimum (else above it), skipping labels that would collide."""
        facts = self._facts
        assert facts is not None
        i, j = self.pair
        star_col = int(axes.cols([facts.theta_star[i]])[0])
        star_row = int(axes.rows([facts.theta_star[j]])[0])
        taken: list[tuple[int, int, int]] = [(star_row, star_col - 1, star_col + 2)]
        cells_band = band[::4, ::2][: axes.height, : axes.width]
        for k, value in enumerate(levels):
            label = fmt_tick(float(f"{value:.2g}"))
            for row, col in self._crossings(cells_band, k, star_row, star_col):
                start = col if col > star_col else col - len(label) + 1
                end = start + len(label)
                if start < 0 or end > axes.width:
                    continue
                if any(r == row and start <= e and s <= end for r, s, e in taken):
                    continue
                taken.append((row, start, end))
                grid.text(axes.col0 + start, axes.row0 + row, label, f"c{min(k, 4)}")
                break

    @staticmethod
    def _crossings(bands: np.ndarray, k: int, row: int, col: int) -> list[tuple[int, int]]:
        """Cells where level k's contour crosses the row through the optimum (right, then
        left of it) and the column through it (up, then down)."""
        out: list[tuple[int, int]] = []
        height, width = bands.shape
        if 0 <= row < height:
            line = bands[row]
            out += [(row, c + 1) for c in range(width - 1) if line[c + 1] <= k < line[c]]
            out += [(row, c) for c in range(width - 1) if line[c] <= k < line[c + 1]]
        if 0 <= col < width:
            column = bands[:, col]
            out += [(r, col) for r in range(height - 1) if column[r] <= k < column[r + 1]]
        return out

    def draw_marks(self, grid: Grid, axes: Axes) -> None:
        """Every run's path and start, then every run's current point on top of all paths."""
        runs = self._runs()
        for run in runs:
            self._draw_cloud(grid, axes, run)
        points = [self._path(run) for run in runs]
        for run, (xs, ys) in reversed(list(zip(runs, points, strict=True))):  # run 1 on top
            k = run.index % len(RUN_MARKERS)
            put_points(grid, axes, xs[1:], ys[1:], RUN_MARKERS[k], f"s{k}")
            put_points(grid, axes, xs[:1], ys[:1], "S", "start")
        for run, (xs, ys) in zip(runs, points, strict=True):
            at = self._fork_index(run)
            if at is not None:
                put_points(grid, axes, xs[at : at + 1], ys[at : at + 1], FORK, "start")
        for run, (xs, ys) in reversed(list(zip(runs, points, strict=True))):
            mark = NOW if len(runs) == 1 else str(run.index + 1)
            put_points(grid, axes, xs[-1:], ys[-1:], mark, f"s{run.index % len(RUN_MARKERS)}")

    @staticmethod
    def _fork_index(run: RunSnapshot) -> int | None:
        """The traced point of a branch's fork (None: not a branch, or not there yet)."""
        fork = run.choice.fork
        if fork is None or run.updates < fork.at or not len(run.trace_updates):
            return None
        return int(np.searchsorted(run.trace_updates, fork.at, side="right")) - 1

    def cloud_scale(self, run: RunSnapshot) -> float:
        """How much the noise cloud is magnified on screen: m in 1, 2, 5, 10, 20, … — the
        smallest that makes its farthest step reach CLOUD_REACH of the view's half-width
        (steps of a small η would all fall in θ's own cell); the legend says ×m."""
        cloud, span = run.noise, self._span
        if cloud is None or span is None:
            return 1.0
        axes_idx = [0] if self._facts is not None and self._facts.p == 1 else list(self.pair)
        moves = np.vstack([cloud.steps, cloud.full_step[None, :]]) - run.theta
        reach = float(np.nanmax(np.abs(moves[:, axes_idx]) / span[axes_idx], initial=0.0))
        scale = 1.0
        while 0 < reach * scale < CLOUD_REACH and scale < 1e6:
            scale *= 2.5 if str(int(scale)).startswith("2") else 2.0
        return scale

    def _draw_cloud(self, grid: Grid, axes: Axes, run: RunSnapshot) -> None:
        """The noise cloud: a ``·`` where each mini-batch's step θ − η·ĝ_S lands, and ``◆``
        where the full-data step does (drawn over the cloud), both magnified ×cloud_scale
        about θ."""
        cloud = run.noise
        if cloud is None or self._facts is None:
            return
        scale = self.cloud_scale(run)
        steps = run.theta + scale * (cloud.steps - run.theta)
        full = run.theta + scale * (cloud.full_step[None, :] - run.theta)
        if self._facts.p == 1:
            put_points(grid, axes, steps[:, 0], self._curve(steps[:, 0]), CLOUD, "ref")
            put_points(grid, axes, full[:, 0], self._curve(full[:, 0]), FULL_STEP, "opt")
            return
        i, j = self.pair
        put_points(grid, axes, steps[:, i], steps[:, j], CLOUD, "ref")
        put_points(grid, axes, full[:, i], full[:, j], FULL_STEP, "opt")

    def _path(self, run: RunSnapshot) -> tuple[np.ndarray, np.ndarray]:
        """The run's traced points in this chart's coordinates."""
        theta = run.trace_theta
        if self._facts is not None and self._facts.p == 1:
            return theta[:, 0], run.trace_loss
        return theta[:, self.pair[0]], theta[:, self.pair[1]]

    def legend(self) -> list[tuple[str, str, str]]:
        runs = self._runs()
        now = NOW if len(runs) <= 1 else "".join(str(r.index + 1) for r in runs)
        entries = [
            ("*", t("view.land.optimum", self.lang), "opt"),
            ("S", t("view.land.start", self.lang), "start"),
            (now, t("view.land.now", self.lang), "start"),
        ]
        if any(self._fork_index(r) is not None for r in runs):
            entries.append((FORK, t("view.fork.mark", self.lang), "start"))
        clouds = [r for r in runs if r.noise is not None]
        if clouds:
            scale = self.cloud_scale(clouds[0])
            times = f" ×{scale:g}" if scale > 1 else ""
            entries.append((CLOUD, t("view.land.noise", self.lang) + times, "ref"))
            entries.append((FULL_STEP, t("view.land.full_step", self.lang), "opt"))
        return entries

    def empty_text(self) -> str:
        return t("view.loading", self.lang)
