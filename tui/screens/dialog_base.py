"""What the modal dialogs share: the chrome of a dialog, marked checkboxes, reading numbers.

A dialog is a typed ModalScreen that ``dismiss``-es with its result, or None when
cancelled (escape); errors and results are shown inline on its message line with
a ✗ or ✓ mark, never by colour alone.
"""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, RadioButton, Select, Static

from linreg_tui.engine import ConfigError

from ..i18n import localize_bindings, t
from ..plain import plain
from ..stylesheets import DIALOGS_TCSS

ResultT = TypeVar("ResultT")


def parse_number(
    name: str, text: str, lang: str, kind: str = "float", *, label: str | None = None
) -> float | int:
    """``text`` as a float (or an int for kind "int"); ConfigError naming the field by its
    visible ``label`` (default: the settings form's label of ``name``) if not."""
    label = label if label is not None else t(f"settings.{name}", lang)
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        key = "settings.not_integer" if kind == "int" else "settings.not_number"
        raise ConfigError(t(key, lang, field=label, value=repr(text.strip()))) from None


class Marked(Checkbox):
    """A checkbox showing ✓ and "yes", or a blank and "no": its state never rests on colour."""

    def __init__(self, value: bool, lang: str, id: str | None = None) -> None:
        self.lang = lang
        super().__init__(self._word(value), value, id=id)

    def _word(self, value: bool) -> str:
        return t("settings.yes" if value else "settings.no", self.lang)

    def watch_value(self, value: bool) -> None:
        self.label = self._word(value)

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual reads this class-level name
        return "✓" if self.value else " "


class MarkedRadio(RadioButton):
    """A radio button showing ● when chosen and a blank otherwise."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802
        return "●" if self.value else " "


class Dialog(ModalScreen[ResultT]):
    """Shared chrome: escape cancels (dismiss None), a message line for errors and results."""

    CSS_PATH = DIALOGS_TCSS
    DEFAULT_CLASSES = "dialog"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self.lang = lang
        self._message = ""
        localize_bindings(self, lang)

    def message_box(self) -> Static:
        return Static("", id="message", classes="message -hidden", markup=False)

    def show_message(self, text: str, ok: bool = False) -> None:
        """Show ``text`` inline: ✗ errors and ✓ results carry a mark, not only a colour.

        The text often holds what the learner typed, a path or an engine's message, so it
        is shown exactly as written: never parsed as markup, controls made visible."""
        self._message = text
        box = self.query_one("#message", Static)
        box.update(plain(text))
        box.set_class(False, "-hidden")
        box.set_class(not ok, "-error")
        box.set_class(ok, "-ok")

    @property
    def message_text(self) -> str:
        """What the message line says now ("" when hidden)."""
        return self._message

    def field(self, name: str, widget: Input | Select | Checkbox, label: str) -> Horizontal:
        return Horizontal(Label(label, classes="field-label"), widget, classes="field")

    def action_cancel(self) -> None:
        self.dismiss(None)
