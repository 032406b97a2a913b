"""Running and reporting ``linreg-tui run`` with branches, metrics, stop rules, describe.

tui/headless_extras.py parses the options into a Setup; this module steps the run (and
its branch), feeds the stop rules, and writes the text log, JSON or CSV.
"""

from __future__ import annotations

import argparse
import io
from dataclasses import dataclass
from typing import IO, Any

from linreg_tui.tui import headless

METRIC_NAMES = ("mse", "rmse", "mae", "r2")
METRIC_LABELS = {"mse": "MSE", "rmse": "RMSE", "mae": "MAE", "r2": "R²"}


@dataclass
class Ran:
    """One finished run and what the report needs about it."""

    run: Any  # engine Run
    label: str  # "original" | "branch"
    converged_at: int | None
    stopped: Any  # engine.stopping.Stopped or None
    first: int  # updates before this run's own (the fork point of a branch; 0 otherwise)


def run_all(args: argparse.Namespace, setup: Any, rules: list, changes: dict | None,
            out: IO[str], err: IO[str]) -> int:  # fmt: skip
    """Step the run (and its branch) and report; exit 3 when one diverged."""
    from linreg_tui.engine import ConfigError, Run, branch_run, check_history

    if any(r.kind == "holdout-rise" for r in rules) and setup.held is None:
        raise ConfigError("--stop holdout-rise needs a held-out part; add --holdout F")
    points = headless.parse_points(args.predict, setup.data.feature_names, setup.config.dtype)
    run = Run(setup.data, setup.config)
    total, plan = headless.plan_length(args, run.per_epoch)
    w, b = run.params()
    check_history(total, len(w) + (b is not None), "run fewer --epochs or --updates")
    k = args.branch_at
    if k is not None and not 0 <= k <= total:
        raise ConfigError(f"--branch-at must be from 0 to the run's {total} updates, got {k}")
    twin = branch_run(run, 0, **changes) if changes is not None else None  # checks --then early
    del twin
    text = out if args.format == "text" else None
    if text:
        title = "run 1: original" if k is not None else None
        _header(run, setup, plan, title, text)
    runs = [advance(run, args, total, rules, setup, text, first=0, label="original")]
    if k is not None and changes is not None:
        if k > run.updates:
            raise ConfigError(f"the run stopped after update {run.updates}, before --branch-at {k}")
        twin = branch_run(run, k, **changes)
        if text:
            _branch_header(twin, k, str(args.then), text)
        runs.append(advance(twin, args, total, rules, setup, text, first=k, label="branch"))
    _write(runs, args, setup, points, total, out)
    return _exit(runs, out, err)


def _branch_header(twin: Any, k: int, then: str, out: IO[str]) -> None:
    """What the branch changes (its loss, rule, rate, batches) and where it forks."""
    from linreg_tui.tui import textlog
    from linreg_tui.tui.format import num, vec

    lines = ["", f"== run 2: branch after update {k}: {then} ==", ""]
    skip = ("data:", "model:", "plan:", "start:")
    lines += [s for s in textlog.header_lines(twin, source="", note=None, plan="")
              if not s.startswith(skip)]  # fmt: skip
    w, b = twin.params()
    at = f"w = {vec(w)}" + (f", b = {num(b)}" if b is not None else "")
    lines.append(f"fork:      after update {k}: {at}, loss = {num(twin.loss)}")
    lines.append(f"           (updates 1…{k} are run 1's, bit for bit)")
    out.write("\n".join(lines) + "\n")


def _header(run: Any, setup: Any, plan: str, title: str | None, out: IO[str]) -> None:
    from linreg_tui.tui import textlog

    lines = [f"== {title} ==", ""] if title else []
    lines += textlog.header_lines(run, source=setup.source, note=setup.note, plan=plan)
    if setup.held is not None:
        m = len(setup.held[1])
        lines.append(f"holdout:   {m} rows held out (seed {run.config.seed}); the run trains "
                     f"on the other {run.dataset.n}")  # fmt: skip
    lines += ["", *textlog.legend_lines(run.per_epoch, run.config.standardize)]
    out.write("\n".join(lines) + "\n")


def _held_mse(run: Any, setup: Any, update: int) -> float | None:
    if setup.held is None:
        return None
    X, y = setup.held
    return float(run.metrics(X, y, first=update, last=update)["mse"][0])


def advance(run: Any, args: argparse.Namespace, total: int, rules: list, setup: Any,
            out: IO[str] | None, *, first: int, label: str) -> Ran:  # fmt: skip
    """Step to ``total`` updates or until a stop rule fires or the run diverges, writing the
    text log's lines (update lines or sentences, metrics) to ``out`` when given."""
    from linreg_tui.engine import Stopper

    if args.fast:
        return Ran(run, label, headless.advance(run, args, total, out or io.StringIO()), None, 0)
    stopper = Stopper(rules, run.loss, _held_mse(run, setup, run.updates)) if rules else None
    show = headless._shown(total, run.per_epoch, args.trace)
    converged_at = stopped = None
    while run.updates < total and run.status != "diverged" and stopped is None:
        step = run.step()
        if step.status == "converged" and converged_at is None:
            converged_at = step.update
        if stopper is not None:
            held = _held_mse(run, setup, step.update) if setup.held is not None else None
            stopped = stopper.observe(step.update, step.loss_after, step.full_grad_norm, held)
        if out is not None and (show(step.update) or step.status == "diverged" or stopped):
            _log_update(run, step, args, setup, out)
    return Ran(run, label, converged_at, stopped, first)


def _log_update(run: Any, step: Any, args: argparse.Namespace, setup: Any, out: IO[str]) -> None:
    from linreg_tui.tui import textlog
    from linreg_tui.tui.describe import describe_step

    if args.trace:
        out.write("\n".join(textlog.trace_lines(step)) + "\n")
    if args.describe:
        ds = run.dataset
        line = describe_step(
            step,
            features=ds.feature_names,
            target=ds.target_name,
            before=run.to_original(step.params_before),
            after=run.to_original(step.params_after),
            lang=args.describe,
        )
    else:
        line = textlog.update_line(run, step.update)
    out.write(line + "\n")
    if args.metrics or setup.held is not None:
        out.write("           " + metrics_text(run, setup, step.update) + "\n")
    if run.per_epoch > 1 and step.batch_index == run.per_epoch - 1:
        out.write(textlog.epoch_line(run, step) + "\n")


def _cells(values: dict[str, Any], i: int = 0) -> str:
    from linreg_tui.tui.format import num

    return "  ".join(f"{METRIC_LABELS[n]} {num(float(values[n][i]))}" for n in METRIC_NAMES)


def metrics_text(run: Any, setup: Any, update: int) -> str:
    """``MSE …  RMSE …  MAE …  R² …`` on the training data (and the held-out part)."""
    text = _cells(run.metrics(first=update, last=update))
    if setup.held is not None:
        X, y = setup.held
        text += "   held out: " + _cells(run.metrics(X, y, first=update, last=update))
    return text


def stop_line(stopped: Any) -> str:
    """``stopped:   after update 37 by --stop grad-norm:0.001`` (+ the best update)."""
    line = f"stopped:   after update {stopped.update} by --stop {stopped.rule}"
    if stopped.best_update is not None:
        line += f"; the held-out MSE was lowest after update {stopped.best_update}"
    return line


def _metric_columns(ran: Ran, setup: Any) -> dict[str, dict[str, Any]]:
    """Per-update metric columns (updates 1…n): {"metrics": {...}, "holdout": {...}}."""
    cols = {"metrics": {k: v[1:] for k, v in ran.run.metrics().items()}}
    if setup.held is not None:
        X, y = setup.held
        cols["holdout"] = {k: v[1:] for k, v in ran.run.metrics(X, y).items()}
    return cols


def _document(ran: Ran, args: argparse.Namespace, setup: Any, points: list, total: int) -> dict:
    run = ran.run
    result = headless.outcome(run, points, ran.converged_at)
    doc = headless.outcome_document(run, result, args, source=setup.source, total=total)
    doc["label"] = ran.label
    stopped = ran.stopped
    doc["stopped"] = (
        None
        if stopped is None
        else {
            "rule": str(stopped.rule),
            "update": stopped.update,
            "best_update": stopped.best_update,
        }
    )
    if args.metrics or setup.held is not None:
        cols = _metric_columns(ran, setup)
        for t, record in enumerate(doc["history"]):
            for part, values in cols.items():
                record[part] = {n: float(values[n][t]) for n in METRIC_NAMES}
        if setup.held is not None:
            doc["holdout"] = {"fraction": args.holdout, "rows": len(setup.held[1]),
                              "train_rows": run.dataset.n}  # fmt: skip
    non_finite: list[str] = []
    doc = headless.json_safe(doc, "", non_finite)
    doc["non_finite"] = sorted(set(doc.get("non_finite") or []) | set(non_finite))
    return dict(doc)


def _write(runs: list[Ran], args: argparse.Namespace, setup: Any, points: list, total: int,
           out: IO[str]) -> None:  # fmt: skip
    import json

    if args.format == "json":
        docs = [_document(r, args, setup, points, total) for r in runs]
        if len(runs) == 1:
            doc: dict[str, Any] = docs[0]
        else:
            doc = {"branch_at": args.branch_at, "then": args.then, "runs": docs}
        out.write(json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
    elif args.format == "csv":
        _write_csv(runs, args, setup, out)
    else:
        for ran in runs:
            _write_summary(ran, args, setup, points, out, titled=len(runs) > 1)


def _write_summary(ran: Ran, args: argparse.Namespace, setup: Any, points: list,
                   out: IO[str], *, titled: bool) -> None:  # fmt: skip
    from linreg_tui.tui import textlog

    run = ran.run
    result = headless.outcome(run, points, ran.converged_at)
    lines = [f"\n== summary of the {ran.label} ==" if titled else ""]
    lines += textlog.summary_lines(
        run,
        optimum=result.optimum,
        points=result.points,
        predictions=result.predictions,
        verdict=result.verdict,
    )
    if args.metrics or setup.held is not None:
        lines.append("metrics:   " + metrics_text(run, setup, run.updates))
    if ran.stopped is not None:
        lines.append(stop_line(ran.stopped))
    out.write("\n".join(lines[1:] if not titled else lines) + "\n")


def _write_csv(runs: list[Ran], args: argparse.Namespace, setup: Any, out: IO[str]) -> None:
    from linreg_tui.tui import textlog

    for i, ran in enumerate(runs):
        buffer = io.StringIO()
        textlog.write_history_csv(textlog.export_of(ran.run), buffer)
        rows = buffer.getvalue().splitlines()
        extra_head: list[str] = []
        extra: list[list[str]] = [[] for _ in rows[1:]]
        if args.metrics or setup.held is not None:
            for part, values in _metric_columns(ran, setup).items():
                prefix = "" if part == "metrics" else "holdout_"
                for name in METRIC_NAMES:
                    extra_head.append(prefix + name)
                    for row, v in zip(extra, values[name].tolist(), strict=True):
                        row.append(repr(float(v)))
        lead = ["run"] if len(runs) > 1 else []
        if i == 0:
            out.write(",".join([*lead, rows[0], *extra_head]) + "\n")
        for text, more in zip(rows[1:], extra, strict=True):
            cells = [str(i + 1)] if lead else []
            out.write(",".join([*cells, text, *more]) + "\n")


def _exit(runs: list[Ran], out: IO[str], err: IO[str]) -> int:
    diverged = [r for r in runs if r.run.diverged_at is not None]
    for ran in diverged:
        result = headless.outcome(ran.run, [], ran.converged_at)
        out.flush()
        who = f"the {ran.label}: " if len(runs) > 1 else ""
        err.write(f"linreg-tui: {who}{result.verdict}\n")
    return 3 if diverged else 0
