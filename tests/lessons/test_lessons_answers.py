"""Compute expressions: the grammar, and values from the engine against the tutorials."""

from __future__ import annotations

import pytest

from linreg_tui.lessons.answers import AnswerError, compute_answer
from linreg_tui.lessons.expressions import (
    Analysis,
    Binary,
    DataQ,
    EpochLosses,
    ExpressionError,
    LossAt,
    Num,
    StateQ,
    StepQ,
    atoms,
    parse_expression,
)
from linreg_tui.lessons.model import Preset, RunVariant, frozen_map

T4 = Preset(
    "hours",
    frozen_map({"bias": False, "init_w": [1.0], "lr": 0.01, "batch": "sgd", "shuffle": False}),
)


def preset(dataset: str = "hours", **settings: object) -> Preset:
    base = {"bias": False, "init_w": [1.0], "lr": 0.01, "batch": "full", "shuffle": False}
    return Preset(dataset, frozen_map({**base, **settings}))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("step(1).grad.w[0]", StepQ(1, "grad.w", 0)),
        ("step(12).b_after", StepQ(12, "b_after")),
        ("after(epochs=10).predict(4)", StateQ("epochs", 10, "predict", None, (4.0,))),
        ("after(updates=3).w[1]", StateQ("updates", 3, "w", 1)),
        ("optimum.loss", StateQ("optimum", 0, "loss")),
        ("start.predict(100, -3)", StateQ("start", 0, "predict", None, (100.0, -3.0))),
        ("loss_at(1.5, 0)", LossAt((1.5, 0.0))),
        ("max_stable_lr", Analysis("max_stable_lr")),
        ("2 * (step(1).lr - 0.5)", Binary("*", Num(2.0), Binary("-", StepQ(1, "lr"), Num(0.5)))),
        ("start.loss ** 2", Binary("**", StateQ("start", 0, "loss"), Num(2.0))),
        ("mean_x[0] - mean_y", Binary("-", DataQ("mean_x", 0), DataQ("mean_y"))),
        ("start.residual[2]", StateQ("start", 0, "residual", 2)),
        ("epoch_loss_max(10, 50)", EpochLosses("max", 10, 50)),
        ("epoch_loss_min(3, 3, run=2)", EpochLosses("min", 3, 3, 2)),
    ],
)
def test_grammar_accepts(source: str, expected: object) -> None:
    assert parse_expression(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('true')",
        "step(0).grad.w[0]",
        "step(1).grad.w",
        "step(1).loss_after[0]",
        "step(1).weights",
        "after(steps=3).w[0]",
        "start.w",
        "optimum.predict()",
        "open('x')",
        "start.loss // 2",
        "mean_x",
        "mean_y[0]",
        "optimum.residual",
        "epoch_loss_max(5, 2)",
        "epoch_loss_min(0, 2)",
        "epoch_loss_max(10)",
        "epoch_loss_max(1, 2, seed=3)",
        "x",
        "step(1).grad.w[0",
        "[1, 2]",
        "'text'",
    ],
)
def test_grammar_rejects(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(source)


def test_atoms_lists_quantities_only() -> None:
    expr = parse_expression("step(1).w_after[0] - step(1).w_before[0] + 3")
    assert atoms(expr) == [StepQ(1, "w_after", 0), StepQ(1, "w_before", 0)]


def test_t4_first_gradient() -> None:
    """T4: hours data, no bias, w = 1, lr 0.01, one sample per update in order."""
    assert compute_answer("step(1).grad.w[0]", T4) == pytest.approx(-2.0, abs=1e-12)


def test_t4_log_and_prediction() -> None:
    assert compute_answer("step(2).grad.w[0]", T4) == pytest.approx(-7.84)
    assert compute_answer("step(3).grad.w[0]", T4) == pytest.approx(-16.2288)
    assert compute_answer("after(epochs=1).w[0]", T4) == pytest.approx(1.260688)
    # T4's printed last line: predict (after training) 4 hours 7.804863933862125
    assert compute_answer("after(epochs=10).predict(4)", T4) == pytest.approx(
        7.804863933862125, abs=1e-12
    )


def test_hours_analysis_values() -> None:
    p = preset()
    # L(w) = (14/3)(w − 2)²: curvature 28/3, so η_max = 2/(28/3) = 3/14.
    assert compute_answer("max_stable_lr", p) == pytest.approx(3 / 14)
    assert compute_answer("optimum.w[0]", p) == pytest.approx(2.0)
    assert compute_answer("optimum.loss", p) == pytest.approx(0.0, abs=1e-20)
    assert compute_answer("start.loss", p) == pytest.approx(14 / 3)
    assert compute_answer("loss_at(2.5)", p) == pytest.approx(14 / 3 * 0.25)
    assert compute_answer("step(1).grad.w[0]", p) == pytest.approx(-28 / 3)
    assert compute_answer("step(1).w_after[0] - step(1).w_before[0]", p) == pytest.approx(0.28 / 3)
    assert compute_answer("start.predict(4)", p) == pytest.approx(4.0)


def test_powers_means_and_residuals_on_the_hours_data() -> None:
    """x = 1, 2, 3 and y = 2, 4, 6: residuals w·x − y, means 2 and 4, and the factor per
    update 1 − η·28/3 raised to the updates gives full-batch descent's w in closed form."""
    p = preset(init_w=[1.5])
    assert [compute_answer(f"start.residual[{i}]", p) for i in range(3)] == pytest.approx(
        [-0.5, -1.0, -1.5]
    )
    assert compute_answer("optimum.residual[1]", p) == pytest.approx(0.0, abs=1e-12)
    assert compute_answer("mean_x[0]", p) == pytest.approx(2.0)
    assert compute_answer("mean_y", p) == pytest.approx(4.0)
    closed = "optimum.w[0] - (optimum.w[0] - start.w[0]) * (1 - 0.01 * 2 / max_stable_lr) ** 10"
    assert compute_answer(closed, p) == pytest.approx(compute_answer("after(updates=10).w[0]", p))
    with pytest.raises(AnswerError, match="row 3 is out of range"):
        compute_answer("start.residual[3]", p)
    with pytest.raises(AnswerError, match="not a real number"):
        compute_answer("(0 - start.loss) ** 0.5", p)


def test_epoch_loss_extremes_over_a_window() -> None:
    """Full-batch descent on the hours data only goes down: the window's largest loss is
    at its first epoch's end, the smallest at its last; run=K reads a compare view's run."""
    p = preset()
    assert compute_answer("epoch_loss_max(3, 7)", p) == compute_answer("after(epochs=3).loss", p)
    assert compute_answer("epoch_loss_min(3, 7)", p) == compute_answer("after(epochs=7).loss", p)
    p = Preset("hours", p.settings, view="compare", runs=(RunVariant(frozen_map({"lr": 0.1})),))
    fast = p.with_overrides({"lr": 0.1})
    assert compute_answer("epoch_loss_min(1, 4, run=1)", p) == compute_answer(
        "after(epochs=4).loss", fast
    )
    with pytest.raises(AnswerError, match="run=2"):
        compute_answer("epoch_loss_min(1, 4, run=2)", p)
    with pytest.raises(AnswerError, match="diverged"):
        compute_answer("epoch_loss_max(1, 40)", preset(lr=1.0))


def test_bias_and_standardized_units() -> None:
    # T5's data.csv: the exact fit is the same in original units with or without z-scores.
    raw = Preset("data.csv", frozen_map({"bias": True}))
    z = Preset("data.csv", frozen_map({"bias": True, "standardize": True}))
    for q in ("optimum.w[0]", "optimum.b", "optimum.predict(50)"):
        assert compute_answer(q, raw) == pytest.approx(compute_answer(q, z), rel=1e-9)
    assert compute_answer("optimum.b", raw) == pytest.approx(7.991020985734442, rel=1e-9)
    # T5's classic numbers: loss 5565.1 at w = b = 0, 112.6 after 1000 iterations at 0.0001.
    t5 = raw.with_overrides({"lr": 0.0001})
    assert compute_answer("start.loss", t5) == pytest.approx(5565.107834483211, rel=1e-9)
    assert compute_answer("after(updates=1000).loss", t5) == pytest.approx(112.6148, abs=1e-3)


def test_errors_are_answer_errors() -> None:
    with pytest.raises(AnswerError, match="no bias"):
        compute_answer("optimum.b", preset())
    with pytest.raises(AnswerError, match="diverged"):
        compute_answer("step(100).grad.w[0]", preset(lr=1.0))
    with pytest.raises(AnswerError, match="division by zero"):
        compute_answer("1 / (start.loss - start.loss)", preset())
    with pytest.raises(AnswerError):
        compute_answer("start.w", preset())


def test_preset_data_is_one_rule_for_names_seeds_and_files() -> None:
    """A catalogue name is that entry (a generated one seeded by the preset), anything else a
    CSV path; the live view's DatasetChoice is built from the same answer."""
    from linreg_tui.lessons.answers import PresetData, load_preset_dataset, preset_data

    assert preset_data(preset("hours", seed=7)) == PresetData("hours", None, 0)
    assert preset_data(preset("synthetic", seed=7)) == PresetData("synthetic", None, 7)
    assert preset_data(preset("marks.csv")) == PresetData(None, "marks.csv", 0)
    a = load_preset_dataset(preset("synthetic", seed=7, bias=True))
    b = load_preset_dataset(preset("synthetic", seed=8, bias=True))
    assert a.X.shape == b.X.shape and not (a.X == b.X).all()
