"""The compare table: one column per run, the latest update of each run side by side.

At 80×24 with the three default runs after three updates it reads (numbers shortened to fit
their column; never cut: a narrower column gets fewer significant digits)::

                       ▶ 1 •                 2 x                 3 +
    batch     full: 100 rows          SGD: 1 row  mini-batch: 4 rows
    optimizer            sgd                 sgd                 sgd
    updates                3                   3                   3
    epochs              3.00                0.03                0.12
    samples              300                   3                  12
    loss             8.03497             7.46606             4.27304
    ∂L/∂w           -20.0185            -48.4471            -31.4672
    ∂L/∂b           -6.70512            -10.6543            -9.49103
    w         0.82 → 1.2204   1.05396 → 2.02290   0.89932 → 1.52867
    b        0.27 → 0.40414  0.252817 → 0.46590   0.30223 → 0.49205

∂L/∂θ is the gradient of the batch loss the update used (the Step's ``batch_grad``), and
``before → after`` are the parameters around that update, in working units as the step
panel shows them. The widget renders only from the SessionSnapshot it is given; a click on
a run's column posts :class:`CompareTable.RunClicked` (messages up).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.message import Message

from linreg_tui.tui.format import num
from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import RunSnapshot, SessionSnapshot

from .plot_canvas import RUN_MARKERS
from .step_panel import FragmentView, Line

DIGITS = (6, 5, 4, 3, 2, 1)  # significant digits tried, most first, until a number fits
COLUMN_MAX = 20  # cells of a run's column at most: wide terminals keep the numbers together
LIVE_INTERVAL = 0.2  # seconds between redraws while the runs play (numbers read at 5/s)
Cell = Callable[[int], str]  # column width → the widest text of the cell that fits


# -- numbers that fit --------------------------------------------------------------------


def short(value: float | None, digits: int = 6) -> str:
    """``value`` with at most ``digits`` significant digits, as :func:`num` writes it at 6
    (``-2.0``, ``1.0984``); e-notation outside [1e-4, 1e7), written compactly (``3.1e-05``
    → ``3.1e-5``)."""
    if value is None or digits >= 6:
        return num(value)
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return num(value)
    if 1e-4 <= abs(value) < 1e7:
        text = f"{value:.{digits}g}"
        if "e" not in text:
            return text if ("." in text or value != int(value)) else text + ".0"
    mantissa, _, exponent = f"{value:.{max(0, digits - 1)}e}".partition("e")
    return f"{mantissa}e{int(exponent)}"


def fit_num(value: float | None, width: int) -> str:
    """The most precise :func:`short` form of ``value`` no wider than ``width`` (the
    shortest one if none fits: a number is never cut)."""
    text = ""
    for digits in DIGITS:
        text = short(value, digits)
        if cell_len(text) <= width:
            return text
    return text


def fit_pair(before: float, after: float, width: int) -> str:
    """``before → after`` within ``width``, both with the same number of digits."""
    text = ""
    for digits in DIGITS:
        text = f"{short(before, digits)} → {short(after, digits)}"
        if cell_len(text) <= width:
            return text
    return text


def fit_choice(options: Sequence[str], width: int) -> str:
    """The first (widest) of ``options`` that fits ``width``, else the last (shortest)."""
    for text in options:
        if cell_len(text) <= width:
            return text
    return options[-1]


def choices(key: str, lang: str, **fields: object) -> list[str]:
    """A string's ``|``-separated alternatives, filled in, longest first."""
    return [part.strip() for part in t(key, lang, **fields).split("|")]


# -- the table's rows --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a label and one cell per run."""

    label: str
    cells: tuple[Cell, ...]
    style: str = "num"  # style name of the cells (see FragmentView)


def batch_text(run: RunSnapshot, lang: str) -> list[str]:
    """How many rows each update uses, said once: ``full: 100 rows``, ``SGD: 1 row`` …"""
    spec = run.choice.config.batch
    size = spec.size or run.facts.batch_rows
    return choices(f"view.table.batch_{spec.mode}", lang, n=run.facts.n, size=size)


def _text(options: Sequence[str]) -> Cell:
    return lambda width: fit_choice(options, width)


def _number(value: float | None) -> Cell:
    return lambda width: fit_num(value, width)


def _param(run: RunSnapshot, name: str) -> Cell:
    if name not in run.facts.param_names:
        return _text(["-"])
    j = run.facts.param_names.index(name)
    step = run.step
    if step is None:
        return _number(float(run.theta[j]))
    before, after = float(step.params_before[j]), float(step.params_after[j])
    return lambda width: fit_pair(before, after, width)


def _grad(run: RunSnapshot, name: str) -> Cell:
    if name not in run.facts.param_names:
        return _text(["-"])
    step = run.step
    j = run.facts.param_names.index(name)
    return _number(None if step is None else float(step.batch_grad[j]))


def info_rows(runs: Sequence[RunSnapshot], lang: str) -> list[Row]:
    """Settings and position: batch, optimizer (with lr when the runs' rates differ),
    updates, epochs done, samples seen, loss on all the data."""
    same_lr = len({r.lr for r in runs}) == 1

    def optimizer(run: RunSnapshot) -> Cell:
        opt = t(f"view.opt.{run.choice.config.optimizer}", lang)  # "plain", not a 2nd "sgd"
        if same_lr:
            return _text([opt])
        return _text(choices("view.table.opt_lr", lang, opt=opt, lr=num(run.lr)))

    def label(key: str) -> str:
        return t(f"view.table.{key}", lang)

    return [
        Row(label("batch"), tuple(_text(batch_text(r, lang)) for r in runs), ""),
        Row(label("optimizer"), tuple(optimizer(r) for r in runs), ""),
        Row(label("updates"), tuple(_text([str(r.updates)]) for r in runs)),
        Row(label("epochs"), tuple(_text([f"{r.epochs_done:.2f}"]) for r in runs)),
        Row(label("samples"), tuple(_text([str(r.samples_seen)]) for r in runs)),
        Row(label("loss"), tuple(_number(r.loss) for r in runs), "result"),
    ]


def shown_params(names: Sequence[str], room: int) -> list[str]:
    """The parameters that get their two rows (∂L/∂θ, before → after) in ``room`` rows:
    all of them, or the first weights and the bias (the bias is never left out)."""
    count = max(1, room // 2)
    if len(names) <= count:
        return list(names)
    if names[-1] == "b":
        return [*names[: count - 1], "b"]
    return list(names[:count])


def param_rows(runs: Sequence[RunSnapshot], room: int) -> list[Row]:
    """∂L/∂θ for each parameter shown, then each parameter before → after."""
    names = shown_params(max((r.facts.param_names for r in runs), key=len), room)
    rows = [Row(f"∂L/∂{name}", tuple(_grad(r, name) for r in runs)) for name in names]
    rows += [Row(name, tuple(_param(r, name) for r in runs)) for name in names]
    return rows


def header(run: RunSnapshot, selected: bool) -> str:
    """``▶ 1 •`` for the selected run (a character, not only a colour), ``1 •`` else."""
    marker = RUN_MARKERS[run.index % len(RUN_MARKERS)]
    return f"{'▶ ' if selected else ''}{run.index + 1} {marker}"


def table_lines(
    snap: SessionSnapshot, width: int, lang: str, selected: int = 0, max_rows: int = 99
) -> list[Line]:
    """The table as lines no wider than ``width`` (given it has room for the labels)."""
    runs = snap.runs
    if not runs:
        return []
    info = info_rows(runs, lang)
    params = param_rows(runs, max(2, max_rows - 1 - len(info)))
    rows = info + params
    hidden = max(r.facts.p for r in runs) - len(params) // 2
    corner = t("view.table.more", lang, count=hidden) if hidden > 0 else ""  # "+2 params"
    label_w = max(cell_len(row.label) for row in [*rows, Row(corner, ())])
    gap = 2 if (width - label_w) // len(runs) >= 14 else 1
    col_w = min(COLUMN_MAX, max(4, (width - label_w) // len(runs) - gap))
    head: Line = [(corner + " " * (label_w - cell_len(corner)), "dim")]
    for run in runs:
        text = header(run, run.index == selected)
        head.append((" " * (gap + col_w - cell_len(text)), ""))
        head.append((text, f"s{run.index % len(RUN_MARKERS)}"))
    lines = [head]
    for row in rows:
        cells = [cell(col_w) for cell in row.cells]
        body = "".join(" " * max(0, gap + col_w - cell_len(text)) + text for text in cells)
        # One fragment for the cells: a change of style costs bytes on every frame.
        lines.append(
            [(row.label + " " * (label_w - cell_len(row.label)), "dim"), (body, row.style)]
        )
    return lines


def column_at(snap: SessionSnapshot, width: int, lang: str, x: int) -> int | None:
    """The run whose column holds screen column ``x`` of the table (None: the labels)."""
    lines = table_lines(snap, width, lang)
    if not lines:
        return None
    label_w = cell_len(lines[0][0][0])
    if x < label_w:
        return None
    per_run = max(1, (width - label_w) // len(snap.runs))
    return min(len(snap.runs) - 1, (x - label_w) // per_run)


# -- the widget ------------------------------------------------------------------------


class LiveLines(FragmentView):
    """A FragmentView redrawn from the last thing it was given: at once, or while ``live``
    (the runs play) at most every LIVE_INTERVAL seconds — the latest state always shows,
    a little later, and the terminal gets a third of the bytes of a redraw per frame."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.live = False  # set by the view while it plays
        self._drawn_at = 0.0
        self._pending = False

    def redraw(self) -> None:
        """Draw now (subclasses: from their last snapshot)."""

    def request(self) -> None:
        """Draw now, or at the end of the interval while live."""
        now = time.monotonic()
        wait = self._drawn_at + LIVE_INTERVAL - now
        if not self.live or wait <= 0:
            self._drawn_at = now
            self.redraw()
        elif not self._pending:
            self._pending = True
            self.set_timer(wait, self._late)

    def _late(self) -> None:
        self._pending = False
        self._drawn_at = time.monotonic()
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()


class CompareTable(LiveLines):
    """Every run's latest update in one table; a click selects a run's column."""

    DEFAULT_CSS = """
    CompareTable {
        height: auto;
        max-height: 16;
        padding: 0 1;
        overflow: hidden hidden;
    }
    """

    @dataclass
    class RunClicked(Message):
        """The learner clicked a run's column."""

        index: int  # the run's position in the session

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._snap: SessionSnapshot | None = None
        self.selected = 0  # the view's selected run, marked ▶ in its header
        self.max_rows = 99  # set by the view: the lines it can give the table

    def show(self, snap: SessionSnapshot, selected: int = 0) -> None:
        """Show ``snap``'s runs (redrawn on resize from the last one given)."""
        self._snap, self.selected = snap, selected
        self.request()

    def redraw(self) -> None:
        width = self.size.width
        if self._snap is None or width <= 0:
            return
        self.set_lines(table_lines(self._snap, width, self.lang, self.selected, self.max_rows))

    def on_click(self, event: events.Click) -> None:
        if self._snap is None:
            return
        index = column_at(self._snap, self.size.width, self.lang, event.x - 1)  # minus padding
        if index is not None:
            self.post_message(self.RunClicked(index))
