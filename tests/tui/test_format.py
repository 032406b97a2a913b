"""The one formatting module: numbers, the model and loss formulas, an optimizer's update."""

from __future__ import annotations

import pytest
import torch

from linreg_tui.engine.config import OPTIMIZERS, RunConfig
from linreg_tui.engine.optimizers import make_rule
from linreg_tui.tui.format import (
    gradient_formula,
    loss_formula,
    loss_short,
    model_formula,
    num,
    paren,
    update_lines,
    vec,
)


def test_numbers() -> None:
    assert [num(-2.0), num(1.0984000000000003), num(0.0), num(None)] == [
        "-2.0",
        "1.0984",
        "0.0",
        "-",
    ]
    assert num(3) == "3.0" and num(2.5e8) == "2.5000e+08" and num(float("nan")) == "nan"
    assert paren(-2.0) == "(-2.0)" and paren(2.0) == "2.0"
    assert vec([1.0]) == "1.0" and vec([-1.0], bare=False) == "(-1.0)"
    assert vec([1.0, -2.5]) == "[1.0, -2.5]"


@pytest.mark.parametrize(
    ("features", "bias", "expected"),
    [
        (["hours"], False, "ŷ = w·hours"),
        (["hours"], True, "ŷ = w·hours + b"),
        (["a", "b", "c"], True, "ŷ = w1·a + w2·b + w3·c + b"),
        (["a", "b", "c", "d"], False, "ŷ = w1·a + w2·b + w3·c + w4·d"),
        (["a", "b", "c", "d", "e"], True, "ŷ = w1·a + … + w5·e + b"),
        ([f"x{j}" for j in range(40)], True, "ŷ = w1·x0 + … + w40·x39 + b"),
    ],
)
def test_model_formula_for_any_number_of_features(features, bias, expected) -> None:
    assert model_formula(features, bias) == expected


def test_loss_and_gradient_text_come_from_the_registry() -> None:
    assert loss_formula("half_sse") == "L = ½·Σ (ŷ − y)²"
    assert loss_short("half_mse") == "1/(2n)·Σr²"
    assert gradient_formula("mse", True) == "∂L/∂w = (2/n)·Σ x·(ŷ − y),  ∂L/∂b = (2/n)·Σ (ŷ − y)"


def _record(name: str, t: int = 1):
    rule = make_rule(RunConfig(optimizer=name))
    theta = torch.tensor([1.02, 0.5], dtype=torch.float64)
    grad = torch.tensor([-7.84, 2.0], dtype=torch.float64)
    state = rule.init(theta)
    new, state_new = rule.update(theta, grad, state, 0.01, t)
    return rule, rule.record(
        theta.numpy(), grad.numpy(), 0.01, t, (state.numpy(), state_new.numpy()), new.numpy()
    )


def test_sgd_and_momentum_read_per_parameter() -> None:
    _, sgd = _record("sgd")
    assert ["".join(line) for line in update_lines(sgd, ["w", "b"])] == [
        "w ← w − η·g = 1.02 − 0.01·(-7.84) = 1.0984",
        "b ← b − η·g = 0.5 − 0.01·2.0 = 0.48",
    ]
    _, momentum = _record("momentum")
    assert ["".join(line) for line in update_lines(momentum, ["w"])] == [
        "v_w ← μ·v_w + g = 0.9·0.0 + (-7.84) = -7.84",
        "w ← w − η·v_w = 1.02 − 0.01·(-7.84) = 1.0984",  # the new v, as the rule reads
    ]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_rule_is_written_one_way(name: str) -> None:
    rule, record = _record(name, t=2)
    lines = update_lines(record, ["w", "b"])
    assert len(lines) == 2 * len(rule.equations)
    expected = [(name, j, eq) for j, name in enumerate(["w", "b"]) for eq in rule.equations]
    for (text, value), (name, j, eq) in zip(lines, expected, strict=True):
        target = name if eq.target == "θ" else f"{eq.target}_{name}"
        assert text.startswith(f"{target} {eq.sign} ") and text.endswith(" = ")
        assert value == num(float(record.after[eq.target][j]))
    assert not any("{" in text for text, _ in lines)
    assert not any(text.startswith("b_") or " b_" in text for text, _ in lines)


def test_update_lines_stop_at_the_limit() -> None:
    _, sgd = _record("sgd")
    assert len(update_lines(sgd, ["w", "b"], limit=1)) == 1
