"""A run view as a full screen: header, the view, footer; escape goes back.

Playground and Compare differ only in which view they hold and its title.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header

from ..i18n import localize_bindings, t
from ..stylesheets import VIEWS_TCSS
from ..widgets.key_footer import KeyFooter
from .run_view import RunCommands, RunView


class RunScreen(Screen[None]):
    """Base of PlaygroundScreen and CompareScreen; subclasses build the view."""

    CSS_PATH = VIEWS_TCSS  # an app that embeds a view elsewhere adds it to its own CSS_PATH
    COMMANDS = {RunCommands}
    BINDINGS = [Binding("escape", "back", "Back")]
    TITLE_KEY = ""  # i18n key of the screen's sub-title

    def __init__(self, lang: str | None = None) -> None:
        super().__init__()
        self._lang = lang

    @property
    def lang(self) -> str:
        return self._lang or getattr(self.app, "lang", "en")

    def make_view(self, lang: str) -> RunView:
        """The view this screen holds."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield self.make_view(self.lang)
        yield KeyFooter()

    def on_mount(self) -> None:
        if hasattr(self.app, "lang") and self._lang is None:
            self.watch(self.app, "lang", self._relabel, init=False)  # also while kept aside
        self._relabel(self.lang)
        self.query_one(RunView).focus()

    def _relabel(self, lang: str) -> None:
        self.sub_title = t(self.TITLE_KEY, lang)
        localize_bindings(self, lang)

    def action_back(self) -> None:
        """Home again; the view keeps its runs (the app keeps this screen), but keys still
        waiting for it are dropped: escape means "not this"."""
        view = self.query_one(RunView)
        view.pause()
        view.drop_typed_ahead()
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
