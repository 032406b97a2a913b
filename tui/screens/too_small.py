"""The message shown instead of the app while the terminal is smaller than 80×24.

The app pushes :class:`TooSmallScreen` when a resize takes the terminal under
the minimum and pops it when the terminal is large enough again, so whatever
was open underneath (a run, a dialog) is kept, and nothing is laid out in a
space it cannot fit.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

from ..i18n import t

MIN_WIDTH = 80
MIN_HEIGHT = 24


def is_too_small(size: Size) -> bool:
    """Whether a terminal of ``size`` is under the 80×24 minimum."""
    return size.width < MIN_WIDTH or size.height < MIN_HEIGHT


class TooSmallScreen(Screen[None]):
    """ "Enlarge the terminal": the only thing shown while the terminal is too small."""

    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._refresh_text)

    def on_resize(self) -> None:
        self._refresh_text()

    def _refresh_text(self, _lang: object = None) -> None:
        lang = getattr(self.app, "lang", "en")
        width, height = self.app.size
        body = t("small.body", lang, min_w=MIN_WIDTH, min_h=MIN_HEIGHT, w=width, h=height)
        self.query_one("#too-small", Static).update(f"✗ {t('small.title', lang)}\n\n{body}")
