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

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError
from .run import Run

if TYPE_CHECKING:
    from .config import RunConfig
    from .data import Dataset
    from .optimizers import UpdateRecord
    from .step import Step

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
    twin = BranchRun(run.dataset, config, frozen_copy(run, at), at)
    twin.goto(at)
    return twin


def frozen_copy(run: Run, count: int) -> Run:
    """A Run holding ``run``'s updates 1…count that nobody moves: what a branch replays its
    shared updates from (the original may go back or on meanwhile)."""
    if isinstance(run, BranchRun) and count <= run.fork:
        return run.origin  # already frozen, with at least ``count`` updates
    if isinstance(run, BranchRun):
        copy: Run = BranchRun(run.dataset, run.config, run.origin, run.fork)
    else:
        copy = Run(run.dataset, run.config)
    _copy_rows(run, copy, count)
    copy.sync_from_history()
    return copy


class BranchRun(Run):
    """A Run whose updates 1…``fork`` are those of ``origin`` (a frozen copy of the run it
    forked from), on every replay: stepping, going back, resetting and fast-forwarding
    through them copies the origin's History rows and shows the origin's Steps; from
    update ``fork`` + 1 on it is an ordinary Run under its own config."""

    def __init__(self, dataset: Dataset, config: RunConfig, origin: Run, fork: int) -> None:
        super().__init__(dataset, config)
        if not 0 <= fork <= origin.updates:
            raise ConfigError(f"cannot fork at update {fork}: the origin has {origin.updates}")
        self.origin = origin  # never moved: holds the shared updates
        self.fork = fork  # updates shared with the origin

    def _shared_to(self, updates: int) -> None:
        """Put the run at ``updates`` ≤ fork: the origin's rows and the origin's Step."""
        self.history.truncate(min(updates, self.updates))
        if self.updates < updates:
            _copy_rows_from(self.origin, self, self.updates, updates)
        self._restore(updates)
        if updates:
            self.last_step = self.origin.step_at(updates)
            self.status = self.last_step.status
        self.diverged_at = None

    def step(self) -> Step:
        if self.updates < self.fork:
            self._shared_to(self.updates + 1)
            assert self.last_step is not None
            return self.last_step
        return super().step()

    def goto(self, updates: int) -> Step | None:
        if 0 <= updates <= self.fork:
            self._shared_to(updates)
            return self.last_step
        return super().goto(updates)

    def step_at(self, update: int) -> Step:
        if 1 <= update <= min(self.fork, self.updates):
            return self.origin.step_at(update)
        return super().step_at(update)

    def update_record(self, step: Step) -> UpdateRecord:
        if step.update <= self.fork:
            return self.origin.update_record(step)
        return super().update_record(step)

    def fast_forward(self, epochs: int, cancelled: Callable[[], bool] | None = None) -> Step | None:
        if self.updates >= self.fork or epochs <= 0:
            return super().fast_forward(epochs, cancelled)
        from . import fastforward

        target = (self.epoch + epochs) * self.batcher.per_epoch
        self.goto(min(target, self.fork))
        if target > self.updates and self.status != "diverged":
            if fastforward.supports(self):
                fastforward.advance(self, target - self.updates, cancelled)
            else:
                self.run_until(update=target, cancelled=cancelled)
        return self.last_step


def _copy_rows_from(source: Run, target: Run, first: int, last: int) -> None:
    """Append ``source``'s History rows first+1…last to ``target``'s History."""
    src, dst = source.history, target.history
    same_rule = src.s == dst.s and source.config.optimizer == target.config.optimizer
    columns = {name: np.array(src.view(name)[first:last]) for name in SHARED_COLUMNS}
    count = last - first
    columns["state"] = (
        np.array(src.view("state")[first:last]) if same_rule else np.zeros((count, dst.s))
    )
    dst.extend(columns)


def _copy_rows(source: Run, target: Run, count: int) -> None:
    """Append ``source``'s History rows 1…count to ``target``'s (empty) History; a new
    rule's state rows are zeros (rule.init gives zeros of its size)."""
    _copy_rows_from(source, target, 0, count)
