"""Metrics against numpy written out, the hold-out split, and the stop rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.metrics import holdout_split, metrics_per_update
from linreg_tui.engine.stopping import Stopper, StopRule, parse_stop


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 30), u=st.integers(1, 6), seed=st.integers(0, 99))
def test_metrics_against_numpy(n, u, seed):
    rng = np.random.default_rng(seed)
    A = np.c_[rng.normal(size=(n, 2)), np.ones(n)]
    y = rng.normal(size=n) * 3
    params = rng.normal(size=(u, 3))
    got = metrics_per_update(A, y, params)
    for t in range(u):
        pred = A @ params[t]
        mse = np.mean((pred - y) ** 2)
        np.testing.assert_allclose(got["mse"][t], mse, rtol=1e-12)
        np.testing.assert_allclose(got["rmse"][t], np.sqrt(mse), rtol=1e-12)
        np.testing.assert_allclose(got["mae"][t], np.mean(np.abs(pred - y)), rtol=1e-12)
        r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
        np.testing.assert_allclose(got["r2"][t], r2, rtol=1e-10)


def test_r2_of_constant_targets_is_nan():
    got = metrics_per_update(np.ones((3, 1)), np.full(3, 2.0), np.array([[2.0]]))
    assert got["mse"][0] == 0 and math.isnan(got["r2"][0])


@given(n=st.integers(3, 500), f=st.floats(0.01, 0.49), seed=st.integers(0, 9))
def test_holdout_split_partitions_the_rows(n, f, seed):
    try:
        train, held = holdout_split(n, f, seed)
    except ConfigError:
        assert n - max(1, round(f * n)) < 2
        return
    assert sorted([*train, *held]) == list(range(n)) and len(held) >= 1
    assert np.array_equal(held, holdout_split(n, f, seed)[1])


@pytest.mark.parametrize("bad", ["grad-norm", "grad-norm:-1", "grad-norm:nan", "loss-change:1",
                                 "loss-change:1:0", "holdout-rise:x", "other:1", ""])  # fmt: skip
def test_bad_rules(bad):
    with pytest.raises(ConfigError):
        parse_stop(bad)


def test_parse_round_trip():
    for text in ["grad-norm:0.001", "loss-change:1e-06:5", "holdout-rise:3"]:
        assert str(parse_stop(text)) == text


def first_stop(rule: StopRule, loss0: float, seq: list[tuple[float, float, float]]) -> int | None:
    """The definition, written directly over the whole sequence."""
    losses = [loss0] + [s[0] for s in seq]
    for t in range(1, len(seq) + 1):
        loss, norm, held = seq[t - 1]
        if rule.kind == "grad-norm" and norm <= rule.tol:
            return t
        if (
            rule.kind == "loss-change"
            and t >= rule.patience
            and all(
                abs(losses[j] - losses[j - 1]) < rule.tol
                for j in range(t - rule.patience + 1, t + 1)
            )
        ):
            return t
        if rule.kind == "holdout-rise":
            best = min(range(t + 1), key=lambda j: ([math.inf] + [s[2] for s in seq])[j])
            if t - best >= rule.patience:
                return t
    return None


VALUES = st.lists(st.tuples(st.sampled_from([1.0, 1.0005, 2.0, 0.5]), st.floats(0, 2),
                            st.sampled_from([1.0, 2.0, 0.5, 0.25])), max_size=25)  # fmt: skip
RULE = st.one_of(
    st.builds(StopRule, st.just("grad-norm"), st.floats(0, 1)),
    st.builds(StopRule, st.just("loss-change"), st.sampled_from([0.001, 0.6]), st.integers(1, 4)),
    st.builds(StopRule, st.just("holdout-rise"), st.just(0.0), st.integers(1, 4)),
)


@settings(max_examples=200, deadline=None)
@given(rule=RULE, seq=VALUES)
def test_stopper_fires_where_the_definition_says(rule, seq):
    stopper = Stopper([rule], loss0=1.0, holdout0=None)
    fired = None
    for t, (loss, norm, held) in enumerate(seq, start=1):
        fired = stopper.observe(t, loss, norm, held)
        if fired:
            break
    assert (fired.update if fired else None) == first_stop(rule, 1.0, seq)
