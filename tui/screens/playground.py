"""The Playground: one run, every update explained.

:class:`PlaygroundView` is an embeddable widget (a lesson can hold one); the
:class:`PlaygroundScreen` wraps it with a header and a footer. Its default run is T4's:
the hours data (x = 1, 2, 3; y = 2, 4, 6), no bias, w = 1.0, lr 0.01, one sample per update
in file order — so a newcomer's first three updates print T4's gradients −2.0, −7.84,
−16.2288 in the step panel.

Panels: the step panel, the fit chart, the loss chart and the landscape, under a status
line. Narrow terminals (80×24) show one panel at a time (tab or 1-4); wide ones (from
100×30) show them all; the switch is a CSS class, the layout lives in views.tcss.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive

from linreg_tui.engine import BatchSpec, RunConfig

from ..choices import DatasetChoice, RunChoice
from ..i18n import t
from ..snapshot import SessionSnapshot
from ..widgets.fit_chart import FitChart
from ..widgets.landscape import Landscape
from ..widgets.loss_chart import LossChart
from ..widgets.status_line import StatusLine, TabStrip, status_lines, tab_lines
from ..widgets.step_panel import StepPanel
from .run_screen import RunScreen
from .run_view import OpenFork, RunView, queued

PANELS = ("step", "fit", "loss", "land")


def t4_choice() -> RunChoice:
    """T4's settings: hours data, y = w·x, w = 1.0, lr 0.01, per-sample SGD in order."""
    config = RunConfig(
        lr=0.01, bias=False, init_w=(1.0,), batch=BatchSpec("sgd"), shuffle=False, loss="mse"
    )
    return RunChoice(DatasetChoice("hours"), config, label="T4")


class PlaygroundView(RunView):
    """One run with its step panel, fit chart, loss chart, landscape and status line."""

    BINDINGS = [
        Binding("tab", "next_panel", "Next panel", show=False),
        Binding("1", "panel('step')", "Step panel", show=False),
        Binding("2", "panel('fit')", "Fit chart", show=False),
        Binding("3", "panel('loss')", "Loss chart", show=False),
        Binding("4", "panel('land')", "Landscape", show=False),
        Binding("l", "lsq", "Least squares", show=False),
        Binding("v", "fit_view", "Fit against", show=False),
        Binding("c", "noise", "Noise cloud", show=False),
        Binding("up", "scroll_step(-1)", show=False),
        Binding("down", "scroll_step(1)", show=False),
        Binding("pageup", "scroll_step(-10)", show=False),
        Binding("pagedown", "scroll_step(10)", show=False),
    ]
    panel: reactive[str] = reactive("step", init=False)

    def __init__(
        self,
        choice: RunChoice | None = None,
        *,
        lang: str = "en",
        start_at: int = 0,
        start_epochs: int = 0,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            [choice or t4_choice()],
            lang=lang,
            speed=5,
            with_fit=True,
            start_at=start_at,
            start_epochs=start_epochs,
            id=id,
            classes=classes,
        )

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        yield TabStrip(id="tabs")
        yield StepPanel(id="step", classes="panel -active")
        yield FitChart(id="fit", classes="panel")
        yield Landscape(id="land", classes="panel")
        yield LossChart(id="loss", classes="panel")

    # -- showing ------------------------------------------------------------------------

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        self._tabs()
        if self.snapshot is None:
            lines = status_lines(None, playing=False, speed=0, message=self.message, lang=self.lang)
            self.query_one(StatusLine).set_lines(lines)
            step = self.query_one(StepPanel)
            step.lang = self.lang
            step.show(None)
            return
        self.show(self.snapshot)

    def refresh_status(self) -> None:
        # Only the status line shows the message and the play state.
        if self.snapshot is None or not self.is_mounted:
            self.refresh_view()
            return
        self._status(self.snapshot)

    def _status(self, snap: SessionSnapshot) -> None:
        lines = status_lines(
            snap.runs[0], playing=self.playing, speed=snap.speed, message=self.message,
            lang=self.lang, width=max(0, self.size.width - 2),  # the status line's padding
        )  # fmt: skip
        self.query_one(StatusLine).set_lines(lines)

    def show(self, snap: SessionSnapshot) -> None:
        run = snap.runs[0]
        self._status(snap)
        for widget in (
            self.query_one(StepPanel),
            self.query_one(FitChart),
            self.query_one(LossChart),
            self.query_one(Landscape),
        ):
            widget.lang = self.lang
        self.query_one(StepPanel).show(run)
        self.query_one(FitChart).show(run)
        self.query_one(LossChart).show(snap)
        self.query_one(Landscape).show(snap)

    def _tabs(self) -> None:
        labels = [(p, t(f"view.panel.{p}", self.lang)) for p in PANELS]
        self.query_one(TabStrip).set_lines(
            tab_lines(labels, self.panel, t("view.tab_hint", self.lang))
        )

    def watch_panel(self, panel: str) -> None:
        for name in PANELS:
            self.query_one(f"#{name}").set_class(name == panel, "-active")
        self._tabs()

    # -- keys of this view --------------------------------------------------------------

    @queued
    def action_panel(self, panel: str) -> None:
        self.panel = panel

    @queued
    def action_next_panel(self) -> None:
        self.panel = PANELS[(PANELS.index(self.panel) + 1) % len(PANELS)]

    @queued
    def action_scroll_step(self, lines: int) -> None:
        self.query_one(StepPanel).scroll_relative(y=lines, animate=False)

    @queued
    def action_lsq(self) -> None:
        shown = self.query_one(FitChart).toggle_lsq()
        self.message = t("view.msg.lsq_on" if shown else "view.msg.lsq_off", self.lang)

    @queued
    def action_fit_view(self) -> None:
        name = self.query_one(FitChart).cycle_view()
        self.message = t("view.msg.fit_view", self.lang, name=name)

    @queued
    def action_log_scale(self) -> None:
        chart = self.query_one(LossChart)
        chart.set_log_scale(not chart.log_scale)
        key = "view.msg.log_on" if chart.log_scale else "view.msg.log_off"
        self.message = t(key, self.lang)

    @queued
    def action_land_pair(self) -> None:
        a, b = self.query_one(Landscape).cycle_pair()
        self.message = t("view.msg.pair", self.lang, a=a, b=b)

    @queued
    def action_noise(self) -> None:
        """Toggle the noise cloud on the landscape (shown at 80×24 by switching to it)."""
        run = self.snapshot.runs[0]  # type: ignore[union-attr]
        if not self.session.noise and run.facts.batch_rows >= run.facts.n:
            self.message = t("view.msg.noise_full", self.lang)
            return
        self.session.noise = not self.session.noise
        if not self.session.noise:
            self.moved(t("view.msg.noise_off", self.lang))
            return
        self.panel = "land"
        snap = self.session.snapshot()
        cloud = snap.runs[0].noise
        note = t("view.msg.noise_on", self.lang)
        if cloud is not None:  # the numbers beside the picture (engine.noise)
            numbers = {
                "exact": f"{cloud.exact_trace:.3g}",
                "measured": f"{cloud.empirical_trace:.3g}",
                "ratio": f"{cloud.ratio_to_sgd:.3g}",
            }
            note += " " + t("view.msg.noise_numbers", self.lang, b=cloud.batch_size, **numbers)
        self.message = note
        self.apply(snap)

    def forked(self, index: int, at: int, branch: RunChoice) -> None:
        """The view becomes a Compare of the original and the branch, at update ``at``."""
        from dataclasses import replace

        self.pause()
        parent = self.session.choices[index]
        original = replace(parent, label=t("view.fork.original", self.lang))
        self.post_message(OpenFork([original, branch], at, t("view.msg.forked", self.lang, k=at)))


class PlaygroundScreen(RunScreen):
    """The playground as a screen."""

    TITLE_KEY = "view.pg.title"

    def __init__(
        self,
        choice: RunChoice | None = None,
        lang: str | None = None,
        *,
        start_at: int = 0,
        start_epochs: int = 0,
    ) -> None:
        super().__init__(lang)
        self._choice = choice
        self._start = (start_at, start_epochs)  # where the run opens (a share code's length)

    def make_view(self, lang: str) -> PlaygroundView:
        at, epochs = self._start
        return PlaygroundView(
            self._choice, lang=lang, start_at=at, start_epochs=epochs, id="playground"
        )
