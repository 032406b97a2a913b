"""Numbers in lesson text computed by the engine: ``{{ expr }}`` templates, and the check
for numbers typed by hand.

A template is ``{{ EXPR }}`` or ``{{ EXPR | FORMAT }}`` inside a page's text or a
checkpoint's prompt, hints or explanation. EXPR is a compute expression (``expressions``;
e.g. ``after(updates=1000).loss``) evaluated on the item's preset (the lesson's preset with
the page's or checkpoint's overrides); FORMAT is ``N`` (N significant digits, 1–12; the
default is 4) or ``.N`` (N decimals, 0–12; ``.N,`` also groups thousands: 8,274).
``{{ "…" }}`` is a quote: its text is shown as written (without the quotes) and the
numbers in it are not checked; use it for what a tutorial printed
(``T3 printed {{ "w 1.97, b 3.17" }}``), never for what the engine can compute.

The hand-typed-number rule (``typed_numbers``): outside templates, a decimal number with
three or more significant digits (``118.03``, ``0.0889``, ``2.11``, also at the end of a
sentence; not ``0.01``, ``1.5`` or whole numbers) is reported, except on lines indented by
four or more spaces (formulas and code, shown as written) and numbers that are the item's
inputs (``input_numbers``: a value of its preset's settings, such as
``init_w = [-0.18818]``, or a number written in its ``compute`` expression, such as the
point of ``loss_at(-0.17818, 0)``): those are what the lesson chose, not what the engine
computed. A negative value is shown with the course's minus sign (U+2212).

Values are cached per (expression, preset), so showing a lesson again costs nothing; the
bundled course ships its values computed ahead of time (``template_values``), so opening
one of its lessons runs no engine; each computation is bounded by ``limits``.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .expressions import ExpressionError, parse_expression
from .model import Checkpoint, LocalText

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .model import Item, Lesson, Preset

TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)
_DECIMAL = re.compile(r"(?<![\w.,])\d+\.\d+(?!\w|\.\d)")
DEFAULT_DIGITS = 4
_CACHE: dict[tuple[str, str], float] = {}
STORE = "template_values.json"  # the bundled course's values (``template_values`` writes it)


@dataclasses.dataclass(frozen=True)
class Template:
    """One ``{{ … }}``: an expression and its format, or a quote (``quote`` set)."""

    source: str  # the whole ``{{ … }}`` as written
    expr: str = ""
    decimals: int | None = None  # ``.N``
    digits: int = DEFAULT_DIGITS  # ``N``
    quote: str | None = None
    start: int = 0  # offset of ``{{`` in the text
    grouped: bool = False  # ``.N,``: thousands separated by commas (8,274)


def parse_template(source: str, start: int = 0) -> Template:
    """Parse one ``{{ … }}``; ExpressionError says what is wrong."""
    inner = source[2:-2].strip()
    if len(inner) >= 2 and inner[0] == inner[-1] == '"':
        return Template(source, quote=inner[1:-1], start=start)
    expr, bar, fmt = inner.rpartition("|") if "|" in inner else (inner, "", "")
    expr, fmt = expr.strip(), fmt.strip()
    if not expr:
        raise ExpressionError(f"empty template {source!r}")
    parse_expression(expr)
    if not bar:
        return Template(source, expr, start=start)
    match = re.fullmatch(r"(\.)?(\d{1,2})(,?)", fmt)
    if match is None or int(match.group(2)) > 12 or (not match.group(1) and fmt == "0"):
        raise ExpressionError(
            f"template {source!r}: the format after '|' is N significant digits (1–12) "
            "or .N decimals (0–12), e.g. | 3 or | .2; a trailing ',' groups thousands (| .0,)"
        )
    if match.group(3) and not match.group(1):
        raise ExpressionError(f"template {source!r}: ',' groups thousands of .N only (| .0,)")
    if match.group(1):
        grouped = bool(match.group(3))
        return Template(source, expr, decimals=int(match.group(2)), start=start, grouped=grouped)
    return Template(source, expr, digits=int(match.group(2)), start=start)


def templates(text: str) -> list[Template]:
    """Every template in ``text``, in order (ExpressionError for the first bad one)."""
    return [parse_template(m.group(0), m.start()) for m in TEMPLATE.finditer(text)]


def format_value(value: float, template: Template) -> str:
    """The value as the template asks: N significant digits or .N decimals; a negative
    value with the minus sign the course's text uses (U+2212), never a hyphen."""
    if template.decimals is not None:
        comma = "," if template.grouped else ""
        text = f"{value:{comma}.{template.decimals}f}"
    else:
        text = f"{value:.{template.digits}g}"
    return "\u2212" + text[1:] if text.startswith("-") else text


def value_of(template: Template, preset: Preset) -> float:
    """The engine's value of a template's expression on ``preset``: computed once per
    (expression, preset) and cached; for the bundled course (no ``base_dir``) read from the
    values shipped with it when they are there (``template_values``)."""
    key = (template.expr, repr(preset))
    if key not in _CACHE and preset.base_dir is None:
        stored = stored_values().get(value_key(template.expr, preset))
        if stored is not None:
            _CACHE[key] = stored
    if key not in _CACHE:
        _CACHE[key] = compute_value(template, preset)
    return _CACHE[key]


def value_key(expr: str, preset: Preset) -> str:
    """The store's key of ``expr`` on ``preset``: the same expression on the same preset
    (data set, settings, overrides, runs) has the same key."""
    return hashlib.sha256(f"{expr}\n{preset!r}".encode()).hexdigest()[:24]


@functools.cache
def stored_values() -> dict[str, float]:
    """The values shipped with the bundled course ({} when the file is missing or bad)."""
    from importlib.resources import files

    try:
        raw = (files("linreg_tui.lessons") / STORE).read_text(encoding="utf-8")
        values = json.loads(raw)["values"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return {str(k): float(v) for k, v in values.items()}


def compute_value(template: Template, preset: Preset) -> float:
    """The template's value computed by the engine now; AnswerError when it is over the
    limits of ``limits`` (checked before anything runs)."""
    from .answers import AnswerError, compute_answer
    from .limits import Cost, batches_per_epoch, cost_problem, expression_updates, preset_rows

    rows = preset_rows(preset)
    per_epoch = batches_per_epoch(rows, preset.settings)
    problem = cost_problem(
        Cost(expression_updates(parse_expression(template.expr), per_epoch, rows), rows)
    )
    if problem:
        raise AnswerError(problem)
    return compute_answer(template.expr, preset)


def item_templates(lesson: Lesson) -> Iterator[tuple[Item, Template]]:
    """Every computed template (not quotes) of the lesson's pages and checkpoints, with its
    item; a text with a bad template is skipped (``lessons validate`` names it)."""
    items: list[tuple[Item, LocalText]] = [(p, p.text) for p in lesson.pages]
    for cp in lesson.checkpoints:
        items += [(cp, cp.prompt), (cp, cp.explain), *((cp, h) for h in cp.levels)]
    for item, text in items:
        for body in (text.en, text.zh):
            try:
                found = templates(body) if "{{" in body else []
            except ExpressionError:
                continue
            yield from ((item, t) for t in found if t.quote is None)


def render(text: str, preset: Preset) -> str:
    """``text`` with every template replaced; one that fails stays as written."""
    if "{{" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        try:
            template = parse_template(match.group(0))
            if template.quote is not None:
                return template.quote
            return format_value(value_of(template, preset), template)
        except Exception:  # a bad template shows as written; lessons validate names it
            return match.group(0)

    return TEMPLATE.sub(one, text)


def _local(text: LocalText, preset: Preset) -> LocalText:
    if "{{" not in text.en and "{{" not in text.zh:
        return text
    return LocalText(render(text.en, preset), render(text.zh, preset))


def rendered_lesson(lesson: Lesson) -> Lesson:
    """A copy of ``lesson`` with every template in its texts computed (the same object
    when it has none, so a course without templates never starts the engine here)."""
    pages = tuple(
        dataclasses.replace(p, text=_local(p.text, lesson.preset_for(p))) for p in lesson.pages
    )
    checkpoints = tuple(_checkpoint(lesson, cp) for cp in lesson.checkpoints)
    if pages == lesson.pages and checkpoints == lesson.checkpoints:
        return lesson
    return dataclasses.replace(lesson, pages=pages, checkpoints=checkpoints)


def _checkpoint(lesson: Lesson, cp: Checkpoint) -> Checkpoint:
    preset = lesson.preset_for(cp)
    hints = tuple(_local(h, preset) for h in cp.levels)
    return dataclasses.replace(
        cp,
        prompt=_local(cp.prompt, preset),
        explain=_local(cp.explain, preset),
        hint=hints[0],
        hints=hints if cp.hints else (),
    )


def input_numbers(settings: Mapping[str, Any], compute: str | None = None) -> frozenset[str]:
    """The numbers an item states as its inputs, as written (``repr`` of the magnitude, so
    ``0.18818`` is one but ``1.00``, a result rounded to two decimals, is not ``1.0``): every
    number among its preset's settings (lists included) and every literal of its
    ``compute`` expression."""
    found: set[str] = set()
    for value in settings.values():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                found.add(repr(abs(float(item))))
    if compute:
        try:
            tree = ast.parse(compute.strip(), mode="eval")
        except SyntaxError:
            return frozenset(found)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
                found.add(repr(abs(float(node.value))))
    return frozenset(found)


def typed_numbers(text: str, inputs: frozenset[str] = frozenset()) -> list[str]:
    """Decimal numbers with ≥ 3 significant digits typed by hand in ``text`` (outside
    templates and lines indented by 4+ spaces, and not one of the item's ``inputs``):
    the rule of the module docstring."""
    found: list[str] = []
    for line in TEMPLATE.sub(" ", text).split("\n"):
        if line.startswith("    "):
            continue
        for match in _DECIMAL.finditer(line):
            digits = re.sub(r"\D", "", match.group(0)).lstrip("0")
            if len(digits) >= 3 and match.group(0) not in inputs:
                found.append(match.group(0))
    return found
