"""What-if branches: fork a Run at update k and continue it with other settings.

The branch shares updates 1…k with the original exactly: its History rows 1…k are the
original's rows (θ, g, loss, batch loss, η, elapsed, ‖g‖, ‖∇L‖), copied bit for bit, and
update k+1 onwards is computed under the changed config:

    θ_t(branch) = θ_t(original)                  for t ≤ k
    θ_t+1, s_t+1 = R'(θ_t, ∇L'_B'(θ_t), s_t, η'_t)   for t ≥ k   (primes: the new settings)

Optimizer state s_k carries over when the rule is unchanged; a new rule starts from its
zero state at θ_k (as a fresh ``torch.optim`` object would). Update numbers keep counting
from the original (update k+1 of the branch is the (k+1)-th update), so a schedule and the
batch order continue where they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .run import Run

# Settings a branch may change; the data, model form, start and seed stay the original's.
BRANCHABLE = (
    "lr",
    "batch",
    "optimizer",
    "loss",
    "mistake",
    "schedule",
    "momentum",
    "betas",
    "alpha",
    "eps",
    "grad",
    "shuffle",
    "drop_last",
)

# History columns a branch copies from the original (state is handled on its own).
SHARED_COLUMNS = (
    "params",
    "grad",
    "loss",
    "batch_loss",
    "lr",
    "elapsed",
    "grad_norm",
    "full_grad_norm",
)


def branch_run(run: Run, at: int, **changes: object) -> Run:
    """A new Run sharing ``run``'s updates 1…``at`` exactly, then continuing under
    ``run.config`` with ``changes`` (names from BRANCHABLE); ``run`` is not changed.

    ConfigError when ``at`` is outside 0 … run.updates, at or after a divergence, or a
    change names a setting a branch cannot change."""
    from .run import Run

    unknown = sorted(set(changes) - set(BRANCHABLE))
    if unknown:
        raise ConfigError(
            f"a branch cannot change {', '.join(unknown)}; it may change: {', '.join(BRANCHABLE)}"
        )
    if not 0 <= at <= run.updates:
        raise ConfigError(f"cannot branch at update {at}: the run has {run.updates} update(s)")
    if run.diverged_at is not None and at >= run.diverged_at:
        raise ConfigError(
            f"cannot branch at update {at}: the run diverged at update {run.diverged_at}; "
            "branch before it"
        )
    config = run.config.with_(**changes)
    twin = Run(run.dataset, config)
    _copy_rows(run, twin, at)
    twin.sync_from_history()
    if at:
        # The latest Step is the original's update k (under the original's settings).
        twin.last_step = run.step_at(at)
        twin.status = twin.last_step.status
    return twin


def _copy_rows(source: Run, target: Run, count: int) -> None:
    """Append ``source``'s History rows 1…count to ``target``'s (empty) History."""
    src, dst = source.history, target.history
    same_rule = src.s == dst.s and source.config.optimizer == target.config.optimizer
    columns = {name: np.array(src.view(name)[:count]) for name in SHARED_COLUMNS}
    if same_rule:
        columns["state"] = np.array(src.view("state")[:count])
    else:
        # A new rule starts from its own zero state (rule.init gives zeros of its size).
        columns["state"] = np.zeros((count, dst.s))
    dst.extend(columns)
