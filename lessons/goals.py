"""Goal checkpoints: is the live run's condition met, still open, or missed this attempt?

A goal judges a run's :class:`~linreg_tui.engine.summary.RunSummary` (the engine's plain
record of its state) and the largest stable rate of its problem; it never sees a Run.
A view reports frames, and one frame may cover many updates (playing fast, an epoch, a
fast-forward), so "loss below 0.01 within 20 updates" could be met at update 12 and seen
only at update 30. :class:`GoalTracker` therefore also reads the History columns of the
updates between two checks: the full-data loss and the full-data gradient norm after each
update, both kept by the engine, so no goal recomputes a gradient.

A windowed goal (``hold_below``, ``hold_near_optimum``) holds when its condition is true
after every update of a window: the tracker reads the window's loss column as the run
reaches it and keeps the worst value so far, misses at the first update that breaks the
condition, and is met once the whole window has been read (or the run converged, so its
loss stays where it is, inside the bound).

An attempt is one run from update 0; a missed attempt stays missed until the run starts
again (reset, or a changed setting, which rebuilds the run at update 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .model import Goal

if TYPE_CHECKING:
    from linreg_tui.engine import RunSummary

MET, PENDING, MISSED = "met", "pending", "missed"
SCAN_MAX = 20_000  # updates read per check at most (older ones: the summary's own state)
COLUMNS = ("loss", "full_grad_norm")  # History columns a goal reads between checks

# read(start, stop) -> {"loss": …, "full_grad_norm": …}, entry i after update start+1+i
WindowReader = Callable[[int, int], Mapping[str, np.ndarray]]


def goal_status(goal: Goal, run: RunSummary, max_stable_lr: float | None = None) -> str:
    """MET, PENDING (keep going), or MISSED (this run can no longer meet it: reset).

    loss_below: loss < loss_below, within ``within_updates`` updates if given.
    converge: converged (‖∇L‖ < tolerance), within ``within_updates`` updates if given.
    diverge: the run diverged.
    lr_within_stable: |η − η_max| ≤ fraction · η_max (either side of η_max), η as set.
    Windowed goals need the run's history (:class:`GoalTracker`): from a summary alone they
    are MISSED once the run diverged, else PENDING.
    """
    kind = goal.kind
    if goal.windowed:
        return MISSED if run.diverged else PENDING
    within = goal.within_updates
    late = within is not None and run.updates > within
    if kind == "loss_below":
        assert goal.loss_below is not None
        ok = math.isfinite(run.loss) and run.loss < goal.loss_below
        if ok and not late:
            return MET
        return MISSED if late or run.diverged else PENDING
    if kind == "converge":
        if run.converged and not late:
            return MET
        return MISSED if late or run.diverged else PENDING
    if kind == "diverge":
        return MET if run.diverged else PENDING
    assert goal.lr_within_stable is not None
    best = max_stable_lr
    if best is None or not math.isfinite(best) or best <= 0:
        return PENDING
    return MET if abs(run.base_lr - best) <= goal.lr_within_stable * best else PENDING


def check_goal(goal: Goal, run: RunSummary, max_stable_lr: float | None = None) -> bool:
    """True when the goal is met by the run this summary describes."""
    return goal_status(goal, run, max_stable_lr) == MET


@dataclass(frozen=True)
class GoalView:
    """What a goal check sees of one run: its summary now, its problem's largest stable
    rate, and (optionally) a reader of its History columns for the updates in between."""

    summary: RunSummary
    max_stable_lr: float | None
    read: WindowReader | None = None  # None: judge the summary alone
    per_epoch: int = 1  # updates per epoch of this run (windows given in epochs)
    optimum_loss: float | None = None  # L(θ*) of this run's problem (hold_near_optimum)
    attempt: int = 0  # changes whenever the run starts over (reset, new settings, "run it")


@dataclass
class GoalTracker:
    """Follows one goal over the attempts of one live run."""

    goal: Goal
    seen: int = 0  # updates of this attempt already checked
    met_at: int | None = None  # the update where the goal was met
    missed: bool = False  # this attempt can no longer meet the goal
    missed_at: int | None = None  # the update at which it became impossible
    summary: RunSummary | None = None  # the run's state at the last check
    max_stable_lr: float | None = None  # the run's largest stable rate at the last check
    window: tuple[int, int] | None = None  # windowed goals: (first, last) update, at last check
    per_epoch: int = 1  # the run's updates per epoch at the last check
    checked: int = 0  # windowed goals: the window's updates read so far end here
    worst: float | None = None  # windowed goals: the worst value read (loss or |loss − L*|)
    worst_at: int | None = None  # … and the update where it was
    attempt: int = 0  # the view's attempt at the last check

    def check(self, view: GoalView) -> str:
        """MET, PENDING or MISSED for the run as ``view`` shows it now.

        Sets ``met_at`` to the first update (since the last check) at which the goal held.
        """
        run = view.summary
        now = run.updates
        if view.attempt != self.attempt:  # started over, maybe already past update 0
            self.attempt, self.seen = view.attempt, 0
            self.missed, self.missed_at = False, None
            self.checked, self.worst, self.worst_at = 0, None, None
        if now == 0 or now < self.seen:  # a new attempt, or stepped back
            if now == 0:
                self.missed, self.missed_at = False, None
            self.seen = now
            self.checked, self.worst, self.worst_at = 0, None, None  # read the window again
        self.summary, self.max_stable_lr = run, view.max_stable_lr
        self.per_epoch = max(1, view.per_epoch)
        if self.met_at is not None:
            return MET
        if self.missed:
            return MISSED
        if self.goal.windowed:
            return self._check_window(view, now)
        hit = self._scan(view, now)
        if hit is not None:
            self.met_at = hit
            return MET
        status = goal_status(self.goal, run, view.max_stable_lr)
        if status == MET:
            self.met_at = now
        elif status == MISSED:
            self.missed, self.missed_at = True, now
        self.seen = now
        return status

    def _scan(self, view: GoalView, now: int) -> int | None:
        """The first update in (seen, top] where a loss or convergence goal held, if any;
        top is ``within_updates`` when set. Reads the History columns, computes nothing."""
        goal = self.goal
        if view.read is None or goal.kind not in ("loss_below", "converge"):
            return None
        within = goal.within_updates
        top = now if within is None else min(now, within)
        start = max(self.seen + 1, top - SCAN_MAX + 1, 1)
        if start > top:
            return None
        columns = view.read(start - 1, top)  # entry i: after update start + i
        if goal.kind == "loss_below":
            assert goal.loss_below is not None
            values, limit = columns["loss"], goal.loss_below
        else:
            values, limit = columns["full_grad_norm"], view.summary.tolerance
        hits = np.flatnonzero(np.isfinite(values) & (values < limit))  # NaN: never met
        return start + int(hits[0]) if hits.size else None

    def _check_window(self, view: GoalView, now: int) -> str:
        """A windowed goal: read the window's new updates, then MET, PENDING or MISSED."""
        goal, run = self.goal, view.summary
        first, last = self.window = goal.window(self.per_epoch)
        if goal.kind == "hold_near_optimum" and view.optimum_loss is None:
            return PENDING  # L(θ*) not known yet: nothing to measure against
        start, top = max(self.checked + 1, first), min(now, last)
        if start <= top:
            bad = self._read_window(view, start, top)
            self.checked = top
            if bad is not None:
                self.missed, self.missed_at = True, bad
                return MISSED
        self.seen = now
        if run.diverged:
            self.missed, self.missed_at = True, now
            return MISSED
        if self.checked >= last:
            self.met_at = last
            return MET
        if run.converged and self._holds(np.array([run.loss]), view).all():
            self.met_at = now  # a converged run stays where it is: inside the bound for ever
            return MET
        return PENDING

    def _read_window(self, view: GoalView, start: int, top: int) -> int | None:
        """Read updates start … top (chunks of SCAN_MAX), keep the worst value; the first
        update that breaks the condition, or None. Without a reader: the summary's loss."""
        if view.read is None:
            return self._judge(np.array([view.summary.loss]), view, top)
        for lo in range(start, top + 1, SCAN_MAX):
            hi = min(top, lo + SCAN_MAX - 1)
            bad = self._judge(view.read(lo - 1, hi)["loss"], view, lo)
            if bad is not None:
                return bad
        return None

    def _judge(self, losses: np.ndarray, view: GoalView, first: int) -> int | None:
        """Fold losses (entry i: after update first + i) into ``worst``, up to the first
        update that breaks the condition (then the worst one); that update, or None."""
        if losses.size == 0:
            return None
        broken = np.flatnonzero(~self._holds(losses, view))
        end = int(broken[0]) + 1 if broken.size else losses.size  # read up to the first break
        values = self._values(losses[:end], view)
        finite = np.where(np.isfinite(values), values, np.inf)  # NaN: as bad as it gets
        i = int(np.argmax(finite))
        if self.worst is None or finite[i] > self.worst:
            self.worst, self.worst_at = float(finite[i]), first + i
        return first + int(broken[0]) if broken.size else None

    def _values(self, losses: np.ndarray, view: GoalView) -> np.ndarray:
        """What the window judges: the loss, or its distance from L(θ*)."""
        if self.goal.kind == "hold_near_optimum":
            best = view.optimum_loss if view.optimum_loss is not None else np.nan
            return np.abs(losses - best)
        return losses

    def _holds(self, losses: np.ndarray, view: GoalView) -> np.ndarray:
        """Per loss: the condition holds (NaN or inf never does)."""
        goal = self.goal
        bound = goal.hold_below if goal.kind == "hold_below" else goal.hold_near_optimum
        assert bound is not None
        values = self._values(losses, view)
        return np.isfinite(values) & (values <= bound)
