"""The lockstep clock and Comparison: runs from one start, aligned by updates, epochs,
samples or compute seconds; ticks, exact steps back, seeks, runs added and removed."""

from __future__ import annotations

import numpy as np
import pytest

from linreg_tui.engine.axes import AXES, coordinate, coordinates, updates_at
from linreg_tui.engine.compare import Comparison, Lockstep, samples_seen, start_of, start_runs
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


def test_switching_axis_keeps_every_run_and_the_clock_follows_the_slowest() -> None:
    comp = three_modes("epochs")
    comp.advance(1)
    comp.axis = "updates"
    assert [r.updates for r in comp.runs] == [1, 10, 3]  # nobody moved
    assert comp.position == 1  # the full batch has done 1 update
    comp.tick()
    assert [r.updates for r in comp.runs] == [2, 10, 3]  # runs ahead wait for the clock
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


# -- the tick, the step back and seek on each axis ----------------------------------------


def updates(clock: Lockstep) -> list[int]:
    return [r.updates for r in clock.runs]


def test_a_tick_by_epochs_is_the_smallest_move_after_which_some_run_moved() -> None:
    clock = three_modes("epochs")  # per epoch: full 1, sgd 10, mini 3 updates
    seen = [updates(clock)]
    while clock.position < 1:
        assert clock.tick()
        seen.append(updates(clock))
    # the points u/P of all three runs up to one epoch, each visited once, in order
    points = sorted({k / p for p in (1, 10, 3) for k in range(p + 1)})
    assert len(seen) == len(points)
    for x, counts in zip(points, seen, strict=True):
        assert counts == [int(np.floor(x * p + 1e-9)) for p in (1, 10, 3)]
    assert seen[-1] == [1, 10, 3]
    for before, after in zip(seen, seen[1:], strict=False):  # each tick: ≤ 1 update a run
        assert all(0 <= b - a <= 1 for a, b in zip(before, after, strict=True))
        assert after != before


def test_a_tick_by_samples_moves_the_run_whose_next_batch_ends_first() -> None:
    clock = three_modes("samples")
    clock.step(4)  # sgd: 1, 2, 3, 4 samples; the mini-batch of 4 joins at 4
    assert [r.samples_seen for r in clock.runs] == [0, 4, 4] and clock.position == 4
    clock.tick()  # 5: sgd's 5th row comes before the mini-batch's 8th
    assert [r.samples_seen for r in clock.runs] == [0, 5, 4]
    clock.seek(10)  # the full batch's 10 rows
    assert [r.samples_seen for r in clock.runs] == [10, 10, 10]


@pytest.mark.parametrize("axis", ["updates", "epochs", "samples"])
def test_back_undoes_a_tick_exactly_on_counted_axes(axis: str) -> None:
    clock = three_modes(axis)
    clock.step(7)
    before = [(r.updates, r.theta.copy(), r.loss) for r in clock.runs]
    position = clock.position
    clock.tick()
    assert clock.back()
    assert clock.position == pytest.approx(position)
    for run, (k, theta, loss) in zip(clock.runs, before, strict=True):
        assert run.updates == k and run.loss == loss
        np.testing.assert_array_equal(run.theta, theta)


@pytest.mark.parametrize("axis", ["updates", "epochs", "samples"])
def test_back_all_the_way_retraces_the_ticks(axis: str) -> None:
    clock = three_modes(axis)
    forward = [updates(clock)]
    for _ in range(12):
        clock.tick()
        forward.append(updates(clock))
    backward = [updates(clock)]
    while clock.back():
        backward.append(updates(clock))
    assert backward == forward[::-1]
    assert not clock.back() and clock.position == 0


def test_ticks_by_seconds_step_the_run_with_the_least_compute_time() -> None:
    clock = three_modes("seconds")
    times = []
    for _ in range(30):
        spent = [coordinates(r, "seconds")[-1] for r in clock.runs]
        counts = updates(clock)
        clock.tick()
        moved = [b - a for a, b in zip(counts, updates(clock), strict=True)]
        assert sorted(moved) == [0, 0, 1]
        assert spent[moved.index(1)] == min(spent)
        times.append(clock.position)
    assert sum(updates(clock)) == 30
    assert clock.position == min(coordinates(r, "seconds")[-1] for r in clock.runs)
    assert all(b >= a for a, b in zip(times, times[1:], strict=False))  # the clock never goes back


def test_back_by_seconds_retraces_the_ticks_exactly() -> None:
    clock = three_modes("seconds")
    forward = [updates(clock)]
    for _ in range(15):
        clock.tick()
        forward.append(updates(clock))
    thetas = [r.theta.copy() for r in clock.runs]
    clock.tick()
    clock.back()
    for run, theta in zip(clock.runs, thetas, strict=True):
        np.testing.assert_array_equal(run.theta, theta)
    backward = [updates(clock)]
    while clock.back():
        backward.append(updates(clock))
    assert backward == forward[::-1]


def test_seek_by_seconds_puts_each_run_at_the_first_update_reaching_it() -> None:
    clock = three_modes("seconds")
    clock.seek(0.003)
    for run in clock.runs:
        x = coordinates(run, "seconds")
        assert x[-1] >= 0.003 and x[-2] < 0.003  # reached, and not one update later
    reached = updates(clock)
    clock.seek(0.001)  # back through the History: no update is computed again
    for run, k in zip(clock.runs, reached, strict=True):
        x = coordinates(run, "seconds")
        assert run.updates <= k and x[-1] >= 0.001 and (run.updates == 1 or x[-2] < 0.001)


@pytest.mark.parametrize("axis", AXES)
def test_shared_start_add_and_remove_on_every_axis(axis: str) -> None:
    data = make_data()
    clock = Lockstep(start_runs([(data, FULL.with_(init_w=(2.5,), init_b=1.0)), (data, SGD)]), axis)
    clock.step(6)
    position = clock.position
    added = clock.add(Run(data, MINI.with_(init_w=(-4.0,))))  # another start: rebuilt
    assert start_of(added) == start_of(clock.runs[0]) == ((2.5,), 1.0)
    if axis == "seconds":
        assert coordinates(added, axis)[-1] >= position
    else:
        assert added.updates == updates_at(added, axis, position) > 0
    clock.remove(0)
    assert [r.config.batch.mode for r in clock.runs] == ["sgd", "minibatch"]
    assert all(start_of(r) == ((2.5,), 1.0) for r in clock.runs)
    clock.tick()
    clock.back()
    clock.reset()
    assert updates(clock) == [0, 0] and clock.position == 0


def test_a_new_first_run_moves_the_shared_start() -> None:
    data = make_data()
    clock = Lockstep(start_runs([(data, FULL), (data, SGD)]), "updates")
    clock.step(3)
    clock.replace(0, Run(data, FULL.with_(init_w=(1.0,), init_b=2.0)))
    assert [start_of(r) for r in clock.runs] == [((1.0,), 2.0)] * 2
    assert updates(clock) == [0, 0]
    clock.replace(1, Run(data, MINI))  # a later run keeps the shared start
    assert start_of(clock.runs[1]) == ((1.0,), 2.0)


def test_a_replaced_run_restarts_and_the_others_wait() -> None:
    data = make_data()
    clock = Lockstep(start_runs([(data, FULL), (data, SGD)]), "updates")
    clock.step(5)
    clock.replace(1, Run(data, SGD.with_(lr=0.01)))
    assert updates(clock) == [5, 0] and clock.position == 0
    clock.step(2)
    assert updates(clock) == [5, 2]


def test_one_run_is_a_lockstep_too() -> None:
    data = make_data()
    clock = Lockstep([Run(data, SGD)])
    clock.step(5)
    assert updates(clock) == [5] and clock.position == 5
    clock.back()
    assert updates(clock) == [4]
    with pytest.raises(ConfigError, match="at least 1"):
        clock.remove(0)
    with pytest.raises(ConfigError, match="1 to 4"):
        Lockstep([Run(data, SGD)] * 5)


def test_fast_forward_and_next_epoch_leave_the_clock_at_the_slowest_run() -> None:
    clock = three_modes("updates")
    clock.fast_forward(2)
    assert updates(clock) == [2, 20, 6] and clock.position == 2
    clock.next_epoch()
    assert updates(clock) == [3, 30, 9] and clock.position == 3
    clock.back()  # runs ahead of the clock rewind to it
    assert updates(clock) == [2, 2, 2]


def test_finished_when_every_run_has_stopped() -> None:
    data = make_data()
    clock = Lockstep(start_runs([(data, FULL.with_(lr=0.5)), (data, FULL.with_(lr=0.6))]))
    assert clock.step(1000) < 1000
    assert clock.finished and all(r.status == "diverged" for r in clock.runs)
    assert not clock.tick()


def test_coordinates_of_traced_points() -> None:
    clock = three_modes("epochs")
    clock.advance(1)
    mini = clock.runs[2]
    idx = np.array([0, 2, 3])
    np.testing.assert_allclose(coordinates(mini, "epochs", idx), [0, 2 / 3, 1])
    np.testing.assert_allclose(coordinates(mini, "samples", idx), [0, 8, 10])
    np.testing.assert_allclose(coordinates(mini, "updates", idx), [0, 2, 3])
    seconds = coordinates(mini, "seconds", idx)
    assert seconds[0] == 0 and seconds[2] == mini.history.view("elapsed")[2]
    with pytest.raises(ValueError, match="no compute time"):
        coordinates(mini, "seconds", np.array([4]))
    for axis in AXES:  # the clock's scalar path agrees with the vector one
        assert [coordinate(mini, axis, int(k)) for k in idx] == list(coordinates(mini, axis, idx))
