"""Run: stepping, moving in time, stopping rules, gradient methods and mistakes.

References are computed independently here (NumPy loops written from the formulas),
never read back from the Run under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine.config import LOSSES, BatchSpec, RunConfig
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.losses import loss_scale
from linreg_tui.engine.problem import Problem
from linreg_tui.engine.run import Run, RunStopped
from linreg_tui.engine.step import Step

HOURS = Dataset("hours", [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], ("x",), "y")


def make_data(n: int, d: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, d))
    y = X @ rng.normal(size=d) + 1.5 + 0.2 * rng.normal(size=n)
    return Dataset("t", X, y, tuple(f"x{i}" for i in range(d)), "y")


def same_step(a: Step, b: Step) -> None:
    """Two Steps are identical, field by field, bit for bit."""
    for name in Step.__dataclass_fields__:
        if name == "elapsed":
            continue
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray) or x is None:
            assert (x is None and y is None) or np.array_equal(x, y), name
        else:
            assert x == y, name


# -- moving in time -------------------------------------------------------------------------


def test_step_back_and_replay_are_exact() -> None:
    config = RunConfig(lr=0.05, batch=BatchSpec("minibatch", 3), optimizer="momentum", seed=7)
    run = Run(make_data(10, 2), config)
    steps = [run.step() for _ in range(12)]
    for k in range(11, 4, -1):  # back from 12 to 5, one update at a time
        back = run.step_back()
        assert back is not None
        same_step(back, steps[k - 1])
        np.testing.assert_array_equal(run.theta, steps[k - 1].params_after)
    again = [run.step() for _ in range(7)]
    for new, old in zip(again, steps[5:], strict=True):
        same_step(new, old)


def test_goto_back_and_forth_and_reset() -> None:
    run = Run(make_data(9, 1), RunConfig(lr=0.05, batch=BatchSpec("sgd")))
    run.goto(20)
    theta20, loss20 = run.theta, run.loss
    run.goto(4)
    assert run.updates == 4 and run.last_step.update == 4
    run.goto(20)
    np.testing.assert_array_equal(run.theta, theta20)
    assert run.loss == loss20
    run.reset()
    assert run.updates == 0 and run.last_step is None and run.status == "ready"
    assert run.step_back() is None  # nothing before the start


def test_run_until_epoch_update_and_loss() -> None:
    data = make_data(10, 1)
    run = Run(data, RunConfig(lr=0.05, batch=BatchSpec("minibatch", 4)))  # 3 updates per epoch
    run.run_until(epoch=2)
    assert run.updates == 6 and run.epoch == 2 and run.samples_seen == 20
    run.run_until(update=8, epoch=10)  # whichever comes first
    assert run.updates == 8
    target = run.loss * 0.5
    run.run_until(loss=target)
    assert run.loss <= target
    assert run.history.loss_at(run.updates - 1) > target  # stopped at the first one below


# -- stopping ---------------------------------------------------------------------------------


def test_divergence_stops_the_run() -> None:
    # hours, mse, full batch: λmax = 2·14/3, so lr 0.5 > 2/λmax ≈ 0.214 blows up
    run = Run(HOURS, RunConfig(lr=0.5, bias=False))
    run.run_until(update=1000)
    assert run.status == "diverged"
    start = run.history.loss0
    losses = run.history.losses()
    k = int(np.argmax(losses > 1e6 * start))  # first loss over a million times the start
    assert run.diverged_at == k == run.updates
    with pytest.raises(RunStopped):
        run.step()
    run.step_back()
    assert run.status == "running" and run.diverged_at is None
    run.step()
    assert run.status == "diverged"


def test_non_finite_values_count_as_divergence() -> None:
    config = RunConfig(lr=1e150, bias=False, divergence_factor=float("inf"), loss="sse")
    run = Run(HOURS, config)
    run.run_until(update=50)
    assert run.status == "diverged"
    assert not np.isfinite(run.loss) or not np.all(np.isfinite(run.theta))


def test_convergence_is_detected() -> None:
    run = Run(HOURS, RunConfig(lr=0.1, bias=False, tolerance=1e-8))
    run.run_until(update=500)
    step = run.last_step
    assert step is not None and step.status == "converged" and run.status == "converged"
    assert run.theta[0] == pytest.approx(2.0, abs=1e-8)


def test_history_keeps_the_full_data_gradient_norm() -> None:
    """The norm convergence is judged on is kept per update, and the summary reports it."""
    run = Run(HOURS, RunConfig(lr=0.05, batch=BatchSpec("sgd"), seed=2))
    prob = run.problem
    first = run.summary()
    want0 = float(prob.full_gradient(prob.tensor(run.history.theta0)).norm())
    assert first.updates == 0 and first.status == "ready"
    assert first.grad_norm == pytest.approx(want0, rel=1e-12)
    run.run_until(update=7)
    norms = run.history_window(("full_grad_norm",), 0, 99)["full_grad_norm"]
    assert norms.shape == (7,)
    for k in range(1, 8):
        theta = prob.tensor(run.history.params_at(k))
        want = float(prob.full_gradient(theta).norm())
        assert norms[k - 1] == pytest.approx(want, rel=1e-12)
    summary = run.summary()
    assert summary.updates == 7 and summary.grad_norm == norms[-1]
    assert summary.loss == run.loss and summary.base_lr == 0.05
    assert "after 7 updates" in summary.describe()
    run.goto(3)  # going back keeps the column consistent
    assert run.summary().grad_norm == pytest.approx(norms[2], rel=1e-12)


def test_analysis_as_plain_values() -> None:
    """The optimum, the largest stable rate and κ, without reaching into the run."""
    run = Run(HOURS, RunConfig(bias=False, standardize=False))
    w, b, loss = run.optimum()
    assert w == [pytest.approx(2.0)] and b is None and loss == pytest.approx(0.0, abs=1e-20)
    assert run.max_stable_lr() == pytest.approx(3 / 14)  # 2/λ, λ = 2·(1+4+9)/3
    assert run.condition_number() == pytest.approx(1.0)


def test_history_memory_grows_linearly() -> None:
    run = Run(make_data(5, 1), RunConfig(batch=BatchSpec("sgd")))
    run.run_until(update=600)
    # p = 2, no optimizer state: 2 params + 2 grads + 6 scalars = 80 bytes a row
    per_row = run.history.nbytes() / run.history._capacity
    assert per_row == 80
    assert run.history._capacity < 2 * 600 + 256


# -- the three gradient methods ---------------------------------------------------------------


@st.composite
def problems(draw: st.DrawFn) -> tuple[Problem, torch.Tensor]:
    n = draw(st.integers(1, 8))
    d = draw(st.integers(1, 3))
    bias = draw(st.booleans())
    loss = draw(st.sampled_from(LOSSES))
    finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
    X = np.array(draw(st.lists(finite, min_size=n * d, max_size=n * d))).reshape(n, d)
    y = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    theta = draw(st.lists(finite, min_size=d + bias, max_size=d + bias))
    problem = Problem(
        Dataset("h", X, y, tuple(f"x{i}" for i in range(d)), "y"), loss=loss, bias=bias
    )
    return problem, problem.tensor(theta)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_gradient_methods_agree(case: tuple[Problem, torch.Tensor]) -> None:
    problem, theta = case
    A, y, n = problem.A, problem.y, problem.n
    results = {
        m: problem.batch_gradient(theta, A, y, m, n) for m in ("analytic", "autograd", "module")
    }
    # an independent reference: the formula in NumPy
    A_np, y_np, th = A.numpy(), y.numpy(), theta.numpy()
    r = A_np @ th - y_np
    c = loss_scale(problem.loss_name, n)
    want_grad, want_loss = 2 * c * A_np.T @ r, c * float(r @ r)
    # 1e-12 relative to the size of the terms summed (a sum that cancels to ~0 keeps the
    # rounding of its terms, whichever method adds them up)
    grad_scale = max(1.0, float((2 * c * np.abs(A_np).T @ np.abs(r)).max()))
    resid_scale = max(1.0, float((np.abs(A_np) @ np.abs(th) + np.abs(y_np)).max()))
    for method, res in results.items():
        np.testing.assert_allclose(
            res.grad.numpy(), want_grad, rtol=1e-12, atol=1e-12 * grad_scale, err_msg=method
        )
        assert float(res.loss) == pytest.approx(want_loss, rel=1e-12, abs=1e-12), method
        np.testing.assert_allclose(
            res.residuals.numpy(), r, rtol=1e-12, atol=1e-12 * resid_scale, err_msg=method
        )


@pytest.mark.parametrize("loss", LOSSES)
def test_runs_agree_across_methods(loss: str) -> None:
    data = make_data(7, 2)
    thetas = []
    for method in ("analytic", "autograd", "module"):
        run = Run(data, RunConfig(lr=0.01, loss=loss, grad=method, batch=BatchSpec("minibatch", 3)))
        run.run_until(update=10)
        thetas.append(run.theta)
    np.testing.assert_allclose(thetas[1], thetas[0], rtol=1e-12)
    np.testing.assert_allclose(thetas[2], thetas[0], rtol=1e-12)


@pytest.mark.parametrize("method", ["autograd", "module"])
def test_each_step_records_how_far_the_method_is_from_the_hand_formula(method: str) -> None:
    data = make_data(9, 2)
    run = Run(data, RunConfig(lr=0.05, grad=method, batch=BatchSpec("minibatch", 4)))
    steps = [run.step() for _ in range(5)]
    gaps = [s.grad_check for s in steps]
    assert all(g is not None and 0 <= g < 1e-12 for g in gaps)
    plain = Run(data, RunConfig(lr=0.05, batch=BatchSpec("minibatch", 4)))
    assert plain.step().grad_check is None  # the formula is not checked against itself


# -- mistakes on purpose ----------------------------------------------------------------------


def test_forget_zero_grad_accumulates() -> None:
    """T2's warning: without zeroing, g_t = Σ_{k≤t} ∇L(θ_k), and θ moves by the running sum."""
    run = Run(HOURS, RunConfig(lr=0.01, bias=False, init_w=(1.0,), mistake="forget-zero-grad"))
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
    w, acc = 1.0, 0.0
    for t in range(8):
        own = np.mean(2 * x * (x * w - y))
        acc += own
        w -= 0.01 * acc
        step = run.step()
        assert step.grad[0] == pytest.approx(acc, rel=1e-12)
        assert step.batch_grad[0] == pytest.approx(own, rel=1e-12)  # this batch's own gradient
        assert t == 0 or step.grad[0] != pytest.approx(own)
        assert step.params_after[0] == pytest.approx(w, rel=1e-12)
    run.step_back()  # restoring the accumulator: replay gives the same update
    assert run.step().params_after[0] == pytest.approx(w, rel=1e-12)


def test_sign_flip_climbs_the_loss() -> None:
    """A sign slip: θ ← θ + η·∇L, so g = −∇L and the loss grows every update."""
    run = Run(HOURS, RunConfig(lr=0.01, bias=False, init_w=(1.0,), mistake="sign-flip"))
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
    w, loss = 1.0, run.loss
    for _ in range(5):
        own = np.mean(2 * x * (x * w - y))
        w += 0.01 * own
        step = run.step()
        assert step.grad[0] == pytest.approx(-own, rel=1e-12)
        assert step.params_after[0] == pytest.approx(w, rel=1e-12)
        assert step.loss_after > loss
        loss = step.loss_after


def test_overwrite_grad_uses_only_the_last_sample() -> None:
    """T5's bug: each sample's gradient overwrites the last, so only the batch's last row counts
    (still scaled by the batch's 1/n)."""
    data = make_data(6, 1)
    run = Run(
        data,
        RunConfig(
            lr=0.02, batch=BatchSpec("minibatch", 3), shuffle=False, mistake="overwrite-grad"
        ),
    )
    X, y = data.X[:, 0], data.y
    w = b = 0.0
    for t in range(6):
        rows = [3 * (t % 2) + k for k in range(3)]
        last = rows[-1]
        r = w * X[last] + b - y[last]
        gw, gb = 2 / 3 * r * X[last], 2 / 3 * r
        step = run.step()
        np.testing.assert_allclose(step.grad, [gw, gb], rtol=1e-12)
        np.testing.assert_allclose(step.rows, rows)
        w, b = w - 0.02 * gw, b - 0.02 * gb
    correct = Run(data, RunConfig(lr=0.02, batch=BatchSpec("minibatch", 3), shuffle=False))
    correct.run_until(update=6)
    assert not np.allclose(correct.theta, run.theta, rtol=1e-3)
    np.testing.assert_allclose(run.theta, [w, b], rtol=1e-12)
