"""Goal checkpoints on the live run: is the goal met, still open, or missed this time?

``lessons.goals.goal_status`` judges one state of a run. A view reports frames, and one
frame may cover many updates (playing fast, an epoch, a fast-forward), so a goal like
"loss below 0.01 within 20 updates" could be met at update 12 and seen only at update 30.
:class:`GoalTracker` therefore also looks at the updates between two frames, read from the
run's History: the full-data loss after update k is ``history.loss_at(k)``, and the run had
converged after update k when ‖∇L(θ_k)‖ < the run's tolerance (the engine's own test).

An attempt is one run from update 0; a missed attempt stays missed until the run starts
again (reset, or a changed setting, which rebuilds the run at update 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linreg_tui.lessons.answers import facts_from_run
from linreg_tui.lessons.checkpoints import format_number
from linreg_tui.lessons.goals import MET, MISSED, PENDING, RunFacts, goal_status
from linreg_tui.lessons.model import Goal

from ..i18n import t
from .step_panel import num

SCAN_MAX = 20_000  # updates looked at per check at most (the rest: the frame's own state)


@dataclass
class GoalTracker:
    """Follows one goal over the attempts of the live run."""

    goal: Goal
    seen: int = 0  # updates of this attempt already checked
    met_at: int | None = None  # the update where the goal was met
    missed: bool = False  # this attempt can no longer meet the goal
    missed_at: int | None = None  # the update at which it became impossible
    facts: RunFacts | None = None  # the run's state at the last check

    def check(self, run, max_stable: float | None) -> str:
        """MET, PENDING or MISSED for the run as it is now (call under the session's lock).

        Sets ``met_at`` to the first update (since the last check) at which the goal held.
        """
        now = int(run.updates)
        if now == 0 or now < self.seen:  # a new attempt, or stepped back
            if now == 0:
                self.missed, self.missed_at = False, None
            self.seen = now
        self.facts = facts_from_run(run, max_stable)
        if self.met_at is not None:
            return MET
        if self.missed:
            return MISSED
        hit = self._scan(run, now, max_stable)
        if hit is not None:
            self.met_at = hit
            return MET
        status = goal_status(self.goal, self.facts)
        if status == MET:
            self.met_at = now
        elif status == MISSED:
            self.missed, self.missed_at = True, now
        self.seen = now
        return status

    def _scan(self, run, now: int, max_stable: float | None) -> int | None:
        """The first update in (seen, top] where a loss or convergence goal held, if any;
        top is ``within_updates`` when set. Convergence costs a gradient per update, so it
        is looked for between frames only when the goal has a window."""
        goal, within = self.goal, self.goal.within_updates
        top = now if within is None else min(now, within)
        start = max(self.seen + 1, top - SCAN_MAX + 1, 1)
        if start > top:
            return None
        history = run.history
        if goal.kind == "loss_below":
            losses = history.view("loss")[start - 1 : top]  # row k-1: after update k
            hits = np.flatnonzero(np.isfinite(losses) & (losses < goal.loss_below))
            return start + int(hits[0]) if hits.size else None
        if goal.kind != "converge" or within is None:
            return None
        problem, tol, lr = run.problem, run.config.tolerance, run.config.lr
        for k in range(start, top + 1):
            grad = problem.full_gradient(problem.tensor(history.params_at(k)))
            converged = float(grad.norm()) < tol
            facts = RunFacts(k, history.loss_at(k), False, converged, lr, max_stable)
            if goal_status(goal, facts) == MET:
                return k
        return None


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
    facts = tracker.facts
    now = ""
    if facts is not None:
        now = t(
            "lesson.goal.now",
            lang,
            updates=facts.updates,
            loss=num(facts.loss),
            lr=num(facts.lr),
        )
        if tracker.goal.kind == "lr_within_stable" and facts.max_stable_lr is not None:
            now += " " + t("lesson.goal.max_lr", lang, max=num(facts.max_stable_lr))
    if status == MET:
        return t("lesson.goal.met", lang, update=tracker.met_at or 0), "good"
    if status == MISSED:
        return f"{now} · " + t("lesson.goal.missed", lang), "warn"
    if status == PENDING and now:
        return f"{now} · " + t("lesson.goal.pending", lang), ""
    return t("lesson.goal.waiting", lang), "dim"
