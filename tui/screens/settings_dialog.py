"""The run-settings dialog: every engine option in one form, checked by the engine.

The form's text round-trips a RunConfig (``config_from_form(form_values(c), c, lang) == c``).
Apply validates with RunConfig.validate, parse_batch and parse_schedule — and, once the
engine is loaded, by building a Run on the data — and shows the engine's one-line message
inline; it dismisses with the new RunChoice only when all of that succeeds.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Select, Static

from linreg_tui.engine import (
    DEVICES,
    DTYPES,
    GRAD_METHODS,
    LOSS_NAMES,
    MISTAKES,
    OPTIMIZERS,
    ConfigError,
    EngineError,
    RunConfig,
    parse_batch,
    parse_schedule,
)

from ..choices import RunChoice
from ..format import loss_short
from ..i18n import error_text, t
from .dialog_base import Dialog, Marked, parse_number

# The settings form, top to bottom: (field, kind) or a section heading ("#", key).
FORM: tuple[tuple[str, str], ...] = (
    ("#", "section_descent"),
    ("lr", "float"),
    ("loss", "choice"),
    ("grad", "choice"),
    ("batch", "text"),
    ("shuffle", "bool"),
    ("drop_last", "bool"),
    ("schedule", "text"),
    ("#", "section_optimizer"),
    ("optimizer", "choice"),
    ("momentum", "float"),
    ("betas", "floats"),
    ("alpha", "float"),
    ("eps", "float"),
    ("#", "section_start"),
    ("bias", "bool"),
    ("init_w", "floats"),
    ("init_b", "float"),
    ("init_random", "bool"),
    ("seed", "int"),
    ("dtype", "choice"),
    ("device", "choice"),
    ("standardize", "bool"),
    ("mistake", "choice"),
)
CHOICES = {
    "loss": LOSS_NAMES,
    "grad": GRAD_METHODS,
    "optimizer": OPTIMIZERS,
    "dtype": DTYPES,
    "device": DEVICES,
    "mistake": ("", *MISTAKES),
}

FormValues = dict[str, "str | bool"]


def form_values(config: RunConfig) -> FormValues:
    """The settings form's text for each field of ``config``."""
    values: FormValues = {}
    for name, kind in FORM:
        if name == "#":
            continue
        value = getattr(config, name)
        if kind == "bool":
            values[name] = bool(value)
        elif kind == "floats":
            values[name] = "" if value is None else ", ".join(f"{v:g}" for v in value)
        elif kind in ("float", "int"):
            values[name] = f"{value:g}" if isinstance(value, float) else str(value)
        else:
            values[name] = "" if value is None else str(value)
    return values


def config_from_form(values: FormValues, base: RunConfig, lang: str) -> RunConfig:
    """A validated RunConfig from the form's values; ConfigError (one line) if any is wrong."""
    changes: dict[str, object] = {}
    for name, kind in FORM:
        if name == "#":
            continue
        value = values[name]
        text = value.strip() if isinstance(value, str) else ""
        if kind == "bool":
            changes[name] = bool(value)
        elif name == "batch":
            changes[name] = parse_batch(text)
        elif name == "schedule":
            changes[name] = parse_schedule(text)
        elif kind == "floats":
            parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
            numbers = tuple(float(parse_number(name, p, lang)) for p in parts)
            if name == "betas" and len(numbers) != 2:
                raise ConfigError(f"betas need two numbers (β1, β2), got {len(numbers)}")
            changes[name] = numbers or None
        elif kind in ("float", "int"):
            changes[name] = parse_number(name, text, lang, kind)
        elif name == "mistake":
            changes[name] = text or None
        else:
            changes[name] = text
    return replace(base, **changes).validate()  # type: ignore[arg-type]


class SettingsDialog(Dialog[RunChoice | None]):
    """Every engine option; Apply returns the new RunChoice, Cancel (or escape) None."""

    BINDINGS = [Binding("ctrl+s", "apply", "Apply")]

    def __init__(self, choice: RunChoice, lang: str = "en", title: str | None = None) -> None:
        super().__init__(lang)
        self.choice = choice
        self.title_text = title  # another title (the what-if fork's), None: "Settings"

    def compose(self) -> ComposeResult:
        lang, values = self.lang, form_values(self.choice.config)
        with Vertical(id="dialog", classes="-tall"):
            yield Static(self.title_text or t("settings.title", lang), id="dialog-title")
            with VerticalScroll(id="form"):
                for name, kind in FORM:
                    if name == "#":
                        first = "-first" if kind == "section_descent" else ""
                        yield Static(t(f"settings.{kind}", lang), classes=f"section {first}")
                    else:
                        yield self.field(
                            name,
                            self._widget(name, kind, values[name]),
                            t(f"settings.{name}", lang),
                        )
            yield self.message_box()
            yield Static(t("settings.hint", lang), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(t("settings.apply", lang), id="apply", compact=True)
                yield Button(t("settings.cancel", lang), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-lr", Input).focus()

    def _widget(self, name: str, kind: str, value: str | bool) -> Input | Select | Checkbox:
        wid = f"f-{name}"
        if kind == "bool":
            return Marked(bool(value), self.lang, id=wid)
        if kind == "choice":
            options = [(self._choice_label(name, v), v) for v in CHOICES[name]]
            return Select(options, value=value, allow_blank=False, compact=True, id=wid)
        return Input(str(value), compact=True, id=wid)

    def _choice_label(self, name: str, value: str) -> str:
        if name == "loss":
            return f"{value}  L = {loss_short(value)}"
        if name == "grad":
            return t(f"settings.grad_{value}", self.lang)
        return value or t("settings.none", self.lang)

    def values(self) -> FormValues:
        """The form's current values by field name."""
        out: FormValues = {}
        for name, _kind in FORM:
            if name != "#":
                widget = self.query_one(f"#f-{name}")
                out[name] = widget.value  # type: ignore[attr-defined]
        return out

    def on_input_submitted(self) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_apply() if event.button.id == "apply" else self.action_cancel()

    def action_apply(self) -> None:
        """Check everything with the engine; dismiss with the new choice only if valid."""
        try:
            config = config_from_form(self.values(), self.choice.config, self.lang)
            if getattr(self.app, "engine_ready", False):  # the data decide the rest
                from linreg_tui.engine import Run

                Run(self.choice.data.load(), config)
        except EngineError as err:
            self.show_message(t("settings.invalid", self.lang, message=error_text(err, self.lang)))
            return
        self.dismiss(replace(self.choice, config=config))
