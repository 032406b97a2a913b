"""The text side of the lesson screen: the where line, then a scrolling page or checkpoint.

Pages are plain text (lesson files contain ``[``): they are shown as rich ``Text``, never
parsed as markup. Wide characters take two cells, and rich wraps by cells, so Chinese pages
line up as written.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, OptionList, Static

from linreg_tui.lessons.tracking import CheckpointState

from ..plain import safe
from .lesson_checkpoint import CheckpointPanel


class LessonScroll(VerticalScroll, inherit_bindings=False):
    """The text column; ←/→ are left to the screen (back/next), so only vertical keys."""

    DEFAULT_CSS = """
    LessonScroll {
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }

    LessonScroll:focus {
        background-tint: $foreground 3%;
    }
    """

    BINDINGS = [
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
    ]


class LessonSide(Vertical):
    """Where the learner is, and the page, checkpoint or end card."""

    DEFAULT_CSS = """
    LessonSide {
        width: 1fr;
        height: 1fr;
    }

    LessonSide #lesson-where {
        height: 1;
        padding: 0 1;
        background: $boost;
    }

    LessonSide #where-left {
        width: 1fr;
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }

    LessonSide #where-right {
        width: auto;
        height: 1;
        color: $text-muted;
        padding: 0 0 0 2;
    }

    LessonSide #lesson-page {
        width: 100%;
        height: auto;
        padding: 1 0 0 0;
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="lesson-where"):
            yield Static(id="where-left", markup=False)
            yield Static(id="where-right", markup=False)
        with LessonScroll(id="lesson-scroll"):
            yield Static(id="lesson-page", markup=False)
            yield CheckpointPanel(id="lesson-checkpoint")

    @property
    def panel(self) -> CheckpointPanel:
        return self.query_one(CheckpointPanel)

    @property
    def scroll(self) -> LessonScroll:
        return self.query_one(LessonScroll)

    def set_where(self, left: Text, right: Text) -> None:
        self.query_one("#where-left", Static).update(safe(left))
        self.query_one("#where-right", Static).update(safe(right))

    def show_text(self, text: Text) -> None:
        """A page (or the end card)."""
        self.panel.display = False
        page = self.query_one("#lesson-page", Static)
        page.display = True
        page.update(safe(text))  # a teacher's file: controls made visible

    def show_checkpoint(self, state: CheckpointState, lang: str) -> None:
        self.query_one("#lesson-page", Static).display = False
        self.panel.display = True
        self.panel.show(state, lang)

    def answer_widget(self) -> Input | OptionList | None:
        """The shown checkpoint's answer box or options while it takes answers, else None."""
        return self.panel.answer_widget()
