"""What-if branches: the branch shares updates 1…k bit for bit, then follows its settings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine.branch import SHARED_COLUMNS, branch_run
from linreg_tui.engine.config import BatchSpec, RunConfig
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.run import Run


def make_data(n: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    y = X @ np.array([1.5, -0.5]) + 1.0 + 0.3 * rng.normal(size=n)
    return Dataset("t", X, y, ("a", "b"), "y")


CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "lr": st.sampled_from([0.001, 0.05, 0.2]),
        "batch": st.sampled_from([BatchSpec("sgd"), BatchSpec("minibatch", 3), BatchSpec()]),
        "optimizer": st.sampled_from(["sgd", "momentum", "adam"]),
        "loss": st.sampled_from(["mse", "half_sse"]),
        "mistake": st.sampled_from([None, "forget-zero-grad", "overwrite-grad"]),
    },
)


@settings(max_examples=30, deadline=None)
@given(
    total=st.integers(0, 12),
    frac=st.floats(0, 1),
    optimizer=st.sampled_from(["sgd", "momentum", "rmsprop"]),
    batch=st.sampled_from([BatchSpec("sgd"), BatchSpec("minibatch", 4)]),
    changes=CHANGES,
    seed=st.integers(0, 50),
)
def test_branch_shares_the_first_k_updates_bit_for_bit(
    total, frac, optimizer, batch, changes, seed
):
    run = Run(make_data(9, seed), RunConfig(lr=0.02, optimizer=optimizer, batch=batch, seed=seed))
    run.run_until(update=total)
    k = int(frac * run.updates)
    twin = branch_run(run, k, **changes)
    assert twin.updates == k and run.updates == total
    for name in SHARED_COLUMNS:
        a, b = run.history.view(name)[:k], twin.history.view(name)
        assert a.tobytes() == b.tobytes(), name
    if twin.config.optimizer == optimizer:
        assert run.history.view("state")[:k].tobytes() == twin.history.view("state").tobytes()
    twin.run_until(update=k + 5)
    assert twin.history.view("params")[:k].tobytes() == run.history.view("params")[:k].tobytes()


def test_unchanged_branch_continues_as_the_original_would():
    data = make_data(8)
    run = Run(data, RunConfig(lr=0.05, optimizer="momentum", batch=BatchSpec("minibatch", 3)))
    run.run_until(update=10)
    twin = branch_run(run, 4)
    twin.run_until(update=10)
    assert np.array_equal(twin.history.view("params"), run.history.view("params"))
    assert np.array_equal(twin.history.view("state"), run.history.view("state"))


def test_branch_with_new_lr_matches_a_run_that_switches_by_hand():
    """After the fork, update k+1 is plain SGD from θ_k with the new rate on batch k+1."""
    data = make_data(6)
    run = Run(data, RunConfig(lr=0.01, batch=BatchSpec("sgd")))
    run.run_until(update=5)
    twin = branch_run(run, 3, lr=0.2)
    step = twin.step()
    assert step.update == 4 and step.lr == 0.2
    theta = run.history.params_at(3)
    row = run.batcher.batch_rows(3)[2][0]
    a = np.append(data.X[row], 1.0)
    grad = 2 * (a @ theta - data.y[row]) * a
    np.testing.assert_allclose(step.params_after, theta - 0.2 * grad, rtol=1e-12)
    assert twin.last_step is step


def test_branch_refuses_bad_points_and_fixed_settings():
    run = Run(make_data(5), RunConfig(lr=0.01))
    run.run_until(update=3)
    with pytest.raises(ConfigError, match="has 3 update"):
        branch_run(run, 4)
    with pytest.raises(ConfigError, match="cannot change seed"):
        branch_run(run, 1, seed=3)
    bad = Run(make_data(5), RunConfig(lr=50.0))
    bad.run_until(update=40)
    assert bad.diverged_at is not None
    with pytest.raises(ConfigError, match="diverged"):
        branch_run(bad, bad.diverged_at)
    assert branch_run(bad, bad.diverged_at - 1, lr=0.001).status != "diverged"


@settings(max_examples=25, deadline=None)
@given(
    k=st.integers(0, 8),
    back=st.integers(0, 12),
    changes=CHANGES,
    seed=st.integers(0, 20),
)
def test_branch_keeps_the_shared_updates_on_replay(k, back, changes, seed):
    """Back, reset, step, fast-forward: rows 1…k stay the original's, the Steps too."""
    run = Run(make_data(7, seed), RunConfig(lr=0.02, batch=BatchSpec("sgd"), seed=seed))
    run.run_until(update=10)
    expected = {name: run.history.view(name)[:k].copy() for name in SHARED_COLUMNS}
    steps = [run.step_at(u) for u in range(1, k + 1)]
    twin = branch_run(run, k, **changes)
    run.goto(0)  # the original moving must not touch the branch
    twin.run_until(update=k + 3)
    twin.goto(max(0, k + 3 - back))
    twin.reset()
    twin.fast_forward(2)
    twin.goto(max(twin.updates, k + 1))
    for name in SHARED_COLUMNS:
        assert twin.history.view(name)[:k].tobytes() == expected[name].tobytes(), name
    for u in range(1, k + 1):
        twin.goto(u)
        assert twin.last_step is not None
        assert twin.last_step.params_after.tobytes() == steps[u - 1].params_after.tobytes()
        assert twin.step_at(u).grad.tobytes() == steps[u - 1].grad.tobytes()


def test_a_branch_of_a_branch_keeps_both_forks():
    data = make_data(8)
    run = Run(data, RunConfig(lr=0.02, batch=BatchSpec("sgd")))
    run.run_until(update=6)
    first = branch_run(run, 2, lr=0.05)
    first.run_until(update=6)
    second = branch_run(first, 4, optimizer="momentum")
    second.reset()
    second.run_until(update=6)
    params = second.history.view("params")
    assert params[:2].tobytes() == run.history.view("params")[:2].tobytes()
    assert params[:4].tobytes() == first.history.view("params")[:4].tobytes()
    assert second.step_at(1).lr == 0.02 and second.step_at(3).lr == 0.05


def test_the_fast_forward_scan_copies_a_branchs_shared_updates():
    """engine.compare moves runs with fastforward.forward: through the shared updates a
    branch copies the original's rows, then scans under its own settings."""
    from linreg_tui.engine.fastforward import forward

    data = make_data(6)
    run = Run(data, RunConfig(lr=0.01, batch=BatchSpec("sgd"), shuffle=False))
    run.run_until(update=9)
    twin = branch_run(run, 4, lr=0.05)
    stepped = branch_run(run, 4, lr=0.05)
    stepped.run_until(update=9)
    twin.reset()
    forward(twin, 9)
    assert twin.history.view("params")[:4].tobytes() == run.history.view("params")[:4].tobytes()
    assert np.allclose(twin.history.view("params"), stepped.history.view("params"), rtol=1e-12)
    twin.reset()
    twin.fast_forward(2)  # 12 updates: 4 shared, 8 scanned
    assert twin.updates == 12
    assert twin.history.view("params")[:4].tobytes() == run.history.view("params")[:4].tobytes()
