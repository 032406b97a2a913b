"""Lesson tracking while a lesson is open: checkpoint states, judging answers, goals, progress.

No Textual here. The lesson screen forwards what happened (an answer, a computed expected
value, what the live runs show now as :class:`~linreg_tui.lessons.goals.GoalView`) and
redraws from the states kept here. Every result goes to ``record(checkpoint_id, result,
tries)`` at once, so progress is saved on every answer; :class:`LessonProgress` is that
saving for one course (each save a small delta merged by ``ProgressStore.save``: the latest
position wins by its time, results keep the best, done lessons are a union, so two sessions
of the same learner never undo each other).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .answers import FixitResult, LoopResult
from .checkpoints import INVALID, LINE, CheckpointSession, Outcome, parse_choice
from .fixit_edit import PARTIAL, TWO, EditVerdict, read_edit
from .goals import MET, MISSED, PENDING, GoalTracker, GoalView
from .model import Checkpoint, Course, Lesson
from .progress import ProgressStore
from .progress_model import CourseProgress, Progress
from .schema import FIXIT_RUN_UPDATES


@dataclass
class CheckpointState:
    """Everything the screen knows about one checkpoint while its lesson is open."""

    checkpoint: Checkpoint
    session: CheckpointSession | None = None  # None until the expected answer is known
    outcome: Outcome | None = None  # the latest result of an action
    picked: list[int] = field(default_factory=list)  # options chosen so far (choice kinds)
    guess: str | None = None  # a predict's guess as typed
    pending: str | int | None = None  # an answer given while the expected one was computing
    error: str | None = None  # why the expected answer could not be computed
    earlier: str | None = None  # result saved on an earlier visit (progress file)
    picked_lines: list[int] = field(default_factory=list)  # fixit: lines chosen (0-based)
    fixit: FixitResult | None = None  # fixit: both loops' results, once computed
    edit: str | None = None  # fixit: the learner's latest edit of the buggy line, as typed
    edit_verdict: EditVerdict | None = None  # … what it does in the engine's terms
    edit_loop: LoopResult | None = None  # … its loop as the engine ran it (once computed)
    trackers: dict[int, GoalTracker] = field(default_factory=dict)  # goal: one per live run
    shown: int = 0  # the run whose goal state is shown (the one that met it, if any)
    goal_status: str = PENDING

    @property
    def tracker(self) -> GoalTracker | None:
        """The goal tracker of the shown run (None before the live run reported)."""
        return self.trackers.get(self.shown)

    @property
    def finished(self) -> bool:
        return self.outcome is not None and self.outcome.finished

    @property
    def hint_level(self) -> int:
        """Hint levels shown so far."""
        return self.session.hint_level if self.session is not None else 0

    @property
    def line_found(self) -> bool:
        """fixit: the wrong line was picked, its fix is asked now."""
        return self.session is not None and self.session.line_found

    @property
    def ready(self) -> bool:
        """The checkpoint can take answers (its expected answer is known)."""
        return self.session is not None


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
        elif cp.kind == "fixit":
            state.session = CheckpointSession(cp, cp.answer, self.lang)
            return True  # both loops' results are computed off the UI thread
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

    def fixit_done(self, cp_id: str, result: FixitResult | None, error: str | None) -> None:
        """A fix-it's loops were run by the engine (or could not be)."""
        state = self.states.get(cp_id)
        if state is not None:
            state.fixit = result
            state.error = error

    def more_hint(self, state: CheckpointState) -> None:
        """Show one hint level more (the ``h`` key)."""
        if state.session is not None and not state.finished:
            state.session.more_hint()

    def answer(self, state: CheckpointState, value: str | int) -> None:
        """Judge one answer (kept for later while the expected one is being computed)."""
        if state.finished:
            return
        if state.session is None:
            state.pending = value
            return
        cp = state.checkpoint
        before = state.line_found
        state.outcome = state.session.attempt(value)
        if state.outcome.status == INVALID:
            return
        if cp.kind == "fixit":
            if state.outcome.status == LINE or not before:
                state.picked_lines.append(_line_index(value))
            else:
                state.picked.append(parse_choice(value, len(cp.options)) or 0)
        elif cp.is_choice:
            index = parse_choice(value, len(cp.options))
            if index is not None:
                state.picked.append(index)
        elif cp.kind == "predict":
            state.guess = str(value)
        self._record(state)

    def edit(self, state: CheckpointState, text: str) -> EditVerdict | None:
        """Judge the learner's edit of a fix-it's buggy line (after the line was found).

        Read as the engine's mistake model (``fixit_edit.read_edit``): the repaired loop is
        right; another runnable loop, a half-repaired sum or two mistakes at once is a wrong
        try (one hint level more); text outside the forms uses no try. Returns the verdict
        (the screen runs a runnable edit's loop in the engine), None when no edit applies."""
        cp = state.checkpoint
        if cp.kind != "fixit" or state.finished or not state.line_found:
            return None
        assert state.session is not None
        verdict = read_edit(cp, text)
        state.edit, state.edit_verdict, state.edit_loop = text, verdict, None
        if verdict.runnable or verdict.reason in (PARTIAL, TWO):
            state.outcome = state.session.edit(verdict.fixed)
            self._record(state)
        return verdict

    def edit_done(self, cp_id: str, text: str, loop: LoopResult | None) -> None:
        """The engine ran an edit's loop (None: it could not); kept while that edit is shown."""
        state = self.states.get(cp_id)
        if state is not None and state.edit == text:
            state.edit_loop = loop

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

    def check_goal(self, state: CheckpointState, runs: Sequence[GoalView]) -> None:
        """Check a goal on every run of the live view (``runs``: what each one shows now).

        Met when any run meets it; a miss counts once all runs have missed this attempt."""
        goal = state.checkpoint.goal
        if goal is None or not runs:
            return
        statuses = []
        for index, view in enumerate(runs):
            tracker = state.trackers.setdefault(index, GoalTracker(goal))
            statuses.append(tracker.check(view))
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
        if cp.kind == "fixit":
            return None, cp.run_updates or FIXIT_RUN_UPDATES
        return None


def _line_index(value: str | int) -> int:
    """A fixit's line pick as a 0-based index (an int is one already; text is 1-based)."""
    if isinstance(value, int):
        return value
    return int(unicodedata.normalize("NFKC", str(value)).strip()) - 1


class LessonProgress:
    """The progress of one course in one user's progress file."""

    def __init__(self, course: Course, directory: Path | str | None = None, lang: str = "en"):
        self.course = course
        self.store = ProgressStore(directory, lang)
        self.progress = CourseProgress()  # the latest merged copy (for resuming and Home)
        self.notice: str | None = None  # the store's last one-line notice, if any

    def load(self) -> CourseProgress:
        """Read the file (a bad one is moved aside; ``notice`` says so)."""
        progress, self.notice = self.store.load()
        self.progress = progress.course(self.course.key)
        return self.progress

    def _save(self, change: Callable[[CourseProgress], None]) -> CourseProgress:
        delta = Progress()
        change(delta.course(self.course.key))
        merged, self.notice = self.store.save(delta)
        self.progress = merged.course(self.course.key)
        return self.progress

    def moved(self, lesson_id: str, item: int) -> CourseProgress:
        """The learner is now at ``item`` of ``lesson_id``."""
        now = time.time()
        return self._save(lambda p: p.set_position(lesson_id, item, now))

    def answered(self, lesson_id: str, checkpoint_id: str, result: str, tries: int) -> None:
        """A checkpoint was answered, revealed or skipped."""
        self._save(lambda p: p.record(lesson_id, checkpoint_id, result, tries))

    def finished(self, lesson_id: str) -> CourseProgress:
        """The learner reached the end of ``lesson_id``."""
        return self._save(lambda p: p.mark_done(lesson_id))

    def result(self, lesson_id: str, checkpoint_id: str) -> str | None:
        """The saved result of a checkpoint ("correct", "skipped"…), None if never met."""
        res = self.progress.result(lesson_id, checkpoint_id)
        return None if res is None or res.result == "open" else res.result

    def start_item(self, lesson: Lesson) -> int:
        """Where to open ``lesson``: the saved position if it is there, else the furthest
        item reached (a lesson not yet done), else its start."""
        last = max(0, len(lesson.items()) - 1)
        if self.progress.lesson == lesson.id:
            return min(self.progress.item, last)
        if lesson.id not in self.progress.done:
            return min(self.progress.reached.get(lesson.id, 0), last)
        return 0

    def resume(self) -> tuple[Lesson, int] | None:
        """The lesson and item to continue with, None when the whole course is done."""
        return self.progress.resume(self.course)
