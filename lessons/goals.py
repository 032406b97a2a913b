"""Goal checkpoints: is the live run's condition met?

The app passes a few plain facts about its run (:class:`RunFacts`), so this
module needs neither the engine nor the Run object. ``answers.facts_from_run``
builds the facts from a Run for callers that have one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .model import Goal

MET, PENDING, MISSED = "met", "pending", "missed"


@dataclass(frozen=True)
class RunFacts:
    """What a goal may look at in the live run."""

    updates: int  # updates done since the run (re)started
    loss: float | None  # full-data loss now (None before anything is known)
    diverged: bool  # the run stopped because the loss blew up
    converged: bool  # the full-data gradient norm fell under the engine's tolerance
    lr: float  # the learning rate the learner set (η)
    max_stable_lr: float | None  # largest stable η for this problem (None: unknown)


def goal_status(goal: Goal, facts: RunFacts) -> str:
    """MET, PENDING (keep going), or MISSED (this run can no longer meet it: reset).

    loss_below: loss < loss_below, within ``within_updates`` updates if given.
    converge: converged, within ``within_updates`` updates if given.
    diverge: the run diverged.
    lr_within_stable: |η − η_max| ≤ fraction · η_max (either side of η_max).
    """
    kind = goal.kind
    within = goal.within_updates
    late = within is not None and facts.updates > within
    if kind == "loss_below":
        assert goal.loss_below is not None
        ok = facts.loss is not None and math.isfinite(facts.loss) and facts.loss < goal.loss_below
        if ok and not late:
            return MET
        return MISSED if late or facts.diverged else PENDING
    if kind == "converge":
        if facts.converged and not late:
            return MET
        return MISSED if late or facts.diverged else PENDING
    if kind == "diverge":
        return MET if facts.diverged else PENDING
    assert goal.lr_within_stable is not None
    best = facts.max_stable_lr
    if best is None or not math.isfinite(best) or best <= 0:
        return PENDING
    return MET if abs(facts.lr - best) <= goal.lr_within_stable * best else PENDING


def check_goal(goal: Goal, facts: RunFacts) -> bool:
    """True when the goal is met by the run these facts describe."""
    return goal_status(goal, facts) == MET
