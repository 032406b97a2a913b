"""The step panel: the latest update written out as formulas with today's numbers.

For T4's second update it reads (numbers from the engine's Step, never recomputed)::

    update 2 · epoch 0 · batch 2 of 3 · rows [1]
    ŷ = w·hours      L = (1/n)·Σ (ŷ − y)²   n = 1
     row  hours  score     ŷ   r = ŷ−y   2/n·x·r
       1    2.0    4.0  2.04     -1.96     -7.84
    ∂L/∂w = 2/n·Σ x·(ŷ − y) = -7.84
    w ← w − η·g = 1.02 − 0.01·(-7.84) = 1.0984

Big batches are compact (the first rows, then a count); the panel scrolls. Text is held as
lines of (text, style name) fragments and sent with the Line API: only lines that changed
are refreshed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from linreg_tui.tui.format import grad_factor_text, loss_formula, model_formula, num, update_lines
from linreg_tui.tui.i18n import t
from linreg_tui.tui.plain import visible
from linreg_tui.tui.snapshot import RunSnapshot

from ..palette import run_styles_css
from ..render.method_lines import method_lines
from ..render.wrap import Fragment, Line, wrap_lines
from .plot_canvas import changed_span

ROWS_SHOWN = 8  # batch rows listed before "… k more" once a batch has no per-sample terms
TERM_COLUMNS = 2  # per-sample gradient terms shown as columns (the first parameters)

# -- the panel's text --------------------------------------------------------------------


def _table(snap: RunSnapshot, lang: str) -> list[Line]:
    """The batch rows: features, target, ŷ, residual and each row's gradient terms."""
    step, facts = snap.step, snap.facts
    assert step is not None
    d = step.d
    feats = list(facts.feature_names[: min(d, 2)])
    names = facts.param_names
    factor = grad_factor_text(step.loss_name)
    terms = [] if step.per_sample is None else list(range(min(len(names), TERM_COLUMNS)))
    head = [t("view.step.row", lang), *feats, facts.target_name, "ŷ", "r = ŷ−y"]
    head += [
        f"{factor}{'x·r' if names[j] != 'b' else 'r'}"
        + (f" ({names[j]})" if len(names) > 1 else "")
        for j in terms
    ]
    body: list[list[str]] = []
    count = step.batch_size
    shown = count if step.per_sample is not None else min(count, ROWS_SHOWN)
    for k in range(shown):
        row = int(step.rows[k]) if len(step.rows) > k else -1
        cells = [str(row + 1) if row >= 0 else "~"]  # rows counted from 1, as in the file
        cells += [num(step.x[k][j]) for j in range(len(feats))]
        cells += [num(step.y[k]), num(step.predictions[k]), num(step.residuals[k])]
        cells += [num(step.per_sample[k][j]) for j in terms]  # type: ignore[index]
        body.append(cells)
    widths = [max(cell_len(str(c)) for c in col) for col in zip(head, *body, strict=False)]
    lines: list[Line] = [[(_join(head, widths), "dim")]]
    for cells in body:
        lines.append([(_join(cells, widths), "num")])
    if shown < count:
        lines.append([(t("view.step.more_rows", lang, count=count - shown), "dim")])
    if d > len(feats):
        lines.append([(t("view.step.more_features", lang, count=d - len(feats)), "dim")])
    return lines


def _join(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(" " * (w - cell_len(c)) + c for c, w in zip(cells, widths, strict=False))


def _gradient_lines(snap: RunSnapshot, lang: str) -> list[Line]:
    step = snap.step
    assert step is not None
    names = snap.facts.param_names
    factor = grad_factor_text(step.loss_name)
    lines: list[Line] = []
    for j, name in enumerate(names[:12]):
        x = "" if name == "b" else ("x·" if step.d == 1 else f"x{j + 1}·")
        formula = f"∂L/∂{name} = {factor}Σ {x}(ŷ − y) = "
        lines.append([(formula, ""), (num(step.batch_grad[j]), "result")])
    if len(names) > 12:
        lines.append([(t("view.step.more_params", lang, count=len(names) - 12), "dim")])
    if any(abs(a - b) > 0 for a, b in zip(step.grad, step.batch_grad, strict=True)):
        mistake = snap.choice.config.mistake or "?"
        used = ", ".join(num(v) for v in step.grad[:4])
        lines.append([(t("view.step.mistake", lang, mistake=mistake, used=used), "warn")])
    return lines


def _update_lines(snap: RunSnapshot) -> list[Line]:
    """The rule's equations with this update's numbers, one line per parameter and equation
    (the same for every optimizer: the rule's data, written by tui.format)."""
    if snap.update is None:
        return []
    lines = update_lines(snap.update, snap.facts.param_names)
    return [[(text, ""), (value, "result")] for text, value in lines]


def step_lines(snap: RunSnapshot | None, lang: str) -> list[Line]:
    """Every line of the step panel for the run's latest update (or its start)."""
    if snap is None:
        return [[(t("view.loading", lang), "dim")]]
    facts = snap.facts
    model = model_formula(facts.feature_names, snap.choice.config.bias)
    step = snap.step
    if step is None:
        params = "  ".join(
            f"{n} = {num(v)}" for n, v in zip(facts.param_names, snap.theta, strict=False)
        )
        return [
            [(t("view.step.start", lang), "head")],
            [(model, "")],
            [(loss_formula(snap.choice.config.loss), "")],
            [(params, "num")],
            [(t("view.step.full_loss_now", lang), "dim"), (num(snap.loss), "result")],
            [(t("view.step.hint", lang), "dim")],
        ]
    head = t(
        "view.step.header",
        lang,
        update=step.update,
        epoch=step.epoch + 1,
        batch=step.batch_index + 1,
        batches=facts.per_epoch,
        n=step.batch_size,
    )
    lines: list[Line] = [[(head, "head")]]
    lines.append([(f"{model}    {loss_formula(step.loss_name)}   n = {step.batch_size}", "")])
    lines += _table(snap, lang)
    lines += _gradient_lines(snap, lang)
    lines += method_lines(snap, lang)
    lines += _update_lines(snap)
    lines.append(
        [
            (t("view.step.batch_loss", lang), "dim"),
            (f"{num(step.batch_loss)} → {num(step.batch_loss_after)}", "num"),
        ]
    )
    lines.append(
        [
            (t("view.step.full_loss", lang), "dim"),
            (f"{num(step.loss_before)} → ", "num"),
            (num(step.loss_after), "result"),
        ]
    )
    if facts.standardized:
        lines.append([(t("view.step.standardized", lang), "dim")])
    if step.status == "diverged":
        advice = t("view.step.diverged", lang, update=step.update, max=num(facts.max_stable_lr))
        lines.append([(advice, "warn")])
    return lines


def _cells(line: Sequence[Fragment]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A line as (characters, styles), one entry per terminal cell ("" after a wide one)."""
    chars: list[str] = []
    styles: list[str] = []
    for text, style in line:
        for char in text:
            chars.append(char)
            styles.append(style)
            if cell_len(char) == 2:
                chars.append("")
                styles.append(style)
    return tuple(chars), tuple(styles)


class FragmentView(ScrollView):
    """Lines of styled fragments, sent with the Line API; only changed lines refresh."""

    DEFAULT_CSS = """
    FragmentView {
        width: 1fr;
        height: 1fr;
        scrollbar-size: 1 1;
    }

    FragmentView > .lines--head { text-style: bold; }
    FragmentView > .lines--dim { color: $text-muted; }
    FragmentView > .lines--num { color: $text; }
    FragmentView > .lines--result { color: $text-accent; text-style: bold; }
    FragmentView > .lines--warn { color: $text-error; text-style: bold; }
    FragmentView > .lines--good { color: $text-success; }
    """ + run_styles_css("FragmentView > .lines--")

    COMPONENT_CLASSES = {
        "lines--head",
        "lines--dim",
        "lines--num",
        "lines--result",
        "lines--warn",
        "lines--good",
        "lines--s0",
        "lines--s1",
        "lines--s2",
        "lines--s3",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[tuple[Fragment, ...]] = []  # as shown: wrapped to the width
        self._source: list[tuple[Fragment, ...]] = []  # as given
        self._strips: list[Strip | None] = []
        self._styles: dict[str, Style] = {}
        self._exact_size = True  # the next virtual size is exact (see _virtual_size_for)
        self.lang = "en"  # set by the view before show()

    @property
    def plain_lines(self) -> list[str]:
        """The text given, line by line, before wrapping (tests read it)."""
        return ["".join(text for text, _ in line) for line in self._source]

    @property
    def shown_lines(self) -> list[str]:
        """The text as on screen: wrapped to the view's width."""
        return ["".join(text for text, _ in line) for line in self._lines]

    def set_lines(self, lines: Sequence[Sequence[Fragment]]) -> None:
        """Show ``lines``, wrapped at spaces to the view's width so nothing is cut; refresh
        only those that differ from what is shown."""
        # Fragments quote data labels, column names and engine messages: controls made visible.
        self._source = [tuple((visible(text), style) for text, style in line) for line in lines]
        width = self.scrollable_content_region.width
        new = [tuple(line) for line in wrap_lines(self._source, width)] if width > 0 else []
        if width <= 0:
            new = list(self._source)
        old = self._lines
        self._lines = new
        width = max((sum(cell_len(text) for text, _ in line) for line in new), default=0)
        if len(new) != len(old):
            self._strips = [None] * len(new)
            self.virtual_size = self._virtual_size_for(width, len(new))
            self.refresh()
            return
        if width > self.virtual_size.width:
            # Grow only: a new virtual size repaints the whole widget, so a number that gets
            # one digit shorter must not cost a full repaint.
            self.virtual_size = self._virtual_size_for(width, len(new))
        scroll_x, scroll_y = self.scroll_offset
        dirty = []
        for y, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                self._strips[y] = None
                start, end = changed_span(_cells(a), _cells(b))
                dirty.append(Region(start - scroll_x, y - scroll_y, end - start, 1))
        if dirty:
            # Only the changed cells go to the terminal (a number, not the whole line).
            self.refresh(*dirty)

    def _virtual_size_for(self, width: int, rows: int) -> Size:
        """The scrollable size for ``rows`` lines at most ``width`` cells wide.

        A new virtual size costs a layout of the whole screen (every widget placed and
        painted again), so a panel whose height does not follow its text keeps the largest
        size it has had: a line that wraps on one update and not on the next (a number one
        digit longer) then repaints the panel only. A panel sized by its text (height: auto)
        and a panel just resized take the exact size.
        """
        height = self.styles.height
        if self._exact_size or (height is not None and height.is_auto):
            self._exact_size = False
            return Size(width, rows)
        shown = self.virtual_size
        return Size(max(width, shown.width), max(rows, shown.height))

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style
            if name:
                style = style + self.get_component_rich_style(f"lines--{name}", default=Style())
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.size.width
        base = self._style("")  # rich_style walks the ancestors: cached until restyled
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips[index]
        if strip is None:
            segments = [Segment(text, self._style(style)) for text, style in self._lines[index]]
            strip = self._strips[index] = Strip(segments)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips = [None] * len(self._lines)

    def on_resize(self) -> None:
        if self._source:
            self._lines = []  # wrapped for the old width: lay out again
            self._exact_size = True  # a layout happens anyway: drop rows no longer needed
            self.set_lines(self._source)


class StepPanel(FragmentView):
    """The playground's step panel (scrolls with the mouse wheel or the view's keys)."""

    def show(self, snap: RunSnapshot | None) -> None:
        self.set_lines(step_lines(snap, self.lang))
