"""grad_spread(B): the spread of mini-batch gradients around the full gradient."""

from __future__ import annotations

import itertools
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from linreg_tui.lessons.answers import AnswerError, compute_answer, load_preset_dataset
from linreg_tui.lessons.expressions import ExpressionError, Spread, atoms, parse_expression
from linreg_tui.lessons.limits import expression_updates
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Preset, frozen_map
from linreg_tui.lessons.validate import validate_course

HOURS = Preset(
    "hours",
    frozen_map({"bias": True, "init_w": [1.0], "init_b": 0.5, "loss": "mse", "batch": "sgd"}),
)


def test_grammar() -> None:
    expr = parse_expression("grad_spread(1) / grad_spread(4)")
    assert atoms(expr) == [Spread(1), Spread(4)]
    assert expression_updates(expr, 100) == 0  # no update is run
    for bad in ("grad_spread()", "grad_spread(0)", "grad_spread(2.5)", "grad_spread(b=2)"):
        with pytest.raises(ExpressionError):
            parse_expression(bad)


def brute_spread(preset: Preset, batch: int, scale_of_rows) -> float:
    """√(mean over every batch S of B rows of ‖g_S − E g_S‖²), enumerating all the batches;
    E g_S is the full gradient ∇L for a mean loss (checked), B/n of it for a summed one."""
    data = load_preset_dataset(preset)
    A = np.column_stack([data.X, np.ones(len(data.y))])
    theta = np.array([*preset.settings["init_w"], preset.settings["init_b"]])
    r = A @ theta - data.y
    full = scale_of_rows(len(r)) * 2 * (A * r[:, None]).sum(axis=0)
    grads = np.array([
        scale_of_rows(batch) * 2 * (A[list(rows)] * r[list(rows), None]).sum(axis=0)
        for rows in itertools.combinations(range(len(r)), batch)
    ])  # fmt: skip
    centre = grads.mean(axis=0)
    if scale_of_rows(1) != scale_of_rows(2):  # a mean loss: batches centre on ∇L itself
        assert centre == pytest.approx(full, rel=1e-12)
    return math.sqrt(float(((grads - centre) ** 2).sum(axis=1).mean()))


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_against_every_batch_of_the_hours_data(batch: int) -> None:
    """T1's three points, mean loss: the exact spread over all C(3, B) batches."""
    expected = brute_spread(HOURS, batch, lambda m: 1.0 / m)
    assert compute_answer(f"grad_spread({batch})", HOURS) == pytest.approx(expected, rel=1e-12)
    assert compute_answer("grad_spread(3)", HOURS) == pytest.approx(0.0, abs=1e-12)  # B = n


def test_a_summed_loss_scales_the_spread_by_b() -> None:
    """Half-SSE: a batch's gradient is a sum, B times the batch mean's."""
    half_sse = HOURS.with_overrides({"loss": "half_sse"})
    expected = brute_spread(half_sse, 2, lambda m: 0.5)
    assert compute_answer("grad_spread(2)", half_sse) == pytest.approx(expected, rel=1e-12)


def test_the_lessons_one_over_root_b() -> None:
    """The sgd-noise lesson: four times the batch about halves the spread, a bit more
    than half because batches are drawn without replacement from n = 100 rows."""
    preset = load_course().lesson("sgd-noise").preset
    s1, s4, s16 = (compute_answer(f"grad_spread({b})", preset) for b in (1, 4, 16))
    n = 100
    assert s1 / s4 == pytest.approx(2 * math.sqrt((n - 1) / (n - 4)), rel=1e-12)
    assert s4 / s16 == pytest.approx(2 * math.sqrt((n - 4) / (n - 16)), rel=1e-12)


def test_a_stream_has_no_fixed_spread() -> None:
    stream = Preset("stream", frozen_map({"batch": "stream:4"}))
    with pytest.raises(AnswerError, match="fixed data"):
        compute_answer("grad_spread(2)", stream)


def test_validator_refuses_a_batch_larger_than_the_data(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        id = "demo"
        order = 1
        title = { en = "Demo", zh = "演示" }

        [preset]
        dataset = "hours"
        init_w = [1.0]

        [[page]]
        text = { en = "Spread {{ grad_spread(4) | 3 }}.", zh = "散布 {{ grad_spread(2) | 3 }}。" }
        """
    )
    (tmp_path / "01-demo.toml").write_text(text, encoding="utf-8")
    problems = validate_course(tmp_path, evaluate=True)
    assert any("larger than the data" in p.message or "batch size" in p.message
               for p in problems), [p.message for p in problems]  # fmt: skip
