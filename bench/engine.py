"""Engine benchmarks: ratios measured in one run, each printed with its target.

    python bench/engine.py

1. Full-batch update at n = 1,000,000, d = 1: Run.step() / the bare torch expression
   (X@w + b − y → gradient → update).                                    target ≤ 1.2
2. Per-sample SGD epoch at n = 1,000,000 by fast-forward vs the tutorial loop
   (nn.Linear + MSELoss + optim.SGD, one sample per update), samples/s.   target ≥ 300
3. Mini-batch 32 epoch at n = 1,000,000 by fast-forward vs the same loop with batches
   of 32, samples/s.                                                      target ≥ 50
4. `linreg-tui run --dataset hours …` cold wall time / `python -c "import torch"`.
                                                                          target ≤ 1.3
5. Per-sample SGD epoch at n = 1,000,000 (with a bias, rows in order) by fast-forward vs a
   plain Python loop over floats doing the same updates (`r = w*x + b - y; w -= lr*2*r*x;
   b -= lr*2*r`), samples/s.                                              target ≥ 10
   With numba installed (loaded first, as the app's engine worker does) the fast-forward
   stores θ and derives the History's other columns when first read; the time to derive
   all of them is printed beside the ratio.

    python bench/engine.py --only 5      # some items only (comma-separated numbers)

The machine may be shared, so each side is timed several times, interleaved with the
other, and the best (least disturbed) time of each is used. The tutorial loops run on a
slice of the data and are extrapolated to samples per second. Before timing, 2 and 3 check
on a smaller n that the fast-forward and the tutorial loop end on the same parameters.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from linreg_tui.engine.config import BatchSpec, RunConfig
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.run import Run

N = 1_000_000
LR = 0.001
SLICE = 20_000  # samples the tutorial loops are timed on
ROUNDS = 3  # rounds of the tutorial loop
FF_ROUNDS = 7  # rounds of the fast-forward (cheap), interleaved with the loop's


def steady_allocator() -> bool:
    """Keep glibc from returning freed 8 MB buffers to the kernel and faulting fresh pages
    in on the next allocation: whether that happens depends on the allocator's history in
    the process, and it swamps the timings of item 1 on either side. Both sides get it."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        big = 1 << 30
        return bool(libc.mallopt(m_mmap_threshold, big) and libc.mallopt(m_trim_threshold, big))
    except (OSError, AttributeError):
        return False


def synthetic(n: int, seed: int = 0) -> Dataset:
    """y = 2x + 3 + N(0, 1), x ~ U[0, 5): the catalogue's synthetic data, at size n."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 5.0, (n, 1))
    return Dataset("synthetic", X, 2.0 * X[:, 0] + 3.0 + rng.normal(size=n), ("x",), "y")


def best(fn: Callable[[], object], repeat: int) -> float:
    """Least wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def report(label: str, ratio: float, target: str, ok: bool, detail: str) -> bool:
    verdict = "PASS" if ok else "FAIL"
    print(f"{label}: ratio {ratio:,.2f} (target {target}) {verdict}\n    {detail}")
    return ok


# -- 1. full-batch step ---------------------------------------------------------------------


def bench_full_step(data: Dataset) -> bool:
    run = Run(data, RunConfig(lr=LR, batch=BatchSpec("full")))
    X = torch.tensor(np.array(data.X))
    y = torch.tensor(np.array(data.y))
    state = {"w": torch.zeros(1, dtype=torch.float64), "b": torch.zeros(1, dtype=torch.float64)}
    scale = 2.0 / N

    def bare() -> None:
        w, b = state["w"], state["b"]
        r = X @ w + b - y
        gw, gb = scale * (X.T @ r), scale * r.sum()
        state["w"], state["b"] = w - LR * gw, b - LR * gb

    for _ in range(3):  # warm-up: first-call costs (the Gram matrix, allocator)
        run.step()
        bare()
    engine_t, bare_t = [], []
    for _ in range(40):  # one of each in turn, so both see the same disturbances
        engine_t.append(best(run.step, 1))
        bare_t.append(best(bare, 1))
    e, b = min(engine_t), min(bare_t)
    paired = float(np.median(np.array(engine_t) / np.array(bare_t)))
    detail = (
        f"Run.step {e * 1e3:.2f} ms, bare torch {b * 1e3:.2f} ms per update (n = {N:,}, best "
        f"of 40 each); median of the 40 paired ratios {paired:.2f}"
    )
    return report("1. full-batch update", e / b, "<= 1.2", e / b <= 1.2, detail)


# -- 2 and 3. fast-forward epochs vs the tutorial loop -----------------------------------------


def tutorial_loop(X: torch.Tensor, y: torch.Tensor, batch: int, w0: float, b0: float) -> nn.Linear:
    """The tutorials' loop: nn.Linear + MSELoss + optim.SGD, ``batch`` rows per update,
    rows in the order given."""
    model = nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(w0)
        model.bias.fill_(b0)
    loss_fn = nn.MSELoss()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    for i in range(0, len(y), batch):
        opt.zero_grad()
        loss = loss_fn(model(X[i : i + batch]).squeeze(1), y[i : i + batch])
        loss.backward()
        opt.step()
    return model


def same_parameters(batch: BatchSpec, rows: int) -> float:
    """Largest relative difference of (w, b) after one epoch on ``rows`` rows, fast-forward
    vs the tutorial loop visiting the rows in the run's shuffled order."""
    data = synthetic(rows, seed=1)
    run = Run(data, RunConfig(lr=LR, batch=batch, init_w=(0.5,), init_b=-0.25, seed=4))
    order = run.batcher.epoch_order(0)
    run.fast_forward(1)
    X = torch.tensor(data.X[order])
    y = torch.tensor(data.y[order])
    size = 1 if batch.mode == "sgd" else int(batch.size or 1)
    model = tutorial_loop(X, y, size, 0.5, -0.25)
    want = np.array([model.weight.item(), model.bias.item()])
    return float(np.max(np.abs(run.theta - want) / np.abs(want)))


def bench_epoch(data: Dataset, batch: BatchSpec, target: float, label: str) -> bool:
    size = 1 if batch.mode == "sgd" else int(batch.size or 1)
    diff = same_parameters(batch, 2_000 + 16)  # a short last batch for minibatch:32
    X = torch.tensor(np.array(data.X[:SLICE]))
    y = torch.tensor(np.array(data.y[:SLICE]))
    loop_t, ff_t = [], []
    for k in range(FF_ROUNDS):
        blocks = 4 if size == 1 else 1  # the per-sample loop in 4 blocks of 5,000
        part = SLICE // blocks
        for j in range(blocks if k < ROUNDS else 0):
            started = time.perf_counter()
            tutorial_loop(X[j * part : (j + 1) * part], y[j * part : (j + 1) * part], size, 0, 0)
            loop_t.append((time.perf_counter() - started) / part)
        run = Run(data, RunConfig(lr=LR, batch=batch, seed=k))
        started = time.perf_counter()
        run.fast_forward(1)
        ff_t.append((time.perf_counter() - started) / run.samples_seen)
    loop_rate, ff_rate = 1 / min(loop_t), 1 / min(ff_t)
    ratio = ff_rate / loop_rate
    detail = (
        f"fast-forward {ff_rate:,.0f} samples/s ({N / ff_rate:.2f} s an epoch), tutorial loop "
        f"{loop_rate:,.0f} samples/s; same parameters: max rel. diff {diff:.1e} "
        f"({'ok' if diff < 1e-9 else 'MISMATCH'})"
    )
    return report(label, ratio, f">= {target:g}", ratio >= target and diff < 1e-9, detail)


# -- 5. fast-forward vs a plain Python loop over floats -------------------------------------


def float_loop(xs: list[float], ys: list[float], w: float, b: float) -> tuple[float, float]:
    """Per-sample SGD on y ≈ w·x + b (mse of one row) in plain Python floats."""
    lr = LR
    for x, y in zip(xs, ys, strict=True):
        r = w * x + b - y
        w -= lr * 2 * r * x
        b -= lr * 2 * r
    return w, b


def bench_float_loop(data: Dataset) -> bool:
    check = synthetic(20_000, seed=2)
    run = Run(check, RunConfig(lr=LR, batch=BatchSpec("sgd"), shuffle=False, init_w=(0.5,)))
    run.fast_forward(1)
    want = np.array(float_loop(check.X[:, 0].tolist(), check.y.tolist(), 0.5, 0.0))
    diff = float(np.max(np.abs(run.theta - want) / np.abs(want)))
    xs, ys = data.X[: SLICE * 10, 0].tolist(), data.y[: SLICE * 10].tolist()
    loop_t, ff_t, derive_t = [], [], []
    for k in range(FF_ROUNDS):
        if k < ROUNDS:
            started = time.perf_counter()
            float_loop(xs, ys, 0.0, 0.0)
            loop_t.append((time.perf_counter() - started) / len(xs))
        run = Run(data, RunConfig(lr=LR, batch=BatchSpec("sgd"), shuffle=False, seed=k))
        started = time.perf_counter()
        run.fast_forward(1)
        ff_t.append((time.perf_counter() - started) / run.samples_seen)
        started = time.perf_counter()
        run.history_window(("loss", "grad_norm"), 0, run.updates)  # derives every column
        derive_t.append(time.perf_counter() - started)
    loop_rate, ff_rate = 1 / min(loop_t), 1 / min(ff_t)
    ratio = ff_rate / loop_rate
    detail = (
        f"fast-forward {ff_rate:,.0f} samples/s ({N / ff_rate * 1e3:.1f} ms an epoch), then "
        f"{min(derive_t) * 1e3:.1f} ms to derive every other history column; Python float "
        f"loop {loop_rate:,.0f} samples/s; same parameters: max rel. diff {diff:.1e} "
        f"({'ok' if diff < 1e-9 else 'MISMATCH'})"
    )
    return report(
        "5. fast-forward vs Python floats", ratio, ">= 10", ratio >= 10 and diff < 1e-9, detail
    )


# -- 4. CLI cold start ---------------------------------------------------------------------


def bench_cli() -> bool | None:
    script = Path(sys.executable).with_name("linreg-tui")
    exe = str(script) if script.exists() else shutil.which("linreg-tui")
    try:
        import linreg_tui.tui.cli  # noqa: F401
    except ImportError:
        exe = None
    if exe is None:
        print("4. CLI cold start: skipped: CLI not ready")
        return None
    cli = [exe, "run", "--dataset", "hours", "--no-bias", "--init-w", "1", "--lr", "0.01"]
    cli += ["--epochs", "10", "--batch", "sgd", "--no-shuffle"]
    base = [sys.executable, "-c", "import torch"]

    def timed(cmd: list[str]) -> float:
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-300:]}")
        return time.perf_counter() - started

    try:
        timed(cli)  # fill the page cache; every timed run below is a fresh process
    except RuntimeError as err:
        print(f"4. CLI cold start: skipped: CLI not ready ({err})")
        return None
    cli_t, torch_t = [], []
    for _ in range(5):
        cli_t.append(timed(cli))
        torch_t.append(timed(base))
    c, t = min(cli_t), min(torch_t)
    detail = f"linreg-tui run {c:.2f} s, python -c 'import torch' {t:.2f} s (best of 5)"
    return report("4. CLI cold start", c / t, "<= 1.3", c / t <= 1.3, detail)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Engine benchmarks (see the module's text).")
    parser.add_argument("--only", default="1,2,3,4,5", help="items to run, e.g. 5 or 2,3")
    only = {int(item) for item in parser.parse_args(argv).only.split(",")}
    steady = steady_allocator()
    from linreg_tui.engine import warm_fast_forward

    compiled = warm_fast_forward()  # as the app's engine worker does once the engine is ready
    print(
        f"engine benchmarks (torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"allocator {'held steady' if steady else 'as is'}, compiled fast-forward "
        f"{'loaded' if compiled else 'unavailable (numba missing)'})"
    )
    data = synthetic(N)
    items: dict[int, Callable[[], bool | None]] = {
        1: lambda: bench_full_step(data),
        2: lambda: bench_epoch(data, BatchSpec("sgd"), 300, "2. per-sample SGD epoch"),
        3: lambda: bench_epoch(data, BatchSpec("minibatch", 32), 50, "3. mini-batch 32 epoch"),
        4: bench_cli,
        5: lambda: bench_float_loop(data),
    }
    results = [run() for key, run in items.items() if key in only]
    failed = [r for r in results if r is False]
    print("all PASS" if not failed else f"{len(failed)} FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
