"""The lesson's goal line for a windowed goal: what it asks, and how the run stands."""

from __future__ import annotations

from functools import partial

from linreg_tui.lessons.answers import make_run
from linreg_tui.lessons.goals import COLUMNS, GoalTracker, GoalView
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Goal
from linreg_tui.tui.render.lesson_goal import describe_goal, goal_state_text

STOPPING = load_course().lesson("stopping")
HOLD = STOPPING.checkpoint("hold-within")


def test_describe_a_window_goal() -> None:
    goal = HOLD.goal
    assert describe_goal(goal, "en") == (
        "keep the loss at most 0.49 after every update of epochs 30–50"
    )
    assert describe_goal(goal, "zh") == "在第 30–50 轮的每一次更新后，都让损失不超过 0.49"
    near = Goal(hold_near_optimum=0.001, over_updates=(10, 20))
    assert describe_goal(near, "en") == (
        "keep the loss within 0.001 of the optimum's L(θ*) after every update of updates 10–20"
    )


def track(schedule: str, *stops: int) -> tuple[GoalTracker, list[str]]:
    run = make_run(STOPPING.preset_for(HOLD).with_overrides({"schedule": schedule}))
    tracker, statuses = GoalTracker(HOLD.goal), []
    for stop in stops:
        run.run_until(update=stop)
        view = GoalView(run.summary(), None, partial(run.history_window, COLUMNS), run.per_epoch)
        statuses.append(tracker.check(view))
    return tracker, statuses


def test_progress_before_inside_and_after_the_window() -> None:
    tracker, statuses = track("step:500:0.5", 1200)
    text, style = goal_state_text(tracker, statuses[-1], "en")
    assert "window: updates 3000–5000 (epochs 30–50), starts in 1800 updates" in text
    assert text.startswith("now: update 1200") and style == ""
    tracker, statuses = track("step:500:0.5", 1200, 3999)
    text, _ = goal_state_text(tracker, statuses[-1], "zh")
    assert "窗口：已检查 1000/2001 次更新" in text and "上限 0.49" in text
    tracker, statuses = track("step:500:0.5", 5000)
    text, style = goal_state_text(tracker, statuses[-1], "en")
    assert text.startswith("✓ goal met: loss at most 0.49 through update 5000 (worst 0.48")
    assert style == "good"


def test_a_broken_window_says_where_and_by_how_much() -> None:
    tracker, statuses = track("constant", 5000)
    text, style = goal_state_text(tracker, statuses[-1], "en")
    update = tracker.missed_at
    assert update is not None and 3000 <= update <= 5000
    epoch = f"{update / 100:.4g}"
    assert f"✗ at update {update} (epoch {epoch}) the loss was " in text
    assert "over the bound 0.49" in text and style == "warn"
    assert tracker.worst is not None and tracker.worst > 0.49
