"""Compute checkpoint answers with the engine, from the checkpoint's own preset.

``compute_answer("step(1).grad.w[0]", preset)`` parses the expression (see
``expressions`` for the grammar; nothing is eval'd) and evaluates each
quantity on a fresh, deterministic Run of the preset, so the number the
learner is asked for is the number the playground shows.

Units: step fields (``grad``, ``w_after`` …) are the Step's own, i.e. in
the units the run works in (z-scored features when ``standardize = true``);
``start``/``after``/``optimum`` weights and biases and ``predict`` are in the
data's original units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .expressions import (
    Analysis,
    Binary,
    Converged,
    DataQ,
    EpochLosses,
    Expr,
    ExpressionError,
    LossAt,
    Num,
    Spread,
    StateQ,
    StepQ,
    Unary,
    Using,
    Window,
    parse_expression,
)
from .goals import COLUMNS, MET, PENDING, GoalTracker, GoalView, goal_status
from .model import Checkpoint, Goal, Lesson, Preset

if TYPE_CHECKING:
    from linreg_tui.engine import Dataset, Run


class AnswerError(ValueError):
    """An answer the engine cannot compute from this preset; the message says why."""


GENERATED = ("synthetic", "stream")  # catalogue kinds drawn from a seed


@dataclass(frozen=True)
class PresetData:
    """Where a preset's data comes from (the one rule; the app's live view uses it too)."""

    name: str | None  # catalogue name, None for a CSV file
    csv_path: str | None  # a teacher's CSV file, None for a catalogue entry
    seed: int  # the preset's ``seed`` for a generated set (synthetic, stream), else 0


def preset_data(preset: Preset) -> PresetData:
    """A lesson names its data as a catalogue name or a CSV path: a name the catalogue
    knows is that entry (generated ones seeded with the preset's seed), anything else a
    CSV file."""
    from linreg_tui.engine import EngineError, dataset_info

    try:
        info = dataset_info(preset.dataset)
    except EngineError:
        return PresetData(None, preset.dataset, 0)
    seed = int(preset.settings.get("seed", 0)) if info.kind in GENERATED else 0
    return PresetData(info.name, None, seed)


def load_preset_dataset(preset: Preset) -> Dataset:
    """The preset's data, loaded through the engine (see :func:`preset_data`)."""
    from linreg_tui.engine import load_csv, load_dataset

    data = preset_data(preset)
    if data.name is None:
        assert data.csv_path is not None
        return load_csv(data.csv_path)
    return load_dataset(data.name, seed=data.seed)


def make_run(preset: Preset) -> Run:
    """A fresh Run of the preset (raises the engine's errors for bad settings)."""
    from linreg_tui.engine import Run

    return Run(load_preset_dataset(preset), preset.to_config())


Cancel = Callable[[], bool] | None  # asked between updates; True: raise engine Cancelled


def compute_answer(source: str, preset: Preset, cancelled: Cancel = None) -> float:
    """The value of a compute expression on the preset; AnswerError if it has none
    (engine ``Cancelled`` once ``cancelled()`` returns True)."""
    from linreg_tui.engine import EngineError

    try:
        value = evaluate(parse_expression(source), preset, cancelled)
    except ExpressionError as err:
        raise AnswerError(str(err)) from None
    except EngineError as err:
        raise AnswerError(f"the engine refused {source!r}: {err}") from None
    if not math.isfinite(value):
        raise AnswerError(f"{source!r} is not a finite number ({value})")
    return value


def expected_answer(
    lesson: Lesson, checkpoint: Checkpoint, cancelled: Cancel = None
) -> float | int | None:
    """The right answer of a question: literal, or computed from the checkpoint's preset."""
    if checkpoint.compute is not None:
        return compute_answer(checkpoint.compute, lesson.preset_for(checkpoint), cancelled)
    return checkpoint.answer


def evaluate(expr: Expr, preset: Preset, cancelled: Cancel = None) -> float:
    """Value of a parsed expression (each quantity on its own fresh Run)."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Unary):
        value = evaluate(expr.operand, preset, cancelled)
        return -value if expr.op == "-" else value
    if isinstance(expr, Binary):
        left = evaluate(expr.left, preset, cancelled)
        right = evaluate(expr.right, preset, cancelled)
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if expr.op == "**":
            return _power(left, right)
        if right == 0:
            raise AnswerError("division by zero")
        return left / right
    if isinstance(expr, StepQ):
        return _step_value(expr, preset, cancelled)
    if isinstance(expr, StateQ):
        return _state_value(expr, preset, cancelled)
    if isinstance(expr, LossAt):
        return _loss_at(expr.theta, preset)
    if isinstance(expr, Analysis):
        if expr.name == "max_stable_lr":
            return stable_lr(preset)
        return make_run(preset).condition_number()
    if isinstance(expr, DataQ):
        return _data_mean(expr, preset)
    if isinstance(expr, EpochLosses):
        return _epoch_losses(expr, preset, cancelled)
    if isinstance(expr, Using):
        return evaluate(expr.inner, preset.with_overrides(dict(expr.settings)), cancelled)
    if isinstance(expr, (Window, Converged)):
        return _run_value(expr, preset, cancelled)
    if isinstance(expr, Spread):
        return grad_spread(expr.batch, preset)
    raise AnswerError(f"cannot evaluate {expr!r}")


def _power(base: float, exponent: float) -> float:
    """``base ** exponent`` for a real result (a negative base needs a whole exponent)."""
    if base < 0 and exponent != int(exponent):
        raise AnswerError(f"({base}) ** {exponent} is not a real number")
    if base == 0 and exponent < 0:
        raise AnswerError("division by zero")
    try:
        return float(base**exponent)
    except OverflowError:
        raise AnswerError(f"({base}) ** {exponent} is too large") from None


def _data_mean(q: DataQ, preset: Preset) -> float:
    """The mean of feature ``q.index`` (``mean_x``) or of the target (``mean_y``) over the
    preset's data rows, in the data's original units."""
    data = load_preset_dataset(preset)
    if q.name == "mean_y":
        return float(data.y.mean())
    if q.name in ("x_min", "x_max"):  # the range of feature q.index
        return _pick(list(data.X.min(axis=0) if q.name == "x_min" else data.X.max(axis=0)), q.index)
    return _pick(list(data.X.mean(axis=0)), q.index)


def _run_value(q: Window | Converged, preset: Preset, cancelled: Cancel) -> float:
    """mean_loss/max_loss over updates first…last, or converged_at(limit): the first update
    (≤ limit) after which full-data ‖∇L‖ < the run's tolerance."""
    import numpy as np

    last = q.last if isinstance(q, Window) else q.limit
    run = make_run(preset)
    # Whole epochs by the engine's fast-forward (equal to stepping, without a Python loop
    # per update where the rule is affine), the rest stepped: 20,000 updates in 0.1 s.
    run.fast_forward(last // run.per_epoch, cancelled)
    run.run_until(update=last, cancelled=cancelled)
    if run.updates != last:
        raise AnswerError(f"the run diverged at update {run.diverged_at} before reaching it")
    if isinstance(q, Window):
        losses = run.history_window(("loss",), q.first - 1, q.last)["loss"]
        return float(losses.mean() if q.stat == "mean" else losses.max())
    norms = run.history_window(("full_grad_norm",), 0, last)["full_grad_norm"]
    hits = np.flatnonzero(norms < run.config.tolerance)
    if not len(hits):
        raise AnswerError(f"the run has not converged within {last} updates")
    return float(hits[0] + 1)


def _epoch_losses(q: EpochLosses, preset: Preset, cancelled: Cancel = None) -> float:
    """The largest or smallest full-data loss at the ends of epochs ``q.first``…``q.last``
    (each the loss ``after(epochs=E)`` reads), on the preset's run or its ``q.run``-th."""
    if q.run is not None:
        if q.run > len(preset.runs):
            raise AnswerError(f"run={q.run}: the preset has {len(preset.runs)} compare run(s)")
        preset = preset.with_overrides(dict(preset.runs[q.run - 1].settings))
    run = make_run(preset)
    losses: list[float] = []
    for epoch in range(1, q.last + 1):
        run.run_until(epoch=epoch, cancelled=cancelled)
        if run.epoch != epoch:
            raise AnswerError(f"the run diverged at update {run.diverged_at} before epoch {epoch}")
        if epoch >= q.first:
            losses.append(float(run.loss))
    return max(losses) if q.stat == "max" else min(losses)


def _residual(predict: Callable[[list[float]], float], preset: Preset, row: int | None) -> float:
    """ŷ − y of data row ``row`` for a model ``predict`` (original units)."""
    data = load_preset_dataset(preset)
    if row is None or row >= len(data.y):
        raise AnswerError(f"row {row} is out of range ({len(data.y)} rows)")
    return predict([float(v) for v in data.X[row]]) - float(data.y[row])


def _pick(values: tuple[float, ...] | list[float], index: int | None) -> float:
    if index is None or index >= len(values):
        raise AnswerError(f"weight index {index} is out of range ({len(values)} weight(s))")
    return float(values[index])


def _need_bias(value: float | None) -> float:
    if value is None:
        raise AnswerError("the model has no bias (bias = false)")
    return float(value)


def _step_value(q: StepQ, preset: Preset, cancelled: Cancel = None) -> float:
    run = make_run(preset)
    run.run_until(update=q.update, cancelled=cancelled)
    step = run.last_step
    if step is None or step.update != q.update:
        raise AnswerError(
            f"there is no update {q.update}: the run diverged at update {run.diverged_at}"
        )
    if q.field == "grad.w":
        return _pick(step.grad_w, q.index)
    if q.field == "w_before":
        return _pick(step.w_before, q.index)
    if q.field == "w_after":
        return _pick(step.w_after, q.index)
    if q.field in ("grad.b", "b_before", "b_after"):
        return _need_bias(
            {"grad.b": step.grad_b, "b_before": step.b_before, "b_after": step.b_after}[q.field]
        )
    return float(getattr(step, q.field))


def _state_value(q: StateQ, preset: Preset, cancelled: Cancel = None) -> float:
    if q.source == "optimum":
        return _optimum_value(q, preset)
    run = make_run(preset)
    if q.source == "updates":
        run.run_until(update=q.count, cancelled=cancelled)
        reached = run.updates == q.count
    elif q.source == "epochs":
        run.run_until(epoch=q.count, cancelled=cancelled)
        reached = run.epoch == q.count  # the next update opens epoch q.count
    else:
        reached = True
    if not reached:
        raise AnswerError(f"the run diverged at update {run.diverged_at} before reaching it")
    if q.field == "loss":
        return float(run.loss)
    if q.field == "predict":
        return float(run.predict([list(q.args)])[0])
    if q.field == "residual":
        return _residual(lambda x: float(run.predict([x])[0]), preset, q.index)
    w, b = run.params()
    return _pick(w, q.index) if q.field == "w" else _need_bias(b)


def _optimum_value(q: StateQ, preset: Preset) -> float:
    """w, b, loss or a prediction at the exact least-squares solution."""
    import numpy as np

    w, b, loss = make_run(preset).optimum()
    if q.field == "loss":
        return loss
    if q.field == "predict":
        return float(np.dot(w, q.args) + (b or 0.0))
    if q.field == "residual":
        return _residual(lambda x: float(np.dot(w, x) + (b or 0.0)), preset, q.index)
    return _pick(w, q.index) if q.field == "w" else _need_bias(b)


def _loss_at(theta: tuple[float, ...], preset: Preset) -> float:
    """Full-data loss at given parameters (weights then bias, original units)."""
    bias = bool(preset.settings.get("bias", True))
    weights = theta[:-1] if bias else theta
    overrides: dict[str, object] = {"init_w": list(weights), "init_random": False}
    if bias:
        overrides["init_b"] = theta[-1]
    return float(make_run(preset.with_overrides(overrides)).loss)


def grad_spread(batch: int, preset: Preset) -> float:
    """√tr Cov(g_B): the root-mean-square distance of size-B mini-batch gradients (rows
    drawn without replacement) from the full gradient, at the preset's starting θ, in the
    units the run works in (engine.noise: s_B²·tr(Σ)/B·(n−B)/(n−1), exact, no sampling)."""
    run = make_run(preset)
    if run.batch_plan().stream:
        raise AnswerError("grad_spread measures fixed data; a stream draws fresh points")
    seed = int(preset.settings.get("seed", 0))
    _, (noise,) = run.gradient_noise(run.theta, [batch], seed=seed)
    return math.sqrt(noise.exact_trace)


def stable_lr(preset: Preset) -> float:
    """The largest stable learning rate of the preset's problem (engine.analysis)."""
    return make_run(preset).max_stable_lr()


def check_solution(lesson: Lesson, checkpoint: Checkpoint) -> str | None:
    """None if the goal's solution meets the goal and the untouched preset does not yet;
    otherwise what is wrong (used by the validator and the automated learner).

    A windowed goal is "already met" when the untouched preset holds it over its whole
    window (that run is stepped to the window's end)."""
    goal, solution = checkpoint.goal, checkpoint.solution
    if goal is None or solution is None:
        return "not a goal checkpoint"
    base = lesson.preset_for(checkpoint)
    if goal.windowed:
        run = make_run(base)
        if _track(goal, run, goal.window(run.per_epoch)[1]) == MET:
            return "the goal is already met before the learner changes anything"
    elif goal_status(goal, make_run(base).summary(), stable_lr(base)) == MET:
        return "the goal is already met before the learner changes anything"
    run = make_run(base.with_overrides(solution.settings))
    if _track(goal, run, solution.updates) != MET:
        return f"the solution does not meet the goal ({run.summary().describe()})"
    return None


TRACK_CHUNK = 500  # updates stepped between two goal checks (the tracker reads between)


def _track(goal: Goal, run: Run, updates: int) -> str:
    """Step ``run`` up to ``updates`` updates while a GoalTracker follows ``goal`` (reading
    the History between checks, as the live view does); its status at the end (MET as soon
    as it is met)."""
    from functools import partial

    tracker = GoalTracker(goal)
    optimum = run.optimum()[2] if goal.kind == "hold_near_optimum" else None
    best = run.max_stable_lr() if goal.kind == "lr_within_stable" else None
    read = partial(run.history_window, COLUMNS)
    while True:
        view = GoalView(run.summary(), best, read, run.per_epoch, optimum)
        status = tracker.check(view)
        if status != PENDING or run.updates >= updates or run.status == "diverged":
            return status
        run.run_until(update=min(updates, run.updates + TRACK_CHUNK))


@dataclass(frozen=True)
class LoopResult:
    """Where one loop of a fix-it stands after its updates: the full-data loss, or the
    update where it diverged."""

    loss: float
    updates: int  # updates done (fewer than asked when it diverged)
    diverged_at: int | None


@dataclass(frozen=True)
class FixitResult:
    """A fix-it's buggy and repaired loops, each run ``updates`` updates by the engine."""

    updates: int
    buggy: LoopResult
    fixed: LoopResult


def fixit_result(lesson: Lesson, checkpoint: Checkpoint) -> FixitResult:
    """Run the fix-it's buggy loop (its ``mistake``) and the repaired one (none) from the
    checkpoint's preset for ``run_updates`` updates each (schema.FIXIT_RUN_UPDATES if unset)."""
    from .schema import FIXIT_RUN_UPDATES

    updates = checkpoint.run_updates or FIXIT_RUN_UPDATES
    base = lesson.preset.with_overrides(checkpoint.preset)
    loops = []
    for mistake in (checkpoint.mistake, None):
        run = make_run(base.with_overrides({"mistake": mistake}))
        run.run_until(update=updates)
        loops.append(LoopResult(float(run.loss), run.updates, run.diverged_at))
    return FixitResult(updates, loops[0], loops[1])


def check_fixit(lesson: Lesson, checkpoint: Checkpoint) -> str | None:
    """None when the repaired loop ends with a lower loss than the buggy one (or the buggy
    one diverges and the repaired one does not); otherwise what is wrong."""
    result = fixit_result(lesson, checkpoint)
    if result.fixed.diverged_at is not None:
        return f"the repaired loop diverges at update {result.fixed.diverged_at}"
    if result.buggy.diverged_at is None and not result.fixed.loss < result.buggy.loss:
        return (
            f"the repaired loop ends no lower than the buggy one ({result.fixed.loss:.6g} ≥ "
            f"{result.buggy.loss:.6g} after {result.updates} updates)"
        )
    return None
