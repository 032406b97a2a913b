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
    if goal.windowed:
        return _describe_window(goal, lang)
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
    if tracker.goal.windowed:
        return _window_state(tracker, status, now, lang)
    if status == MET:
        return t("lesson.goal.met", lang, update=tracker.met_at or 0), "good"
    if status == MISSED:
        return f"{now} · " + t("lesson.goal.missed", lang), "warn"
    if status == PENDING and now:
        return f"{now} · " + t("lesson.goal.pending", lang), ""
    return t("lesson.goal.waiting", lang), "dim"


def _describe_window(goal: Goal, lang: str) -> str:
    """ "keep the loss at most 0.49 after every update of epochs 30–50"."""
    if goal.over_epochs is not None:
        first, last = goal.over_epochs
        window = t("lesson.goal.over_epochs", lang, first=first, last=last)
    else:
        first, last = goal.over_updates or (0, 0)
        window = t("lesson.goal.over_updates", lang, first=first, last=last)
    bound = goal.hold_below if goal.kind == "hold_below" else goal.hold_near_optimum
    value = format_number(bound or 0.0)  # as the teacher wrote it
    return t(f"lesson.goal.{goal.kind}", lang, value=value, window=window)


def _window_state(tracker: GoalTracker, status: str, now: str, lang: str) -> tuple[str, str]:
    """A windowed goal's progress: before the window, inside it (the worst value read so
    far against the bound), broken (where and by how much), or met."""
    goal, run = tracker.goal, tracker.summary
    bound = format_number((goal.hold_below or goal.hold_near_optimum) or 0.0)
    what = t("lesson.goal.what_loss" if goal.kind == "hold_below" else "lesson.goal.what_gap", lang)
    worst = "–" if tracker.worst is None else num(tracker.worst)
    if status == MET:
        update, at = tracker.met_at or 0, tracker.worst_at or tracker.met_at or 0
        text = t("lesson.goal.window_met", lang, what=what, bound=bound, update=update,
                 worst=worst, at=at)  # fmt: skip
        return text, "good"
    if tracker.window is None or run is None:
        return t("lesson.goal.waiting", lang), "dim"
    first, last = tracker.window
    if status == MISSED:
        update = tracker.missed_at or run.updates
        if tracker.missed_at is not None and tracker.worst_at == tracker.missed_at:
            value = worst  # the update that broke the bound is the worst one read
        else:
            value = num(run.loss)
        text = t("lesson.goal.window_broken", lang, update=update, epoch=_epoch(tracker, update,
                 lang), what=what, value=value, bound=bound)  # fmt: skip
        return f"{now} · {text}", "warn"
    if run.updates < first:
        epochs = ""
        if goal.over_epochs is not None:
            epochs = t("lesson.goal.window_epochs", lang, first=goal.over_epochs[0],
                       last=goal.over_epochs[1])  # fmt: skip
        ahead = t("lesson.goal.window_ahead", lang, first=first, last=last, epochs=epochs,
                  left=first - run.updates)  # fmt: skip
        return f"{now} · {ahead}", ""
    inside = t("lesson.goal.window_inside", lang, done=tracker.checked - first + 1,
               count=last - first + 1, worst=worst, bound=bound)  # fmt: skip
    return f"{now} · {inside}", ""


def _epoch(tracker: GoalTracker, update: int, lang: str) -> str:
    """ " (epoch 34.12)" for a window given in epochs, else nothing."""
    if tracker.goal.over_epochs is None:
        return ""
    return t("lesson.goal.at_epoch", lang, epoch=f"{update / max(1, tracker.per_epoch):.4g}")
