"""Lesson tracking without an app: checkpoint states, judging, goals on runs, progress."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from linreg_tui.engine.run import Run
from linreg_tui.lessons.answers import check_solution, expected_answer, make_run, stable_lr
from linreg_tui.lessons.goals import COLUMNS, MET, GoalView
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Checkpoint, Course, Lesson
from linreg_tui.lessons.tracking import LessonCheckpoints, LessonProgress

COURSE = load_course()


def find(lesson_id: str, cp_id: str) -> tuple[Lesson, Checkpoint]:
    lesson = COURSE.lesson(lesson_id)
    return lesson, next(cp for cp in lesson.checkpoints if cp.id == cp_id)


def tracker_for(lesson: Lesson) -> tuple[LessonCheckpoints, list[tuple[str, str, int]]]:
    saved: list[tuple[str, str, int]] = []
    return LessonCheckpoints(lesson, "en", lambda *r: saved.append(r), lambda _: None), saved


def test_an_answer_given_while_computing_is_judged_when_the_value_arrives() -> None:
    lesson, cp = find("loss", "loss-at-1-5")
    checkpoints, saved = tracker_for(lesson)
    assert checkpoints.enter(cp, None) is True  # its value must be computed
    state = checkpoints.states[cp.id]
    checkpoints.answer(state, "12345")
    assert state.pending == "12345" and state.outcome is None and not saved
    value = expected_answer(lesson, cp)
    checkpoints.expected(cp.id, value, None)
    assert state.outcome is not None and state.outcome.status == "wrong"
    assert saved == [(cp.id, "open", 1)]
    checkpoints.answer(state, repr(value))
    assert state.finished and saved[-1] == (cp.id, "correct", 2)
    assert checkpoints.enter(cp, (value, None)) is False  # a finished one is kept


def test_an_expected_answer_that_failed_is_kept_as_the_error() -> None:
    lesson, cp = find("gradient", "first-grad")
    checkpoints, _ = tracker_for(lesson)
    assert checkpoints.enter(cp, None)
    checkpoints.expected(cp.id, None, "the engine refused it")
    assert checkpoints.states[cp.id].error == "the engine refused it"


def goal_views(runs: list[Run], best: float) -> list[GoalView]:
    return [GoalView(r.summary(), best, partial(r.history_window, COLUMNS)) for r in runs]


def test_a_goal_is_met_by_any_run_and_recorded_once() -> None:
    lesson, cp = find("learning-rate", "fast")
    assert cp.goal is not None and cp.solution is not None
    checkpoints, saved = tracker_for(lesson)
    assert checkpoints.enter(cp, None) is False
    state = checkpoints.states[cp.id]
    base = lesson.preset_for(cp)
    slow, fast = make_run(base), make_run(base.with_overrides(cp.solution.settings))
    best = stable_lr(base)
    checkpoints.check_goal(state, goal_views([slow, fast], best))
    assert state.goal_status == "pending" and not saved
    slow.run_until(update=20)
    fast.run_until(update=20)
    checkpoints.check_goal(state, goal_views([slow, fast], best))
    assert state.goal_status == MET and state.shown == 1
    assert state.tracker is not None and state.tracker.met_at is not None
    assert saved == [(cp.id, "correct", 0)]  # met on the first attempt: no miss counted
    checkpoints.check_goal(state, goal_views([slow, fast], best))
    assert len(saved) == 1
    assert checkpoints.run_plan(state) is None  # met: nothing to replay


def test_a_missed_goal_counts_once_and_offers_its_solution() -> None:
    lesson, cp = find("learning-rate", "fast")
    assert cp.solution is not None
    checkpoints, saved = tracker_for(lesson)
    checkpoints.enter(cp, None)
    state = checkpoints.states[cp.id]
    run = make_run(lesson.preset_for(cp))
    run.run_until(update=21)
    checkpoints.check_goal(state, goal_views([run], 0.2))
    checkpoints.check_goal(state, goal_views([run], 0.2))
    assert state.goal_status == "missed" and len(saved) == 1
    checkpoints.skip(state)
    assert state.finished
    assert checkpoints.run_plan(state) == (dict(cp.solution.settings), cp.solution.updates)


def test_a_failing_solution_is_described_in_words() -> None:
    lesson, cp = find("learning-rate", "fast")
    assert cp.solution is not None
    broken = replace(cp, solution=replace(cp.solution, updates=1))
    message = check_solution(lesson, broken)
    assert message is not None
    assert "after 1 updates: loss " in message and "η 0.1" in message
    assert "RunSummary(" not in message and "RunFacts(" not in message


def test_lesson_progress_saves_moves_answers_and_the_end(tmp_path: Path) -> None:
    course: Course = COURSE
    first, second = course.lessons[0], course.lessons[1]
    progress = LessonProgress(course, tmp_path)
    assert progress.load().lesson is None or progress.notice is None
    progress.moved(first.id, 2)
    progress.answered(first.id, "loss-at-1-5", "correct", 1)
    again = LessonProgress(course, tmp_path)
    again.load()
    assert again.start_item(first) == 2
    assert again.result(first.id, "loss-at-1-5") == "correct"
    assert again.result(first.id, "best-w") is None
    again.finished(first.id)
    resumed = again.resume()
    assert resumed is not None and resumed[0].id in (first.id, second.id)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tracking_keeps_the_language_it_was_given(lang: str) -> None:
    lesson, cp = find("loss", "same-loss")
    checkpoints = LessonCheckpoints(lesson, lang, lambda *r: None, lambda _: None)
    checkpoints.enter(cp, None)
    session = checkpoints.states[cp.id].session
    assert session is not None and session.lang == lang
