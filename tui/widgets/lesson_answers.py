"""The checkpoints of the open lesson: their states, expected answers, judging and goals.

No Textual here: the lesson screen forwards what happened (an answer, a computed expected
value, a frame of the live run) and redraws. Every result goes to ``record(checkpoint_id,
result, tries)`` at once, so progress is saved on every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from linreg_tui.lessons.checkpoints import INVALID, CheckpointSession, parse_choice
from linreg_tui.lessons.goals import MET, MISSED, PENDING
from linreg_tui.lessons.model import Checkpoint, Lesson

from .lesson_checkpoint import CheckpointState
from .lesson_goal import GoalTracker

Record = Callable[[str, str, int], None]  # (checkpoint id, result, tries)
Expected = tuple[float | int | None, str | None]  # (value, error)


class LessonCheckpoints:
    """States of one lesson's checkpoints while the lesson is open."""

    def __init__(self, lesson: Lesson, lang: str, record: Record, saved: Callable[[str], Any]):
        self.lesson = lesson
        self.lang = lang
        self.record = record  # saves a result
        self.saved = saved  # checkpoint id → the result saved earlier, or None
        self.states: dict[str, CheckpointState] = {}

    def enter(self, cp: Checkpoint, known: Expected | None) -> bool:
        """Make ``cp`` ready to answer; True when its expected answer must be computed.

        Coming back to a finished checkpoint shows how it went; an open one starts afresh
        (its saved result is shown as the earlier one)."""
        old = self.states.get(cp.id)
        if old is not None and old.finished:
            return False
        state = CheckpointState(cp, earlier=self.saved(cp.id))
        self.states[cp.id] = state
        if cp.kind == "goal":
            state.session = CheckpointSession(cp, None, self.lang)
        elif cp.compute is None:
            state.session = CheckpointSession(cp, cp.answer, self.lang)
        elif known is not None:
            self.expected(cp.id, *known)
        else:
            return True
        return False

    def expected(self, cp_id: str, value: float | int | None, error: str | None) -> None:
        """The engine's answer arrived: answers given meanwhile are judged now."""
        state = self.states.get(cp_id)
        if state is None or state.session is not None:
            return
        if error is not None:
            state.error = error
            return
        state.session = CheckpointSession(state.checkpoint, value, self.lang)
        if state.pending is not None:
            pending, state.pending = state.pending, None
            self.answer(state, pending)

    def answer(self, state: CheckpointState, value: str | int) -> None:
        """Judge one answer (kept for later while the expected one is being computed)."""
        if state.finished:
            return
        if state.session is None:
            state.pending = value
            return
        cp = state.checkpoint
        state.outcome = state.session.attempt(value)
        if state.outcome.status == INVALID:
            return
        if cp.is_choice:
            index = parse_choice(value, len(cp.options))
            if index is not None:
                state.picked.append(index)
        elif cp.kind == "predict":
            state.guess = str(value)
        self._record(state)

    def skip(self, state: CheckpointState) -> None:
        """Skip a question; give up on a goal (its solution is shown)."""
        if state.finished or state.session is None:
            return
        session = state.session
        state.outcome = session.reveal() if state.checkpoint.kind == "goal" else session.skip()
        self._record(state)

    def _record(self, state: CheckpointState) -> None:
        outcome = state.outcome
        if outcome is None or outcome.status == INVALID:
            return
        result = outcome.status if outcome.finished else "open"
        self.record(state.checkpoint.id, result, outcome.tries)

    def check_goal(self, state: CheckpointState, session) -> None:
        """Check a goal on every run of the live view's ``session`` (under its lock).

        Met when any run meets it; a miss counts once all runs have missed this attempt."""
        goal = state.checkpoint.goal
        if goal is None or not session.ready:
            return
        statuses = []
        with session.lock:
            for index, run in enumerate(session.runs):
                tracker = state.trackers.setdefault(index, GoalTracker(goal))
                statuses.append(tracker.check(run, session.facts[index].max_stable_lr))
        before = state.goal_status
        if MET in statuses:
            state.shown, status = statuses.index(MET), MET
        elif statuses and all(s == MISSED for s in statuses):
            status = MISSED
        else:
            status = PENDING
        state.goal_status = status
        if state.finished or state.session is None:
            return
        if status == MET:
            state.outcome = state.session.report(True)
            self._record(state)
        elif status == MISSED and before != MISSED:
            state.outcome = state.session.miss()
            self._record(state)

    def run_plan(self, state: CheckpointState | None) -> tuple[dict[str, Any] | None, int] | None:
        """What ``R`` runs now: (settings to apply or None, updates), or None."""
        if state is None or not state.finished or state.outcome is None:
            return None
        cp, status = state.checkpoint, state.outcome.status
        if cp.kind == "predict" and cp.run_updates and status != "skipped":
            return None, cp.run_updates
        if cp.kind == "goal" and status != "correct" and cp.solution is not None:
            return dict(cp.solution.settings), cp.solution.updates
        return None
