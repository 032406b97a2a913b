"""Formatting a run for the headless CLI: a readable text log, one JSON object, or CSV.

Pure formatting: no Textual, no printing. Lines come from Steps (what one
update did) and from the run's History columns (one row per update), so a
long run's log never needs every Step in memory. Parameters are reported in
the data's original units (undoing ``--standardize``); gradients are the
ones the update used, with respect to the parameters the run descends.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from linreg_tui.engine import stable_lr_applies
from linreg_tui.tui.format import gradient_formula, loss_formula, model_formula, num, vec

if TYPE_CHECKING:
    from linreg_tui.engine import Run, Step


def finite_or_none(value: float) -> float | None:
    """JSON has no NaN or infinity: a diverged value becomes null."""
    return float(value) if math.isfinite(value) else None


# -- formulas -------------------------------------------------------------------------


def loss_line(loss: str) -> str:
    """The loss over a batch of n rows, as the header writes it."""
    return f"{loss_formula(loss)}   ({loss}; n = rows in the batch)"


# -- the history as columns and records ----------------------------------------------


@dataclass(frozen=True)
class HistoryExport:
    """A run's history frozen for writing as CSV or JSON (taken under the session's lock,
    so a dialog never holds a live Run): the feature names and ``Run.history_columns()``."""

    features: tuple[str, ...]
    columns: dict[str, np.ndarray | None]

    @property
    def rows(self) -> int:
        """Updates in the history."""
        update = self.columns["update"]
        return 0 if update is None else len(update)


def export_of(run: Run) -> HistoryExport:
    """Copy ``run``'s history out for writing (call under the session's lock)."""
    return HistoryExport(tuple(run.dataset.feature_names), run.history_columns())


def _clean(values: list) -> list:
    """Replace non-finite floats (nested one level) by None for JSON."""
    out = []
    for v in values:
        if isinstance(v, list):
            out.append([finite_or_none(x) for x in v])
        else:
            out.append(finite_or_none(v))
    return out


def history_records(export: HistoryExport) -> list[dict[str, Any]]:
    """One dict per update for ``--format json``: update, epoch, w, b, loss, batch_loss,
    grad {w, b}, lr. Non-finite numbers (a diverged run) are None."""
    cols = export.columns
    count = export.rows
    none = [None] * count
    w = _clean(cols["w"].tolist())
    b = _clean(cols["b"].tolist()) if cols["b"] is not None else none
    gw = _clean(cols["grad_w"].tolist())
    gb = _clean(cols["grad_b"].tolist()) if cols["grad_b"] is not None else none
    loss = _clean(cols["loss"].tolist())
    batch_loss = _clean(cols["batch_loss"].tolist())
    lr = cols["lr"].tolist()
    epoch = cols["epoch"].tolist()
    return [
        {
            "update": t + 1,
            "epoch": epoch[t],
            "w": w[t],
            "b": b[t],
            "loss": loss[t],
            "batch_loss": batch_loss[t],
            "grad": {"w": gw[t], "b": gb[t]},
            "lr": lr[t],
        }
        for t in range(count)
    ]


def csv_header(features: Sequence[str], bias: bool) -> list[str]:
    """Column names of ``--format csv``."""
    names = ["update", "epoch", *(f"w_{f}" for f in features)]
    names += ["b"] if bias else []
    names += ["loss", "batch_loss", *(f"grad_w_{f}" for f in features)]
    names += ["grad_b"] if bias else []
    return [*names, "lr"]


def write_history_csv(export: HistoryExport, out: IO[str]) -> None:
    """The history as a CSV table with a header row, one row per update."""
    cols = export.columns
    bias = cols["b"] is not None
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_header(export.features, bias))
    parts: list[np.ndarray] = [cols["update"][:, None], cols["epoch"][:, None], cols["w"]]
    if bias:
        parts.append(cols["b"][:, None])
    parts += [cols["loss"][:, None], cols["batch_loss"][:, None], cols["grad_w"]]
    if bias:
        parts.append(cols["grad_b"][:, None])
    parts.append(cols["lr"][:, None])
    table = np.hstack([np.asarray(p, dtype=np.float64) for p in parts])
    for row in table.tolist():
        writer.writerow([int(row[0]), int(row[1]), *(repr(v) for v in row[2:])])


# -- text lines -----------------------------------------------------------------------


def update_line(run: Run, update: int) -> str:
    """``update 3 (epoch 1): w = …  b = …  ∂L/∂w = …  batch loss = …  loss = …`` from the
    History row of ``update`` (1-based)."""
    row = run.history_row(update)  # epochs count from 1, as in the app
    parts = [f"update {update} (epoch {row.epoch}):", f"w = {vec(list(row.w))}"]
    if row.b is not None:
        parts.append(f"b = {num(row.b)}")
    parts.append(f"∂L/∂w = {vec(list(row.grad_w))}")
    if row.grad_b is not None:
        parts.append(f"∂L/∂b = {num(row.grad_b)}")
    parts.append(f"batch loss = {num(row.batch_loss)}")
    parts.append(f"loss = {num(row.loss)}")
    return "  ".join(parts)


def trace_lines(step: Step) -> list[str]:
    """Each sample's term of the batch gradient, as T4 prints ``grad: x y gradient``."""
    if step.per_sample is None:
        return [f"    ({step.batch_size} rows: per-sample terms are kept for up to 32 rows)"]
    lines = []
    d = step.d
    for i in range(step.batch_size):
        x = step.x[i].tolist()
        term = step.per_sample[i]
        text = (
            f"    grad: x = {vec(x)}  y = {num(float(step.y[i]))}"
            f"  ŷ − y = {num(float(step.residuals[i]))}  term ∂w = {vec(term[:d].tolist())}"
        )
        if step.bias:
            text += f"  ∂b = {num(float(term[d]))}"
        lines.append(text)
    return lines


def batch_loss_after(step: Step) -> float:
    """The batch's loss with the updated parameters: what T4 prints as an epoch's "loss"
    (the last sample's (x·w − y)² after its update); the engine records it in the Step."""
    return step.batch_loss_after


def epoch_line(run: Run, step: Step) -> str:
    """The end of an epoch in T4's spirit: ``epoch 1 done: w = 1.26069  last-batch loss = …``
    (T4 counts its epochs from 0: its ``progress: 0`` is epoch 1 here)."""
    w, b = run.to_original(step.params_after)
    text = f"epoch {step.epoch + 1} done: w = {vec(w)}"
    if b is not None:
        text += f"  b = {num(b)}"
    return (
        text + f"  last-batch loss = {num(batch_loss_after(step))}  loss = {num(step.loss_after)}"
    )


def legend_lines(per_epoch: int, standardized: bool = False) -> list[str]:
    """What the columns of the per-update lines mean."""
    lines = (
        ["  w, b in the data's units; ∂L/∂w, ∂L/∂b with respect to the standardized weights"]
        if standardized
        else []
    )
    lines += [
        "  batch loss: the loss on the update's batch before the update;"
        " loss: on all the data after it",
    ]
    if per_epoch > 1:
        lines.append(
            "  last-batch loss: the epoch's last batch with the updated parameters (what T4 prints)"
        )
    return lines


# -- header and summary ---------------------------------------------------------------


def header_lines(run: Run, *, source: str, note: str | None, plan: str) -> list[str]:
    """Data, model, loss and gradient formulas, update rule and settings, starting point."""
    from linreg_tui.engine import describe_schedule

    cfg, ds = run.config, run.dataset
    batches = run.batch_plan()
    order = "in file order" if not batches.shuffle else f"reshuffled every epoch (seed {cfg.seed})"
    if batches.stream:
        order = f"a fresh draw every update (seed {cfg.seed})"
    elif cfg.batch.mode == "full":
        order = "every row every update"
    rows = f"endless stream (loss on a fixed sample of {ds.n})" if ds.stream else f"{ds.n} rows"
    lines = [f"data:      {source}: {rows}, {', '.join(ds.feature_names)} → {ds.target_name}"]
    if note:
        lines.append(f"           ({note})")
    scaled = "  (features standardized: z = (x − μ)/σ)" if cfg.standardize else ""
    lines += [
        f"model:     {model_formula(ds.feature_names, cfg.bias)}"
        + ("" if cfg.bias else "   (no bias)")
        + scaled,
        f"loss:      {loss_line(cfg.loss)}",
        f"gradient:  {gradient_formula(cfg.loss, cfg.bias)}   (computed by: {cfg.grad})",
    ]
    rule_name, rule_formula = run.rule_text()
    rule_lines = rule_formula.splitlines() or [cfg.optimizer]
    lines.append(f"update:    {rule_lines[0]}   ({rule_name})")
    lines += [f"           {line}" for line in rule_lines[1:]]
    lines.append(f"rate:      {describe_schedule(cfg.schedule, cfg.lr)}")
    size = batches.size
    lines.append(
        f"batches:   {cfg.batch}: {size} row{'s' if size != 1 else ''} per update,"
        f" {batches.per_epoch} update{'s' if batches.per_epoch != 1 else ''} per epoch, {order}"
        + (", short last batch dropped" if batches.drop_last else "")
    )
    lines.append(f"plan:      {plan}; {cfg.dtype} on {run.device}")
    if cfg.mistake:
        lines.append(f"mistake:   {cfg.mistake} (on purpose)")
    w, b = run.params()
    start = f"w = {vec(w)}" + (f", b = {num(b)}" if b is not None else "")
    lines.append(f"start:     {start}, loss = {num(run.initial_loss)}")
    return lines


def verdict_sentence(
    run: Run,
    *,
    converged_at: int | None,
    optimum_loss: float | None,
    lr_max: float | None,
) -> str:
    """One sentence: diverged at update k (and the largest stable rate), converged, or
    how far the loss still is from the optimum."""
    cfg = run.config
    stable = f"≈ 2/λmax = {num(lr_max)}" if lr_max is not None else "unknown"
    if run.diverged_at is not None:
        return (
            f"diverged at update {run.diverged_at}: the loss became non-finite or grew past "
            f"{cfg.divergence_factor:g}× its start. Largest stable learning rate for "
            f"full-batch descent {stable}; this run used η = {num(cfg.lr)}."
        )
    if converged_at is not None:
        return (
            f"converged at update {converged_at}: the gradient norm fell below {cfg.tolerance:g}."
        )
    gap = ""
    if optimum_loss is not None and math.isfinite(run.loss):
        gap = f"; the loss is {num(run.loss - optimum_loss)} above the optimum's"
    hint = ""
    if lr_max is not None and cfg.lr > lr_max and stable_lr_applies(cfg):
        hint = f" (η = {num(cfg.lr)} is above the largest stable rate {num(lr_max)})"
    return f"still descending after {run.updates} updates{gap}{hint}."


def summary_lines(
    run: Run,
    *,
    optimum: tuple[list[float], float | None, float] | None,
    points: list[list[float]],
    predictions: list[float],
    verdict: str,
) -> list[str]:
    """Final parameters and loss, the closed-form optimum, predictions and the diagnosis."""
    w, b = run.params()
    lines = [
        "",
        f"result:    w = {vec(w)}"
        + (f", b = {num(b)}" if b is not None else "")
        + f"   after {run.updates} updates ({num(run.epochs_done)} epochs)",
        f"loss:      {num(run.loss)} on all the data",
    ]
    if optimum is not None:
        ow, ob, oloss = optimum
        text = f"optimum:   w = {vec(ow)}" + (f", b = {num(ob)}" if ob is not None else "")
        lines.append(text + f", loss = {num(oloss)}   (closed form, least squares)")
    names = run.dataset.feature_names
    for x, y in zip(points, predictions, strict=True):
        at = ", ".join(f"{name} = {v:g}" for name, v in zip(names, x, strict=True))
        # Six digits like every other number here; the full repr too, because a tutorial
        # prints it (T4: 7.804863933862125) and a learner compares digit by digit.
        full = f"   (in full: {y!r})" if num(y) != repr(y) else ""
        lines.append(f"predict:   {at} → ŷ = {num(y)}{full}")
    lines.append(f"diagnosis: {verdict}")
    return lines


def run_document(
    run: Run,
    *,
    source: str,
    plan: dict[str, Any],
    points: list[list[float]],
    predictions: list[float],
    optimum: tuple[list[float], float | None, float] | None,
    lr_max: float | None,
    converged_at: int | None,
) -> dict[str, Any]:
    """The one JSON object of ``--format json``: params, loss, history, diverged_at,
    predictions, plus config, dataset and reference (optimum, largest stable rate)."""
    cfg, ds = run.config, run.dataset
    w, b = run.params()
    config = {
        "lr": cfg.lr,
        "loss": cfg.loss,
        "grad": cfg.grad,
        "batch": str(cfg.batch),
        "shuffle": cfg.shuffle,
        "drop_last": cfg.drop_last,
        "optimizer": cfg.optimizer,
        "momentum": cfg.momentum,
        "betas": list(cfg.betas),
        "alpha": cfg.alpha,
        "eps": cfg.eps,
        "schedule": str(cfg.schedule),
        "bias": cfg.bias,
        "init_w": list(cfg.init_w) if cfg.init_w is not None else None,
        "init_b": cfg.init_b,
        "init_random": cfg.init_random,
        "seed": cfg.seed,
        "dtype": cfg.dtype,
        "device": run.device,
        "standardize": cfg.standardize,
        "grad_units": "standardized" if cfg.standardize else "original",
        "mistake": cfg.mistake,
        **plan,
    }
    dataset = {
        "name": ds.name,
        "source": source,
        "rows": ds.n,
        "features": list(ds.feature_names),
        "target": ds.target_name,
        "stream": ds.stream is not None,
    }
    reference = {
        "w": optimum[0] if optimum else None,
        "b": optimum[1] if optimum else None,
        "loss": finite_or_none(optimum[2]) if optimum else None,
        "largest_stable_lr": finite_or_none(lr_max) if lr_max is not None else None,
    }
    return {
        "params": {"w": _clean(list(w)), "b": finite_or_none(b) if b is not None else None},
        "loss": finite_or_none(run.loss),
        "updates": run.updates,
        "diverged_at": run.diverged_at,
        "converged_at": converged_at,
        "predict": points,
        "predictions": _clean(predictions),
        "history": history_records(export_of(run)),
        "config": config,
        "dataset": dataset,
        "optimum": reference,
    }
