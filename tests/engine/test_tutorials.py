"""The five source tutorials (see shared/SEEDS.md), replayed through the engine.

Each test rebuilds the tutorial's own loop in plain Python (or real torch code)
and compares it with a Run, so the engine is checked against an independent
computation, not against numbers it printed itself. The numbers the tutorials
printed are checked as they printed them (rounded).
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout
from importlib.resources import files

import numpy as np
import pytest
import torch

from linreg_tui.engine.catalog import load_dataset
from linreg_tui.engine.config import BatchSpec, RunConfig
from linreg_tui.engine.run import Run

HOURS_X = [1.0, 2.0, 3.0]
HOURS_Y = [2.0, 4.0, 6.0]

# -- T4: per-sample SGD with printed gradients ----------------------------------------


def t4_reference(epochs: int = 10) -> tuple[list[float], list[float], list[tuple[float, float]]]:
    """T4's loop verbatim: (gradient of every update, w after every update,
    (w, loss) printed per epoch: the last sample's loss with the updated w)."""
    w = 1.0
    grads, ws, progress = [], [], []
    for _ in range(epochs):
        for x, y in zip(HOURS_X, HOURS_Y, strict=True):
            grad = 2 * x * (x * w - y)
            w = w - 0.01 * grad
            grads.append(grad)
            ws.append(w)
            loss = (x * w - y) ** 2
        progress.append((w, loss))
    return grads, ws, progress


def t4_config(**changes) -> RunConfig:
    base = dict(
        lr=0.01,
        loss="sse",
        batch=BatchSpec("sgd"),
        shuffle=False,
        bias=False,
        init_w=(1.0,),
    )
    return RunConfig(**{**base, **changes})


@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_t4_per_sample_sgd_matches_the_tutorial_bit_for_bit(loss: str) -> None:
    grads, ws, progress = t4_reference()
    run = Run(load_dataset("hours"), t4_config(loss=loss))
    steps = [run.step() for _ in range(30)]
    # With one row per update, mse and sse are the same loss: the same floats, exactly.
    assert [s.grad_w[0] for s in steps] == grads
    assert [s.w_after[0] for s in steps] == ws
    assert [round(s.grad_w[0], 2) for s in steps[:3]] == [-2.0, -7.84, -16.23]
    # T4's epoch line: w, and the epoch's last sample's loss computed with the updated w.
    printed = []
    for s in steps[2::3]:
        x, y, w = s.x[0, 0], s.y[0], s.w_after[0]
        printed.append((round(w, 2), round(float((x * w - y) ** 2), 2)))
    assert printed == [(round(w, 2), round(loss_, 2)) for w, loss_ in progress]
    assert printed[0] == (1.26, 4.92) and printed[-1] == (1.95, 0.02)
    assert float(run.predict([[4.0]])[0]) == 7.804863933862125


@pytest.mark.parametrize("grad", ["autograd", "module"])
def test_t4_with_autograd_and_module_gradients(grad: str) -> None:
    _, ws, _ = t4_reference()
    run = Run(load_dataset("hours"), t4_config(grad=grad))
    run.run_until(epoch=10)
    assert run.updates == 30
    assert run.params()[0][0] == pytest.approx(ws[-1], rel=1e-14)
    assert float(run.predict([[4.0]])[0]) == pytest.approx(7.804863933862125, rel=1e-14)


def test_t4_through_the_cli_json() -> None:
    from linreg_tui.tui.cli import main

    argv = "run --dataset hours --no-bias --init-w 1 --lr 0.01 --epochs 10 --batch sgd"
    argv += " --no-shuffle --loss sse --format json --predict 4"
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert main(argv.split()) == 0
    doc = json.loads(buffer.getvalue())
    grads, ws, _ = t4_reference()
    assert [r["grad"]["w"][0] for r in doc["history"]] == grads
    assert [r["w"][0] for r in doc["history"]] == ws
    assert [r["epoch"] for r in doc["history"][:4]] == [1, 1, 1, 2]  # epochs count from 1
    assert doc["predictions"] == [7.804863933862125]
    assert doc["params"] == {"w": [ws[-1]], "b": None}


# -- T2: full-batch GD by hand, then nn.Linear + summed loss + SGD ---------------------


def test_t2_full_batch_by_hand() -> None:
    w = 1.0
    ref = []
    for _ in range(100):
        n = len(HOURS_X)
        grad = sum(2 * x * (x * w - y) for x, y in zip(HOURS_X, HOURS_Y, strict=True)) / n
        w -= 0.01 * grad
        cost = sum((x * w - y) ** 2 for x, y in zip(HOURS_X, HOURS_Y, strict=True)) / n
        ref.append((w, cost))
    run = Run(load_dataset("hours"), RunConfig(lr=0.01, bias=False, init_w=(1.0,)))
    assert float(run.predict([[4.0]])[0]) == 4.0  # T2's "predict (before training)"
    run.run_until(epoch=100)
    got = np.column_stack([run.history.view("params")[:, 0], run.history.view("loss")])
    assert np.allclose(got, ref, rtol=1e-12, atol=1e-15)
    assert float(run.predict([[4.0]])[0]) == pytest.approx(4 * ref[-1][0], rel=1e-12)
    assert ref[-1][0] == pytest.approx(2.0, abs=1e-3)  # the tutorial's w ends near 2


def t2_torch_module(w0: float, b0: float, epochs: int = 100) -> tuple[float, float, float]:
    """T2 step 5 as written with torch: nn.Linear(1, 1), summed MSELoss, optim.SGD."""
    x = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    y = torch.tensor([[2.0], [4.0], [6.0]], dtype=torch.float64)
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(w0)
        model.bias.fill_(b0)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(epochs):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        pred = float(model(torch.tensor([[4.0]], dtype=torch.float64)))
        return float(model.weight), float(model.bias), pred


@pytest.mark.parametrize("grad", ["analytic", "autograd", "module"])
def test_t2_nn_linear_summed_loss_all_three_gradients(grad: str) -> None:
    # nn.Linear starts at random values; a fixed start makes the comparison exact.
    w0, b0 = 0.3, -0.7
    w_ref, b_ref, pred_ref = t2_torch_module(w0, b0)
    config = RunConfig(lr=0.01, loss="sse", grad=grad, init_w=(w0,), init_b=b0)
    run = Run(load_dataset("hours"), config)
    run.run_until(epoch=100)
    (w,), b = run.params()
    assert w == pytest.approx(w_ref, rel=1e-12)
    assert b == pytest.approx(b_ref, rel=1e-12, abs=1e-14)
    assert float(run.predict([[4.0]])[0]) == pytest.approx(pred_ref, rel=1e-12)
    assert pred_ref == pytest.approx(8.0, abs=0.1)  # it learned y ≈ 2x


# -- T1: float32 autograd on fifteen points ---------------------------------------------


def t1_start() -> float:
    """The w that T1's printed first gradients imply, with b = 0.

    ∂L/∂w = 2·mean(x·(w·x − y)) = −47.0074 gives w = (−47.0074/2 + mean(xy)) / mean(x²);
    it is the most sensitive of the three printed numbers (∂L/∂b pins w only to ±2e-6,
    enough to move the printed loss in its 4th decimal).
    """
    data = load_dataset("tutorial15")
    x, y = data.X[:, 0], data.y
    return float((-47.0074 / 2 + np.mean(x * y)) / np.mean(x * x))


@pytest.mark.parametrize("grad", ["analytic", "autograd", "module"])
def test_t1_first_loss_and_gradients_in_float32(grad: str) -> None:
    config = RunConfig(lr=0.01, dtype="float32", init_w=(t1_start(),), init_b=0.0, grad=grad)
    run = Run(load_dataset("tutorial15"), config)
    first = run.step()
    assert round(first.batch_loss, 4) == 13.2937
    assert [round(g, 4) for g in first.grad] == [-47.0074, -6.9313]
    assert run.problem.A.dtype == torch.float32
    # Then ten more full-batch updates: T1 prints the loss of each epoch before its update,
    # from 0.469 (after the manual update) down to 0.2247, falling all the way.
    run.run_until(update=11)
    printed = run.history.losses()[1:11]
    assert round(float(printed[0]), 3) == 0.469
    assert round(float(printed[-1]), 4) == 0.2247
    assert np.all(np.diff(run.history.losses()) < 0)


# -- T3: a seeded stream, mini-batches of 4, half-SSE gradients by hand ------------------


def test_t3_stream_ends_near_the_true_line() -> None:
    data = load_dataset("stream", seed=1000)
    config = RunConfig(
        lr=0.02,
        loss="half_sse",
        batch=BatchSpec("stream", 4),
        init_random=True,
        init_b=0.0,
        seed=1000,
    )
    run = Run(data, config)
    first = run.step()
    # T3's hand-written gradients: dy = ŷ − y, dw = xᵀ·dy, db = Σ dy.
    dy = first.predictions - first.y
    assert first.grad == pytest.approx([first.x[:, 0] @ dy, dy.sum()], rel=1e-12)
    assert 0 <= first.w_before[0] < 1 and first.b_before == 0.0
    run.run_until(update=500)
    (w,), b = run.params()
    assert abs(w - 2) < 0.15 and abs(b - 3) < 0.15


# -- T5: NumPy gradient descent on data.csv, and its overwrite bug ----------------------


def t5_points() -> list[tuple[float, float]]:
    text = files("linreg_tui.datasets").joinpath("data.csv").read_text(encoding="utf-8")
    return [(float(x), float(y)) for x, y in csv.reader(io.StringIO(text))]


def t5_loss(points: list[tuple[float, float]], w: float, b: float) -> float:
    """T5's compute_error_for_line_given_points: a plain loop."""
    total = 0.0
    for x, y in points:
        total += (y - (w * x + b)) ** 2
    return total / float(len(points))


def t5_descend(points, iterations: int, overwrite: bool) -> tuple[float, float]:
    """T5's step_gradient loop, optionally with its bug (= instead of +=)."""
    w = b = 0.0
    n = float(len(points))
    for _ in range(iterations):
        gw = gb = 0.0
        for x, y in points:
            term_b = -(2 / n) * (y - (w * x + b))
            term_w = -(2 / n) * x * (y - (w * x + b))
            gb, gw = (term_b, term_w) if overwrite else (gb + term_b, gw + term_w)
        b, w = b - 0.0001 * gb, w - 0.0001 * gw
    return w, b


def test_t5_loss_before_and_after() -> None:
    points = t5_points()
    before = t5_loss(points, 0.0, 0.0)
    # T5 printed 5565.107834483211; the shipped file's values give it to 12 digits.
    assert before == pytest.approx(5565.107834483211, rel=1e-11)
    run = Run(load_dataset("datacsv"), RunConfig(lr=0.0001))
    assert run.loss == pytest.approx(before, rel=1e-12)
    run.run_until(update=1000)
    w_ref, b_ref = t5_descend(points, 1000, overwrite=False)
    (w,), b = run.params()
    assert (w, b) == pytest.approx((w_ref, b_ref), rel=1e-9)
    assert run.loss == pytest.approx(t5_loss(points, w_ref, b_ref), rel=1e-9)
    assert round(run.loss, 2) == 112.61


def test_t5_overwrite_bug_gives_a_visibly_different_answer() -> None:
    points = t5_points()
    good = Run(load_dataset("datacsv"), RunConfig(lr=0.0001))
    bad = Run(load_dataset("datacsv"), RunConfig(lr=0.0001, mistake="overwrite-grad"))
    good.run_until(update=1000)
    bad.run_until(update=1000)
    w_ref, b_ref = t5_descend(points, 1000, overwrite=True)
    (w_bad,), b_bad = bad.params()
    assert (w_bad, b_bad) == pytest.approx((w_ref, b_ref), rel=1e-9)
    (w_good,), b_good = good.params()
    assert abs(w_bad - w_good) > 0.02 and abs(b_bad - b_good) > 0.01
    assert bad.loss > good.loss + 1.0


def test_t1_through_the_cli_in_float32() -> None:
    from linreg_tui.tui.cli import main

    argv = ["run", "--dataset", "tutorial15", "--dtype", "float32", "--init-w", repr(t1_start())]
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert main([*argv, "--lr", "0.01", "--updates", "11", "--format", "json"]) == 0
    history = json.loads(buffer.getvalue())["history"]
    assert round(history[0]["batch_loss"], 4) == 13.2937
    assert [round(g, 4) for g in (*history[0]["grad"]["w"], history[0]["grad"]["b"])] == [
        -47.0074,
        -6.9313,
    ]
    assert [round(r["loss"], 4) for r in history[:10:9]] == [0.4692, 0.2247]
