"""Goals judged on RunSummary values and History columns, without an app."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial

import pytest

from linreg_tui.engine.run import Run
from linreg_tui.engine.summary import RunSummary
from linreg_tui.lessons.answers import make_run, stable_lr
from linreg_tui.lessons.goals import (
    COLUMNS,
    MET,
    MISSED,
    PENDING,
    GoalTracker,
    GoalView,
    check_goal,
    goal_status,
)
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Goal

BASE = RunSummary(
    updates=0,
    epoch=0,
    epochs_done=0.0,
    samples_seen=0,
    loss=4.0,
    grad_norm=1.0,
    lr=0.01,
    base_lr=0.01,
    tolerance=1e-10,
    status="running",
    diverged_at=None,
)


def summary(**changes: object) -> RunSummary:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def test_goals() -> None:
    fast = Goal(loss_below=0.01, within_updates=20)
    assert goal_status(fast, summary(updates=5, loss=0.5)) == PENDING
    assert goal_status(fast, summary(updates=20, loss=0.009)) == MET
    assert goal_status(fast, summary(updates=21, loss=0.009)) == MISSED
    blown = summary(updates=3, loss=float("nan"), status="diverged", diverged_at=3)
    assert goal_status(fast, blown) == MISSED
    assert check_goal(Goal(loss_below=1.0), summary(updates=500, loss=0.5))
    assert check_goal(Goal(diverge=True), summary(status="diverged"))
    assert not check_goal(Goal(diverge=True), summary(loss=1e9))
    done = summary(updates=126, status="converged")
    assert check_goal(Goal(converge=True, within_updates=200), done)
    assert not check_goal(Goal(converge=True, within_updates=100), done)
    edge = Goal(lr_within_stable=0.10)
    assert check_goal(edge, summary(base_lr=0.21), 0.2)
    assert check_goal(edge, summary(base_lr=0.181), 0.2)
    assert not check_goal(edge, summary(base_lr=0.179), 0.2)
    assert not check_goal(edge, summary(base_lr=0.221), 0.2)
    assert not check_goal(edge, summary(base_lr=0.2), None)


def test_summary_of_a_diverged_run() -> None:
    course = load_course()
    run = make_run(course.lessons[0].preset.with_overrides({"lr": 0.3}))
    run.run_until(update=50)
    s = run.summary()
    assert s.diverged and not s.converged
    assert s.base_lr == 0.3 and s.updates == run.updates < 50
    assert math.isfinite(s.loss) and s.loss > 1e6
    assert math.isnan(s.grad_norm)  # not computed once diverged
    assert f"diverged at update {s.updates}" in s.describe()


def view_of(run: Run, best: float) -> GoalView:
    return GoalView(run.summary(), best, partial(run.history_window, COLUMNS))


def scaling_preset():
    course = load_course()
    return course.lesson("scaling").preset.with_overrides({"standardize": True, "lr": 0.1})


def test_the_goal_tracker_finds_a_goal_met_between_two_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One check 300 updates on: the run converged at update k ≤ 200, so "converge within
    200 updates" was met there, although the run's state now is 'update 300'. The tracker
    reads the History's gradient-norm column and computes no gradient."""
    preset = scaling_preset()
    run = make_run(preset)
    best = stable_lr(preset)
    tracker = GoalTracker(Goal(converge=True, within_updates=200))
    assert tracker.check(view_of(run, best)) == PENDING
    run.run_until(update=300)

    def no_gradients(*_: object) -> None:
        raise AssertionError("a goal recomputed a gradient")

    monkeypatch.setattr(run.problem, "full_gradient", no_gradients)
    assert tracker.check(view_of(run, best)) == MET
    monkeypatch.undo()
    first = make_run(preset)
    while first.status != "converged":
        first.step()
    assert tracker.met_at == first.updates <= 200
    late = GoalTracker(Goal(converge=True, within_updates=first.updates - 1))
    assert late.check(view_of(run, best)) == MISSED and late.met_at is None
    assert late.missed_at == 300


def test_loss_goal_between_checks_and_a_new_attempt() -> None:
    preset = scaling_preset()
    run = make_run(preset)
    target = run.loss / 2
    tracker = GoalTracker(Goal(loss_below=target, within_updates=50))
    run.run_until(update=40)
    losses = run.history.losses()
    first = int(next(k for k, loss in enumerate(losses) if loss < target))
    assert tracker.check(view_of(run, 0.1)) == MET and tracker.met_at == first
    # Without a column reader the tracker judges the summary alone: met now, at update 40.
    alone = GoalTracker(Goal(loss_below=target, within_updates=50))
    assert alone.check(GoalView(run.summary(), 0.1)) == MET and alone.met_at == 40
    # A missed attempt stays missed until the run is back at update 0.
    never = GoalTracker(Goal(loss_below=-1.0, within_updates=10))
    assert never.check(view_of(run, 0.1)) == MISSED
    run.goto(5)
    assert never.check(view_of(run, 0.1)) == MISSED
    run.reset()
    assert never.check(view_of(run, 0.1)) == PENDING and never.seen == 0
