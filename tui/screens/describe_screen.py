"""The describe dialog: the current run in words, as plain text a screen reader can read.

The text (tui.describe_view) is shown exactly as written — never parsed as markup — in a
scrolling box; escape closes, ↑ ↓ PgUp PgDn scroll, y copies it (OSC 52).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ..i18n import t
from ..plain import plain
from .dialog_base import Dialog


class DescribeScreen(Dialog[None]):
    """Chart summaries and the describe sentences of the latest updates."""

    BINDINGS = [Binding("y", "copy", "Copy")]

    def __init__(self, text: str, lang: str = "en") -> None:
        super().__init__(lang)
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-tall"):
            yield Static(t("describe.title", self.lang), id="dialog-title")
            with VerticalScroll(id="describe-text"):
                yield Static(plain(self.text), id="describe-body", markup=False)
            yield self.message_box()
            yield Static(t("describe.hint", self.lang), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#describe-text").focus()

    def action_copy(self) -> None:
        """Copy the text through OSC 52 (reaches the local clipboard over SSH too)."""
        self.app.copy_to_clipboard(self.text)
        self.show_message(t("share.copied", self.lang), ok=True)
