"""Compare: two to four runs side by side, in lockstep, on one loss chart and one landscape.

Defaults: full batch, SGD and mini-batch (4 rows) on the same 100 synthetic points
(y = 2x + 3 + noise, x in [0, 5)), all from w = b = 0 with lr 0.02 and the bias on. That rate
is stable for all three (full-batch GD allows up to 2/λ_max ≈ 0.11 here; one-sample SGD
roughly up to 1/(x² + 1) ≈ 0.04 at x = 5), and 100 rows make the difference visible: per
update the full batch is smooth and SGD noisy; per epoch SGD has made 100 updates to the
full batch's one. The x-axis (key ``u``) is also what the runs move in lockstep by: updates,
epochs, samples seen, or seconds of compute.

Layout, top to bottom: the status line; the charts (at 80×24 one at a time, ``v``; from
100×30 the loss chart and the landscape side by side; ``z`` swaps the loss chart for one
small chart per run on shared axes); the compare table, one column per run; from 120×36 a
compact step panel per run. Modes are CSS classes (``-wide``, ``-panels``); the view only
decides which chart is ``-active``.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive

from linreg_tui.engine import AXES, MAX_RUNS, MIN_RUNS, BatchSpec, EngineError, RunConfig

from ..choices import DatasetChoice, RunChoice
from ..format import num
from ..i18n import error_text, t
from ..snapshot import RunSnapshot, SessionSnapshot
from ..widgets.compare_table import CompareTable
from ..widgets.landscape import Landscape
from ..widgets.loss_chart import LossChart
from ..widgets.run_panel import RunPanel
from ..widgets.status_line import StatusLine, health_fragment, play_state
from ..widgets.step_panel import Line
from .run_screen import RunScreen
from .run_view import EngineFailed, RunView, label_for, queued

PANELS_MIN = (120, 36)  # from this many columns × rows (of the view) each run has a panel
CHART_MIN_ROWS = 8  # the table gives up parameter rows before the charts get fewer rows


def compare_choices(lang: str = "en") -> list[RunChoice]:
    """Full batch, SGD and mini-batch 4 on the same data, from the same start and lr."""
    data = DatasetChoice("synthetic", size=100, seed=0)
    base = RunConfig(lr=0.02, bias=True, seed=0)
    configs = [
        base.with_(batch=BatchSpec("full")),
        base.with_(batch=BatchSpec("sgd")),
        base.with_(batch=BatchSpec("minibatch", 4)),
    ]
    return [RunChoice(data, c, label_for(c, lang)) for c in configs]


def compare_status(
    snap: SessionSnapshot, selected: int, *, playing: bool, message: str, lang: str
) -> list[Line]:
    """Line 1: what is compared and by what; line 2: play state and the selected run."""
    first = snap.runs[0]
    cfg = first.choice.config
    same_lr = len({r.choice.config.lr for r in snap.runs}) == 1
    about = t(
        "view.cmp.about",
        lang,
        data=first.choice.data.label,
        n=first.facts.n,
        lr=num(cfg.lr) if same_lr else t("view.cmp.mixed", lang),
        axis=t(f"view.axis.{snap.alignment}", lang),
    )
    run: RunSnapshot = snap.runs[selected]
    second: Line = [play_state(playing, snap.speed, lang), ("  ", "")]
    if message:
        second.append((message, "warn"))
    else:
        second.append((t("view.msg.run_says", lang, k=selected + 1, label=run.label), "head"))
        second.append(health_fragment(run, lang))
    return [[(about, "")], second]


class CompareView(RunView):
    """The runs' loss curves and paths on shared axes, and a compact panel per run."""

    BINDINGS = [
        Binding("u", "axis", "x-axis"),
        Binding("a", "add_run", "Add run"),
        Binding("x", "remove_run", "Remove run"),
        Binding("tab", "next_run", "Next run", show=False),
        Binding("1", "select_run(0)", "Run 1", show=False),
        Binding("2", "select_run(1)", "Run 2", show=False),
        Binding("3", "select_run(2)", "Run 3", show=False),
        Binding("4", "select_run(3)", "Run 4", show=False),
        Binding("v", "chart", "Chart", show=False),
        Binding("z", "multiples", "Split charts", show=False),
    ]
    MAX_FPS = 10.0
    chart: reactive[str] = reactive("loss", init=False)
    multiples: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        choices: list[RunChoice] | None = None,
        *,
        lang: str = "en",
        start_at: int = 0,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            choices or compare_choices(lang),
            lang=lang,
            speed=20,
            with_fit=False,
            start_at=start_at,
            id=id,
            classes=classes,
        )

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="charts"):
            loss = LossChart(id="loss", classes="chart -active")
            loss.log_scale = True  # losses from ~60 down to ~1: a log axis shows all three
            yield loss
            with Horizontal(id="multiples", classes="chart"):
                for k in range(MAX_RUNS):
                    small = LossChart(only=k, id=f"loss-{k}", classes="small")
                    small.log_scale = True
                    yield small
            yield Landscape(id="land", classes="chart")
        yield CompareTable(id="table")
        with Horizontal(id="panels"):
            for k in range(MAX_RUNS):
                yield RunPanel(id=f"panel-{k}")

    # -- showing ------------------------------------------------------------------------

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        if self.snapshot is None:
            status = self.query_one(StatusLine)
            status.set_lines(
                [
                    [(t("view.loading", self.lang), "dim")],
                    [(self.message, "warn")] if self.message else [],
                ]
            )
            return
        self.show(self.snapshot)

    def show(self, snap: SessionSnapshot) -> None:
        lines = compare_status(
            snap, self.selected, playing=self.playing, message=self.message, lang=self.lang
        )
        self.query_one(StatusLine).set_lines(lines)
        land = self.query_one(Landscape)
        land.lang = self.lang
        land.show(snap)
        for chart in self.query(LossChart):
            chart.lang = self.lang
            if chart.only is not None:
                chart.set_class(chart.only >= len(snap.runs), "-unused")
            chart.show(snap)
        table = self.query_one(CompareTable)
        table.lang, table.live = self.lang, self.playing
        panels = list(self.query(RunPanel))
        below = 0  # rows the run panels take (their last height; the border)
        if self.has_class("-panels"):
            below = 1 + max([8] + [len(p.plain_lines) for p in panels[: len(snap.runs)]])
        status = max(2, self.query_one(StatusLine).size.height)  # 2 to 4 lines
        table.max_rows = max(6, self.size.height - status - CHART_MIN_ROWS - below)
        table.show(snap, self.selected)
        for k, panel in enumerate(panels):
            panel.set_class(k >= len(snap.runs), "-unused")
            if k < len(snap.runs):
                panel.lang, panel.live = self.lang, self.playing
                panel.show(snap.runs[k], selected=k == self.selected)

    def on_resize(self) -> None:
        super().on_resize()
        width, height = self.size
        self.set_class(width >= PANELS_MIN[0] and height >= PANELS_MIN[1], "-panels")
        if self.query("#loss"):  # children composed (a resize can come first)
            self._arrange()
            self.refresh_view()

    def _arrange(self) -> None:
        """Which charts show: narrow, the one ``v`` chose; wide, the loss chart (or its small
        multiples, ``z``) beside the landscape."""
        wide = self.has_class("-wide")
        loss_shown = wide or self.chart == "loss"
        self.query_one("#loss").set_class(loss_shown and not self.multiples, "-active")
        self.query_one("#multiples").set_class(loss_shown and self.multiples, "-active")
        self.query_one(Landscape).set_class(wide or self.chart == "land", "-active")

    def watch_chart(self) -> None:
        self._arrange()

    def watch_multiples(self) -> None:
        self._arrange()
        self.refresh_view()

    def on_compare_table_run_clicked(self, message: CompareTable.RunClicked) -> None:
        message.stop()
        self.action_select_run(message.index)
        self.refresh_view()

    # -- keys of this view --------------------------------------------------------------

    @queued
    def action_select_run(self, index: int) -> None:
        runs = len(self.session.choices)
        if index < runs:
            self.selected = index
            self.message = t(
                "view.msg.selected", self.lang, k=index + 1, label=self.session.choices[index].label
            )
        else:
            self.message = t("view.msg.no_run", self.lang, k=index + 1, runs=runs)

    @queued
    def action_next_run(self) -> None:
        self.action_select_run((self.selected + 1) % max(1, len(self.session.choices)))

    @queued
    def action_chart(self) -> None:
        self.chart = "land" if self.chart == "loss" else "loss"

    @queued
    def action_multiples(self) -> None:
        self.multiples = not self.multiples
        self.message = t(
            "view.msg.multiples_on" if self.multiples else "view.msg.multiples_off", self.lang
        )

    @queued
    def action_axis(self) -> None:
        self.pause()
        nxt = AXES[(AXES.index(self.session.alignment) + 1) % len(AXES)]
        self.session.set_alignment(nxt)
        self.moved(t(f"view.msg.axis_{nxt}", self.lang))

    @queued
    def action_log_scale(self) -> None:
        on = not self.query_one("#loss", LossChart).log_scale
        for chart in self.query(LossChart):  # the small multiples share the scale
            chart.set_log_scale(on)
        self.message = t("view.msg.log_on" if on else "view.msg.log_off", self.lang)

    @queued
    def action_land_pair(self) -> None:
        a, b = self.query_one(Landscape).cycle_pair()
        self.message = t("view.msg.pair", self.lang, a=a, b=b)

    @queued
    def action_add_run(self) -> None:
        if len(self.session.choices) >= MAX_RUNS:
            self.message = t("view.msg.max_runs", self.lang, max=MAX_RUNS)
            return
        base = self.session.choices[self.selected]
        optimizer = "momentum" if base.config.optimizer == "sgd" else "sgd"
        config = base.config.with_(optimizer=optimizer)
        choice = replace(base, config=config, label=label_for(config, self.lang))
        self.pause()
        self._add(choice)

    def _add_worker(self, choice: RunChoice) -> None:
        try:
            self.session.add(choice)
        except EngineError as err:
            self.post_message(EngineFailed(error_text(err, self.lang)))
            return
        from ..session import SessionFrame

        k = len(self.session.choices)
        note = t("view.msg.added", self.lang, k=k, label=choice.label)
        self.post_message(SessionFrame(self.session.snapshot(), note))

    def _add(self, choice: RunChoice) -> None:
        self.run_worker(
            lambda: self._add_worker(choice), thread=True, group="engine", exit_on_error=False
        )

    def forked(self, index: int, at: int, branch: RunChoice) -> None:
        """Add the branch (a branch of a branch too) as one more run, up to MAX_RUNS."""
        if len(self.session.choices) >= MAX_RUNS:
            self.message = t("view.msg.max_runs", self.lang, max=MAX_RUNS)
            return
        self.pause()
        self._add(branch)

    @queued
    def action_remove_run(self) -> None:
        if len(self.session.choices) <= MIN_RUNS:
            self.message = t("view.msg.min_runs", self.lang, min=MIN_RUNS)
            return
        self.pause()
        index = self.selected
        label = self.session.choices[index].label
        self.session.remove(index)
        self.selected = max(0, min(index, len(self.session.choices) - 1))
        self.moved(t("view.msg.removed", self.lang, k=index + 1, label=label))


class CompareScreen(RunScreen):
    """The compare view as a screen."""

    TITLE_KEY = "view.cmp.title"

    def __init__(
        self, choices: list[RunChoice] | None = None, lang: str | None = None, start_at: int = 0
    ) -> None:
        super().__init__(lang)
        self._choices = choices
        self._start_at = start_at  # the clock's first position (a what-if fork's update)
        self.note = ""  # the status line's first message (what opened the view)

    def make_view(self, lang: str) -> CompareView:
        view = CompareView(self._choices, lang=lang, start_at=self._start_at, id="compare")
        view.set_reactive(CompareView.message, self.note)
        return view
