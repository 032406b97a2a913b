"""The tutorials' numbers as the lessons print them, recomputed by the engine.

Each test runs the lesson's own preset (with a checkpoint's or page's
overrides) and checks that the digits written in the lesson text are the
digits the engine produces, so a text can never drift from its run.
"""

from __future__ import annotations

import pytest

from linreg_tui.lessons.answers import check_solution, compute_answer, make_run
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Course, Lesson
from linreg_tui.lessons.templates import rendered_lesson


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


def lesson(course: Course, lesson_id: str) -> Lesson:
    """The lesson as the learner reads it: its ``{{ … }}`` templates computed."""
    return rendered_lesson(next(le for le in course.lessons if le.id == lesson_id))


def page_text(le: Lesson, number: int, lang: str) -> str:
    return next(p for p in le.pages if p.number == number).text.get(lang)


def test_t3_half_sse_stream_run(course: Course) -> None:
    """T3's gradient (Xᵀ·dy, Σ dy) is half-SSE's: 500 stream updates end at (2.11, 3.11)."""
    le = lesson(course, "minibatch")
    settings = le.preset.settings
    assert settings["loss"] == "half_sse" and settings["batch"] == "stream:4"
    assert settings["seed"] == 1000 and settings["lr"] == 0.02
    cp = le.checkpoint("stream-b")
    preset = le.preset_for(cp)
    w = compute_answer("after(updates=500).w[0]", preset)
    b = compute_answer("after(updates=500).b", preset)
    assert (round(w, 2), round(b, 2)) == (2.11, 3.11)
    for lang in ("en", "zh"):
        assert f"w ≈ {w:.2f}" in cp.explain.get(lang)
        assert f"{b:.2f}" in cp.explain.get(lang)
    text = page_text(le, 3, "en")
    assert "dw = x.t().mm(dy)" in text and "db = dy.sum()" in text
    which = le.checkpoint("which-loss")
    assert which.options_for("en")[int(which.answer or 0)].startswith("½·SSE")


def test_t5_buggy_and_fixed_loops_side_by_side(course: Course) -> None:
    """T5's overwritten gradient against the correct sum: loss, w and b after 1000 iterations."""
    le = lesson(course, "scaling")
    rows = {}
    for name, mistake in (("correct", None), ("buggy", "overwrite-grad")):
        preset = le.preset.with_overrides({"mistake": mistake} if mistake else {})
        run = make_run(preset)
        for _ in range(1000):
            run.step()
        (w,), b = run.params()
        rows[name] = f"{run.loss:.2f}    {w:.4f}    {b:.4f}"
    assert rows["correct"] == "112.61    1.4777    0.0889"
    assert rows["buggy"] == "118.03    1.5248    0.0607"
    start = compute_answer("start.loss", le.preset)
    for lang in ("en", "zh"):
        table = page_text(le, 5, lang)
        assert rows["correct"] in table and rows["buggy"] in table
        assert f"{start:.2f}" in page_text(le, 1, lang)


def test_schedules_of_the_stopping_lesson(course: Course) -> None:
    """step:500:0.5 keeps SGD's loss within 0.490 over epochs 30–50; inv:0.01 stops short."""
    le = lesson(course, "stopping")
    worst = {}
    for schedule in ("step:500:0.5", "inv:0.01", "constant"):
        run = make_run(le.preset.with_overrides({"schedule": schedule}))
        losses = []
        for t in range(1, 5001):
            run.step()
            if t > 2900:
                losses.append(run.loss)
        worst[schedule] = max(losses)
        if schedule == "inv:0.01":
            assert run.loss > 0.490
    assert worst["step:500:0.5"] <= 0.490 < worst["constant"]
    cp = le.checkpoint("hold-within")  # the lesson's windowed goal states exactly this
    assert cp.goal is not None and cp.solution is not None
    assert (cp.goal.hold_below, cp.goal.over_epochs) == (0.490, (30, 50))
    assert cp.solution.settings["schedule"] == "step:500:0.5"
    assert check_solution(le, cp) is None


def test_one_step_eta_lands_on_the_bottom(course: Course) -> None:
    """η = 3/28 = 1/λ on the hours data: one update lands on w = 2."""
    le = lesson(course, "conditioning")
    cp = le.checkpoint("one-step")
    assert compute_answer(cp.compute or "", le.preset_for(cp)) == pytest.approx(2.0, abs=1e-12)


def test_t4_replayed_by_autograd_prints_t4s_last_line(course: Course) -> None:
    """The autograd lesson quotes T4's last line as printed; the engine's value, written as
    Python prints a float, is that line's number to the last digit."""
    le = lesson(course, "autograd")
    cp = le.checkpoint("t4-autograd")
    value = compute_answer(cp.compute or "", le.preset_for(cp))
    for lang in ("en", "zh"):
        assert f"predict (after training) 4 hours {value!r}" in cp.explain.get(lang)
        assert f"{value:.4f}" in cp.explain.get(lang)
