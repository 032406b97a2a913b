"""Goal text for the lesson screen: what a goal asks, and how the live run stands on it.

The tracking itself (met, pending, missed, and at which update) is
``linreg_tui.lessons.goals.GoalTracker``'s; this module only words it.
"""

from __future__ import annotations

from linreg_tui.lessons.checkpoints import format_number
from linreg_tui.lessons.goals import MET, MISSED, PENDING, GoalTracker
from linreg_tui.lessons.model import Goal

from ..format import num
from ..i18n import t


def describe_goal(goal: Goal, lang: str) -> str:
    """The goal in a few words: "bring the loss below 0.01 within 20 updates"."""
    kind, within = goal.kind, goal.within_updates
    if kind == "loss_below":
        value = format_number(goal.loss_below or 0.0)  # as the teacher wrote it: 450, 0.01
        if within is not None:
            return t("lesson.goal.loss_below_within", lang, value=value, n=within)
        return t("lesson.goal.loss_below", lang, value=value)
    if kind == "converge":
        if within is not None:
            return t("lesson.goal.converge_within", lang, n=within)
        return t("lesson.goal.converge", lang)
    if kind == "diverge":
        return t("lesson.goal.diverge", lang)
    return t("lesson.goal.lr", lang, pct=f"{100 * (goal.lr_within_stable or 0):g}")


def goal_state_text(tracker: GoalTracker, status: str, lang: str) -> tuple[str, str]:
    """(text, style) of the goal's state now: pending with the run's numbers, met, missed."""
    run, best = tracker.summary, tracker.max_stable_lr
    now = ""
    if run is not None:
        now = t(
            "lesson.goal.now",
            lang,
            updates=run.updates,
            loss=num(run.loss),
            lr=num(run.base_lr),
        )
        if tracker.goal.kind == "lr_within_stable" and best is not None:
            now += " " + t("lesson.goal.max_lr", lang, max=num(best))
    if status == MET:
        return t("lesson.goal.met", lang, update=tracker.met_at or 0), "good"
    if status == MISSED:
        return f"{now} · " + t("lesson.goal.missed", lang), "warn"
    if status == PENDING and now:
        return f"{now} · " + t("lesson.goal.pending", lang), ""
    return t("lesson.goal.waiting", lang), "dim"
