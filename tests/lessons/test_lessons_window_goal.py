"""Windowed goals: a condition after every update of a window of the live run."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from linreg_tui.engine.run import Run
from linreg_tui.lessons.answers import check_solution, make_run
from linreg_tui.lessons.goals import COLUMNS, MET, MISSED, PENDING, GoalTracker, GoalView
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Goal
from linreg_tui.lessons.validate import validate_course

COURSE = load_course()
STOPPING = COURSE.lesson("stopping")
HOLD = STOPPING.checkpoint("hold-within")


def view_of(run: Run, optimum: float | None = None) -> GoalView:
    read = partial(run.history_window, COLUMNS)
    return GoalView(run.summary(), None, read, run.per_epoch, optimum)


def stopping_run(schedule: str) -> Run:
    return make_run(STOPPING.preset_for(HOLD).with_overrides({"schedule": schedule}))


def test_window_in_updates_from_epochs() -> None:
    goal = Goal(hold_below=0.49, over_epochs=(30, 50))
    assert goal.windowed and goal.kind == "hold_below"
    assert goal.window(100) == (3000, 5000)
    assert Goal(hold_below=1.0, over_epochs=(0, 2)).window(10) == (1, 20)  # never update 0
    assert Goal(hold_near_optimum=0.1, over_updates=(5, 9)).window(100) == (5, 9)
    assert not Goal(loss_below=1.0).windowed


def test_constant_lr_breaks_the_bound_at_the_first_update_over_it() -> None:
    run = stopping_run("constant")
    tracker = GoalTracker(HOLD.goal)
    assert tracker.check(view_of(run)) == PENDING
    run.run_until(update=2000)
    assert tracker.check(view_of(run)) == PENDING and tracker.worst is None  # not there yet
    run.run_until(update=5000)
    assert tracker.check(view_of(run)) == MISSED
    losses = run.history_window(("loss",), 2999, 5000)["loss"]
    first_bad = 3000 + int(np.flatnonzero(losses > 0.49)[0])
    assert tracker.missed_at == first_bad
    assert tracker.worst == pytest.approx(float(losses[first_bad - 3000]))
    run.run_until(update=5100)
    assert tracker.check(view_of(run)) == MISSED  # a miss stays until the run restarts


def test_a_schedule_holds_the_window_and_chunks_do_not_matter() -> None:
    goal = HOLD.goal
    one, many = GoalTracker(goal), GoalTracker(goal)
    run = stopping_run("step:500:0.5")
    statuses = []
    for stop in (1000, 3001, 3500, 4999, 5000):
        run.run_until(update=stop)
        statuses.append(many.check(view_of(run)))
    assert statuses == [PENDING, PENDING, PENDING, PENDING, MET]
    assert one.check(view_of(run)) == MET  # the whole window read at once
    losses = run.history_window(("loss",), 2999, 5000)["loss"]
    for tracker in (one, many):
        assert tracker.met_at == 5000
        assert tracker.worst == pytest.approx(float(losses.max()))
        assert tracker.worst_at == 3000 + int(losses.argmax())
        assert tracker.worst <= 0.49


def test_stepping_back_reads_the_window_again() -> None:
    run = stopping_run("step:500:0.5")
    tracker = GoalTracker(HOLD.goal)
    run.run_until(update=4000)
    assert tracker.check(view_of(run)) == PENDING and tracker.checked == 4000
    run.goto(3500)
    assert tracker.check(view_of(run)) == PENDING and tracker.checked == 3500
    run.reset()
    assert tracker.check(view_of(run)) == PENDING and tracker.worst is None


def test_a_run_started_over_is_a_new_attempt_even_past_update_zero() -> None:
    """R ("run it") resets and steps in one go, so the tracker may never see update 0: the
    view's attempt number tells it the run started over, and a miss is forgotten."""
    tracker = GoalTracker(HOLD.goal)
    missed = stopping_run("constant")
    missed.run_until(update=5000)
    assert tracker.check(view_of(missed)) == MISSED
    fixed = stopping_run("step:500:0.5")
    fixed.run_until(update=5000)
    assert tracker.check(view_of(fixed)) == MISSED  # same attempt: the miss stays
    again = replace(view_of(fixed), attempt=1)
    assert tracker.check(again) == MET and tracker.met_at == 5000


def test_near_optimum_on_a_converging_run() -> None:
    """Full-batch descent on the stopping lesson's data: |L − L*| falls under 10⁻⁴ by update
    200; the run converges between updates 800 and 1600, and then its loss stays put."""
    run = make_run(STOPPING.preset.with_overrides({"batch": "full", "lr": 0.1}))
    optimum = run.optimum()[2]
    early = GoalTracker(Goal(hold_near_optimum=1e-4, over_updates=(100, 100_000)))
    late = GoalTracker(Goal(hold_near_optimum=1e-4, over_updates=(200, 100_000)))
    assert early.check(view_of(run, None)) == PENDING  # L(θ*) unknown: nothing to judge
    run.run_until(update=150)
    assert early.check(view_of(run, optimum)) == MISSED  # 0.0039 above L* at update 100
    assert early.missed_at == 100 and early.worst == pytest.approx(run.history_window(
        ("loss",), 99, 100)["loss"][0] - optimum)  # fmt: skip
    assert late.check(view_of(run, optimum)) == PENDING and late.worst is None
    run.run_until(update=600)
    assert not run.summary().converged
    assert late.check(view_of(run, optimum)) == PENDING and late.worst is not None
    run.run_until(update=2000)
    assert run.summary().converged
    assert late.check(view_of(run, optimum)) == MET and late.met_at == 2000  # stays put


def test_the_bundled_goal_and_its_solution() -> None:
    assert HOLD.goal == Goal(hold_below=0.49, over_epochs=(30, 50))
    assert check_solution(STOPPING, HOLD) is None


GOOD = textwrap.dedent(
    """\
    id = "demo"
    order = 1
    title = { en = "Demo", zh = "演示" }

    [preset]
    dataset = "hours"
    init_w = [1.0]
    lr = 0.01
    batch = "sgd"

    [[page]]
    text = { en = "A page.", zh = "一页。" }

    [[checkpoint]]
    id = "hold"
    kind = "goal"
    prompt = { en = "Hold", zh = "保持" }
    hints = { en = ["h", "h"], zh = ["提示", "提示"] }
    explain = { en = "e", zh = "解释" }
    GOAL
    SOLUTION
    """
)


@pytest.mark.parametrize(
    ("goal", "solution", "message"),
    [
        ("{ hold_below = 0.5 }", "{ lr = 0.1, updates = 9 }", "needs one window"),
        ("{ hold_below = inf, over_updates = [1, 5] }", "{ updates = 9 }", "finite number > 0"),
        ("{ hold_below = -1, over_updates = [1, 5] }", "{ updates = 9 }", "finite number > 0"),
        ("{ hold_below = 1, over_updates = [5, 5] }", "{ updates = 9 }", "after its first"),
        ("{ hold_below = 1, over_updates = [0, 5] }", "{ updates = 9 }", "whole numbers ≥ 1"),
        ("{ hold_below = 1, over_epochs = [1, 4] }", "{ updates = 9 }", "must last through"),
        ("{ loss_below = 1, over_epochs = [1, 4] }", "{ updates = 9 }", "goes with hold_below"),
        (
            "{ hold_below = 1, over_epochs = [1, 400000] }",
            "{ updates = 9 }",
            "at most 1,000,000",
        ),
    ],
)
def test_validator_checks_the_window(tmp_path: Path, goal: str, solution: str, message: str):
    text = GOOD.replace("GOAL", f"goal = {goal}").replace("SOLUTION", f"solution = {solution}")
    (tmp_path / "01-demo.toml").write_text(text, encoding="utf-8")
    problems = validate_course(tmp_path)
    assert any(message in p.message for p in problems), [p.message for p in problems]
    goal_line = text.splitlines().index(f"goal = {goal}") + 1
    assert any(p.line == goal_line for p in problems if message in p.message)


def test_validator_runs_a_window_goal(tmp_path: Path) -> None:
    """The solution must hold the window; the untouched preset must not already."""
    text = GOOD.replace("GOAL", "goal = { hold_below = 0.05, over_epochs = [5, 10] }")
    bad = text.replace("SOLUTION", "solution = { lr = 0.5, updates = 30 }")  # diverges
    (tmp_path / "01-demo.toml").write_text(bad, encoding="utf-8")
    problems = validate_course(tmp_path, evaluate=True)
    assert any("does not meet the goal" in p.message for p in problems), problems
    good = text.replace("SOLUTION", "solution = { lr = 0.05, updates = 30 }")
    (tmp_path / "01-demo.toml").write_text(good, encoding="utf-8")
    assert validate_course(tmp_path, evaluate=True) == []
    met = GOOD.replace("GOAL", "goal = { hold_below = 1.0, over_epochs = [5, 10] }")
    met = met.replace("SOLUTION", "solution = { lr = 0.05, updates = 30 }")
    (tmp_path / "01-demo.toml").write_text(met, encoding="utf-8")
    problems = validate_course(tmp_path, evaluate=True)
    assert [p.message for p in problems] == [
        "checkpoint 'hold': the goal is already met before the learner changes anything"
    ]
