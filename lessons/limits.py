"""How much computing one lesson expression or goal solution may ask for.

A ``compute`` answer or a goal's ``solution`` runs the engine, so a lesson file
could ask for ``step(100000000)`` and keep the app (or ``lessons validate``)
busy for hours. Every such computation is bounded, and the bound is checked
before anything runs — by the validator, with the file and line, and by the app
before it starts one (:func:`check_cost`):

* at most ``MAX_UPDATES`` = 10⁶ updates, and
* at most ``MAX_SAMPLE_UPDATES`` = 10⁸ sample-updates: updates × rows of the data,
  since every update also evaluates the loss over the whole data set.

``after(epochs=N)`` costs N × (batches per epoch) updates. Nothing here imports
torch; the data set's size comes from the catalogue or by reading a CSV file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .expressions import (
    Binary,
    Converged,
    EpochLosses,
    Expr,
    StateQ,
    StepQ,
    Unary,
    Using,
    Window,
    parse_expression,
)

if TYPE_CHECKING:
    from .model import Checkpoint, Lesson, Preset

MAX_UPDATES = 1_000_000  # updates one expression or solution may run
MAX_SAMPLE_UPDATES = 100_000_000  # updates × data rows one expression or solution may cost


@dataclass(frozen=True)
class Cost:
    """What one computation asks of the engine."""

    updates: int  # updates it runs (the largest step/after/solution count it needs)
    rows: int  # rows of the data each update evaluates the loss over

    @property
    def sample_updates(self) -> int:
        """updates × rows."""
        return self.updates * self.rows


def cost_problem(cost: Cost) -> str | None:
    """Why ``cost`` is over the limits (one English line), or None when it is within."""
    if cost.updates > MAX_UPDATES:
        return (
            f"needs {cost.updates:,} updates; a lesson computation may run at most "
            f"{MAX_UPDATES:,} (see docs/lessons.md, Limits)"
        )
    if cost.sample_updates > MAX_SAMPLE_UPDATES:
        return (
            f"needs {cost.sample_updates:,} sample-updates ({cost.updates:,} updates × "
            f"{cost.rows:,} rows); a lesson computation may cost at most "
            f"{MAX_SAMPLE_UPDATES:,} (see docs/lessons.md, Limits)"
        )
    return None


def batches_per_epoch(rows: int, settings: Mapping[str, Any]) -> int:
    """Updates in one epoch of ``rows`` rows under the preset's ``batch`` and ``drop_last``.

    Mirrors engine.batching.Batcher.per_epoch: full → 1, sgd → rows, minibatch:K and
    stream:K → ⌈rows/K⌉ (minibatch with drop_last: ⌊rows/K⌋, at least 1 here).
    """
    text = str(settings.get("batch", "full"))
    mode, _, size_text = text.partition(":")
    mode = mode.strip().lower()
    if mode == "full":
        return 1
    size = int(size_text) if size_text.strip().isdigit() and int(size_text) > 0 else 1
    if mode == "sgd":
        size = 1
    if mode == "minibatch" and settings.get("drop_last", False):
        return max(1, rows // size)
    return max(1, math.ceil(rows / size))


def expression_updates(expr: Expr, per_epoch: int, rows: int | None = None) -> int:
    """The most updates any quantity of ``expr`` needs a run to take (a compare view's
    run, whose batches are not the preset's, counted at one row per update when ``rows``
    is known; inside ``using(…, batch=…)`` an epoch has that batch mode's updates)."""
    if isinstance(expr, Unary):
        return expression_updates(expr.operand, per_epoch, rows)
    if isinstance(expr, Binary):
        return max(
            expression_updates(expr.left, per_epoch, rows),
            expression_updates(expr.right, per_epoch, rows),
        )
    if isinstance(expr, Using):
        settings = dict(expr.settings)
        if rows is not None and "batch" in settings:
            per_epoch = batches_per_epoch(rows, settings)
        return expression_updates(expr.inner, per_epoch, rows)
    return _atom_updates(expr, per_epoch, rows)


def _atom_updates(atom: Expr, per_epoch: int, rows: int | None) -> int:
    if isinstance(atom, StepQ):
        return atom.update
    if isinstance(atom, StateQ) and atom.source == "updates":
        return atom.count
    if isinstance(atom, StateQ) and atom.source == "epochs":
        return atom.count * per_epoch
    if isinstance(atom, EpochLosses):
        each = rows if atom.run is not None and rows is not None else per_epoch
        return atom.last * max(each, per_epoch)
    if isinstance(atom, Window):
        return atom.last
    if isinstance(atom, Converged):
        return atom.limit
    return 0


def preset_rows(preset: Preset) -> int:
    """Rows of the preset's data: from the catalogue, or by reading the teacher's CSV
    (where the data comes from is ``answers.preset_data``, the one rule).

    Raises the engine's EngineError (or OSError) when the data cannot be read.
    """
    from linreg_tui.engine import dataset_info, load_csv

    from .answers import preset_data

    source = preset_data(preset)
    if source.name is None:
        return load_csv(str(source.csv_path)).n
    info = dataset_info(source.name)
    if info.rows is not None:
        return int(info.rows)
    return int(info.generator.get("size", 1))  # a stream's reference sample


def checkpoint_cost(lesson: Lesson, checkpoint: Checkpoint) -> Cost | None:
    """The cost of computing ``checkpoint``'s answer or checking its solution (None: no run).

    Raises ExpressionError for a compute outside the grammar and the engine's
    EngineError when the data cannot be read.
    """
    preset = lesson.preset_for(checkpoint)
    if checkpoint.compute is not None:
        rows = preset_rows(preset)
        expr = parse_expression(checkpoint.compute)
        return Cost(expression_updates(expr, batches_per_epoch(rows, preset.settings), rows), rows)
    if checkpoint.goal is not None and checkpoint.solution is not None:
        solved = preset.with_overrides(checkpoint.solution.settings)
        updates = checkpoint.solution.updates
        if checkpoint.goal.windowed:  # the untouched preset is run through the window too
            rows = preset_rows(preset)
            last = checkpoint.goal.window(batches_per_epoch(rows, preset.settings))[1]
            updates = max(updates, last)
        return Cost(updates, preset_rows(solved))
    if checkpoint.kind == "fixit":  # each of the two loops runs this many updates
        from .schema import FIXIT_RUN_UPDATES

        return Cost(checkpoint.run_updates or FIXIT_RUN_UPDATES, preset_rows(preset))
    return None


def check_cost(lesson: Lesson, checkpoint: Checkpoint) -> str | None:
    """Why the app must not start ``checkpoint``'s computation, or None when it may.

    Call it before computing an answer or checking a solution; a lesson that passed
    ``lessons validate`` always returns None. Data that cannot be read is reported too.
    """
    from linreg_tui.engine import EngineError

    from .expressions import ExpressionError

    try:
        cost = checkpoint_cost(lesson, checkpoint)
    except (EngineError, ExpressionError) as err:
        return str(err)
    except OSError as err:
        return f"cannot read the lesson's data: {err.strerror or err}"
    return None if cost is None else cost_problem(cost)


__all__ = [
    "MAX_SAMPLE_UPDATES",
    "MAX_UPDATES",
    "Cost",
    "batches_per_epoch",
    "check_cost",
    "checkpoint_cost",
    "cost_problem",
    "expression_updates",
    "preset_rows",
]
