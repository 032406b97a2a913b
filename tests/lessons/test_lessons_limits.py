"""Lesson computations are bounded: the validator reports the line, never hangs (issue 9)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import tomllib

from linreg_tui.lessons.cli import lessons_validate
from linreg_tui.lessons.expressions import parse_expression
from linreg_tui.lessons.limits import (
    MAX_SAMPLE_UPDATES,
    MAX_UPDATES,
    Cost,
    batches_per_epoch,
    check_cost,
    cost_problem,
    expression_updates,
)
from linreg_tui.lessons.loader import build_lesson


def _validate_tests():  # the lesson and helpers of the validator's tests, shared by file path
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_lessons_validate_tests", Path(__file__).with_name("test_lessons_validate.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_shared = _validate_tests()
GOOD, line_of, problems_for = _shared.GOOD, _shared.line_of, _shared.problems_for

GOAL = """
[[checkpoint]]
id = "go"
kind = "goal"
prompt = { en = "Diverge", zh = "发散" }
hints = { en = ["h", "h"], zh = ["提示", "提示"] }
explain = { en = "e", zh = "解释" }
goal = { diverge = true }
solution = { lr = 0.05, updates = 1000000000 }
"""


def _fast(tmp_path: Path, text: str) -> list:
    start = time.perf_counter()
    problems, _ = problems_for(tmp_path, text, evaluate=True)
    assert time.perf_counter() - start < 20, "the validator must not run the computation"
    return problems


@pytest.mark.parametrize(
    "expression", ["step(100000000).grad.w[0]", "after(updates=1000000000).w[0]"]
)
def test_an_expression_over_the_update_limit_is_reported_at_its_line(
    tmp_path: Path, expression: str
) -> None:
    text = GOOD.replace('"step(1).grad.w[0]"', f'"{expression}"')
    problems = _fast(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, "compute =")]
    assert f"at most {MAX_UPDATES:,}" in problems[0].message


def test_after_epochs_counts_batches_per_epoch(tmp_path: Path) -> None:
    # hours has 3 rows; sgd makes 3 updates an epoch: 400,000 epochs = 1.2 M updates
    text = GOOD.replace('"step(1).grad.w[0]"', '"after(epochs=400000).w[0]"')
    problems = _fast(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, "compute =")]
    assert "1,200,000 updates" in problems[0].message


def test_a_solution_over_the_limit_is_reported_at_its_line(tmp_path: Path) -> None:
    text = GOOD + GOAL
    problems = _fast(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, "solution =")]
    assert "1,000,000,000 updates" in problems[0].message


def test_sample_updates_count_the_rows_of_the_data(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{2 * i + 1}" for i in range(1000))
    (tmp_path / "big.csv").write_text("x,y\n" + rows + "\n", encoding="utf-8")
    text = GOOD.replace('dataset = "hours"', 'dataset = "big.csv"')
    text = text.replace('"step(1).grad.w[0]"', '"step(200000).grad.w[0]"')
    problems = _fast(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, "compute =")]
    assert "200,000,000 sample-updates (200,000 updates × 1,000 rows)" in problems[0].message
    assert f"at most {MAX_SAMPLE_UPDATES:,}" in problems[0].message


def test_the_cli_reports_file_and_line_and_exits_1(tmp_path: Path) -> None:
    text = GOOD.replace('"step(1).grad.w[0]"', '"step(100000000).grad.w[0]"')
    (tmp_path / "01-demo.toml").write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert lessons_validate(tmp_path, out, err) == 1
    assert f"01-demo.toml:{line_of(text, 'compute =')}:" in out.getvalue()


def test_a_csv_with_nan_is_reported_as_such_not_as_missing(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n2,nan\n3,6\n", encoding="utf-8")
    text = GOOD.replace('dataset = "hours"', 'dataset = "bad.csv"')
    problems, _ = problems_for(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, 'dataset = "bad.csv"')]
    assert "not found" not in problems[0].message and "not readable" not in problems[0].message
    assert "bad.csv" in problems[0].message and "nan" in problems[0].message.lower()


def test_a_missing_csv_is_reported_as_missing(tmp_path: Path) -> None:
    text = GOOD.replace('dataset = "hours"', 'dataset = "gone.csv"')
    problems, _ = problems_for(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, 'dataset = "gone.csv"')]
    assert "not found next to the lesson file" in problems[0].message


def test_a_minibatch_larger_than_the_data_is_reported_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('batch = "sgd"', 'batch = "minibatch:99"')
    problems = _fast(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, 'batch = "minibatch:99"')]
    assert "batch size 99 is larger than the data (3 rows)" in problems[0].message


def test_cost_arithmetic() -> None:
    assert cost_problem(Cost(MAX_UPDATES, 100)) is None
    assert cost_problem(Cost(MAX_UPDATES + 1, 1)) is not None
    assert cost_problem(Cost(1000, MAX_SAMPLE_UPDATES // 1000 + 1)) is not None
    assert batches_per_epoch(10, {"batch": "full"}) == 1
    assert batches_per_epoch(10, {"batch": "sgd"}) == 10
    assert batches_per_epoch(10, {"batch": "minibatch:4"}) == 3
    assert batches_per_epoch(10, {"batch": "minibatch:4", "drop_last": True}) == 2
    expr = parse_expression("step(7).lr + after(epochs=3).w[0] - after(updates=5).b")
    assert expression_updates(expr, per_epoch=4) == 12


def test_check_cost_is_what_the_app_calls_before_computing(tmp_path: Path) -> None:
    def lesson_with(compute: str):  # built directly: load_course would refuse the big one
        data = tomllib.loads(GOOD.replace('"step(1).grad.w[0]"', f'"{compute}"'))
        return build_lesson(data, tmp_path / "x.toml", None)

    ok = lesson_with("step(10).grad.w[0]")
    assert check_cost(ok, ok.checkpoints[0]) is None
    assert check_cost(ok, ok.checkpoints[1]) is None  # a choice runs nothing
    big = lesson_with("step(100000000).grad.w[0]")
    message = check_cost(big, big.checkpoints[0])
    assert message is not None and "100,000,000 updates" in message


def test_check_cost_reports_data_it_cannot_read_instead_of_raising(tmp_path: Path) -> None:
    text = GOOD.replace('dataset = "hours"', 'dataset = "gone.csv"')
    lesson = build_lesson(tomllib.loads(text), tmp_path / "x.toml", tmp_path)
    message = check_cost(lesson, lesson.checkpoints[0])
    assert message is not None and "gone.csv" in message


def test_epoch_loss_windows_count_their_updates() -> None:
    """A window to epoch 50 takes 50 epochs of the preset's batches; a compare view's run
    (its batches unknown here) is counted at one row per update, the most it can take."""
    own = parse_expression("epoch_loss_max(10, 50)")
    other = parse_expression("epoch_loss_max(10, 50, run=3)")
    assert expression_updates(own, 25, 100) == 50 * 25
    assert expression_updates(other, 25, 100) == 50 * 100
    assert expression_updates(other, 25) == 50 * 25
