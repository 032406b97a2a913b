"""``linreg-tui noise``: SGD's noise measured at given parameters, for several batch sizes.

For each B: the mean of the mini-batch gradients drawn (every full batch of whole seeded
epochs, about 256 batches; or a seeded sample of 256 batches when an epoch has more), the
exact trace of the mini-batch gradient covariance s_B²·tr(Σ)/B·(n−B)/(n−1), the empirical
trace from the batches drawn, and the ratio of the exact trace to B = 1's (engine.noise).
"""

from __future__ import annotations

import argparse
from typing import IO, Any

from linreg_tui.tui import headless


def add_noise_options(noise: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``linreg-tui noise`` (the parser is made by the command line)."""
    from linreg_tui.engine import LOSS_NAMES

    data = noise.add_argument_group("data")
    data.add_argument("--dataset", metavar="NAME", help="a catalogue data set (default: hours)")
    data.add_argument("--csv", metavar="PATH", help="your own CSV file")
    data.add_argument("--x", metavar="COLS", help="feature columns of --csv")
    data.add_argument("--y", metavar="COL", help="target column of --csv")
    for name in ("size",):
        data.add_argument(f"--{name}", type=int, help="points of synthetic/stream data")
    for name in ("slope", "intercept", "noise"):
        data.add_argument(f"--{name}", type=float, help=f"{name} of synthetic/stream data")
    data.add_argument("--standardize", action="store_true", help="z-score the features")
    how = noise.add_argument_group("measurement")
    how.add_argument("--batch-sizes", metavar="B1,B2,...",
                     help="batch sizes to measure (default 1,4,16, those ≤ the rows)")  # fmt: skip
    how.add_argument(
        "--at",
        metavar="W1,...,B",
        help="parameters (original units; default: zeros, the usual start)",
    )
    how.add_argument("--loss", choices=LOSS_NAMES, default="mse")
    how.add_argument("--no-bias", action="store_true", help="fit ŷ = X·w (no b)")
    how.add_argument("--seed", type=int, default=0, help="seeds the data and the batches drawn")
    noise.add_argument("--format", choices=("text", "json"), default="text")
    return noise


def _sizes(text: str | None, n: int) -> list[int]:
    from linreg_tui.engine import ConfigError

    if text is None:
        return [b for b in (1, 4, 16) if b <= n]
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 1 <= int(part) <= n:
            raise ConfigError(f"--batch-sizes: each size must be a whole number from 1 to {n} "
                              f"(the rows), got {part!r}")  # fmt: skip
        sizes.append(int(part))
    return sizes


def _theta(run: Any, text: str | None) -> Any:
    """θ in working units from ``--at w1,…,b`` (original units); zeros when not given."""
    import math

    import numpy as np

    from linreg_tui.engine import ConfigError

    d = len(run.dataset.feature_names)
    p = d + (1 if run.config.bias else 0)
    if text is None:
        return run.theta
    values = headless._floats(text, "--at")
    if len(values) != p or not all(math.isfinite(v) for v in values):
        bias = ", then b" if run.config.bias else ""
        raise ConfigError(f"--at needs {p} finite numbers: one weight per feature{bias}")
    return run.to_working(np.array(values[:d]), values[d] if run.config.bias else None)


def cmd_noise(args: argparse.Namespace, out: IO[str]) -> int:
    """Measure and print (text or JSON)."""
    from linreg_tui.engine import ConfigError, Run, RunConfig

    data, source, _ = headless.load_data(args)
    if data.stream is not None:
        raise ConfigError("noise measures fixed data; a stream draws fresh points every update")
    config = RunConfig(loss=args.loss, bias=not args.no_bias, standardize=args.standardize,
                       seed=args.seed).validate()  # fmt: skip
    run = Run(data, config)
    sizes = _sizes(args.batch_sizes, data.n)
    theta = _theta(run, args.at)
    full, results = run.gradient_noise(theta, sizes, seed=args.seed)
    w, b = run.to_original(theta)
    if args.format == "json":
        _write_json(out, source, data, w, b, full, results, config)
    else:
        _write_text(out, source, data, w, b, full, results, config)
    return 0


def _write_json(out: IO[str], source: str, data: Any, w: list, b: Any, full: Any,
                results: list, config: Any) -> None:  # fmt: skip
    import json

    doc = {
        "dataset": {"name": data.name, "source": source, "rows": data.n},
        "at": {"w": w, "b": b},
        "loss": config.loss,
        "units": "standardized" if config.standardize else "original",
        "full_gradient": full.tolist(),
        "batch_sizes": [
            {
                "batch_size": r.batch_size,
                "batches": len(r.batches),
                "epochs": r.epochs,
                "mean_gradient": r.mean.tolist(),
                "expected_gradient": r.expected.tolist(),
                "exact_trace": r.exact_trace,
                "empirical_trace": r.empirical_trace,
                "ratio_to_b1": r.ratio_to_sgd,
            }
            for r in results
        ],
    }
    replaced: list[str] = []
    doc = headless.json_safe(doc, "", replaced)
    doc["non_finite"] = replaced
    out.write(json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")


def _write_text(out: IO[str], source: str, data: Any, w: list, b: Any, full: Any,
                results: list, config: Any) -> None:  # fmt: skip
    from linreg_tui.tui.format import num, vec

    at = f"w = {vec(w)}" + (f", b = {num(b)}" if b is not None else "")
    lines = [
        f"data:      {source}: {data.n} rows; loss {config.loss}; at {at}",
        f"full gradient ∇L = {vec(full.tolist())}",
        "tr Cov exact = s_B²·tr(Σ)/B·(n−B)/(n−1) (sampling without replacement);"
        " empirical = mean ‖ĝ − E ĝ‖² over the batches drawn",
        "",
        f"{'B':>5}  {'batches':>16}  {'mean mini-batch gradient':<30} {'tr exact':>12} "
        f"{'tr empirical':>12} {'÷ B=1':>8}",
    ]
    for r in results:
        drawn = f"{len(r.batches)} ({r.epochs} epochs)" if r.epochs else f"{len(r.batches)} drawn"
        lines.append(
            f"{r.batch_size:>5}  {drawn:>16}  {vec(r.mean.tolist()):<30} {num(r.exact_trace):>12} "
            f"{num(r.empirical_trace):>12} {num(r.ratio_to_sgd):>8}"
        )
    out.write("\n".join(lines) + "\n")
