"""One run's compact step panel in the compare view (120 columns and wider).

For SGD's third update on the default data, 38 columns wide, it reads::

    ▶ 2 x  update 3
     row      x        y       ŷ        r
      54  4.182  11.3912  1.6063  -9.7849
    ∂L/∂w = (2/n)·Σ x·(ŷ − y) = -81.8421
    ∂L/∂b = (2/n)·Σ (ŷ − y) = -19.5698
    w ← 0.3894 − 0.02·(-81.842) = 2.0263
    b ← 0.0989 − 0.02·(-19.57) = 0.49030

the batch's rows when it has at most four (else which rows, or how many), the gradient as
the sum it is, and the update of every parameter. Numbers get fewer significant digits
when a line would not fit the panel; a line is never cut. The formulas are the step
panel's (``LOSS_TEXT``); the numbers are the engine's Step, never recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

from linreg_tui.tui.format import grad_factor_text
from linreg_tui.tui.format import update_lines as rule_lines
from linreg_tui.tui.i18n import t
from linreg_tui.tui.snapshot import RunSnapshot

from .compare_table import DIGITS, LiveLines, choices, fit_choice, short, shown_params
from .plot_canvas import RUN_MARKERS
from .step_panel import Line

BATCH_ROWS_SHOWN = 4  # a batch of at most this many rows is listed row by row
PARAMS_SHOWN = 3  # parameters written out (the first weights and the bias); then a count


def fit_forms(forms: Sequence[str], values: dict[str, float], width: int) -> str:
    """The first of ``forms`` (most explicit first) that fits ``width`` with its numbers at 3
    or more significant digits, else the last at whatever precision fits. Forms are
    ``str.format`` templates over ``values``; ``{g}`` (a gradient after an operator) gets
    parentheses when negative."""

    def make(form: str, digits: int) -> str:
        texts = {k: (_paren if k == "g" else short)(v, digits) for k, v in values.items()}
        return form.format(**texts)

    for form in forms:
        for digits in DIGITS:
            text = make(form, digits)
            if cell_len(text) <= width and digits >= 3:
                return text
    text = make(forms[-1], DIGITS[-1])
    for digits in DIGITS:
        text = make(forms[-1], digits)
        if cell_len(text) <= width:
            break
    return text


def _paren(value: float, digits: int) -> str:
    text = short(value, digits)
    return f"({text})" if text.startswith("-") else text


def head_line(snap: RunSnapshot, selected: bool, lang: str, width: int) -> Line:
    """``▶ 2 x  update 3`` (or where the run starts, in the words that fit)."""
    k = snap.index % len(RUN_MARKERS)
    run = f"{snap.index + 1} {RUN_MARKERS[k]}"
    if snap.step is not None:
        where = t("view.rpanel.update", lang, update=snap.updates)
    else:
        options = choices("view.rpanel.start", lang, loss=short(snap.loss, 4))
        where = fit_choice(options, width - 4 - cell_len(run))
    return [("▶ " if selected else "  ", "head"), (run, f"s{k}"), (f"  {where}", "head")]


def batch_lines(snap: RunSnapshot, width: int, lang: str) -> list[Line]:
    """The batch's rows (x, y, ŷ, r) when there are at most four; else which rows."""
    step = snap.step
    assert step is not None
    count = step.batch_size
    if count > BATCH_ROWS_SHOWN:
        if count == snap.facts.n:
            return [[(fit_choice(choices("view.rpanel.all_rows", lang, n=count), width), "dim")]]
        rows = [str(int(r) + 1) for r in step.rows[:BATCH_ROWS_SHOWN] if int(r) >= 0]
        listed = ", ".join(rows) + ", …" if rows else "…"
        options = choices("view.rpanel.rows", lang, rows=listed, count=count)
        return [[(fit_choice(options, width), "dim")]]
    for shown in range(min(step.d, 2), -1, -1):  # fewer feature columns before fewer digits
        lines = _batch_table(snap, shown, width, lang, 3)
        if max(cell_len(text) for line in lines for text, _ in line) <= width:
            return lines
    return _batch_table(snap, 0, width, lang, 1)


def _batch_table(snap: RunSnapshot, shown: int, width: int, lang: str, least: int) -> list[Line]:
    """The batch's rows with ``shown`` feature columns, at the most digits (down to
    ``least``) that fit ``width``."""
    step = snap.step
    assert step is not None
    feats = list(snap.facts.feature_names[:shown])
    xs = ["x"] if step.d == 1 and shown else feats
    head = [t("view.rpanel.row", lang), *xs, "y", "ŷ", "r"]

    def table(digits: int) -> list[list[str]]:
        body = []
        for k in range(step.batch_size):
            row = int(step.rows[k]) if len(step.rows) > k else -1
            cells = [str(row + 1) if row >= 0 else "~"]
            cells += [short(step.x[k][j], digits) for j in range(shown)]
            cells += [short(v, digits) for v in (step.y[k], step.predictions[k])]
            cells.append(short(step.residuals[k], digits))
            body.append(cells)
        return body

    for digits in DIGITS:
        body = table(digits)
        widths = [max(cell_len(c) for c in col) for col in zip(head, *body, strict=True)]
        if sum(widths) + 2 * (len(widths) - 1) <= width or digits <= least:
            break
    join = "  ".join
    lines: list[Line] = [[(join(_pad(c, w) for c, w in zip(head, widths, strict=True)), "dim")]]
    for cells in body:
        lines.append([(join(_pad(c, w) for c, w in zip(cells, widths, strict=True)), "num")])
    return lines


def _pad(text: str, width: int) -> str:
    return " " * (width - cell_len(text)) + text


def gradient_lines(snap: RunSnapshot, width: int, lang: str) -> list[Line]:
    """``∂L/∂w = (2/n)·Σ x·(ŷ − y) = …`` for every parameter, shorter forms when narrow."""
    step = snap.step
    assert step is not None
    factor = grad_factor_text(step.loss_name)
    lines: list[Line] = []
    for j, name in _shown(snap):
        x = "" if name == "b" else ("x·" if step.d == 1 else f"x{j + 1}·")
        forms = [
            f"∂L/∂{name} = {factor}Σ {x}(ŷ − y) = {{v}}",
            f"∂L/∂{name} = {factor}Σ{x}r = {{v}}",
            f"∂L/∂{name} = {{v}}",
        ]
        values = {"v": float(step.batch_grad[j])}
        lines.append([(fit_forms(forms, values, width), "")])
    return lines + _more(snap, lang)


def _shown(snap: RunSnapshot) -> list[tuple[int, str]]:
    """(index, name) of the parameters written out: all, or the first weights and b."""
    names = snap.facts.param_names
    picked = shown_params(names, 2 * PARAMS_SHOWN)
    return [(names.index(name), name) for name in picked]


def _more(snap: RunSnapshot, lang: str) -> list[Line]:
    hidden = snap.facts.p - len(_shown(snap))
    return [[(t("view.table.more", lang, count=hidden), "dim")]] if hidden > 0 else []


def update_lines(snap: RunSnapshot, width: int, lang: str) -> list[Line]:
    """Every parameter's update: ``w ← w − η·g`` with numbers for plain SGD, shortened to
    fit; for other rules the rule's own equations per parameter (tui.format), wrapped."""
    step, record = snap.step, snap.update
    assert step is not None
    shown = _shown(snap)
    lines: list[Line] = []
    if snap.choice.config.optimizer != "sgd" and record is not None:
        names = snap.facts.param_names
        per = len(record.equations)
        every = rule_lines(record, names, len(names))
        for j, _ in shown:
            lines += [
                [(text, ""), (value, "result")] for text, value in every[j * per : (j + 1) * per]
            ]
        return lines + _more(snap, lang)
    forms = [
        "{n} ← {b} − {lr}·{g} = {a}",  # the rule with this update's numbers
        "{n} ← {n} − η·g = {a}",  # the rule, and the result (η and g are in the table)
        "{n}: {b} → {a}",
    ]
    table = [
        (name, {"b": step.params_before[j], "a": step.params_after[j], "g": step.grad[j]})
        for j, name in shown
    ]
    # One form for every parameter of the panel (w and b read alike): the first in which
    # all of them fit with 4 significant digits or more.
    form = next(
        (f for f in forms[:-1] if all(_fits(f, name, v, step.lr, width) for name, v in table)),
        forms[-1],
    )
    for name, v in table:
        values = {"b": float(v["b"]), "a": float(v["a"]), "g": float(v["g"]), "lr": step.lr}
        lines.append([(fit_forms([form.replace("{n}", name)], values, width), "")])
    return lines + _more(snap, lang)


def _fits(form: str, name: str, v: dict, lr: float, width: int) -> bool:
    values = {"b": short(v["b"], 4), "a": short(v["a"], 4), "g": _paren(v["g"], 4)}
    return cell_len(form.format(n=name, lr=short(lr, 4), **values)) <= width


def panel_lines(snap: RunSnapshot, width: int, lang: str, selected: bool = False) -> list[Line]:
    """Every line of one run's panel, each no wider than ``width`` where it can be."""
    lines = [head_line(snap, selected, lang, width)]
    if snap.step is None:
        return lines
    lines += batch_lines(snap, width, lang)
    lines += gradient_lines(snap, width, lang)
    lines += update_lines(snap, width, lang)
    return lines


class RunPanel(LiveLines):
    """One run's latest update, compact (class ``-selected`` on the selected run)."""

    DEFAULT_CSS = """
    RunPanel {
        height: auto;
        max-height: 16;
        padding: 0 1;
        overflow: hidden hidden;
    }
    RunPanel.-selected { background: $boost; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._snap: RunSnapshot | None = None
        self._selected = False

    def show(self, snap: RunSnapshot, selected: bool = False) -> None:
        """Show ``snap`` (redrawn on resize from the last one given)."""
        self._snap, self._selected = snap, selected
        self.set_class(selected, "-selected")
        self.request()

    def redraw(self) -> None:
        width = self.size.width
        if self._snap is None or width <= 0:
            return
        self.set_lines(panel_lines(self._snap, width, self.lang, self._selected))
