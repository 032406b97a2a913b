"""The data dialog: a catalogue data set (size, seed) or a CSV file and its columns.

Apply loads the data through the engine and dismisses with the DatasetChoice only if
that worked; otherwise the engine's one-line message is shown inline. A CSV file of a
megabyte or more loads in a thread worker: the message line shows "Loading data.csv…
45 %" and Escape cancels the loading (a second Escape closes the dialog).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from linreg_tui.engine import EngineError

from ..choices import BIG_CSV_BYTES, DatasetChoice
from ..i18n import error_text, t
from ..plain import plain
from .dialog_base import Dialog, parse_number


@dataclass
class LoadProgress(Message):
    """The CSV worker read another percent of the file."""

    percent: int  # 0…100 of the file's bytes read


@dataclass
class LoadFinished(Message):
    """The CSV worker stopped: loaded, failed or cancelled."""

    choice: DatasetChoice  # what was loaded
    error: str | None  # the engine's one-line message; None when the data loaded
    cancelled: bool  # the learner pressed Escape (or the app is closing)


class DatasetDialog(Dialog[DatasetChoice | None]):
    """A built-in data set, or a CSV file and its columns, loaded by the engine before returning."""

    BINDINGS = [Binding("ctrl+s", "apply", "Apply")]

    def __init__(self, choice: DatasetChoice | None = None, lang: str = "en") -> None:
        super().__init__(lang)
        self.choice = choice or DatasetChoice()
        self._cancel: threading.Event | None = None  # set while a CSV loads in the worker
        self._loading_name = ""  # the file name shown while it loads

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(id="dialog", classes="-tall"):
            yield Static(t("dataset.title", lang), id="dialog-title")
            initial = "csv" if self.choice.csv_path else "builtin"
            with TabbedContent(initial=initial, id="dataset-tabs"):
                with TabPane(t("dataset.builtin", lang), id="builtin"):
                    yield from self._builtin_fields()
                with TabPane(t("dataset.csv", lang), id="csv"):
                    yield from self._csv_fields()
            yield self.message_box()
            yield Static(t("dataset.hint", lang), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(t("dataset.load", lang), id="apply", compact=True)
                yield Button(t("dataset.cancel", lang), id="cancel", compact=True)

    def _builtin_fields(self) -> ComposeResult:
        """The catalogue, the selected set's description, and its size and seed."""
        from linreg_tui.engine import list_datasets

        lang, choice = self.lang, self.choice
        self.infos = {info.name: info for info in list_datasets()}
        options = [Option(self._entry_label(info), id=info.name) for info in self.infos.values()]
        yield OptionList(*options, id="catalogue", markup=False)
        yield Static("", id="catalogue-about")
        size = "" if choice.size is None else str(choice.size)
        yield self.field("size", Input(size, compact=True, id="f-size"), t("dataset.size", lang))
        seed = Input(str(choice.seed), compact=True, id="f-seed")
        yield self.field("seed", seed, t("dataset.seed", lang))

    def _csv_fields(self) -> ComposeResult:
        """The CSV file's path, its feature columns and its target column."""
        lang, choice = self.lang, self.choice
        columns = ", ".join(str(c) for c in choice.x or ())
        y = "" if choice.y is None else str(choice.y)
        yield Label(t("dataset.path", lang))
        yield Input(choice.csv_path or "", compact=True, id="f-path")
        yield Label(t("dataset.x", lang))
        yield Input(columns, compact=True, id="f-x")
        yield Label(t("dataset.y", lang))
        yield Input(y, compact=True, id="f-y")

    def _entry_label(self, info: object) -> str:
        rows = getattr(info, "rows", None)
        size = t("dataset.rows", self.lang, rows=rows) if rows else t("dataset.endless", self.lang)
        return f"{info.name:<11} {info.title_in(self.lang)}  ({size})"  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        catalogue = self.query_one("#catalogue", OptionList)
        names = list(self.infos)
        catalogue.highlighted = names.index(self.choice.name) if self.choice.name in names else 0
        # Focus inside the open tab: focusing the hidden catalogue would switch to its tab.
        if self.choice.csv_path:
            self.query_one("#f-path", Input).focus()
        else:
            catalogue.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        info = self.infos.get(event.option.id or "")
        if info is not None:
            about = self.query_one("#catalogue-about", Static)
            about.update(plain(info.description_in(self.lang)))

    def on_option_list_option_selected(self) -> None:
        self.action_apply()

    def on_input_submitted(self) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_apply() if event.button.id == "apply" else self.action_cancel()

    def read_choice(self) -> DatasetChoice:
        """The choice the form describes (ConfigError / DataError if it cannot be read)."""
        from linreg_tui.engine import DataError, parse_columns
        from linreg_tui.tui.confine import confined

        def text(wid: str) -> str:
            return self.query_one(wid, Input).value.strip()

        if self.query_one(TabbedContent).active == "csv":
            if not text("#f-path"):
                raise DataError(t("dataset.no_path", self.lang))
            x = tuple(parse_columns(text("#f-x"))) if text("#f-x") else None
            try:
                path = confined(text("#f-path"))
            except PermissionError as err:
                raise DataError(f"{err.filename}: {err.strerror}") from err
            return DatasetChoice(name=None, csv_path=path, x=x, y=text("#f-y") or None)
        option = self.query_one("#catalogue", OptionList).highlighted_option
        size_text, seed_text = text("#f-size"), text("#f-seed") or "0"
        lang = self.lang
        size = (
            int(parse_number("size", size_text, lang, "int", label=t("dataset.size", lang)))
            if size_text
            else None
        )
        seed = int(parse_number("seed", seed_text, lang, "int", label=t("dataset.seed", lang)))
        return DatasetChoice(name=option.id if option else "hours", size=size, seed=seed)

    def action_apply(self) -> None:
        """Load the data through the engine; dismiss with the choice only if that worked."""
        if self._cancel is not None:
            return  # already loading
        try:
            choice = self.read_choice()
            if choice.csv_bytes >= BIG_CSV_BYTES:
                self._start_loading(choice)
                return
            choice.load()
        except EngineError as err:
            self.show_message(t("dataset.invalid", self.lang, message=error_text(err, self.lang)))
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        """Escape: stop a CSV that is loading, else close the dialog."""
        if self._cancel is None:
            self.dismiss(None)
        elif not self._cancel.is_set():
            self._cancel.set()
            self.show_message(t("dataset.cancelling", self.lang, name=self._loading_name), ok=True)

    @property
    def loading_csv(self) -> bool:
        """Whether a CSV file is loading in the worker now."""
        return self._cancel is not None

    def _start_loading(self, choice: DatasetChoice) -> None:
        self._cancel = threading.Event()
        self._loading_name = Path(choice.csv_path or "").name
        self.on_load_progress(LoadProgress(0))
        self._load(choice, self._cancel)

    @work(thread=True, exclusive=True, group="csv", exit_on_error=False)
    def _load(self, choice: DatasetChoice, cancel: threading.Event) -> None:
        """Load ``choice`` off the UI thread, posting each new percent and the outcome."""
        from textual.worker import get_current_worker

        from linreg_tui.engine import LoadCancelled

        worker, shown = get_current_worker(), [-1]

        def progress(done: int, total: int) -> None:
            percent = 100 * done // max(total, 1)
            if percent != shown[0]:
                shown[0] = percent
                self.post_message(LoadProgress(percent))

        try:
            choice.load(progress, lambda: cancel.is_set() or worker.is_cancelled)
        except LoadCancelled:
            self.post_message(LoadFinished(choice, None, cancelled=True))
        except (EngineError, OSError) as err:
            self.post_message(LoadFinished(choice, error_text(err, self.lang), cancelled=False))
        except MemoryError:  # the dialog must not wait for a worker that died
            self.post_message(LoadFinished(choice, "not enough memory", cancelled=False))
        else:
            self.post_message(LoadFinished(choice, None, cancelled=False))

    def on_load_progress(self, message: LoadProgress) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            name = self._loading_name
            text = t("dataset.loading", self.lang, name=name, percent=message.percent)
            self.show_message(text, ok=True)

    def on_load_finished(self, message: LoadFinished) -> None:
        self._cancel = None
        name = self._loading_name
        if message.cancelled:
            self.show_message(t("dataset.cancelled", self.lang, name=name))
        elif message.error is not None:
            self.show_message(t("dataset.invalid", self.lang, message=message.error))
        else:
            self.dismiss(message.choice)
