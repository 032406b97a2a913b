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


async def test_the_window_goal_in_the_lesson_screen(tmp_path, monkeypatch) -> None:
    """Constant η breaks the window (a miss, named at its update); a schedule holds it."""
    from pilot_wait import until
    from textual.widgets import Static

    from linreg_tui.tui.app import LinregApp
    from linreg_tui.tui.screens.lesson import LessonScreen

    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(tmp_path / "data"))
    index = STOPPING.items().index(HOLD)
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready and app.lessons is not None, timeout=120)
        app.push_screen(LessonScreen(app.lessons.course, "stopping", index))
        await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
        screen = app.screen
        await until(pilot, lambda: screen.live.ready and screen.live.view.snapshot is not None)

        def text(selector: str) -> str:
            return str(screen.query_one(selector, Static).render())

        assert "Goal: keep the loss at most 0.49 after every update of epochs 30–50" in text(
            "#cp-prompt"
        )
        assert screen.live.run(None, 1000, "en")
        await until(pilot, lambda: screen.state.tracker is not None
                    and screen.state.tracker.summary.updates == 1000)  # fmt: skip
        assert "window: updates 3000–5000 (epochs 30–50), starts in 2000 updates" in text(
            "#cp-feedback"
        )
        assert screen.live.run(None, 5000, "en")  # constant η: the floor breaks the bound
        await until(pilot, lambda: screen.state.goal_status == "missed", timeout=60)
        missed_at = screen.state.tracker.missed_at
        assert f"✗ at update {missed_at} (epoch {missed_at / 100:.4g}) the loss was" in text(
            "#cp-feedback"
        )
        assert screen.state.outcome.status == "wrong"
        assert screen.apply_settings({"schedule": "step:500:0.5"})  # a new attempt
        await until(pilot, lambda: screen.state.goal_status == "pending", timeout=60)
        assert screen.live.run(None, 5000, "en")
        await until(pilot, lambda: screen.state.finished, timeout=60)
        assert screen.state.outcome.status == "correct"
        assert "✓ goal met: loss at most 0.49 through update 5000" in text("#cp-feedback")
