"""The export dialog: a run's history to a CSV or JSON file (tui.textlog writes it).

The dialog receives a frozen :class:`~linreg_tui.tui.textlog.HistoryExport` (copied under the
session's lock by the view), never a live Run that a worker may be stepping.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ..i18n import t
from .dialog_base import Dialog, MarkedRadio

if TYPE_CHECKING:
    from ..textlog import HistoryExport


class FormatChoice(RadioSet):
    """CSV or JSON; space or the arrows choose, Enter writes (as the dialog's hint says)."""

    BINDINGS = [Binding("enter", "write", "Write", show=False)]

    def action_write(self) -> None:
        dialog = self.screen
        if isinstance(dialog, ExportDialog):
            dialog.action_apply()


class ExportDialog(Dialog[str | None]):
    """The run's history to a CSV or JSON file; dismisses with the path written."""

    BINDINGS = [Binding("ctrl+s", "apply", "Save")]

    def __init__(
        self, export: HistoryExport, lang: str = "en", path: str = "linreg-history.csv"
    ) -> None:
        super().__init__(lang)
        self.export = export
        self.path = path

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(id="dialog"):
            yield Static(t("export.title", lang), id="dialog-title")
            yield Label(t("export.format", lang))
            with FormatChoice(id="export-format"):
                yield MarkedRadio("CSV", value=not self.path.endswith(".json"), id="fmt-csv")
                yield MarkedRadio("JSON", value=self.path.endswith(".json"), id="fmt-json")
            yield self.field(
                "path", Input(self.path, compact=True, id="f-path"), t("export.path", lang)
            )
            yield self.message_box()
            yield Static(t("export.hint", lang), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(t("export.write", lang), id="apply", compact=True)
                yield Button(t("export.cancel", lang), id="cancel", compact=True)

    @property
    def format(self) -> str:
        return "json" if self.query_one("#fmt-json", RadioButton).value else "csv"

    def on_radio_set_changed(self) -> None:
        """Keep the file's extension in step with the format."""
        box = self.query_one("#f-path", Input)
        stem, ext = os.path.splitext(box.value)
        if ext.lower() in (".csv", ".json", ""):
            box.value = f"{stem}.{self.format}"

    def on_input_submitted(self) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_apply() if event.button.id == "apply" else self.action_cancel()

    def action_apply(self) -> None:
        from linreg_tui.tui import textlog
        from linreg_tui.tui.confine import confined

        path = os.path.expanduser(self.query_one("#f-path", Input).value.strip())
        if not path:
            self.show_message(f"✗ {t('export.no_path', self.lang)}")
            return
        try:
            with open(confined(path), "w", encoding="utf-8", newline="") as out:
                if self.format == "json":
                    json.dump(
                        textlog.history_records(self.export), out, ensure_ascii=False, indent=1
                    )
                else:
                    textlog.write_history_csv(self.export, out)
        except OSError as err:
            error = err.strerror or err
            self.show_message(t("export.failed", self.lang, path=path, error=error))
            return
        rows = self.export.rows
        key = "export.done_one" if rows == 1 else "export.done"
        self.app.notify(t(key, self.lang, rows=rows, path=path))
        self.dismiss(path)
