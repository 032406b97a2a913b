"""One checkpoint on the lesson screen: its prompt, the way to answer it, and the feedback.

The rules (tries, hints, revealing, skipping) are ``lessons.checkpoints.CheckpointSession``'s;
this module only shows them. :class:`~linreg_tui.lessons.tracking.CheckpointState` is what the
screen keeps per checkpoint while a lesson is open; :func:`feedback_lines` turns it into text
in either language (so switching language re-renders everything, the learner's tries included).

Answering: a choice is picked with its letter or number (or ↑↓ and Enter) in a
:class:`ChoiceList`; a number is typed into an :class:`AnswerInput`. Both post
:class:`Answered`, which the screen judges. Every text is rich ``Text`` (never markup):
lesson texts contain ``[`` and must show as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from linreg_tui.lessons.checkpoints import (
    CORRECT,
    INVALID,
    LETTERS,
    MAX_TRIES,
    REVEALED,
    SKIPPED,
    WRONG,
)
from linreg_tui.lessons.goals import MET
from linreg_tui.lessons.model import Checkpoint
from linreg_tui.lessons.tracking import CheckpointState

from ..i18n import t
from ..plain import safe, visible
from ..render.lesson_fixit import code_prompt, edit_lines, fixit_help, fixit_lines, line_prompt
from ..render.lesson_goal import describe_goal, goal_state_text
from ..render.lesson_text import StyledLine
from .lesson_edit import FixitEditor

CHOICE_KEYS = 6  # options that get a letter and a number key (a–f, 1–6)


def _answer_text(state: CheckpointState, lang: str) -> str:
    session = state.session
    if session is None:
        return ""
    session.lang = lang  # answer texts follow the language shown now
    return session.answer_text()


def _finished_lines(state: CheckpointState, lang: str) -> list[StyledLine]:
    """What a finished checkpoint shows: the verdict, the answer, the explanation."""
    cp, outcome = state.checkpoint, state.outcome
    assert outcome is not None
    lines: list[StyledLine] = []
    answer = _answer_text(state, lang)
    if cp.kind == "goal":
        if outcome.status == CORRECT:
            tracker = state.tracker
            if tracker is not None:
                lines.append((goal_state_text(tracker, MET, lang)[0], "good"))
            else:
                lines.append((t("lesson.answer.correct", lang), "good"))
        else:
            mark = "skipped" if outcome.status == SKIPPED else "revealed"
            if outcome.status == REVEALED and outcome.tries < MAX_TRIES:
                mark = ""  # gave up: no verdict to give
            if mark:
                lines.append((t(f"lesson.answer.{mark}", lang), "warn"))
            lines.append((t("lesson.answer.solution", lang, solution=answer), "head"))
            lines.append((t("lesson.answer.solution_run", lang), "dim"))
    elif cp.kind == "fixit":
        return lines + fixit_lines(state, lang, answer)
    elif cp.kind == "predict":
        if state.guess is not None:
            lines.append((t("lesson.answer.your_guess", lang, guess=state.guess), ""))
        if outcome.status != SKIPPED:
            right = outcome.was_correct
            key = "predict_right" if right else "predict_wrong"
            lines.append((t(f"lesson.answer.{key}", lang), "good" if right else "warn"))
        else:
            lines.append((t("lesson.answer.skipped", lang), "warn"))
        lines.append((t("lesson.answer.answer", lang, answer=answer), "head"))
    else:
        if outcome.status == CORRECT:
            lines.append((t("lesson.answer.correct", lang), "good"))
        elif outcome.status == REVEALED:
            lines.append((t("lesson.answer.revealed", lang), "warn"))
        else:
            lines.append((t("lesson.answer.skipped", lang), "warn"))
        lines.append((t("lesson.answer.answer", lang, answer=answer), "head"))
    lines.append((cp.explain.get(lang), ""))
    if cp.kind == "predict" and outcome.status != SKIPPED:
        if cp.run_updates:
            lines.append((t("lesson.answer.run_it", lang, updates=cp.run_updates), "head"))
        else:
            lines.append((t("lesson.answer.play_it", lang), "head"))
    lines.append((t("lesson.answer.next", lang), "dim"))
    return lines


def feedback_lines(state: CheckpointState, lang: str) -> list[StyledLine]:
    """The feedback under a checkpoint, in ``lang``, from its state (pure: easy to test)."""
    cp, outcome = state.checkpoint, state.outcome
    lines: list[StyledLine] = []
    if state.earlier and outcome is None:
        result = t(f"lesson.result.{state.earlier}", lang)
        lines.append((t("lesson.answer.earlier", lang, result=result), "dim"))
    if cp.kind == "goal" and state.tracker is not None and not state.finished:
        text, style = goal_state_text(state.tracker, state.goal_status, lang)
        lines.append((text, style))
    if state.error:
        lines.append((t("lesson.answer.failed", lang, error=state.error), "warn"))
    elif state.pending is not None and state.session is None:
        lines.append((t("lesson.answer.computing", lang), "dim"))
    if outcome is not None and outcome.finished:
        return lines + _finished_lines(state, lang)
    if outcome is not None and outcome.status == WRONG and state.session is not None:
        misses = state.session.misses
        lines.append((t("lesson.answer.wrong", lang, tries=misses, max=MAX_TRIES), "warn"))
    if outcome is not None and outcome.status == INVALID and outcome.message:
        lines.append((outcome.message, "warn"))
    if state.line_found:
        lines.append((t("lesson.answer.line_right", lang, line=cp.bug_line), "good"))
        lines.extend(edit_lines(state, lang))
    return lines + hint_lines(state, lang)


def hint_lines(state: CheckpointState, lang: str) -> list[StyledLine]:
    """The hint levels shown so far, and how to ask for the next one."""
    session, count = state.session, len(state.checkpoint.levels)
    if session is None:
        return []
    shown = [h.get(lang) for h in state.checkpoint.levels[: session.hint_level]]  # in ``lang``
    if count == 1:
        return [(t("lesson.answer.hint", lang, hint=h), "") for h in shown]
    lines: list[StyledLine] = [
        (t("lesson.answer.hint_level", lang, level=k, count=count, hint=h), "")
        for k, h in enumerate(shown, 1)
    ]
    if 0 < len(shown) < count:
        lines.append((t("lesson.answer.more_hints", lang, shown=len(shown), count=count), "dim"))
    return lines


def help_line(cp: Checkpoint, lang: str, state: CheckpointState | None = None) -> str:
    """How to answer this checkpoint, and the keys around it."""
    count = min(len(cp.options), CHOICE_KEYS)
    letters = "/".join(LETTERS[:count])
    if cp.kind == "fixit":
        found = state is not None and state.line_found
        return fixit_help(cp, lang, found, letters, count) + "\n" + t("lesson.help.keys", lang)
    if cp.kind == "goal":
        how = t("lesson.help.goal", lang)
        return how + "\n" + t("lesson.help.goal_keys", lang)
    if cp.kind == "predict":
        key = "lesson.help.predict_choice" if cp.is_choice else "lesson.help.predict_numeric"
    else:
        key = "lesson.help.choice" if cp.is_choice else "lesson.help.numeric"
    return t(key, lang, letters=letters, count=count) + "\n" + t("lesson.help.keys", lang)


def styled(lines: list[StyledLine]) -> Text:
    """Lines as one rich Text (plain text: brackets stay brackets)."""
    text = Text()
    for i, (line, style) in enumerate(lines):
        if i:
            text.append("\n")
        text.append(line, style=STYLES.get(style, ""))
    return text


STYLES = {"good": "bold", "warn": "bold", "head": "bold", "dim": "italic"}
# Colours come from the CSS classes of the feedback widget; the words and marks (✓ ✗ ◐ ↷)
# carry the meaning, so bold/italic here are a second cue that survives NO_COLOR.


@dataclass
class Answered(Message):
    """The learner answered the shown checkpoint."""

    value: str | int  # an option's 0-based index, or the typed text


class ChoiceList(OptionList):
    """The options of a choice or predict checkpoint: a–f / 1–6 pick one, Enter picks too."""

    BINDINGS = [
        Binding(f"{k + 1},{LETTERS[k]}", f"pick({k})", show=False) for k in range(CHOICE_KEYS)
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick":
            return bool(parameters) and int(parameters[0]) < self.option_count  # type: ignore[call-overload]
        return True

    def action_pick(self, index: int) -> None:
        self.highlighted = index
        self.post_message(Answered(index))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(Answered(event.option_index))


class AnswerInput(Input):
    """A number box. Letters a number never has act as the lesson's keys, so the learner
    can ask for the hint, skip or move on without leaving the box."""

    BINDINGS = [
        Binding("greater_than_sign", "screen.lesson_next", show=False, priority=True),
        Binding("less_than_sign", "screen.lesson_prev", show=False, priority=True),
        Binding("h", "screen.lesson_hint", show=False, priority=True),
        Binding("S", "screen.lesson_skip", show=False, priority=True),
        Binding("R", "screen.lesson_run", show=False, priority=True),
        Binding("t", "screen.lesson_live", show=False, priority=True),
        Binding("q", "app.quit", show=False, priority=True),  # quits from the box too
    ]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(Answered(event.value))


def option_prompt(cp: Checkpoint, index: int, state: CheckpointState, lang: str) -> Text:
    """``a) text``, marked ✓ (right, once known) or ✗ (picked and wrong)."""
    mark = "  "
    if state.finished and state.session is not None and index == state.session.expected:
        mark = "✓ "
    elif index in state.picked:
        mark = "✗ "
    text = Text(f"{mark}{LETTERS[index]}) ")
    text.append(visible(cp.options[index].get(lang)))
    return text


class CheckpointPanel(Vertical):
    """Prompt, answer widget, help and feedback of one checkpoint (shown by ``show``)."""

    _editing: str | None = None  # the fix-it whose line the editor was prefilled with

    DEFAULT_CSS = """
    CheckpointPanel {
        height: auto;
        padding: 1 0 0 0;
    }

    CheckpointPanel #cp-prompt {
        height: auto;
        margin: 0 0 1 0;
    }

    CheckpointPanel #cp-choices {
        height: auto;
        max-height: 10;
        border: none;
        padding: 0;
        margin: 0 0 1 0;
    }

    /* The highlighted option is bold and underlined too, so it shows under NO_COLOR. */
    CheckpointPanel #cp-choices > .option-list--option-highlighted {
        text-style: bold underline;
    }

    CheckpointPanel #cp-choices:disabled {
        opacity: 100%;
    }

    CheckpointPanel #cp-edit {
        margin: 0 0 1 0;
    }

    CheckpointPanel #cp-input {
        width: 40;
        max-width: 100%;
        margin: 0 0 1 0;
    }

    CheckpointPanel #cp-feedback {
        height: auto;
        margin: 0 0 1 0;
    }

    CheckpointPanel #cp-feedback.-warn {
        color: $text-warning;
    }

    CheckpointPanel #cp-feedback.-good {
        color: $text-success;
    }

    CheckpointPanel #cp-help {
        height: auto;
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="cp-prompt", markup=False)
        yield FixitEditor(id="cp-edit")  # before the list: Tab goes on to the fixes
        yield ChoiceList(id="cp-choices", markup=False)
        yield AnswerInput(id="cp-input")
        yield Static(id="cp-feedback", markup=False)
        yield Static(id="cp-help", markup=False)

    def show(self, state: CheckpointState, lang: str) -> None:
        """Draw ``state`` in ``lang``; keeps the list's highlight and the typed text."""
        cp = state.checkpoint
        prompt = Text(cp.prompt.get(lang), style="bold")
        if cp.kind == "goal" and cp.goal is not None:
            prompt.append("\n")
            prompt.append(t("lesson.goal.label", lang, goal=describe_goal(cp.goal, lang)))
        fixing = cp.kind == "fixit" and (state.line_found or state.finished)
        if fixing:
            prompt.append("\n")
            prompt.append(code_prompt(cp))
        self.query_one("#cp-prompt", Static).update(safe(prompt))
        choices = self.query_one(ChoiceList)
        box = self.query_one(AnswerInput)
        choices.display = cp.is_choice or cp.kind == "fixit"
        box.display = cp.is_numeric
        if choices.display:
            if cp.kind == "fixit" and not fixing:
                options = [line_prompt(cp, k, state) for k in range(len(cp.code))]
            else:
                options = [option_prompt(cp, k, state, lang) for k in range(len(cp.options))]
            highlighted = choices.highlighted
            if choices.option_count != len(options):
                highlighted = None  # a fix-it moved from its lines to their fixes
            choices.clear_options()
            choices.add_options([Option(safe(o)) for o in options])
            if highlighted is not None and highlighted < choices.option_count:
                choices.highlighted = highlighted
        self._show_editor(state, fixing, lang)
        box.placeholder = t("lesson.answer.placeholder", lang)
        box.disabled = state.finished
        choices.disabled = state.finished
        feedback = self.query_one("#cp-feedback", Static)
        lines = feedback_lines(state, lang)
        feedback.update(safe(styled(lines)))
        feedback.display = bool(lines)
        feedback.set_class(any(s == "warn" for _, s in lines), "-warn")
        feedback.set_class(state.finished and _good(state), "-good")
        self.query_one("#cp-help", Static).update(Text(visible(help_line(cp, lang, state))))
        self.query_one("#cp-help", Static).display = not state.finished

    def _show_editor(self, state: CheckpointState, fixing: bool, lang: str) -> None:
        """A found fix-it line, open: the editor, prefilled once with the buggy line."""
        cp, editor = state.checkpoint, self.query_one(FixitEditor)
        editor.display = fixing and not state.finished
        editor.placeholder = t("lesson.edit.placeholder", lang, line=cp.bug_line)
        if editor.display and self._editing != cp.id:
            self._editing = cp.id
            editor.value = cp.code[cp.bug_line - 1].strip()
            editor.cursor_position = len(editor.value)

    def reset_input(self) -> None:
        """A fresh checkpoint: empty boxes, first option highlighted."""
        self._editing = None
        self.query_one(FixitEditor).value = ""
        self.query_one(AnswerInput).value = ""
        choices = self.query_one(ChoiceList)
        choices.clear_options()
        choices.highlighted = None

    def answer_widget(self) -> Input | OptionList | None:
        """The widget that should have focus (None on a page, or once answering is over)."""
        if not self.display:
            return None
        editor = self.query_one(FixitEditor)
        if editor.display and not editor.disabled:
            return editor
        if self.query_one(AnswerInput).display and not self.query_one(AnswerInput).disabled:
            return self.query_one(AnswerInput)
        if self.query_one(ChoiceList).display and not self.query_one(ChoiceList).disabled:
            return self.query_one(ChoiceList)
        return None


def _good(state: CheckpointState) -> bool:
    outcome = state.outcome
    return outcome is not None and (outcome.status == CORRECT or outcome.was_correct)
