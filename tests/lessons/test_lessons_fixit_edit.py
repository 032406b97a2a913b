"""Edited fix-it lines read as the engine's mistake model (parsed, never run)."""

from __future__ import annotations

import pytest

from linreg_tui.lessons.fixit_edit import (
    FIXED,
    FROZEN,
    NAMES,
    OTHER,
    PARTIAL,
    SAME,
    SCALED,
    TWO,
    UNREADABLE,
    edit_result,
    read_edit,
)
from linreg_tui.lessons.loader import load_course

COURSE = load_course()


def fixit(lesson_id: str):
    lesson = COURSE.lesson(lesson_id)
    return lesson, next(cp for cp in lesson.checkpoints if cp.kind == "fixit")


@pytest.mark.parametrize(
    ("lesson_id", "text", "reason", "mistake", "scale"),
    [
        ("descent", "w = w - lr * grad", FIXED, None, 1.0),
        ("descent", "w -= grad * lr", FIXED, None, 1.0),
        ("descent", "w = w - (lr * grad)", FIXED, None, 1.0),
        ("descent", "w = w + lr * grad", SAME, "sign-flip", 1.0),
        ("descent", "w += lr * grad / 2", SAME, "sign-flip", 0.5),
        ("descent", "w = w - 2 * lr * grad", SCALED, None, 2.0),
        ("descent", "w = w - 0 * lr * grad", FROZEN, None, 1.0),
        ("descent", "w = w - grad", NAMES, None, 1.0),
        ("descent", "w = w - lr * gradient", NAMES, None, 1.0),
        ("descent", "__import__('os').system('x')", UNREADABLE, None, 1.0),
        ("descent", "w = w - lr * grad.mean()", UNREADABLE, None, 1.0),
        ("descent", "w = w - lr / 0 * grad", UNREADABLE, None, 1.0),
        ("descent", "w = (", UNREADABLE, None, 1.0),
        ("descent", "x" * 300, UNREADABLE, None, 1.0),
        ("autograd", "w -= lr * w.grad; w.grad.zero_()", FIXED, None, 1.0),
        ("autograd", "w -= lr * w.grad; w.grad = None", FIXED, None, 1.0),
        ("autograd", "w -= lr * w.grad; w.grad.data.zero_()", FIXED, None, 1.0),
        ("autograd", "w.grad.zero_(); w -= lr * w.grad", FROZEN, None, 1.0),
        ("autograd", "w -= lr * w.grad", SAME, "forget-zero-grad", 1.0),
        ("autograd", "w += lr * w.grad; w.grad.zero_()", OTHER, "sign-flip", 1.0),
        ("autograd", "w += lr * w.grad", TWO, None, 1.0),
        ("scaling", "w_grad, b_grad = w_grad - (2/N)*x*r, b_grad - (2/N)*r", FIXED, None, 1.0),
        ("scaling", "w_grad -= 2 * x * r / N; b_grad += -(2/N) * r", FIXED, None, 1.0),
        ("scaling", "w_grad, b_grad = -(2/N) * x * r, -(2/N) * r", SAME, "overwrite-grad", 1.0),
        ("scaling", "w_grad, b_grad = w_grad - (1/N)*x*r, b_grad - (1/N)*r", SCALED, None, 0.5),
        ("scaling", "w_grad, b_grad = w_grad - (2/N)*x*r, -(2/N)*r", PARTIAL, None, 1.0),
        ("scaling", "w_grad, b_grad = w_grad - (2/N)*x*r, b_grad - (1/N)*r", PARTIAL, None, 1.0),
        ("scaling", "w_grad, b_grad = (2/N) * x * r, (2/N) * r", TWO, None, 1.0),
    ],
)
def test_read_edit(lesson_id: str, text: str, reason: str, mistake: str | None, scale: float):
    _, cp = fixit(lesson_id)
    verdict = read_edit(cp, text)
    assert (verdict.reason, verdict.mistake, verdict.lr_scale) == (reason, mistake, scale)


def test_every_course_fixit_reads_its_buggy_line_and_its_right_fix() -> None:
    fixits = [(le, cp) for le in COURSE.lessons for cp in le.checkpoints if cp.kind == "fixit"]
    assert len(fixits) >= 3
    for _, cp in fixits:
        assert read_edit(cp, cp.code[cp.bug_line - 1]).reason == SAME, cp.id
        assert read_edit(cp, cp.options[int(cp.answer or 0)].en).fixed, cp.id
        wrong = [read_edit(cp, o.en) for i, o in enumerate(cp.options) if i != cp.answer]
        assert not any(v.fixed for v in wrong), cp.id


def test_the_engine_runs_the_learners_loop() -> None:
    """The right edit is the repaired loop; the buggy line the buggy one; a frozen edit
    stays at the start; a scaled step is the repaired loop with η·scale."""
    from linreg_tui.lessons.answers import fixit_result, make_run

    lesson, cp = fixit("scaling")
    both = fixit_result(lesson, cp)
    fixed = edit_result(lesson, cp, read_edit(cp, cp.options[int(cp.answer or 0)].en))
    buggy = edit_result(lesson, cp, read_edit(cp, cp.code[cp.bug_line - 1]))
    assert fixed == both.fixed and buggy == both.buggy
    lesson, cp = fixit("autograd")
    frozen = edit_result(lesson, cp, read_edit(cp, "w.grad.zero_(); w -= lr * w.grad"))
    base = lesson.preset.with_overrides(cp.preset)
    assert frozen.updates == 0 and frozen.loss == pytest.approx(make_run(base).loss)
    lesson, cp = fixit("descent")
    half = edit_result(lesson, cp, read_edit(cp, "w = w - lr * grad / 2"))
    lr = base_lr = lesson.preset.with_overrides(cp.preset).to_config().lr
    run = make_run(lesson.preset.with_overrides({**cp.preset, "lr": lr / 2, "mistake": None}))
    run.run_until(update=cp.run_updates or 100)
    assert half.loss == pytest.approx(run.loss, rel=1e-12) and base_lr == lr
    with pytest.raises(ValueError, match="cannot run"):
        edit_result(lesson, cp, read_edit(cp, "import os"))


FIXIT = """\
id = "demo"
order = 1
title = { en = "Demo", zh = "演示" }

[preset]
dataset = "hours"
init_w = [1.0]
lr = 0.05

[[page]]
text = { en = "A page.", zh = "一页。" }

[[checkpoint]]
id = "fix"
kind = "fixit"
prompt = { en = "Fix it", zh = "修好它" }
hints = { en = ["h", "h"], zh = ["提示", "提示"] }
explain = { en = "e", zh = "解释" }
code = ["for t in range(50):", "    BUGGY"]
bug_line = 2
options = { en = ["OPTION", "    w = w - grad"], zh = ["OPTION", "    w = w - grad"] }
answer = 0
mistake = "sign-flip"
run_updates = 20
"""


@pytest.mark.parametrize(
    ("buggy", "option", "warning"),
    [
        ("w = w + lr * grad", "w = w - lr * grad", None),
        ("w = w + lr * grad", "w = w - lr * grad * 2", "does not read the right option"),
        ("w = step(w, grad)", "w = w - lr * grad", "cannot read line 2 as the sign-flip"),
    ],
)
def test_validator_warns_when_the_editor_cannot_read_a_fixit(
    tmp_path, buggy: str, option: str, warning: str | None
) -> None:
    from linreg_tui.lessons.validate import validate_course

    text = FIXIT.replace("BUGGY", buggy).replace("OPTION", option)
    (tmp_path / "01-demo.toml").write_text(text, encoding="utf-8")
    problems = validate_course(tmp_path)
    found = [p for p in problems if "line editor" in p.message]
    if warning is None:
        assert found == [], [p.message for p in problems]
    else:
        assert found and all(p.severity == "warning" for p in found)
        assert warning in found[0].message
