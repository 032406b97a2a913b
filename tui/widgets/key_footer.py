"""The footer: the keys that fit, most used first, and `?` for the rest — never cut.

Textual's Footer lays every shown binding in one row and lets the row run off the screen,
so at 80 columns the last keys (and Help) were cut mid-word. This one is compact, puts
Help first (the way to every other key), then the screen's bindings in the order they
are declared (the most used first), and hides whole keys that do not fit the width; the
hidden ones stay in Help and the command palette (ctrl+p).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")  # the key that lists every other key


def key_cells(key: FooterKey) -> int:
    """Cells a compact key takes: its key, a space, its description and a margin."""
    return cell_len(key.key_display) + 1 + cell_len(key.description) + 1


class KeyFooter(Footer):
    """A compact footer that shows only whole keys."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(compact=True, **kwargs)  # type: ignore[arg-type]
        self._rebuild_due = False  # a rebuild is already scheduled for the next refresh

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild the keys once per refresh, however often the bindings changed before it:
        opening a view changes them several times in a row, and every rebuild restyles
        every key (that was most of the time a view took to open)."""
        if self._rebuild_due:
            return  # the rebuild already scheduled will read the newest bindings
        self._rebuild_due = True
        self.call_after_refresh(self._rebuild_scheduled)  # runs just before that rebuild
        super().bindings_changed(screen)

    def _rebuild_scheduled(self) -> None:
        self._rebuild_due = False

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        helps = [w for w in widgets if isinstance(w, FooterKey) and w.action in HELP_ACTIONS]
        yield from helps + [w for w in widgets if w not in helps]

    def on_resize(self) -> None:
        self.fit_keys()

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.fit_keys)

    def fit_keys(self) -> None:
        """Show keys in order while they fit beside the palette key; hide the rest."""
        keys = [k for k in self.query(FooterKey) if "-command-palette" not in k.classes]
        palette = [k for k in self.query(FooterKey) if "-command-palette" in k.classes]
        room = self.size.width - sum(key_cells(k) + 1 for k in palette)
        used = 0
        for key in keys:
            used += key_cells(key)
            key.display = used <= room

    async def recompose(self) -> None:
        await super().recompose()
        self.fit_keys()
