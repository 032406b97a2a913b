"""How a fix-it exercise shows on the lesson screen: its numbered buggy loop, the learner's
picks, and after it is finished both loops' results as the engine computed them.

A fix-it is answered in two steps: first the loop's lines are the options of the checkpoint
panel's ChoiceList (pick the wrong one); then the learner edits that line in a one-line
editor (read by ``lessons.fixit_edit``, never run) or, as a fallback, picks one of the
replacements from the list. The rules
are ``lessons.checkpoints.CheckpointSession``'s; the loops' results come from
``lessons.answers.fixit_result`` (kept on the state as ``fixit``). Everything is rich
``Text`` or plain strings (code contains ``[``).
"""

from __future__ import annotations

from rich.text import Text

from linreg_tui.lessons.answers import LoopResult
from linreg_tui.lessons.checkpoints import CORRECT, REVEALED, SKIPPED, format_number
from linreg_tui.lessons.fixit_edit import line_names
from linreg_tui.lessons.model import FIXIT_LABELS, Checkpoint
from linreg_tui.lessons.tracking import CheckpointState

from ..i18n import t
from .lesson_text import StyledLine


def line_prompt(cp: Checkpoint, index: int, state: CheckpointState) -> Text:
    """One line of the buggy loop as an option: ``✗  3  grad_w = …`` (✗: picked, wrong)."""
    mark = "✗ " if index in state.picked_lines and index != cp.bug_line - 1 else "  "
    text = Text(f"{mark}{index + 1:>2}  ", style="dim")
    text.append(cp.code[index])
    return text


def code_prompt(cp: Checkpoint) -> Text:
    """The whole loop, numbered, the wrong line marked ▶ (shown once it was found)."""
    text = Text()
    for number, line in enumerate(cp.code, 1):
        if number > 1:
            text.append("\n")
        mark = "▶" if number == cp.bug_line else " "
        text.append(f"{mark}{number:>2}  ", style="dim")
        text.append(line, style="bold" if number == cp.bug_line else "")
    return text


def fixit_help(cp: Checkpoint, lang: str, found: bool, letters: str, count: int) -> str:
    """What to press now: a line number, or once the line is found, edit it (or pick a fix)."""
    if found:
        return t("lesson.edit.help", lang, line=cp.bug_line, letters=letters)
    return t("lesson.help.fixit_line", lang, count=len(cp.code))


def edit_lines(state: CheckpointState, lang: str) -> list[StyledLine]:
    """The learner's latest edit: the line as typed, what it does, and its loop's result."""
    verdict, cp = state.edit_verdict, state.checkpoint
    if verdict is None or state.edit is None:
        return []
    yours = t("lesson.edit.yours", lang, line=cp.bug_line, text=state.edit)
    lines: list[StyledLine] = [(yours, "")]
    names = ", ".join(sorted(line_names(cp)))
    scale = format_number(verdict.lr_scale)
    words = t(f"lesson.edit.{verdict.reason}", lang, line=cp.bug_line, names=names,
              mistake=verdict.mistake or "", scale=scale, detail=verdict.detail)  # fmt: skip
    lines.append((words, "good" if verdict.fixed else "warn"))
    if verdict.runnable:
        loop = state.edit_loop
        if loop is None:
            lines.append((t("lesson.edit.loop_running", lang), "dim"))
        elif loop.diverged_at is not None:
            lines.append((t("lesson.edit.loop_diverged", lang, update=loop.diverged_at), ""))
        else:
            loss = format_number(loop.loss)
            lines.append((t("lesson.edit.loop", lang, loss=loss, updates=loop.updates), ""))
    return lines


def _loop(label: str, loop: LoopResult, lang: str) -> StyledLine:
    if loop.diverged_at is not None:
        return t("lesson.answer.fixit_diverged", lang, label=label, update=loop.diverged_at), ""
    return t("lesson.answer.fixit_loop", lang, label=label, loss=format_number(loop.loss)), ""


def fixit_lines(state: CheckpointState, lang: str, answer: str) -> list[StyledLine]:
    """A finished fix-it: the verdict, the right line and fix, the explanation, and both
    loops' results from the engine."""
    cp, outcome = state.checkpoint, state.outcome
    assert outcome is not None
    verdict = {CORRECT: "correct", REVEALED: "revealed", SKIPPED: "skipped"}[outcome.status]
    lines: list[StyledLine] = edit_lines(state, lang) + [
        (t(f"lesson.answer.{verdict}", lang), "good" if verdict == "correct" else "warn"),
        (t("lesson.answer.answer", lang, answer=answer), "head"),
        (cp.explain.get(lang), ""),
    ]
    result = state.fixit
    if result is not None:
        lines.append((t("lesson.answer.fixit_result", lang, updates=result.updates), "head"))
        lines.append(_loop(FIXIT_LABELS[0].get(lang), result.buggy, lang))
        lines.append(_loop(FIXIT_LABELS[1].get(lang), result.fixed, lang))
    elif state.error is None:
        lines.append((t("lesson.answer.computing", lang), "dim"))
    lines.append((t("lesson.answer.fixit_run", lang), "head"))
    lines.append((t("lesson.answer.next", lang), "dim"))
    return lines
