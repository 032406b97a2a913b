"""Comparison: runs from one start, aligned by updates, epochs, samples or seconds."""

from __future__ import annotations

import numpy as np
import pytest

from linreg_tui.engine.compare import Comparison, samples_seen
from linreg_tui.engine.config import BatchSpec, RunConfig
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.run import Run


def make_data(n: int = 10) -> Dataset:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 5, (n, 1))
    return Dataset("t", X, 2 * X[:, 0] + 3 + 0.5 * rng.normal(size=n), ("x",), "y")


FULL = RunConfig(lr=0.02, batch=BatchSpec("full"))
SGD = RunConfig(lr=0.02, batch=BatchSpec("sgd"))
MINI = RunConfig(lr=0.02, batch=BatchSpec("minibatch", 4))  # 10 rows: 3 updates an epoch


def three_modes(axis: str = "epochs") -> Comparison:
    return Comparison(make_data(), [FULL, SGD, MINI], axis=axis)


def test_runs_share_the_first_runs_start() -> None:
    configs = [
        RunConfig(init_w=(1.5,), init_b=-0.5),
        RunConfig(init_w=(9.0,), init_b=4.0, batch=BatchSpec("sgd")),
        RunConfig(init_random=True, seed=5, batch=BatchSpec("minibatch", 3)),
    ]
    comp = Comparison(make_data(), configs)
    for run in comp.runs:
        assert run.params() == ([1.5], -0.5)
        assert run.history.loss0 == comp.runs[0].history.loss0


def test_random_start_is_shared_too() -> None:
    configs = [RunConfig(init_random=True, seed=11), RunConfig(batch=BatchSpec("sgd"), seed=2)]
    comp = Comparison(make_data(), configs)
    np.testing.assert_array_equal(comp.runs[1].theta, comp.runs[0].theta)
    assert comp.runs[0].theta[0] != 0.0


def test_aligned_by_epochs() -> None:
    comp = three_modes("epochs")
    comp.advance(2)
    assert [r.updates for r in comp.runs] == [2, 20, 6]
    comp.advance(0.5)  # half an epoch: floor of each run's own updates
    assert [r.updates for r in comp.runs] == [2, 25, 7]
    assert all(r.samples_seen <= 25 for r in comp.runs)


def test_aligned_by_updates_and_back() -> None:
    comp = three_modes("updates")
    comp.advance(7)
    assert [r.updates for r in comp.runs] == [7, 7, 7]
    comp.advance(-3)
    assert [r.updates for r in comp.runs] == [4, 4, 4]
    comp.reset()
    assert [r.updates for r in comp.runs] == [0, 0, 0] and comp.position == 0


@pytest.mark.parametrize("position", [0, 3, 9, 10, 11, 23, 40])
def test_aligned_by_samples(position: int) -> None:
    comp = three_modes("samples")
    comp.seek(position)
    for run in comp.runs:
        assert run.samples_seen <= position
        assert run.batcher.samples_seen(run.updates + 1) > position  # one more would pass it


def test_samples_seen_vectorised_matches_the_batcher() -> None:
    data = make_data(10)
    for config in (FULL, SGD, MINI, MINI.with_(drop_last=True)):
        batcher = Run(data, config).batcher
        u = np.arange(40)
        assert list(samples_seen(batcher, u)) == [batcher.samples_seen(int(k)) for k in u]


def test_aligned_by_seconds() -> None:
    comp = three_modes("seconds")
    comp.advance(0.002)
    for run in comp.runs:
        assert run.history.elapsed[run.updates - 1] >= 0.002
    x, loss = comp.series()[0]
    assert x[0] == 0 and np.all(np.diff(x) >= 0) and len(x) == len(loss)


def test_lockstep_runs_equal_runs_stepped_alone() -> None:
    comp = three_modes("epochs")
    comp.advance(3)
    for run, config in zip(comp.runs, (FULL, SGD, MINI), strict=True):
        alone = Run(make_data(), config)
        alone.run_until(epoch=3)
        np.testing.assert_allclose(run.theta, alone.theta, rtol=1e-9)


def test_series_on_each_axis() -> None:
    comp = three_modes("epochs")
    comp.advance(2)
    for (x, loss), run in zip(comp.series("epochs"), comp.runs, strict=True):
        assert len(x) == len(loss) == run.updates + 1
        assert x[-1] == pytest.approx(2.0) and loss[0] == run.history.loss0
    samples = comp.series("samples")
    assert [float(x[-1]) for x, _ in samples] == [20.0, 20.0, 20.0]
    np.testing.assert_allclose(samples[2][0], [0, 4, 8, 10, 14, 18, 20])
    updates = comp.series("updates")
    assert [float(x[-1]) for x, _ in updates] == [2.0, 20.0, 6.0]


def test_switching_axis_keeps_the_furthest_run() -> None:
    comp = three_modes("epochs")
    comp.advance(1)
    comp.axis = "updates"
    assert comp.position == 10  # the sgd run has done 10 updates
    comp.advance(1)
    assert [r.updates for r in comp.runs] == [11, 11, 11]
    with pytest.raises(ConfigError, match="comparison axis"):
        comp.axis = "hours"


def test_add_and_remove_runs() -> None:
    comp = Comparison(make_data(), [FULL, SGD], axis="epochs")
    comp.advance(2)
    added = comp.add_run(MINI.with_(init_w=(7.0,)))
    assert added.updates == 6
    np.testing.assert_array_equal(added.history.theta0, comp.runs[0].history.theta0)
    comp.add_run(MINI)
    with pytest.raises(ConfigError, match="at most 4"):
        comp.add_run(MINI)
    comp.remove_run(3)
    comp.remove_run(0)
    with pytest.raises(ConfigError, match="at least 2"):
        comp.remove_run(0)
    assert [r.config.batch.mode for r in comp.runs] == ["sgd", "minibatch"]


@pytest.mark.parametrize("count", [1, 5])
def test_two_to_four_runs(count: int) -> None:
    with pytest.raises(ConfigError, match="2 to 4"):
        Comparison(make_data(), [FULL] * count)


def test_a_diverged_run_stays_put() -> None:
    comp = Comparison(make_data(), [FULL, FULL.with_(lr=0.5)], axis="updates")
    comp.advance(200)
    ok, blown = comp.runs
    assert ok.updates == 200
    assert blown.status == "diverged" and blown.updates == blown.diverged_at < 200
