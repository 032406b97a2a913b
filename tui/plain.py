"""Outside text made safe to show: never parsed as markup, never a terminal control code.

Every string that came from a user, a file, a path or an exception reaches a widget
through :func:`visible` (a ``str``, for widgets built with ``markup=False``, rich ``Text``
and raw segments) or :func:`plain` (a Textual ``Content``, which is never parsed). Typed
``[b]5`` shows as ``[b]5``, ``/tmp/[data].csv`` as itself, and ``[a=b`` cannot crash the
markup parser, because no markup parser ever sees it.

Control characters would otherwise go to the terminal as they are (``\\x1b[31m`` would turn
the screen red, a stray ``\\x1b[2J`` clear it), so each one is replaced by one visible
character: C0 codes by their Unicode control pictures (ESC → ␛, BEL → ␇), DEL by ␡ and C1
codes by �. Newlines and tabs stay. One character for one keeps the length, so the spans of
a rich ``Text`` stay where they were.
"""

from __future__ import annotations

import re
from typing import TypeVar

from rich.text import Text
from textual.content import Content

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)}
_PICTURES[0x7F] = "␡"
_PICTURES.update({code: "\ufffd" for code in range(0x80, 0xA0)})

T = TypeVar("T", str, Text, Content)


def visible(text: object) -> str:
    """``str(text)`` with each control character (but newline and tab) shown as a symbol."""
    out = str(text)
    return out.translate(_PICTURES) if _CONTROL.search(out) else out


def plain(text: object) -> Content:
    """``text`` as Textual Content: shown exactly as written (controls made visible)."""
    return Content(visible(text))


def safe(renderable: T) -> T:
    """The same kind of object with its control characters made visible (spans kept)."""
    if isinstance(renderable, Text):
        if _CONTROL.search(renderable.plain):
            renderable = renderable.copy()
            renderable.plain = visible(renderable.plain)
        return renderable
    if isinstance(renderable, Content):
        if _CONTROL.search(renderable.plain):
            return Content(visible(renderable.plain), list(renderable.spans))
        return renderable
    return visible(renderable)
