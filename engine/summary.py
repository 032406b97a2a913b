"""RunSummary: a run's state now, in plain numbers, for whoever watches it.

The one run-state record outside the per-update :class:`~linreg_tui.engine.step.Step`: the
app's snapshots embed it and lesson goals judge it, so neither needs a live Run. Built by
:meth:`Run.summary` (under whatever lock guards the run); frozen and cheap to copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RunSummary:
    """Where one run stands after its latest update."""

    updates: int  # updates done since the run (re)started
    epoch: int  # 0-based epoch the next update belongs to
    epochs_done: float  # updates / updates per epoch (fractional)
    samples_seen: int  # rows consumed so far
    loss: float  # full-data loss L(θ) now
    grad_norm: float  # full-data gradient norm ‖∇L(θ)‖ now (NaN where not computed)
    lr: float  # η of the next update (the schedule applied)
    base_lr: float  # η the run was configured with (what the learner set)
    tolerance: float  # converged once grad_norm < tolerance (the engine's own test)
    status: str  # ready | running | converged | diverged
    diverged_at: int | None  # the update where the loss blew up (None: it did not)

    @property
    def diverged(self) -> bool:
        """The run stopped because the loss blew up."""
        return self.status == "diverged"

    @property
    def converged(self) -> bool:
        """The full-data gradient norm fell under the tolerance."""
        return self.status == "converged"

    def describe(self) -> str:
        """One readable line: "after 5 updates: loss 0.1234, ‖∇L‖ 0.05, η 0.1, running"."""
        grad = "?" if math.isnan(self.grad_norm) else f"{self.grad_norm:.4g}"
        where = f" at update {self.diverged_at}" if self.diverged_at is not None else ""
        return (
            f"after {self.updates} updates: loss {self.loss:.6g}, ‖∇L‖ {grad}, "
            f"η {self.base_lr:g}, {self.status}{where}"
        )
