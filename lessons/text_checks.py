"""Checks of the numbers in a lesson's texts: ``{{ … }}`` templates (see ``templates``) and
decimals typed by hand (a warning), each at the line of the text where it is.

The file checker is passed in (``Checker`` below), as in ``checkpoint_checks``.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from .expressions import ExpressionError
from .locate import KeyLines
from .model import LANGS
from .schema import Key
from .templates import TEMPLATE, input_numbers, parse_template, typed_numbers


class Checker(Protocol):
    """What these checks need of ``checks.FileChecker``."""

    text: str  # the lesson file
    lines: KeyLines | None
    problems: list[tuple[int, str, str]]

    def report(self, key: Key, message: str, severity: str = "error") -> None: ...

    def expression(
        self, key: Key, source: Any, where: str, bias: bool, settings: dict[str, Any]
    ) -> None: ...


def check_numbers(
    fc: Checker,
    key: Key,
    value: Any,
    where: str,
    settings: dict[str, Any],
    compute: str | None = None,
) -> None:
    """A text's ``{{ … }}`` templates (each a valid, bounded expression and format) and
    its hand-typed numbers (a warning; the rule is ``templates.typed_numbers``; the item's
    inputs, ``settings`` and the numbers of its ``compute``, are not hand-typed results)."""
    if not isinstance(value, dict):
        return
    inputs = input_numbers(settings, compute if isinstance(compute, str) else None)
    for lang in LANGS:
        texts = value.get(lang)
        for text in texts if isinstance(texts, list) else [texts]:
            if isinstance(text, str):
                _number_text(fc, key + (lang,), text, f"{where}.{lang}", settings, inputs)


def _number_text(
    fc: Checker,
    key: Key,
    text: str,
    where: str,
    settings: dict[str, Any],
    inputs: frozenset[str] = frozenset(),
) -> None:
    bias = bool(settings.get("bias", True))
    for match in TEMPLATE.finditer(text):
        at = text_line(fc, key, text.count("\n", 0, match.start()))
        found = len(fc.problems)
        try:
            template = parse_template(match.group(0))
        except ExpressionError as err:
            fc.report(key, f"{where}: {err}")
        else:
            if template.quote is None:
                label = f"{where} template {template.source}"
                fc.expression(key, template.expr, label, bias, settings)
        for i in range(found, len(fc.problems)):  # at the template's own line
            fc.problems[i] = (at, *fc.problems[i][1:])
    for row, line in enumerate(text.split("\n")):
        typed = typed_numbers(line, inputs)
        if typed:
            fc.problems.append(
                (
                    text_line(fc, key, row),
                    f"{where}: {', '.join(typed)} typed by hand; let the engine compute it "
                    '({{ expr | digits }}), or quote a tutorial\'s output as {{ "…" }}',
                    "warning",
                )
            )


def text_line(fc: Checker, key: Key, row: int) -> int:
    """The file line of row ``row`` of a text: a multi-line string starts on the line
    after its key (TOML drops the newline right after the opening quotes)."""
    assert fc.lines is not None
    line = fc.lines.line_of(key)
    source = fc.text.split("\n")[line - 1].rstrip() if line >= 1 else ""
    multi = source.endswith(("'''", '"""'))
    return line + row + 1 if multi else line


def shown_width(text: str) -> str:
    """``text`` with each ``{{ … }}`` replaced by a stand-in as wide as its value will be
    shown (a quote by its text; ``| N`` by N digits, a sign and a point; ``| .N`` by a few
    digits, the point and N decimals), so a page's size is measured without the engine."""

    def stand_in(match: re.Match[str]) -> str:
        try:
            template = parse_template(match.group(0))
        except ExpressionError:
            return match.group(0)
        if template.quote is not None:
            return template.quote
        if template.decimals is not None:
            return "0" * (template.decimals + 4 + (2 if template.grouped else 0))
        return "0" * (template.digits + 2)

    return TEMPLATE.sub(stand_in, text)
