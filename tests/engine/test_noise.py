"""SGD's noise: the exact covariance trace against enumeration and against sampling."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine.config import LOSSES
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.noise import draw_batches, exact_trace, gradient_noise
from linreg_tui.engine.problem import Problem


def data(n: int, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return Dataset("t", X, X @ [1.0, -2.0] + rng.normal(size=n), ("a", "b"), "y")


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 8), frac=st.floats(0, 1), seed=st.integers(0, 99), loss=st.sampled_from(LOSSES)
)
def test_exact_trace_equals_the_mean_over_every_batch(n, frac, seed, loss):
    """Enumerating all C(n, B) batches gives tr Cov exactly (sampling without replacement)."""
    problem = Problem(data(n, seed), loss=loss)
    b = 1 + int(frac * (n - 1))
    theta = np.array([0.3, -0.1, 0.5])
    full, (noise,) = gradient_noise(problem, theta, [b])
    A = problem.A.numpy()
    y = problem.y.numpy()
    grads = []
    for rows in itertools.combinations(range(n), b):
        r = A[list(rows)] @ theta - y[list(rows)]
        grads.append(2 * problem.scale(b) * A[list(rows)].T @ r)
    grads = np.array(grads)
    mean = grads.mean(axis=0)
    np.testing.assert_allclose(mean, noise.expected, rtol=1e-9, atol=1e-12)
    trace = ((grads - mean) ** 2).sum(axis=1).mean()
    np.testing.assert_allclose(noise.exact_trace, trace, rtol=1e-9, atol=1e-12)
    if problem.loss.mean:
        np.testing.assert_allclose(full, mean, rtol=1e-9, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 99), b=st.sampled_from([1, 3, 10]))
def test_exact_trace_matches_many_random_batches(seed, b):
    """20 000 random batches: the empirical trace is within 5 % (≈ 7 standard errors)."""
    problem = Problem(data(40, seed))
    theta = np.zeros(3)
    A, y = problem.A.numpy(), problem.y.numpy()
    g = 2 * (A @ theta - y)[:, None] * A
    rng = np.random.default_rng(seed)
    rows = np.stack([rng.choice(40, b, replace=False) for _ in range(20_000)])
    dev = g[rows].mean(axis=1) - g.mean(axis=0)
    empirical = (dev * dev).sum(axis=1).mean()
    assert abs(empirical / exact_trace(g, b) - 1) < 0.05


def test_ratio_to_sgd_and_whole_epochs():
    problem = Problem(data(64, 1))
    _, out = gradient_noise(problem, np.zeros(3), [1, 4, 16, 64], seed=3)
    n = 64
    for noise in out:
        b = noise.batch_size
        np.testing.assert_allclose(noise.ratio_to_sgd, (n - b) / (b * (n - 1)), rtol=1e-12)
        per_epoch = n // b
        assert noise.epochs == max(1, 256 // per_epoch)
        assert len(noise.batches) == noise.epochs * per_epoch
    assert out[-1].exact_trace == 0 and out[-1].empirical_trace < 1e-20
    # whole epochs' batches average to the full gradient exactly (each partitions the rows)
    np.testing.assert_allclose(out[1].mean, out[1].expected, rtol=1e-12)


def test_large_data_draws_a_fixed_sample():
    rows, epochs = draw_batches(10_000, 2, seed=5)
    again, _ = draw_batches(10_000, 2, seed=5)
    assert epochs == 0 and rows.shape == (256, 2) and np.array_equal(rows, again)
    assert all(len(set(r)) == 2 for r in rows.tolist())
