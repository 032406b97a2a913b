"""``linreg-tui run``: fit a linear model by gradient descent without the app.

The options (tui/cli.py builds them) become a Dataset and a validated RunConfig;
the run steps (or, with --fast, fast-forwards whole epochs) and writes a text
log, one JSON document or the history as CSV (tui.textlog formats them). Exit
codes: 0 done, 3 diverged; bad options or data raise an EngineError (the CLI
prints its one line and exits 2).

Only argparse and typing are imported at start, and the engine inside the
functions: this path never imports Textual, Rich or plotext, so a headless run
costs little more than importing torch.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linreg_tui.engine import Run

DEFAULT_EPOCHS = 100


def _floats(text: str, what: str) -> list[float]:
    """Comma-separated numbers, or a ConfigError naming ``what``."""
    from linreg_tui.engine import ConfigError

    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{what}: cannot read {text!r} as numbers separated by commas") from None


def load_data(args: argparse.Namespace) -> tuple[Any, str, str | None]:
    """(Dataset, a label for the log, a note when the source was chosen for the learner)."""
    from linreg_tui.engine import ConfigError, load_csv, load_dataset, parse_columns

    generated = {
        k: v for k in ("size", "slope", "intercept", "noise") if (v := getattr(args, k)) is not None
    }
    if args.csv is not None:
        if args.dataset is not None:
            raise ConfigError("give either --dataset or --csv, not both")
        if generated:
            raise ConfigError("--size, --slope, --intercept and --noise shape generated data, "
                              "not a --csv file")  # fmt: skip
        x = parse_columns(args.x) if args.x is not None else None
        return load_csv(args.csv, x, args.y), args.csv, None
    if args.x is not None or args.y is not None:
        raise ConfigError("--x and --y choose the columns of a --csv file")
    if args.dataset is None:
        note = "no --dataset or --csv given: using the built-in 'hours'"
        return load_dataset("hours", seed=args.seed, **generated), "hours", note
    data = load_dataset(args.dataset, seed=args.seed, **generated)
    return data, data.name, None


def build_config(args: argparse.Namespace, data: Any) -> Any:
    """A validated RunConfig from the options."""
    from linreg_tui.engine import ConfigError, RunConfig, parse_batch, parse_schedule

    if args.no_bias and args.init_b is not None:
        raise ConfigError("--init-b sets the starting bias, but --no-bias fits no bias; drop one")
    init_w = None
    if args.init_w:
        init_w = tuple(v for text in args.init_w for v in _floats(text, "--init-w"))
        if args.init == "random":
            raise ConfigError("give either --init-w or --init random, not both")
    betas = _floats(args.betas, "--betas")
    if len(betas) != 2:
        raise ConfigError(f"--betas takes two numbers B1,B2, got {args.betas!r}")
    batch = args.batch or ("stream:4" if data.stream is not None else "full")
    same: tuple[str, ...] = ("lr", "loss", "grad", "drop_last", "optimizer", "momentum")
    same += ("alpha", "eps", "seed")
    same += ("dtype", "device", "standardize", "mistake")
    return RunConfig(
        **{name: getattr(args, name) for name in same},
        batch=parse_batch(batch),
        shuffle=not args.no_shuffle,
        betas=(betas[0], betas[1]),
        schedule=parse_schedule(args.schedule),
        bias=not args.no_bias,
        init_w=init_w,
        init_b=0.0 if args.init_b is None else args.init_b,
        init_random=args.init == "random",
    ).validate()


def plan_length(args: argparse.Namespace, per_epoch: int) -> tuple[int, str]:
    """(updates to run, the plan in words)."""
    from linreg_tui.engine import ConfigError

    for flag, value in (("--epochs", args.epochs), ("--updates", args.updates)):
        if value is not None and value < 0:
            raise ConfigError(f"{flag} must be 0 or more, got {value}")
    if args.updates is not None:
        epochs = args.updates / per_epoch
        return args.updates, f"{args.updates} updates ({epochs:g} epochs)"
    epochs = DEFAULT_EPOCHS if args.epochs is None else args.epochs
    total = epochs * per_epoch
    return total, f"{epochs} epochs = {total} updates"


def parse_points(
    texts: list[str], features: tuple[str, ...], dtype: str = "float64"
) -> list[list[float]]:
    """``--predict`` arguments as rows of d finite numbers each, every one representable in
    ``dtype`` (1e300 overflows float32); else ConfigError."""
    import numpy as np

    from linreg_tui.engine import ConfigError

    largest = float(np.finfo(dtype).max)
    points = []
    for text in texts:
        row = _floats(text, "--predict")
        if len(row) != len(features):
            raise ConfigError(
                f"--predict {text!r}: give {len(features)} value(s) per point, one per feature "
                f"({', '.join(features)}), separated by commas"
            )
        if not all(math.isfinite(v) for v in row):
            raise ConfigError(f"--predict {text!r}: points must be finite numbers")
        if any(abs(v) > largest for v in row):
            raise ConfigError(f"--predict {text!r}: too large for {dtype} (largest {largest:.4g})")
        points.append(row)
    return points


def _shown(total: int, per_epoch: int, every: bool) -> Any:
    """Which updates the text log prints: all of a short run (or with --trace), else about
    20 evenly spaced ones at epoch ends, plus the first and the last."""
    if every or total <= 100:
        return lambda u: True
    stride = -(-total // 20)
    if per_epoch <= stride:
        stride = -(-stride // per_epoch) * per_epoch
    return lambda u: u == 1 or u == total or u % stride == 0


def reference(run: Run) -> tuple[tuple[list[float], float | None, float] | None, float]:
    """The closed-form optimum (w, b, loss) in original units, and the largest stable
    full-batch rate 2/λmax; the optimum is None if the solver fails."""
    optimum = None
    try:
        optimum = run.optimum()
    except (ArithmeticError, ValueError):  # numpy's LinAlgError is a ValueError
        pass
    return optimum, run.max_stable_lr()


def advance(run: Run, args: argparse.Namespace, total: int, out: IO[str]) -> int | None:
    """Do the run's updates (stepping, or fast-forwarding whole epochs with --fast), writing
    the text log's update lines as they come; returns the update where it converged."""
    from linreg_tui.tui import textlog

    text = args.format == "text"
    per_epoch = run.per_epoch
    show = _shown(total, per_epoch, args.trace)
    converged_at = _fast_forward(run, total, show, out if text else None) if args.fast else None
    while run.updates < total and run.status != "diverged":
        step = run.step()
        if step.status == "converged" and converged_at is None:
            converged_at = step.update
        if not text:
            continue
        if args.trace:
            out.write("\n".join(textlog.trace_lines(step)) + "\n")
        if show(step.update) or step.status == "diverged":
            out.write(textlog.update_line(run, step.update) + "\n")
            if per_epoch > 1 and step.batch_index == per_epoch - 1:
                out.write(textlog.epoch_line(run, step) + "\n")
    return converged_at


def _fast_forward(run: Run, total: int, show: Any, out: IO[str] | None) -> int | None:
    """The whole epochs of ``total`` updates at once (--fast), then their log lines to ``out``
    (None: no text log); returns the update where it converged, if it did."""
    from linreg_tui.tui import textlog

    run.fast_forward(total // run.per_epoch)
    if out is not None:
        for u in range(1, run.updates + 1):
            if show(u) or u == run.diverged_at:
                out.write(textlog.update_line(run, u) + "\n")
    return run.updates if run.status == "converged" else None


def cmd_run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Fit headless; print the log, JSON or CSV. Exit 3 when the run diverged."""
    from linreg_tui.engine import ConfigError, Run, check_history
    from linreg_tui.tui import textlog

    if args.trace and args.fast:
        raise ConfigError("--trace shows every update, so it cannot be combined with --fast")
    data, source, note = load_data(args)
    config = build_config(args, data)
    points = parse_points(args.predict, data.feature_names, config.dtype)
    run = Run(data, config)
    total, plan = plan_length(args, run.per_epoch)
    w, b = run.params()
    check_history(total, len(w) + (b is not None), "run fewer --epochs or --updates")
    if args.format == "text":
        lines = textlog.header_lines(run, source=source, note=note, plan=plan)
        lines += ["", *textlog.legend_lines(run.per_epoch, config.standardize)]
        out.write("\n".join(lines) + "\n")
    result = outcome(run, points, advance(run, args, total, out))
    write_outcome(run, result, args, out, source=source, total=total)
    notes = (
        []
        if run.diverged_at is not None
        else prediction_warnings(result, data.feature_names, config.dtype)
    )  # a diverged run's predictions are not finite, and its verdict already says why
    if notes:
        out.flush()
        err.write("\n".join(notes) + "\n")
    if run.diverged_at is not None:
        out.flush()
        err.write(f"linreg-tui: {result.verdict}\n")
        return 3
    return 0


@dataclass(frozen=True)
class Outcome:
    """What a finished run reports: predictions at ``points``, the closed-form optimum
    (w, b, loss) and 2/λmax for reference, where it converged, and the verdict."""

    points: list[list[float]]
    predictions: list[float]
    optimum: tuple[list[float], float | None, float] | None
    lr_max: float
    converged_at: int | None
    verdict: str


def outcome(run: Run, points: list[list[float]], converged_at: int | None) -> Outcome:
    """The run's Outcome (textlog.verdict_sentence gives the verdict)."""
    from linreg_tui.tui import textlog

    predictions = [float(v) for v in run.predict(points)] if points else []
    optimum, lr_max = reference(run)
    verdict = textlog.verdict_sentence(
        run,
        converged_at=converged_at,
        optimum_loss=optimum[2] if optimum else None,
        lr_max=lr_max,
    )
    return Outcome(points, predictions, optimum, lr_max, converged_at, verdict)


def write_outcome(
    run: Run, result: Outcome, args: argparse.Namespace, out: IO[str], *, source: str, total: int
) -> None:
    """The text summary, one JSON document, or the history as CSV, by ``args.format``."""
    from linreg_tui.tui import textlog

    if args.format == "csv":
        textlog.write_history_csv(textlog.export_of(run), out)
        return
    if args.format == "text":
        lines = textlog.summary_lines(
            run,
            optimum=result.optimum,
            points=result.points,
            predictions=result.predictions,
            verdict=result.verdict,
        )
        out.write("\n".join(lines) + "\n")
        return
    import json

    doc = outcome_document(run, result, args, source=source, total=total)
    out.write(json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")


def outcome_document(
    run: Any, result: Outcome, args: argparse.Namespace, *, source: str, total: int
) -> dict[str, Any]:
    """The JSON object of ``--format json`` (strict: no NaN or Infinity)."""
    from linreg_tui.tui import textlog

    doc = textlog.run_document(
        run,
        source=source,
        plan={"updates": total, "epochs": args.epochs, "fast": args.fast},
        points=result.points,
        predictions=result.predictions,
        optimum=result.optimum,
        lr_max=result.lr_max,
        converged_at=result.converged_at,
    )
    doc["status"] = (
        "diverged"
        if run.diverged_at is not None
        else ("converged" if result.converged_at is not None else "done")
    )
    diverged = run.diverged_at is not None
    doc["predictions_status"] = [prediction_status(y, diverged) for y in result.predictions]
    non_finite: list[str] = []
    doc = json_safe(doc, "", non_finite)
    doc["non_finite"] = non_finite
    return dict(doc)


def prediction_status(y: float, diverged: bool) -> str:
    """``ok``; else why ŷ is not a number (JSON: null): the run ``diverged`` (its parameters
    are not finite), or an ``overflow`` beyond the dtype's range."""
    if math.isfinite(y):
        return "ok"
    return "diverged" if diverged else "overflow"


def json_safe(value: Any, path: str, replaced: list[str]) -> Any:
    """``value`` with every non-finite float (NaN, ±inf: not JSON) replaced by None, the
    JSON path of each one appended to ``replaced`` (``optimum.w[0]``)."""
    if isinstance(value, float) and not math.isfinite(value):
        replaced.append(path)
        return None
    if isinstance(value, dict):
        return {k: json_safe(v, f"{path}.{k}" if path else str(k), replaced)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, (list, tuple)):
        return [json_safe(v, f"{path}[{i}]", replaced) for i, v in enumerate(value)]
    return value


def prediction_warnings(result: Outcome, features: tuple[str, ...], dtype: str) -> list[str]:
    """One line per prediction that overflowed ``dtype`` (finite x, infinite ŷ)."""
    lines = []
    for x, y in zip(result.points, result.predictions, strict=True):
        if not math.isfinite(y):
            at = ", ".join(f"{n} = {v:g}" for n, v in zip(features, x, strict=True))
            lines.append(f"linreg-tui: warning: the prediction at {at} overflows {dtype} ({y})")
    return lines
