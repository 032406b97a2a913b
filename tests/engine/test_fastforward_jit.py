"""The compiled fast-forward (numba) lands where stepping lands, with the same History; the
History's lazily derived rows read as eagerly stored ones; without numba the vectorised
scans give the same results.

Each test forces the compiled path on small data (MIN_SAMPLES = 1) and compares against
Run.step() one update at a time.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from linreg_tui.engine import fastforward_jit
from linreg_tui.engine.config import BatchSpec, RunConfig, ScheduleSpec
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.run import Run

pytest.importorskip("numba")

COLUMNS = ("params", "grad", "state", "loss", "batch_loss", "lr", "grad_norm", "full_grad_norm")


@pytest.fixture(autouse=True)
def compiled_on_small_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastforward_jit, "MIN_SAMPLES", 1)
    monkeypatch.setattr(fastforward_jit, "COLD_MIN_SAMPLES", 1)


def make_data(n: int, d: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, (n, d))
    y = X @ rng.normal(size=d) + 0.7 + 0.3 * rng.normal(size=n)
    return Dataset("t", X, y, tuple(f"x{i}" for i in range(d)), "y")


def assert_same_history(ref: Run, ff: Run, rtol: float = 1e-9) -> None:
    assert (ff.updates, ff.status, ff.diverged_at) == (ref.updates, ref.status, ref.diverged_at)
    for name in COLUMNS:
        want, got = ref.history.view(name), ff.history.view(name)
        assert got.shape == want.shape, name
        scale = float(np.nanmax(np.abs(want))) if want.size else 0.0
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12 * scale + 1e-300, err_msg=name)
    np.testing.assert_allclose(ff.theta, ref.theta, rtol=rtol, atol=1e-15)


def compiled(data: Dataset, config: RunConfig, epochs: int) -> Run:
    run = Run(data, config)
    assert fastforward_jit.applies(run, epochs * run.batcher.per_epoch)
    run.fast_forward(epochs)
    return run


BATCHES = {
    "sgd": dict(batch=BatchSpec("sgd")),
    "minibatch-short-last": dict(batch=BatchSpec("minibatch", 8)),  # 61 rows: 7×8 + 5
    "minibatch-drop-last": dict(batch=BatchSpec("minibatch", 8), drop_last=True),
}


@pytest.mark.parametrize("batch", sorted(BATCHES))
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("d", [1, 3])
def test_compiled_equals_stepping(batch: str, shuffle: bool, bias: bool, d: int) -> None:
    data = make_data(61, d, seed=d)
    config = RunConfig(
        lr=0.03, shuffle=shuffle, bias=bias, seed=5, init_w=(0.4,) * d, **BATCHES[batch]
    )
    ff = compiled(data, config, 3)  # three epochs: chunks end at each epoch's end
    ref = Run(data, config)
    ref.run_until(update=ff.updates)
    assert_same_history(ref, ff)


@pytest.mark.parametrize("schedule", [ScheduleSpec("inv", gamma=0.05), ScheduleSpec("step", 9)])
@pytest.mark.parametrize("loss", ["mse", "half_sse"])
def test_schedules_and_losses(schedule: ScheduleSpec, loss: str) -> None:
    data = make_data(40, 1, seed=2)
    config = RunConfig(lr=0.01, loss=loss, schedule=schedule, batch=BatchSpec("minibatch", 3))
    ff = compiled(data, config, 2)
    ref = Run(data, config)
    ref.run_until(update=ff.updates)
    assert_same_history(ref, ff)


@pytest.mark.parametrize("batch", ["sgd", "minibatch"])
def test_divergence_stops_where_stepping_stops(batch: str) -> None:
    data = make_data(50, 1, seed=3)
    spec = BatchSpec("sgd") if batch == "sgd" else BatchSpec("minibatch", 4)
    config = RunConfig(lr=2.5, batch=spec, seed=1)
    ff = compiled(data, config, 20)
    ref = Run(data, config)
    ref.run_until(update=20 * ref.batcher.per_epoch)
    assert ff.status == "diverged"
    assert_same_history(ref, ff)


def test_mid_epoch_start_and_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastforward_jit, "CHUNK_UPDATES", 7)
    data = make_data(45, 2, seed=4)
    config = RunConfig(lr=0.02, batch=BatchSpec("sgd"), seed=9)
    ff = Run(data, config)
    for _ in range(10):
        ff.step()
    ff.fast_forward(2)
    ref = Run(data, config)
    ref.run_until(update=ff.updates)
    assert_same_history(ref, ff)


def test_lazy_rows_read_like_stored_ones() -> None:
    """Rows derived one at a time, a window, a truncation inside a lazy range and further
    steps all see what stepping stored."""
    data = make_data(64, 1, seed=6)
    config = RunConfig(lr=0.02, batch=BatchSpec("sgd"), seed=2)
    ff = compiled(data, config, 2)
    assert ff.history._lazy  # the columns are not derived yet
    window = ff.history_window(("loss", "batch_loss"), 10, 20)
    ref = Run(data, config)
    ref.run_until(update=ff.updates)
    np.testing.assert_allclose(window["loss"], ref.history.view("loss")[10:20], rtol=1e-9)
    assert ff.history.loss_at(77) == pytest.approx(ref.history.loss_at(77), rel=1e-9)
    ff.goto(90)  # truncates inside the second epoch's lazy rows, then steps on
    ref.goto(90)
    for run in (ff, ref):
        run.step()
        run.step()
    assert_same_history(ref, ff)


def test_without_numba_the_scans_give_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_data(61, 2, seed=7)
    config = RunConfig(lr=0.03, batch=BatchSpec("minibatch", 5), seed=3)
    with_numba = compiled(data, config, 2)
    monkeypatch.setattr(fastforward_jit, "_kernels", None)
    monkeypatch.setattr(fastforward_jit, "_unavailable", False)
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    monkeypatch.delitem(sys.modules, "linreg_tui.engine.fastforward_kernels")
    assert fastforward_jit.kernels() is None
    plain = Run(data, config)
    assert not fastforward_jit.applies(plain, 1000)
    plain.fast_forward(2)
    assert not plain.history._lazy
    assert_same_history(plain, with_numba, rtol=1e-11)


def test_other_runs_take_the_scans() -> None:
    data = make_data(30, 1)
    for config in (
        RunConfig(dtype="float32", batch=BatchSpec("sgd")),
        RunConfig(optimizer="momentum", batch=BatchSpec("sgd")),
        RunConfig(batch=BatchSpec("full")),
        RunConfig(mistake="forget-zero-grad", batch=BatchSpec("sgd")),
    ):
        assert not fastforward_jit.applies(Run(data, config), 1000), config


def test_warm_compiles_or_loads_the_kernels() -> None:
    assert fastforward_jit.warm()


def test_engine_and_cli_import_no_numba() -> None:
    code = (
        "import sys, linreg_tui.engine, linreg_tui.tui.cli; "
        "print('numba' in sys.modules or 'llvmlite' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
