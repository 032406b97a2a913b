"""The fast-forward lands where stepping lands, with the same history, without stepping.

Every test runs the same config twice — once with Run.step() one update at a time, once
through engine.fastforward — and compares the parameters and every history column.
"""

from __future__ import annotations

import numpy as np
import pytest

from linreg_tui.engine import fastforward, fastforward_plan
from linreg_tui.engine.config import BatchSpec, RunConfig, ScheduleSpec
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.run import Run

COLUMNS = ("params", "grad", "state", "loss", "batch_loss", "lr", "grad_norm", "full_grad_norm")


def make_data(n: int, d: int, seed: int = 0, scale: float = 2.0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-scale, scale, (n, d))
    y = X @ rng.normal(size=d) + 0.7 + 0.3 * rng.normal(size=n)
    return Dataset("t", X, y, tuple(f"x{i}" for i in range(d)), "y")


def stepped(data: Dataset, config: RunConfig, updates: int) -> Run:
    run = Run(data, config)
    run.run_until(update=updates)
    return run


def assert_same_history(ref: Run, ff: Run, rtol: float = 1e-9) -> None:
    assert ff.updates == ref.updates
    assert ff.status == ref.status
    assert ff.diverged_at == ref.diverged_at
    for name in COLUMNS:
        want, got = ref.history.view(name), ff.history.view(name)
        assert got.shape == want.shape, name
        scale = float(np.nanmax(np.abs(want))) if want.size else 0.0  # NaN: not computed
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12 * scale + 1e-300, err_msg=name)
    np.testing.assert_allclose(ff.theta, ref.theta, rtol=rtol, atol=1e-15)


BATCHES = {
    "sgd": dict(batch=BatchSpec("sgd")),
    "minibatch-short-last": dict(batch=BatchSpec("minibatch", 4)),  # 23 rows: 5×4 + 3
    "minibatch-drop-last": dict(batch=BatchSpec("minibatch", 4), drop_last=True),
    "full": dict(batch=BatchSpec("full")),
}


@pytest.mark.parametrize("batch", sorted(BATCHES))
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("d", [1, 3])
def test_fast_forward_equals_stepping(batch: str, optimizer: str, bias: bool, d: int) -> None:
    data = make_data(23, d, seed=d)
    schedule = ScheduleSpec("step", 7, 0.5) if optimizer != "sgd" else ScheduleSpec()
    config = RunConfig(
        lr=0.02, optimizer=optimizer, bias=bias, schedule=schedule, seed=3, **BATCHES[batch]
    )
    ff = Run(data, config)
    ff.fast_forward(4)
    ref = stepped(data, config, ff.updates)
    assert ff.updates == 4 * ff.batcher.per_epoch
    assert_same_history(ref, ff)
    # the live state and the latest Step agree too: stepping on from here matches
    assert ff.last_step is not None and ff.last_step.update == ref.last_step.update
    np.testing.assert_allclose(ff.last_step.params_after, ref.last_step.params_after, rtol=1e-9)
    np.testing.assert_allclose(ff.step().params_after, ref.step().params_after, rtol=1e-9)


@pytest.mark.parametrize(
    "schedule",
    [ScheduleSpec("step", 3, 0.7), ScheduleSpec("exp", 1, 0.97), ScheduleSpec("inv", 1, 0.1)],
)
def test_schedules(schedule: ScheduleSpec) -> None:
    data = make_data(17, 2)
    config = RunConfig(lr=0.05, batch=BatchSpec("minibatch", 5), schedule=schedule)
    ff = Run(data, config)
    fastforward.advance(ff, 40)
    assert_same_history(stepped(data, config, 40), ff)
    assert ff.history.view("lr")[-1] < ff.history.view("lr")[0]


@pytest.mark.parametrize("mistake", ["forget-zero-grad", "overwrite-grad"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_mistakes(mistake: str, optimizer: str) -> None:
    data = make_data(11, 2)
    config = RunConfig(
        lr=0.005, batch=BatchSpec("minibatch", 3), mistake=mistake, optimizer=optimizer
    )
    ff = Run(data, config)
    fastforward.advance(ff, 30)
    assert_same_history(stepped(data, config, 30), ff)


def test_sign_flip_is_stepped_not_scanned() -> None:
    """The scan's maps do not model a sign slip: forward() steps such a run."""
    data = make_data(11, 2)
    config = RunConfig(lr=0.005, batch=BatchSpec("minibatch", 3), mistake="sign-flip")
    run = Run(data, config)
    assert not fastforward.supports(run)
    fastforward.forward(run, 12)
    assert_same_history(stepped(data, config, 12), run)


def test_in_order_from_mid_epoch_and_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """No shuffling (T4), starting mid-epoch, and chunks far smaller than the jump."""
    monkeypatch.setattr(fastforward_plan, "CHUNK_FLOATS", 200)  # a few updates per scan
    data = make_data(7, 1)
    config = RunConfig(lr=0.03, batch=BatchSpec("sgd"), shuffle=False, optimizer="nesterov")
    ff = Run(data, config)
    ff.step()
    ff.step()
    fastforward.advance(ff, 61)
    assert fastforward_plan.Plan.of(ff).chunk < 10
    assert_same_history(stepped(data, config, 63), ff)


def test_hours_t4_prediction() -> None:
    """T4: per-sample SGD in order, w = 1, lr 0.01, 10 epochs, predict(4)."""
    data = Dataset("hours", [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], ("x",), "y")
    config = RunConfig(
        lr=0.01, bias=False, init_w=(1.0,), batch=BatchSpec("sgd"), shuffle=False, loss="sse"
    )
    run = Run(data, config)
    run.fast_forward(10)
    assert run.updates == 30
    assert run.predict([[4.0]])[0] == pytest.approx(7.804863933862125, rel=1e-12)


def test_float32_close_to_stepping() -> None:
    data = make_data(20, 2)
    config = RunConfig(lr=0.02, batch=BatchSpec("minibatch", 6), dtype="float32")
    ff = Run(data, config)
    ff.fast_forward(5)
    ref = stepped(data, config, ff.updates)
    np.testing.assert_allclose(ff.history.view("params"), ref.history.view("params"), rtol=1e-4)
    # a float32 run only ever holds float32 values
    params = ff.history.view("params")
    assert np.array_equal(params.astype(np.float32).astype(np.float64), params)


@pytest.mark.parametrize("batch", ["full", "minibatch"])
def test_divergence_stops_where_stepping_stops(batch: str) -> None:
    data = make_data(30, 2, scale=3.0)
    spec = BatchSpec("full") if batch == "full" else BatchSpec("minibatch", 4)
    config = RunConfig(lr=0.9, batch=spec)
    ff = Run(data, config)
    ff.fast_forward(200)
    assert ff.status == "diverged"
    ref = Run(data, config)
    ref.run_until(epoch=200)
    assert ref.status == "diverged"
    assert ff.diverged_at == ref.diverged_at == ff.updates
    assert_same_history(ref, ff, rtol=1e-7)
    assert fastforward.supports(ff) is False  # nothing more to do once diverged


def test_elapsed_grows_and_steps_continue() -> None:
    data = make_data(50, 1)
    run = Run(data, RunConfig(batch=BatchSpec("minibatch", 8)))
    run.fast_forward(3)
    elapsed = run.history.view("elapsed")
    assert np.all(np.diff(elapsed) >= 0) and elapsed[-1] > 0
    step = run.step()
    assert step.elapsed >= elapsed[-2]
    back = run.step_back()
    assert back is not None and back.update == run.updates == 3 * run.batcher.per_epoch


def test_unsupported_runs_fall_back_to_stepping() -> None:
    data = make_data(12, 1)
    config = RunConfig(lr=0.05, optimizer="adam", batch=BatchSpec("minibatch", 5))
    run = Run(data, config)
    assert not fastforward.supports(run)
    run.fast_forward(3)
    ref = stepped(data, config, run.updates)
    assert run.updates == 9
    np.testing.assert_array_equal(run.theta, ref.theta)


def test_million_updates_fit_in_bounded_memory() -> None:
    """1,000,000 updates of a 1-feature run stay under 200 MB of history."""
    data = make_data(1000, 1)
    run = Run(
        data, RunConfig(lr=0.001, batch=BatchSpec("sgd"), shuffle=False, optimizer="momentum")
    )
    fastforward.advance(run, 1_000_000)
    assert run.updates == 1_000_000
    assert run.history.nbytes() < 200e6
    assert np.isfinite(run.loss)


# -- the row scan (per-sample plain sgd) over many blocks ------------------------------------


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize(
    "schedule", [ScheduleSpec(), ScheduleSpec("exp", 1, 0.999)], ids=["constant", "exp"]
)
def test_row_scan_equals_stepping(shuffle: bool, bias: bool, d: int, schedule) -> None:
    """Several blocks of 64 updates and a short tail per chunk, chunks crossing epochs,
    starting mid-epoch: every column within 1e-9 of stepping."""
    data = make_data(150, d, seed=d + 10)
    config = RunConfig(
        lr=0.01, batch=BatchSpec("sgd"), bias=bias, shuffle=shuffle, schedule=schedule, seed=5
    )
    ff = Run(data, config)
    assert fastforward_plan.Plan.of(ff).row_scan
    ff.step()
    fastforward.advance(ff, 150 * 3 + 17)
    assert_same_history(stepped(data, config, ff.updates), ff)


def test_row_scan_in_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastforward_plan, "CHUNK_FLOATS", 200 * (8 * 2 + 16))  # 200 a chunk
    data = make_data(300, 1)
    config = RunConfig(lr=0.02, batch=BatchSpec("sgd"), loss="sse")
    ff = Run(data, config)
    assert fastforward_plan.Plan.of(ff).chunk == 200
    ff.fast_forward(3)
    assert_same_history(stepped(data, config, 900), ff)


@pytest.mark.parametrize("mistake", ["forget-zero-grad", "overwrite-grad"])
@pytest.mark.parametrize("optimizer", ["sgd", "nesterov"])
def test_per_sample_mistakes_and_momentum(mistake: str, optimizer: str) -> None:
    data = make_data(130, 2)
    config = RunConfig(lr=0.004, batch=BatchSpec("sgd"), mistake=mistake, optimizer=optimizer)
    ff = Run(data, config)
    fastforward.advance(ff, 300)
    assert_same_history(stepped(data, config, 300), ff)


@pytest.mark.parametrize("shuffle", [True, False])
def test_row_scan_divergence_stops_where_stepping_stops(shuffle: bool) -> None:
    """A growing rate (η·1.03^t) turns unstable after the first block of 64 updates."""
    data = make_data(200, 2, scale=3.0)
    schedule = ScheduleSpec("exp", 1, 1.03)
    config = RunConfig(lr=0.02, batch=BatchSpec("sgd"), shuffle=shuffle, schedule=schedule)
    ff = Run(data, config)
    ff.fast_forward(5)
    assert ff.status == "diverged"
    ref = Run(data, config)
    ref.run_until(epoch=5)
    assert ref.status == "diverged"
    assert ff.diverged_at == ref.diverged_at == ff.updates > 64
    assert_same_history(ref, ff, rtol=1e-7)


def test_fast_forward_modules_form_no_import_cycle() -> None:
    """Imports between the fast-forward's modules, counting those inside functions and
    under TYPE_CHECKING, form no cycle (the plan is their shared type)."""
    import ast
    from pathlib import Path

    engine = Path(fastforward.__file__).parent
    names = [p.stem for p in engine.glob("fastforward*.py")]
    graph: dict[str, set[str]] = {}
    for name in names:
        tree = ast.parse((engine / f"{name}.py").read_text())
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found.add(node.module or "")
                found.update(a.name for a in node.names if node.module is None)
        graph[name] = found & set(names)
    seen: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"import cycle: {' → '.join((*path, node))}"
        if node in seen:
            return
        for nxt in graph[node]:
            visit(nxt, (*path, node))
        seen.add(node)

    for name in names:
        visit(name, ())
    assert "fastforward_plan" in graph["fastforward_maps"]
