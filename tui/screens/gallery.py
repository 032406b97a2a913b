"""The gallery: ready-made setups, each with commentary; Enter opens one as a live view.

The list (bundled presets, then a teacher's from ``--gallery PATH``) comes from
``lessons.gallery``, read in a thread worker when the screen opens. Below it, the
highlighted preset's commentary and its "what to try" line. Enter opens the preset in a
:class:`PresetScreen` — a Playground or Compare view built the way a lesson builds its live
view — whose header names the preset; escape comes back here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from ..i18n import localize_bindings, t
from ..plain import visible
from ..stylesheets import GALLERY_TCSS
from ..widgets.key_footer import KeyFooter
from .run_screen import RunScreen

if TYPE_CHECKING:
    from linreg_tui.lessons.gallery import Gallery, GalleryEntry

    from .run_view import RunView


@dataclass
class GalleryLoaded(Message):
    """The worker read the gallery (or could not)."""

    gallery: Gallery | None
    """The presets; None when they could not be read."""
    error: str = ""
    """Why not, on one line."""


def entry_prompt(entry: GalleryEntry, number: int, lang: str) -> Text:
    """``▶ 6. A learning rate too large   Playground``: what it is and what opens."""
    preset = entry.preset
    if preset.view == "compare":
        kind = t("gallery.compare", lang, n=len(preset.runs))
    else:
        kind = t("gallery.playground", lang)
    text = Text(f"{number:>2}. ")
    text.append(visible(entry.title.get(lang)))  # a teacher's file: controls made visible
    text.append(f"  · {kind}", style="italic")
    return text


def commentary(entry: GalleryEntry | None, lang: str) -> Text:
    """The preset's two or three lines, a blank line, then "Try: …" in bold."""
    if entry is None:
        return Text("")
    text = Text(visible(entry.about.get(lang)))
    text.append("\n")
    text.append(t("gallery.try", lang, text=visible(entry.try_.get(lang))), style="bold")
    return text


class GalleryList(OptionList):
    """The presets; Enter opens the highlighted one (shown in the footer as "Open")."""

    BINDINGS = [Binding("enter", "screen.open_preset", "Open")]


class GalleryScreen(Screen[None]):
    """The list of presets and the highlighted one's commentary."""

    CSS_PATH = GALLERY_TCSS
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, gallery_path: str | Path | None = None) -> None:
        super().__init__()
        self.gallery_path = gallery_path
        self.gallery: Gallery | None = None
        self.error = ""

    @property
    def lang(self) -> str:
        return str(getattr(self.app, "lang", "en"))

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="gallery"):
            yield Static(id="gallery-intro")
            yield GalleryList(id="gallery-list", markup=False)
            yield Static(id="gallery-about")
        yield KeyFooter()

    def on_mount(self) -> None:
        if hasattr(self.app, "lang"):
            self.watch(self.app, "lang", self._relabel, init=False)
        self._relabel(self.lang)
        self.query_one(OptionList).focus()
        self._load()

    @work(thread=True, exclusive=True, group="gallery", exit_on_error=False)
    def _load(self) -> None:
        from linreg_tui.lessons.gallery import GalleryError, load_gallery

        try:
            message = GalleryLoaded(load_gallery(self.gallery_path))
        except GalleryError as err:
            message = GalleryLoaded(None, err.one_line())
        except OSError as err:
            message = GalleryLoaded(None, f"{err.strerror or err}: {err.filename or ''}")
        self.post_message(message)

    def on_gallery_loaded(self, message: GalleryLoaded) -> None:
        self.gallery, self.error = message.gallery, message.error
        self._fill()

    def _relabel(self, lang: str) -> None:
        self.sub_title = t("gallery.title", lang)
        localize_bindings(self, lang)
        localize_bindings(self.query_one(GalleryList), lang)
        self.query_one("#gallery-intro", Static).update(t("gallery.intro", lang))
        self._fill()

    # -- the list -----------------------------------------------------------------------

    def _fill(self) -> None:
        """Every row again (in the current language), keeping the highlighted preset."""
        menu = self.query_one(OptionList)
        kept = menu.highlighted_option.id if menu.highlighted_option else None
        menu.clear_options()
        menu.add_options(self._rows())
        ids = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        first = next((i for i, x in enumerate(ids) if x and x.startswith("preset:")), None)
        menu.highlighted = ids.index(kept) if kept in ids else first
        self._show_about()

    def _rows(self) -> list[Option | None]:
        lang = self.lang
        if self.gallery is None:
            note = t("gallery.failed", lang, error=self.error) if self.error else None
            text = visible(note) if note else t("gallery.loading", lang)
            return [Option(Text(text), id="heading:note", disabled=True)]
        rows: list[Option | None] = []
        heading = None
        for number, entry in enumerate(self.gallery.entries, start=1):
            group = "own" if entry.own else "bundled"
            if group != heading:
                if heading is not None:
                    rows.append(None)
                heading = group
                title = Text(t(f"gallery.{group}", lang), style="bold")
                rows.append(Option(title, id=f"heading:{group}", disabled=True))
            rows.append(Option(entry_prompt(entry, number, lang), id=f"preset:{entry.id}"))
        return rows

    def highlighted_entry(self) -> GalleryEntry | None:
        """The preset under the cursor, if any."""
        menu = self.query_one(OptionList)
        option = menu.highlighted_option
        if self.gallery is None or option is None or not (option.id or "").startswith("preset:"):
            return None
        return self.gallery.entry((option.id or "").partition(":")[2])

    def _show_about(self) -> None:
        about = self.query_one("#gallery-about", Static)
        about.update(commentary(self.highlighted_entry(), self.lang))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_about()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open_preset()  # a click on a row (Enter is GalleryList's binding)

    # -- keys ---------------------------------------------------------------------------

    def action_open_preset(self) -> None:
        """Open the highlighted preset as a live view, and say what to try."""
        entry = self.highlighted_entry()
        if entry is None:
            return
        lang = self.lang
        self.app.push_screen(PresetScreen(entry))
        self.app.notify(t("gallery.try", lang, text=entry.try_.get(lang)), timeout=10)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class PresetScreen(RunScreen):
    """A gallery preset as a live view: a Playground (one run) or a Compare view."""

    def __init__(self, entry: GalleryEntry, lang: str | None = None) -> None:
        super().__init__(lang)
        self.entry = entry

    def make_view(self, lang: str) -> RunView:
        from .lesson_view import make_live_view

        return make_live_view(self.entry.preset, lang)

    def _relabel(self, lang: str) -> None:
        self.sub_title = f"{t('gallery.title', lang)} · {visible(self.entry.title.get(lang))}"
        localize_bindings(self, lang)
