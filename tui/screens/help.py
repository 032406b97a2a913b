"""Help: every key, and what each panel shows, in the app's language.

The text lives in ``tui/strings/app.toml`` under ``help.*``: each section is
lines of ``key | meaning``, drawn as a two-column table so Chinese text lines
up (Rich measures a CJK character as two cells).
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from ..i18n import localize_bindings, t
from ..widgets.key_footer import KeyFooter

HEADERS = {"panels": ("help.panel", "help.shows"), "marks": ("help.mark", "help.meaning")}
SECTIONS = (
    "global",
    "home",
    "run",
    "playground",
    "compare",
    "lesson",
    "dialogs",
    "panels",
    "marks",
    "headless",
)


def section_rows(section: str, lang: str) -> list[tuple[str, str]]:
    """The (key, meaning) rows of a help section."""
    rows = []
    for line in t(f"help.{section}", lang).strip().splitlines():
        key, _, meaning = line.partition(" | ")
        rows.append((key.strip(), meaning.strip()))
    return rows


def help_renderable(lang: str) -> RenderableType:
    """Every section as a titled two-column table."""
    parts: list[RenderableType] = [Text(t("help.intro", lang)), Text("")]
    for section in SECTIONS:
        table = Table(
            title=t(f"help.{section}_title", lang),
            title_justify="left",
            title_style="bold",
            box=box.SIMPLE_HEAD,
            expand=True,
            padding=(0, 1),
        )
        first, second = HEADERS.get(section, ("help.keys", "help.what"))
        wrap = section in ("panels", "headless")
        table.add_column(t(first, lang), no_wrap=not wrap, min_width=15, max_width=24)
        table.add_column(t(second, lang), ratio=1)
        for key, meaning in section_rows(section, lang):
            table.add_row(key, meaning)
        parts.append(table)
    return Group(*parts)


class HelpScreen(Screen[None]):
    """Every key and every panel; escape (or ?) goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("question_mark", "back", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="help-scroll"):
            yield Static(id="help-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._show)
        self.query_one("#help-scroll").focus()

    def _show(self, lang: str) -> None:
        self.sub_title = t("help.title", lang)
        localize_bindings(self, lang)
        self.query_one("#help-body", Static).update(help_renderable(lang))

    def action_back(self) -> None:
        self.dismiss()
