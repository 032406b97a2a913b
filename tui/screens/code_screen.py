"""The "show code" screen: the PyTorch program equivalent to the settings, to copy or save.

The program comes from engine.codegen in one of three styles (by hand, autograd,
nn.Module); keys 1-3 switch style, y copies it (OSC 52) and ctrl+s saves it.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static, TextArea

from linreg_tui.engine import EngineError

from ..choices import RunChoice
from ..i18n import error_text, t
from .dialog_base import Dialog


class CodeScreen(Dialog[None]):
    """The PyTorch program equivalent to the settings, in one of three styles; copy or save."""

    STYLES = ("hand", "autograd", "module")
    BINDINGS = [
        Binding("1", "style_hand", "By hand"),
        Binding("2", "style_autograd", "Autograd"),
        Binding("3", "style_module", "nn.Module"),
        Binding("y", "copy", "Copy"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(
        self,
        choice: RunChoice,
        lang: str = "en",
        *,
        style: str = "hand",
        updates: int | None = None,
        epochs: int | None = None,
    ) -> None:
        super().__init__(lang)
        self.choice, self.style, self.updates, self.epochs = choice, style, updates, epochs
        self.source = ""

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(id="dialog", classes="-tall"):
            yield Static(t("code.title", lang), id="dialog-title")
            with Horizontal(id="code-styles"):
                for number, style in enumerate(self.STYLES, start=1):
                    yield Static(
                        f"{number} {t(f'key.style_{style}', lang)}",
                        id=f"style-{style}",
                        classes="style",
                    )
            yield Static("", id="code-about")
            yield TextArea("", read_only=True, soft_wrap=False, id="code-text")
            yield self.field(
                "path", Input(self._default_path(), compact=True, id="f-path"), t("code.path", lang)
            )
            yield self.message_box()
            yield Static(t("code.hint", lang), classes="hint")

    def _default_path(self) -> str:
        return f"linreg_{self.choice.data.label.rsplit('.', 1)[0]}_{self.style}.py"

    def on_mount(self) -> None:
        self.show_style(self.style)
        self.query_one("#code-text", TextArea).focus()

    def show_style(self, style: str) -> None:
        """Generate the program in ``style`` and show it (or the reason it cannot be made)."""
        from linreg_tui.engine import program, updates_per_epoch

        old_default = self._default_path()
        self.style = style
        for name in self.STYLES:
            self.query_one(f"#style-{name}").set_class(name == style, "-current")
        path = self.query_one("#f-path", Input)
        if path.value == old_default:
            path.value = self._default_path()
        try:
            data, config = self.choice.data, self.choice.config
            self.source = program(data, config, style, epochs=self.epochs, updates=self.updates)
            updates = self.updates
            if updates is None:
                updates = (self.epochs or 100) * updates_per_epoch(data.load().n, config)
        except EngineError as err:
            self.source = ""
            self.show_message(t("code.failed", self.lang, message=error_text(err, self.lang)))
            updates = 0
        self.query_one("#code-about", Static).update(t("code.about", self.lang, updates=updates))
        self.query_one("#code-text", TextArea).load_text(self.source)

    def action_style_hand(self) -> None:
        self.show_style("hand")

    def action_style_autograd(self) -> None:
        self.show_style("autograd")

    def action_style_module(self) -> None:
        self.show_style("module")

    def action_copy(self) -> None:
        """Copy through OSC 52, which reaches the local clipboard over SSH too."""
        self.app.copy_to_clipboard(self.source)
        self.show_message(t("code.copied", self.lang, lines=self.source.count("\n")), ok=True)

    def action_save(self) -> None:
        from linreg_tui.tui.confine import confined

        path = os.path.expanduser(self.query_one("#f-path", Input).value.strip())
        try:
            Path(confined(path)).write_text(self.source, encoding="utf-8")
        except OSError as err:
            self.show_message(
                t("code.save_failed", self.lang, path=path, error=err.strerror or err)
            )
            return
        self.show_message(t("code.saved", self.lang, path=path), ok=True)

    def on_input_submitted(self) -> None:
        self.action_save()
