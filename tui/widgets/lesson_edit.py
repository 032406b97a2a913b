"""A fix-it's line editor: the learner rewrites the buggy line and presses Enter.

The text is posted as :class:`Edited`; the screen has it judged by
``lessons.fixit_edit`` (parsed, never run). Keys other than editing ones stay the editor's:
code is typed here, so no letter is taken for the lesson's own keys (Tab leaves the box).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.widgets import Input


@dataclass
class Edited(Message):
    """The learner submitted an edit of a fix-it's buggy line."""

    text: str  # the line as typed (judged by lessons.fixit_edit, shown escaped)


class FixitEditor(Input):
    """One line of code to repair, prefilled with the buggy line."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(Edited(event.value))
