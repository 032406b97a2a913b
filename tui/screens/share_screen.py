"""The share-code dialog: the run in one line (``lr1-…``) to copy and send.

The code (engine.share) holds the data (a built-in set with its generator's settings, or
a CSV file by name and SHA-256), every setting and the seed, and the updates done so far:
``linreg-tui run --code CODE`` replays exactly the same history. y copies it (OSC 52, as
the code view does).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from linreg_tui.engine import EngineError

from ..choices import DatasetChoice, RunChoice
from ..i18n import error_text, t
from .dialog_base import Dialog


def share_source(data: DatasetChoice, seed: int) -> object:
    """The engine.share DataSource of a data choice (hashing a CSV file's bytes)."""
    from linreg_tui.engine import ShareSource as DataSource
    from linreg_tui.engine import file_digest

    if data.csv_path:
        digest = file_digest(data.csv_path)
        x = tuple(data.x) if data.x else None
        return DataSource("csv", Path(data.csv_path).name, (), digest, x, data.y)
    generated: tuple[tuple[str, float], ...] = ()
    if data.size is not None:
        generated += (("size", data.size),)
    if data.seed != seed:  # the data's seed, when it is not the run's
        generated += (("seed", data.seed),)
    return DataSource("builtin", data.name or "hours", generated)


def share_code(choice: RunChoice, updates: int) -> str:
    """The share code of ``choice`` run for ``updates`` updates."""
    from linreg_tui.engine import Shared
    from linreg_tui.engine import encode_share as encode

    source = share_source(choice.data, choice.config.seed)
    return encode(Shared(source, choice.config, ("updates", updates)))  # type: ignore[arg-type]


class ShareScreen(Dialog[None]):
    """The run's share code; y copies it."""

    BINDINGS = [Binding("y", "copy", "Copy")]

    def __init__(self, choice: RunChoice, updates: int, lang: str = "en") -> None:
        super().__init__(lang)
        self.choice, self.updates = choice, updates
        self.code = ""

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(id="dialog"):
            yield Static(t("share.title", lang), id="dialog-title")
            yield Static("", id="share-code")
            yield Static(t("share.about", lang, updates=self.updates), id="share-about")
            yield self.message_box()
            yield Static(t("share.hint", lang), classes="hint")

    def on_mount(self) -> None:
        try:
            self.code = share_code(self.choice, self.updates)
        except (EngineError, OSError) as err:
            reason = error_text(err, self.lang) if isinstance(err, EngineError) else str(err)
            self.show_message(t("share.failed", self.lang, message=reason))
        # the code is plain ASCII (lr1- and base32); Static(markup=False) is not needed
        self.query_one("#share-code", Static).update(self.code)

    def action_copy(self) -> None:
        """Copy through OSC 52, which reaches the local clipboard over SSH too."""
        if not self.code:
            return
        self.app.copy_to_clipboard(self.code)
        self.show_message(t("share.copied", self.lang), ok=True)
