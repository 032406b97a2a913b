"""Fast-forward: many updates of an affine rule at once, by an associative scan.

For a squared loss the batch gradient is affine in θ: with the batch's rows A_B, targets y_B
and loss scale c, g = Qθ − q (+ a) where Q = 2c·A_BᵀA_B, q = 2c·A_Bᵀy_B and a is the
accumulated gradient under the forget-zero-grad mistake (under overwrite-grad, Q and q come
from the batch's last row alone). Every supported rule is then affine in the state z:

    sgd        θ' = θ − η·g
    momentum   v' = μ·v + g,   θ' = θ − η·v'          = θ − η·g − ημ·v
    nesterov   v' = μ·v + g,   θ' = θ − η·(g + μ·v')  = θ − η(1+μ)·g − ημ²·v
    forget     a' = g

so update t is z_{t+1} = M_t·z_t + c_t with z = (θ[, v][, a]). Composition of affine maps is
associative, so the state after every update follows with O(T) work and no Python loop per
update (:mod:`.fastforward_scan`): per-sample plain sgd, the common case, by a blocked row
scan that never builds a map (:mod:`.fastforward_rows`); every other rule by a pairwise tree
scan over the maps built in :mod:`.fastforward_maps`. :mod:`.fastforward_plan` holds what
stays fixed for a run (the rule's coefficients, the state's shape, the chunk size).

The history's columns then follow, vectorised: the gradient and batch loss from each batch's
residuals r = A_B·θ_t − y_B, and the full-data loss from the Gram matrix G = AᵀA expanded
around a reference point θ_r (the least-squares optimum, where cancellation is least):

    L(θ) = L_r + g_rᵀe + c·eᵀGe,   e = θ − θ_r,   L_r, g_r by one direct pass over the data.

Plain sgd over sgd or mini-batch batches (float64, CPU, few parameters) takes a compiled
loop instead when numba is installed (:mod:`.fastforward_jit`): it stores θ and leaves the
History to derive the other columns when they are read.

The scan runs in float64 whatever the run's dtype; a float32 run stores θ rounded to float32.
Divergence (non-finite, or loss above divergence_factor × the starting loss) is confirmed by
stepping that one update with :meth:`Run.step`, so the run stops exactly where stepping would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from . import fastforward_jit, fastforward_rows
from .analysis import first_diverged
from .errors import Cancelled
from .fastforward_maps import Batches, affine_maps
from .fastforward_plan import Plan
from .fastforward_scan import full_loss, rowdot, tree_scan

if TYPE_CHECKING:
    import torch

    from .run import Run

AFFINE_OPTIMIZERS = ("sgd", "momentum", "nesterov")
SCANNED_MISTAKES = (None, "forget-zero-grad", "overwrite-grad")  # the maps know these
# The scan's operations are memory-bound passes over small rows. A second intra-op thread
# gains ~20–40 % on an idle 2-core machine but costs 2–3× whenever another process (or the
# app's own UI thread) holds a core, as each parallel op then waits for the descheduled
# thread; one thread is steady. None leaves torch's setting alone.
CPU_THREADS: int | None = 1


def supports(run: Run) -> bool:
    """True when every update of ``run`` is an affine map of its state (fixed data; sgd,
    momentum or nesterov; any schedule, batch mode but stream, dtype; no mistake or one of
    SCANNED_MISTAKES: a sign-flip run is stepped, its maps are not built)."""
    cfg = run.config
    return (
        cfg.optimizer in AFFINE_OPTIMIZERS
        and cfg.mistake in SCANNED_MISTAKES
        and not run.batcher.is_stream
        and run.dataset.stream is None
        and run.status != "diverged"
    )


def _shared_first(run: Run, n_updates: int) -> int:
    """A what-if branch (engine.branch.BranchRun) still inside the updates it shares with
    its original copies them (``goto``) instead of scanning them under its own settings;
    returns the updates left to do."""
    shared = min(n_updates, max(0, int(getattr(run, "fork", 0)) - run.updates))
    if shared > 0:
        run.goto(run.updates + shared)
    return n_updates - max(0, shared)


def forward(run: Run, n_updates: int) -> None:
    """Do ``n_updates`` more updates: by the scan when supported, else by stepping."""
    n_updates = _shared_first(run, n_updates)
    if supports(run):
        advance(run, n_updates)
    else:
        run.run_until(update=run.updates + n_updates)


def advance(run: Run, n_updates: int, cancelled: Callable[[], bool] | None = None) -> None:
    """Append ``n_updates`` updates to ``run.history`` (fewer if the run diverges) and
    resynchronise the run; equal to calling ``run.step()`` that many times. ``cancelled``
    is asked before each chunk (Cancelled is raised; the chunks done are kept)."""
    if n_updates <= 0 or run.status == "diverged":
        return
    n_updates = _shared_first(run, n_updates)
    if n_updates <= 0:
        return
    with _threads(run.problem.device):
        _advance(run, n_updates, cancelled)


@contextmanager
def _threads(device: str) -> Iterator[None]:
    """Run the scan with CPU_THREADS intra-op threads, then restore torch's setting."""
    import torch

    before = torch.get_num_threads()
    threads = CPU_THREADS if device == "cpu" else None
    change = threads is not None and before != threads
    if threads is not None and change:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if change:
            torch.set_num_threads(before)


def _advance(run: Run, n_updates: int, cancelled: Callable[[], bool] | None = None) -> None:
    if fastforward_jit.applies(run, n_updates):
        fastforward_jit.advance(run, n_updates, cancelled)
        return
    plan = Plan.of(run)
    end = run.updates + n_updates
    run.history.reserve(n_updates)  # grow the columns once, not once per chunk
    while run.updates < end:
        if cancelled is not None and cancelled():
            run.sync_from_history()
            raise Cancelled(f"stopped at update {run.updates}")
        t0 = run.updates
        count = min(end - t0, plan.chunk)
        started = time.perf_counter()
        cols, bad = _chunk(run, plan, t0, count)
        cols["elapsed"] = _elapsed(run, t0, count, time.perf_counter() - started)
        keep = count if bad is None else bad
        if keep:
            run.history.extend({k: v[:keep] for k, v in cols.items()})
        if bad is not None and run.step_flagged():
            return
    run.sync_from_history()


# -- one chunk ------------------------------------------------------------------------------


def _chunk(run: Run, plan: Plan, t0: int, count: int) -> tuple[dict[str, np.ndarray], int | None]:
    """History columns of updates t0 … t0+count−1, and the offset of the first one that
    looks diverged (None if none does)."""
    import torch

    from .schedules import lr_series

    ref = plan.ref
    eta_np = lr_series(run.config.schedule, run.config.lr, t0, count)
    eta = torch.as_tensor(eta_np, device=ref.A.device)
    z0 = _start_state(run, plan, t0)
    if plan.row_scan:
        out = fastforward_rows.columns(run, plan, t0, eta_np, z0.numpy())
    else:
        batch = Batches.full(run, ref, count) if plan.full else Batches.gather(run, ref, t0, count)
        M, v = affine_maps(plan, batch.grad_map(plan.overwrite), eta)
        Z = tree_scan(M, v, z0)
        del M, v
        if plan.float32:
            Z = Z.float().double()  # what a float32 run can hold
        cols = _columns(plan, batch, z0, Z)
        out = {k: t.detach().cpu().numpy() for k, t in cols.items()}
    out["lr"] = eta_np
    return out, _first_bad(run, out["loss"], out["params"])


def _columns(
    plan: Plan, batch: Batches, z0: torch.Tensor, Z: torch.Tensor
) -> dict[str, torch.Tensor]:
    """The columns of the states Z (T, S) reached from z0: θ after each update, the gradient
    the update used (+ the accumulated a under forget-zero-grad), the momentum buffer, the
    full-data and batch losses, and |g|."""
    import torch

    p = plan.p
    theta_after = Z[:, :p]
    theta_before = torch.cat([z0[None, :p], theta_after[:-1]])
    batch_loss, batch_grad, grad_overwrite = batch.evaluate(theta_before, plan.overwrite)
    grad = grad_overwrite if plan.overwrite and grad_overwrite is not None else batch_grad
    if plan.has_a:
        a_before = torch.cat([z0[None, -p:], Z[:-1, -p:]])
        grad = grad + a_before
    if plan.float32:
        grad = grad.float().double()
    return {
        "params": theta_after,
        "grad": grad,
        "state": Z[:, p : 2 * p] if plan.has_v else Z[:, :0],
        "loss": full_loss(plan.ref, theta_after),
        "batch_loss": batch_loss,
        "grad_norm": rowdot(grad, grad).sqrt_(),
        "full_grad_norm": torch.linalg.vector_norm(plan.ref.grad_at(theta_after), dim=1),
    }


def _start_state(run: Run, plan: Plan, t0: int) -> torch.Tensor:
    """z = (θ[, v][, a]) after t0 updates, from the History."""
    import torch

    h = run.history
    parts = [h.params_at(t0)]
    if plan.has_v:
        parts.append(h.state_at(t0)[: plan.p])
    if plan.has_a:
        parts.append(h.grad_at(t0))
    z = np.concatenate(parts).astype(np.float64)
    return torch.as_tensor(z, device=plan.ref.A.device)


def _elapsed(run: Run, t0: int, count: int, wall: float) -> np.ndarray:
    """Cumulative compute seconds, the chunk's wall time spread evenly over its updates."""
    base = run.history.elapsed_at(t0)
    return base + wall * np.arange(1, count + 1, dtype=np.float64) / count


def _first_bad(run: Run, loss: np.ndarray, params: np.ndarray) -> int | None:
    """Offset of the first update whose loss or θ says the run diverged (as Run judges it)."""
    return first_diverged(loss, params, run.history.loss0, run.config.divergence_factor)
