"""Closed-form optimum, Hessian and stability, loss surfaces and scans, diagnosis."""

from __future__ import annotations

import numpy as np
import pytest

from linreg_tui.engine import analysis
from linreg_tui.engine.config import LOSSES, BatchSpec, RunConfig
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.problem import Problem
from linreg_tui.engine.run import Run

HOURS = Dataset("hours", [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], ("x",), "y")


def make_data(n: int = 40, d: int = 2, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, (n, d))
    y = X @ np.arange(1.0, d + 1) - 2.0 + 0.5 * rng.normal(size=n)
    return Dataset("t", X, y, tuple(f"x{i}" for i in range(d)), "y")


def direct_loss(problem: Problem, theta: np.ndarray) -> float:
    A, y = problem.A.numpy(), problem.y.numpy()
    r = A @ theta - y
    return problem.scale(problem.n) * float(r @ r)


# -- optimum ----------------------------------------------------------------------------------


def test_closed_form_hours_through_origin() -> None:
    theta, loss = analysis.closed_form(Problem(HOURS, bias=False))
    assert theta == pytest.approx([2.0], abs=1e-12) and loss == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize("bias", [True, False])
def test_closed_form_solves_the_normal_equations(bias: bool) -> None:
    problem = Problem(make_data(), bias=bias)
    theta, loss = analysis.closed_form(problem)
    A, y = problem.A.numpy(), problem.y.numpy()
    np.testing.assert_allclose(A.T @ A @ theta, A.T @ y, rtol=1e-10, atol=1e-9)
    assert loss == pytest.approx(direct_loss(problem, theta), rel=1e-12)
    # nothing nearby does better
    rng = np.random.default_rng(1)
    for _ in range(5):
        assert direct_loss(problem, theta + 1e-3 * rng.normal(size=len(theta))) > loss


def test_closed_form_rank_deficient_gives_the_least_norm_optimum() -> None:
    data = make_data(d=1)
    twice = Dataset("dup", np.hstack([data.X, data.X]), data.y, ("a", "b"), "y")
    theta, loss = analysis.closed_form(Problem(twice))
    single, single_loss = analysis.closed_form(Problem(data))
    assert loss == pytest.approx(single_loss, rel=1e-10)
    # w·x split evenly between the two copies: the least-norm point of the line of optima
    np.testing.assert_allclose(theta, [single[0] / 2, single[0] / 2, single[1]], rtol=1e-9)
    assert analysis.condition_number(Problem(twice)) == float("inf")


# -- curvature and stability ------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
def test_hessian_matches_finite_differences(loss: str) -> None:
    problem = Problem(make_data(n=12), loss=loss)
    H = analysis.hessian(problem)
    theta = np.array([0.3, -0.2, 0.5])
    h = 1e-3
    eye = np.eye(3)
    for i in range(3):
        for j in range(3):
            f = [
                direct_loss(problem, theta + si * h * eye[i] + sj * h * eye[j])
                for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1))
            ]
            assert (f[0] - f[1] - f[2] + f[3]) / (4 * h * h) == pytest.approx(H[i, j], rel=1e-6)


def test_sse_hessian_is_n_times_mse() -> None:
    data = make_data(n=25)
    H_mse = analysis.hessian(Problem(data, loss="mse"))
    H_sse = analysis.hessian(Problem(data, loss="sse"))
    np.testing.assert_allclose(H_sse, 25 * H_mse, rtol=1e-12)
    ratio = analysis.max_stable_lr(Problem(data, loss="mse")) / analysis.max_stable_lr(
        Problem(data, loss="sse")
    )
    assert ratio == pytest.approx(25, rel=1e-12)


def test_hours_stable_rate_by_hand() -> None:
    # H = 2/3·Σx² = 28/3 for mse without bias, so 2/λ = 3/14
    problem = Problem(HOURS, bias=False)
    assert analysis.eigenvalues(problem) == pytest.approx([28 / 3])
    assert analysis.max_stable_lr(problem) == pytest.approx(3 / 14)
    assert analysis.condition_number(problem) == 1.0


@pytest.mark.parametrize(("factor", "stable"), [(0.97, True), (1.03, False)])
def test_max_stable_lr_separates_convergence_from_divergence(factor: float, stable: bool) -> None:
    data = make_data(n=30)
    eta = factor * analysis.max_stable_lr(Problem(data))
    run = Run(data, RunConfig(lr=eta, divergence_factor=1e3))
    run.run_until(update=400)
    if stable:
        assert run.status != "diverged"
        assert run.loss < run.history.loss0
    else:
        assert run.status == "diverged"


def test_condition_number_of_badly_scaled_features() -> None:
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(0, 1, 50), rng.uniform(0, 1000, 50)])
    data = Dataset("scaled", X, X @ [1.0, 0.01], ("small", "big"), "y")
    lam = analysis.eigenvalues(Problem(data))
    assert analysis.condition_number(Problem(data)) == pytest.approx(lam[-1] / lam[0])
    assert analysis.condition_number(Problem(data)) > 1e5
    assert analysis.condition_number(Problem(data, standardizer=None, bias=False)) > 1e4


# -- surfaces and scans ----------------------------------------------------------------------


def test_loss_scan_hours_t2() -> None:
    """T2 step 1: w from 0.0 to 4.0 by 0.1, MSE of each w."""
    problem = Problem(HOURS, bias=False)
    ws = np.round(np.arange(0.0, 4.05, 0.1), 10)
    losses = analysis.loss_scan_1d(problem, 0, ws)
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
    np.testing.assert_allclose(losses, [np.mean((x * w - y) ** 2) for w in ws], rtol=1e-12)
    assert losses[20] == pytest.approx(0.0, abs=1e-24)  # w = 2
    assert losses[10] == pytest.approx(14 / 3, rel=1e-14)  # w = 1
    assert losses[0] == pytest.approx(56 / 3, rel=1e-14)  # w = 0


def test_loss_scan_holds_the_other_parameters() -> None:
    problem = Problem(make_data())
    center = np.array([0.5, 1.0, -1.0])
    values = np.linspace(-2, 2, 9)
    got = analysis.loss_scan_1d(problem, 1, values, center=center)
    want = [direct_loss(problem, np.array([0.5, v, -1.0])) for v in values]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("n", [30, 60_000])  # small, and large enough for the Gram path
def test_loss_surface_equals_direct_losses(n: int) -> None:
    problem = Problem(make_data(n=n))
    center = np.array([0.8, 1.7, -1.5])
    surf = analysis.loss_surface(problem, 0, 2, center=center, span=(1.0, 2.0), resolution=(5, 7))
    grid_i, grid_j, Z = surf
    assert Z.shape == (5, 7)
    assert grid_i[0] == pytest.approx(-0.2) and grid_j[-1] == pytest.approx(0.5)
    for a in (0, 2, 4):
        for b in (0, 3, 6):
            theta = np.array([grid_i[a], 1.7, grid_j[b]])
            assert Z[a, b] == pytest.approx(direct_loss(problem, theta), rel=1e-10)


def test_loss_surface_default_centre_is_the_optimum() -> None:
    problem = Problem(make_data())
    theta, loss = analysis.closed_form(problem)
    surf = analysis.loss_surface(problem, 0, 1, resolution=21)  # odd: the centre is a grid point
    assert surf.Z.min() == pytest.approx(loss, rel=1e-9)
    assert surf.Z[10, 10] == pytest.approx(loss, rel=1e-9)
    np.testing.assert_allclose(surf.center, theta)


def test_loss_surface_limits_and_bad_input() -> None:
    problem = Problem(make_data())
    surf = analysis.loss_surface(problem, 1, 0, limits=((0, 4), (-1, 1)), resolution=3)
    np.testing.assert_allclose(surf.grid_i, [0, 2, 4])
    np.testing.assert_allclose(surf.grid_j, [-1, 0, 1])
    with pytest.raises(ConfigError, match="two different"):
        analysis.loss_surface(problem, 1, 1)
    with pytest.raises(ConfigError, match="0..2"):
        analysis.loss_surface(problem, 0, 3)
    with pytest.raises(ConfigError, match="center needs 3"):
        analysis.loss_scan_1d(problem, 0, [1.0], center=[1.0])


# -- diagnosis -------------------------------------------------------------------------------


def test_diagnosis_of_a_diverged_run() -> None:
    run = Run(HOURS, RunConfig(lr=0.5, bias=False))
    run.run_until(update=500)
    diag = analysis.stability_report(run)
    assert diag.status == "diverged" and diag.diverged_at == run.diverged_at
    assert diag.max_stable_lr == pytest.approx(3 / 14) and diag.stable_lr_applies
    assert diag.optimum_loss == pytest.approx(0.0, abs=1e-20)
    assert any(f"update {run.diverged_at}" in fact for fact in diag.facts)
    assert any("unstable" in fact for fact in diag.facts)


def test_diagnosis_converging_converged_and_diverging() -> None:
    run = Run(HOURS, RunConfig(lr=0.1, bias=False, tolerance=1e-8))
    assert analysis.stability_report(run).status == "ready"
    run.run_until(update=3)
    assert analysis.stability_report(run).status == "converging"
    run.run_until(update=500)
    assert analysis.stability_report(run).status == "converged"
    slow_blowup = Run(HOURS, RunConfig(lr=0.22, bias=False))  # just above 3/14
    slow_blowup.run_until(update=30)
    assert slow_blowup.status == "running"
    assert analysis.stability_report(slow_blowup).status == "diverging"


def test_diagnosis_of_minibatch_reports_the_rate_as_a_guide() -> None:
    run = Run(make_data(), RunConfig(batch=BatchSpec("minibatch", 4)))
    run.run_until(update=5)
    diag = analysis.stability_report(run)
    assert not diag.stable_lr_applies
    assert diag.max_stable_lr == pytest.approx(analysis.max_stable_lr(run.problem))
    assert any("guide" in fact for fact in diag.facts)


# -- the one definition of each verdict -----------------------------------------------------


def test_diverged_judges_loss_limit_and_theta() -> None:
    theta = np.zeros((4, 2))
    theta[3, 1] = np.nan
    loss = np.array([1.0, 1e6, 1e6 + 1, 2.0])  # limit: 1e6 × the start's 1.0
    assert analysis.diverged(loss, theta, 1.0, 1e6).tolist() == [False, False, True, True]
    assert analysis.first_diverged(loss, theta, 1.0, 1e6) == 2
    assert analysis.first_diverged(loss[:2], theta[:2], 1.0, 1e6) is None
    assert bool(analysis.diverged(float("inf"), np.zeros(2), 1.0, 1e6))
    assert not bool(analysis.diverged(0.5, np.zeros(2), 1.0, 1e6))
    # a perfect start (loss 0) can still diverge: the limit is at least factor × 1e-12
    assert analysis.divergence_limit(0.0, 1e6) == pytest.approx(1e-6)


def test_run_and_fast_forward_stop_where_diverged_says() -> None:
    run = Run(HOURS, RunConfig(lr=0.5, bias=False))
    run.run_until(update=500)
    h = run.history
    at = analysis.first_diverged(h.view("loss"), h.view("params"), h.loss0, 1e6)
    assert at is not None and run.diverged_at == at + 1


@pytest.mark.parametrize(
    ("batch", "optimizer", "applies"),
    [
        (BatchSpec("full"), "sgd", True),
        (BatchSpec("full"), "momentum", False),
        (BatchSpec("sgd"), "sgd", False),
        (BatchSpec("minibatch", 4), "adam", False),
    ],
)
def test_stable_lr_applies_only_to_full_batch_plain_descent(batch, optimizer, applies) -> None:
    assert analysis.stable_lr_applies(RunConfig(batch=batch, optimizer=optimizer)) is applies


def test_health_is_the_diagnosis_status() -> None:
    fine = Run(HOURS, RunConfig(lr=0.1, bias=False))
    assert analysis.health(fine) == "ready"
    fine.run_until(update=3)
    assert analysis.health(fine) == "converging" == analysis.stability_report(fine).status
    run = Run(HOURS, RunConfig(lr=0.22, bias=False))  # just above the stable 3/14
    run.run_until(update=30)
    assert analysis.health(run) == "diverging" == analysis.stability_report(run).status
    run.run_until(update=2000)
    assert analysis.health(run) == "diverged" == run.status
