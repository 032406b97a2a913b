"""The fit chart: the data as points and the model's current line.

One feature: y against x, the data as ``o`` and the line ŷ = w·x + b drawn solid; the
least-squares line (key ``l``) dotted. Several features: y against ŷ (every point on the
diagonal y = ŷ would be a perfect fit), or y against one chosen feature with the line
ŷ = w_j·x_j + (b + Σ_{k≠j} w_k·mean(x_k)) — the other features held at their mean.
Axes come from the data and never move while a run plays.
"""

from __future__ import annotations

import numpy as np

from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import RunSnapshot

from .plot_canvas import Axes, FrameSpec, Grid, PlotCanvas, put_points, put_polyline

PAD = 0.08  # blank margin around the data, as a fraction of its range


def short(value: float) -> str:
    """Three significant digits, for a title or legend (``0.453``, ``2.1``, ``1.2e+03``)."""
    text = f"{value:.3g}"
    return "0" if text in ("0", "-0") else text


def _padded(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    pad = (hi - lo) * PAD
    return lo - pad, hi + pad


class FitChart(PlotCanvas):
    """Data and line; ``view`` is -1 for y against ŷ, or a feature index."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lang = "en"
        self.show_lsq = False
        self.view = 0
        self._snap: RunSnapshot | None = None
        self._bg: tuple | None = None

    def show(self, snap: RunSnapshot) -> None:
        if self._snap is None or self._snap.facts is not snap.facts:
            self.view = 0 if snap.facts.d == 1 else -1
        self._snap = snap
        self._check_background()
        self.replot()

    def toggle_lsq(self) -> bool:
        self.show_lsq = not self.show_lsq
        self._check_background()
        self.replot()
        return self.show_lsq

    def cycle_view(self) -> str:
        """y against ŷ → against x1 → … → against xd → y against ŷ; returns its name."""
        if self._snap is not None and self._snap.facts.d > 1:
            d = self._snap.facts.d
            self.view = -1 if self.view == d - 1 else self.view + 1
            self._check_background()
            self.replot()
        return self.view_name()

    def view_name(self) -> str:
        if self._snap is None:
            return ""
        return "ŷ" if self.view < 0 else self._snap.facts.feature_names[self.view]

    def _check_background(self) -> None:
        snap = self._snap
        key = (id(snap.facts) if snap else None, self.view, self.show_lsq, self.lang)
        if key != self._bg:
            self._bg = key
            self._background_version += 1

    # -- geometry ------------------------------------------------------------------------

    def _line(self, w: tuple[float, ...], b: float | None) -> tuple[float, float]:
        """(slope, intercept) of the line drawn in feature view: others at their mean."""
        facts = self._snap.facts  # type: ignore[union-attr]
        j = self.view
        means = facts.X.mean(axis=0)
        rest = sum(w[k] * means[k] for k in range(len(w)) if k != j)
        return w[j], (b or 0.0) + rest

    def frame_spec(self, width: int, height: int) -> FrameSpec | None:
        snap = self._snap
        if snap is None:
            return None
        facts = snap.facts
        ylim = _padded(facts.y)
        xlim = ylim if self.view < 0 else _padded(facts.X[:, self.view])
        if self.view < 0:
            title = t("view.fit.title_yhat", self.lang, y=facts.target_name, d=facts.d)
        else:
            title = t(
                "view.fit.title", self.lang, y=facts.target_name, x=facts.feature_names[self.view]
            )
        return FrameSpec.auto(xlim, ylim, width, height, title)

    def draw_background(self, grid: Grid, axes: Axes) -> None:
        snap = self._snap
        assert snap is not None
        facts = snap.facts
        if self.view < 0:
            xs = axes.x_at(np.arange(axes.width * 2), 2)
            put_polyline(grid, axes, xs, xs, "ref", dotted=True)
            return
        put_points(grid, axes, facts.X[:, self.view], facts.y, "o", "data")
        if self.show_lsq:
            slope, icpt = self._line(facts.lsq_w, facts.lsq_b)
            xs = axes.x_at(np.arange(axes.width * 2), 2)
            put_polyline(grid, axes, xs, slope * xs + icpt, "lsq", dotted=True)

    def draw_marks(self, grid: Grid, axes: Axes) -> None:
        snap = self._snap
        assert snap is not None
        if self.view < 0:
            if snap.predictions is not None:
                put_points(grid, axes, snap.predictions, snap.facts.y, "•", "fit")
            return
        if not all(np.isfinite(snap.w)) or (snap.b is not None and not np.isfinite(snap.b)):
            return
        slope, icpt = self._line(snap.w, snap.b)
        xs = axes.x_at(np.arange(axes.width * 2), 2)
        put_polyline(grid, axes, xs, slope * xs + icpt, "fit")

    def legend(self) -> list[tuple[str, str, str]]:
        if self._snap is None:
            return []
        if self.view < 0:
            return [("•", t("view.fit.points", self.lang), "fit"), ("⠂", "y = ŷ", "ref")]
        entries = [
            ("o", t("view.fit.data", self.lang), "data"),
            ("⠒", self.line_text() or t("view.fit.now", self.lang), "fit"),
        ]
        if self.show_lsq:
            entries.append(("⠂", t("view.fit.lsq", self.lang), "lsq"))
        return entries

    def line_text(self) -> str:
        """The current line with short numbers (``ŷ = 0.453·x + 2.1``): the legend names the
        line by its equation, which changes every update, so it is never cut or stale."""
        snap = self._snap
        if snap is None or self.view < 0:
            return ""
        slope, icpt = self._line(snap.w, snap.b)
        if not (np.isfinite(slope) and np.isfinite(icpt)):
            return ""
        text = f"ŷ = {short(slope)}·x"
        if snap.b is None and snap.facts.d == 1:
            return text
        return text + (f" − {short(-icpt)}" if icpt < 0 else f" + {short(icpt)}")

    def empty_text(self) -> str:
        return t("view.loading", self.lang)
