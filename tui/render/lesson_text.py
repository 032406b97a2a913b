"""The lesson screen's short texts: the where line, the live pane's notes, the end card.

Pure functions of the course, the lesson and a checkpoint's state, returning plain lines
(``(text, style)``) in the language asked for, so they are tested without an app.
"""

from __future__ import annotations

from rich.text import Text

from linreg_tui.lessons.goals import MET
from linreg_tui.lessons.model import Checkpoint, Course, Lesson, Page
from linreg_tui.lessons.tracking import CheckpointState

from ..i18n import t
from .lesson_goal import describe_goal, goal_state_text

RESULTS = ("correct", "revealed", "skipped", "open")


StyledLine = tuple[str, str]  # one line: (text, style class suffix: "" | good | warn | dim | head)


def where_texts(course: Course, lesson: Lesson, index: int, lang: str, wide: bool):
    """(left, right) of the where line: "Lesson 3 of 13 · 4/7 · page 2" (the title is in
    the header) and the key that shows the live view (not needed when both show)."""
    items = lesson.items()
    number = course.index(lesson.id) + 1
    left = t("lesson.where", lang, number=number, total=len(course.lessons))
    if index >= len(items):
        left += " · " + t("lesson.done", lang)
    else:
        item: Page | Checkpoint = items[index]
        left += " · " + t("lesson.item", lang, index=index + 1, count=len(items))
        if isinstance(item, Page):
            left += " · " + t("lesson.page", lang, number=item.number)
        else:
            left += " · " + t(f"lesson.kind.{item.kind}", lang)
    right = "" if wide else t("lesson.to_live", lang)
    return Text(left, style="bold"), Text(right, style="italic")


def bar_lines(state: CheckpointState | None, lang: str, wide: bool) -> list[StyledLine]:
    """The notes above the live view: the goal and how it is going, or what R runs, then
    how to get back to the text."""
    lines: list[StyledLine] = []
    cp = state.checkpoint if state is not None else None
    if state is not None and cp is not None and cp.goal is not None:
        lines.append((t("lesson.goal.label", lang, goal=describe_goal(cp.goal, lang)), "head"))
        outcome = state.outcome
        gave_up = outcome is not None and outcome.finished and outcome.status != "correct"
        if state.tracker is not None and (state.goal_status == MET or not gave_up):
            lines.append(goal_state_text(state.tracker, state.goal_status, lang))
        elif gave_up:
            lines.append((t("lesson.answer.solution_run", lang), "dim"))
        else:
            lines.append((t("lesson.goal.waiting", lang), "dim"))
    elif state is not None and cp is not None and cp.kind == "predict" and state.finished:
        key = "lesson.answer.run_it" if cp.run_updates else "lesson.answer.play_it"
        lines.append((t(key, lang, updates=cp.run_updates or 0), "head"))
    elif state is not None and cp is not None and cp.kind == "fixit" and state.finished:
        lines.append((t("lesson.answer.fixit_run", lang), "head"))  # both loops, side by side
    keys = t("lesson.wide_focus" if wide else "lesson.to_text", lang)
    return [*lines, (keys, "dim")]  # the lesson's title is in the header


def end_lines(
    course: Course, lesson: Lesson, results: dict[str, str | None], lang: str
) -> list[StyledLine]:
    """The end card: done, how the checkpoints went, and the next lesson (or the course's
    end). ``results`` maps checkpoint ids to their saved result (None: never answered)."""
    number = course.index(lesson.id) + 1
    counts = dict.fromkeys(RESULTS, 0)
    for cp in lesson.checkpoints:
        counts[results.get(cp.id) or "open"] += 1
    lines: list[StyledLine] = [
        (t("lesson.end.done", lang, number=number, title=lesson.title.get(lang)), "good"),
        ("", ""),
        (t("lesson.end.summary", lang, **counts), ""),
        ("", ""),
    ]
    nxt = course.next_lesson(lesson.id)
    if nxt is None:
        lines.append((t("lesson.end.last", lang), "head"))
    else:
        text = t("lesson.end.next", lang, number=number + 1, title=nxt.title.get(lang))
        lines.append((text, "head"))
    return lines
