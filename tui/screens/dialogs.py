"""Modal dialogs: run settings, the data, the equivalent PyTorch program, and export.

Each is a typed ModalScreen that ``dismiss``-es with its result — the new
RunChoice / DatasetChoice, or None when cancelled — so the caller keeps its
previous settings unless a valid value comes back. Values are checked by the
engine itself (RunConfig.validate, parse_batch, parse_schedule, loading the
data, building a Run) and its one-line message is shown inline.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.widgets.option_list import Option

from linreg_tui.engine import config as cfg
from linreg_tui.engine.errors import ConfigError, EngineError

from ..choices import DatasetChoice, RunChoice
from ..i18n import localize_bindings, t

if TYPE_CHECKING:
    from linreg_tui.engine.run import Run

ResultT = TypeVar("ResultT")

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
    "loss": cfg.LOSSES,
    "grad": cfg.GRAD_METHODS,
    "optimizer": cfg.OPTIMIZERS,
    "dtype": cfg.DTYPES,
    "device": cfg.DEVICES,
    "mistake": ("", *cfg.MISTAKES),
}
LOSS_TEXT = {"mse": "1/n·Σr²", "half_mse": "1/(2n)·Σr²", "sse": "Σr²", "half_sse": "½·Σr²"}

FormValues = dict[str, "str | bool"]


def form_values(config: cfg.RunConfig) -> FormValues:
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


def _number(name: str, text: str, lang: str, kind: str = "float") -> float | int:
    label = t(f"settings.{name}", lang)
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        key = "settings.not_integer" if kind == "int" else "settings.not_number"
        raise ConfigError(t(key, lang, field=label, value=repr(text.strip()))) from None


def config_from_form(values: FormValues, base: cfg.RunConfig, lang: str) -> cfg.RunConfig:
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
            changes[name] = cfg.parse_batch(text)
        elif name == "schedule":
            changes[name] = cfg.parse_schedule(text)
        elif kind == "floats":
            parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
            numbers = tuple(float(_number(name, p, lang)) for p in parts)
            if name == "betas" and len(numbers) != 2:
                raise ConfigError(f"betas need two numbers (β1, β2), got {len(numbers)}")
            changes[name] = numbers or None
        elif kind in ("float", "int"):
            changes[name] = _number(name, text, lang, kind)
        elif name == "mistake":
            changes[name] = text or None
        else:
            changes[name] = text
    return replace(base, **changes).validate()  # type: ignore[arg-type]


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


class _Dialog(ModalScreen[ResultT]):
    """Shared chrome: escape cancels (dismiss None), a message line for errors and results."""

    DEFAULT_CLASSES = "dialog"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self.lang = lang
        self._message = ""
        localize_bindings(self, lang)

    def message_box(self) -> Static:
        return Static("", id="message", classes="message -hidden")

    def show_message(self, text: str, ok: bool = False) -> None:
        """Show ``text`` inline: ✗ errors and ✓ results carry a mark, not only a colour."""
        self._message = text
        box = self.query_one("#message", Static)
        box.update(text)
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


class SettingsDialog(_Dialog[RunChoice | None]):
    """Every engine option; Apply returns the new RunChoice, Cancel (or escape) None."""

    BINDINGS = [Binding("ctrl+s", "apply", "Apply")]

    def __init__(self, choice: RunChoice, lang: str = "en") -> None:
        super().__init__(lang)
        self.choice = choice

    def compose(self) -> ComposeResult:
        lang, values = self.lang, form_values(self.choice.config)
        with Vertical(id="dialog", classes="-tall"):
            yield Static(t("settings.title", lang), id="dialog-title")
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
            return f"{value}  L = {LOSS_TEXT[value]}"
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
                from linreg_tui.engine.run import Run

                Run(self.choice.data.load(), config)
        except EngineError as err:
            self.show_message(t("settings.invalid", self.lang, message=str(err)))
            return
        self.dismiss(replace(self.choice, config=config))


class DatasetDialog(_Dialog[DatasetChoice | None]):
    """A built-in data set, or a CSV file and its columns, loaded by the engine before returning."""

    BINDINGS = [Binding("ctrl+s", "apply", "Apply")]

    def __init__(self, choice: DatasetChoice | None = None, lang: str = "en") -> None:
        super().__init__(lang)
        self.choice = choice or DatasetChoice()

    def compose(self) -> ComposeResult:
        from linreg_tui.engine.catalog import list_datasets

        lang, choice = self.lang, self.choice
        self.infos = {info.name: info for info in list_datasets()}
        options = [Option(self._entry_label(info), id=info.name) for info in self.infos.values()]
        with Vertical(id="dialog", classes="-tall"):
            yield Static(t("dataset.title", lang), id="dialog-title")
            with TabbedContent(initial="csv" if choice.csv_path else "builtin", id="dataset-tabs"):
                with TabPane(t("dataset.builtin", lang), id="builtin"):
                    yield OptionList(*options, id="catalogue", markup=False)
                    yield Static("", id="catalogue-about")
                    size = "" if choice.size is None else str(choice.size)
                    yield self.field(
                        "size", Input(size, compact=True, id="f-size"), t("dataset.size", lang)
                    )
                    yield self.field(
                        "seed",
                        Input(str(choice.seed), compact=True, id="f-seed"),
                        t("dataset.seed", lang),
                    )
                with TabPane(t("dataset.csv", lang), id="csv"):
                    columns = ", ".join(str(c) for c in choice.x or ())
                    y = "" if choice.y is None else str(choice.y)
                    yield Label(t("dataset.path", lang))
                    yield Input(choice.csv_path or "", compact=True, id="f-path")
                    yield Label(t("dataset.x", lang))
                    yield Input(columns, compact=True, id="f-x")
                    yield Label(t("dataset.y", lang))
                    yield Input(y, compact=True, id="f-y")
            yield self.message_box()
            yield Static(t("dataset.hint", lang), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(t("dataset.load", lang), id="apply", compact=True)
                yield Button(t("dataset.cancel", lang), id="cancel", compact=True)

    def _entry_label(self, info: object) -> str:
        rows = getattr(info, "rows", None)
        size = t("dataset.rows", self.lang, rows=rows) if rows else t("dataset.endless", self.lang)
        return f"{info.name:<11} {info.title_in(self.lang)}  ({size})"  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        catalogue = self.query_one("#catalogue", OptionList)
        names = list(self.infos)
        catalogue.highlighted = names.index(self.choice.name) if self.choice.name in names else 0
        catalogue.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        info = self.infos.get(event.option.id or "")
        if info is not None:
            self.query_one("#catalogue-about", Static).update(info.description_in(self.lang))

    def on_option_list_option_selected(self) -> None:
        self.action_apply()

    def on_input_submitted(self) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_apply() if event.button.id == "apply" else self.action_cancel()

    def read_choice(self) -> DatasetChoice:
        """The choice the form describes (ConfigError / DataError if it cannot be read)."""
        from linreg_tui.engine.data import parse_columns
        from linreg_tui.engine.errors import DataError

        def text(wid: str) -> str:
            return self.query_one(wid, Input).value.strip()

        if self.query_one(TabbedContent).active == "csv":
            if not text("#f-path"):
                raise DataError(t("dataset.no_path", self.lang))
            x = tuple(parse_columns(text("#f-x"))) if text("#f-x") else None
            path = os.path.expanduser(text("#f-path"))
            return DatasetChoice(name=None, csv_path=path, x=x, y=text("#f-y") or None)
        option = self.query_one("#catalogue", OptionList).highlighted_option
        size = int(_number("size", text("#f-size"), self.lang, "int")) if text("#f-size") else None
        seed = int(_number("seed", text("#f-seed") or "0", self.lang, "int"))
        return DatasetChoice(name=option.id if option else "hours", size=size, seed=seed)

    def action_apply(self) -> None:
        """Load the data through the engine; dismiss with the choice only if that worked."""
        try:
            choice = self.read_choice()
            choice.load()
        except EngineError as err:
            self.show_message(t("dataset.invalid", self.lang, message=str(err)))
            return
        self.dismiss(choice)


class CodeScreen(_Dialog[None]):
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
        from linreg_tui.engine.codegen import program, updates_per_epoch

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
            self.show_message(t("code.failed", self.lang, message=str(err)))
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
        path = os.path.expanduser(self.query_one("#f-path", Input).value.strip())
        try:
            Path(path).write_text(self.source, encoding="utf-8")
        except OSError as err:
            self.show_message(
                t("code.save_failed", self.lang, path=path, error=err.strerror or err)
            )
            return
        self.show_message(t("code.saved", self.lang, path=path), ok=True)

    def on_input_submitted(self) -> None:
        self.action_save()


class ExportDialog(_Dialog[str | None]):
    """The run's history to a CSV or JSON file; dismisses with the path written."""

    BINDINGS = [Binding("ctrl+s", "apply", "Save")]

    def __init__(self, run: Run, lang: str = "en", path: str = "linreg-history.csv") -> None:
        super().__init__(lang)
        self.run = run
        self.path = path

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(id="dialog"):
            yield Static(t("export.title", lang), id="dialog-title")
            yield Label(t("export.format", lang))
            with RadioSet(id="export-format"):
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

        path = os.path.expanduser(self.query_one("#f-path", Input).value.strip())
        if not path:
            self.show_message(f"✗ {t('export.no_path', self.lang)}")
            return
        try:
            with open(path, "w", encoding="utf-8", newline="") as out:
                if self.format == "json":
                    json.dump(textlog.history_records(self.run), out, ensure_ascii=False, indent=1)
                else:
                    textlog.write_history_csv(self.run, out)
        except OSError as err:
            error = err.strerror or err
            self.show_message(t("export.failed", self.lang, path=path, error=error))
            return
        self.app.notify(t("export.done", self.lang, rows=self.run.updates, path=path))
        self.dismiss(path)
