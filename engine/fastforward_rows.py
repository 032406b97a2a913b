"""Per-sample plain sgd, fast-forwarded column by column (see :mod:`.fastforward`).

Update t uses one row a_t (design row, bias included) and target y_t:

    r_t = a_tᵀθ_t − y_t,   θ_{t+1} = θ_t − s_t·a_t·r_t,   s_t = αη_t·2c,

and its history row is θ_{t+1}, the gradient g_t = 2c·r_t·a_t, |g_t| = 2c·|r_t|·‖a_t‖, the
batch loss c·r_t², and the full-data loss and gradient norm at θ_{t+1}. The rows are put in
the block layout of :func:`.fastforward_scan.row_scan` (consecutive rows by a tiled
transpose of each column, scattered ones by one gather of whole rows), every column is
computed in that layout by whole-row operations, and each is written back in time order
once. No per-update map or matrix is built. CPU, float64.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from .fastforward_scan import BLOCK, from_blocks, row_scan, row_steps, to_blocks
from .losses import loss_scale

if TYPE_CHECKING:
    import torch

    from .analysis import LossExpansion
    from .fastforward_plan import Plan
    from .problem import Problem
    from .run import Run

_COLUMNS: weakref.WeakKeyDictionary[Problem, np.ndarray] = weakref.WeakKeyDictionary()


def columns(
    run: Run, plan: Plan, t0: int, eta: np.ndarray, z0: np.ndarray
) -> dict[str, np.ndarray]:
    """History columns of updates t0 … t0+T−1 (T = len(eta)): params, grad, state (empty),
    loss, batch_loss, grad_norm, full_grad_norm, in time order."""
    import torch

    T, p = len(eta), plan.p
    c = loss_scale(run.config.loss, 1)
    steps = plan.alpha * 2 * c * eta
    constant = bool(eta[0] == eta[-1] and (eta == eta[0]).all())
    step: np.ndarray | float = float(steps[0]) if constant else steps
    pos = _positions(run, t0, T)
    out = {
        "params": np.empty((T, p)),
        "grad": np.empty((T, p)),
        "state": np.empty((T, 0)),
        "loss": np.empty(T),
        "batch_loss": np.empty(T),
        "grad_norm": np.empty(T),
        "full_grad_norm": np.empty(T),
    }
    n_blocks = T // BLOCK
    head = n_blocks * BLOCK
    theta_end = torch.as_tensor(z0, dtype=torch.float64)
    if n_blocks:
        theta_end = _blocks(run.problem, plan.ref, c, pos, step, theta_end, out, n_blocks)
    if head < T:  # the last T mod K updates, in time order
        rows = torch.from_numpy(_take(plan.ref, pos, head, T))
        tail = step if isinstance(step, float) else torch.from_numpy(step[head:])
        theta, r = row_steps(rows[:, :p], rows[:, p], tail, theta_end)
        out["params"][head:] = theta.numpy()
        _store(_derived(plan.ref, c, rows.T, theta.T, r), out, head, T)
    return out


def _blocks(
    problem: Problem,
    ref: LossExpansion,
    c: float,
    pos: np.ndarray | int,
    step: np.ndarray | float,
    theta0: torch.Tensor,
    out: dict[str, np.ndarray],
    n_blocks: int,
) -> torch.Tensor:
    """The first B·K updates by the row scan, written into ``out`` in time order; returns θ
    after them. Only θ and r come back from the block layout (and the rows, when they were
    scattered): the other columns are computed from them in time order."""
    import torch

    head = n_blocks * BLOCK
    D = _block_rows(problem, ref, pos, head, n_blocks)
    s = step if isinstance(step, float) else torch.from_numpy(to_blocks(step[:head], n_blocks))
    theta, r, theta_end = row_scan(torch.from_numpy(D), s, theta0)
    params = out["params"][:head]
    for i in range(theta.shape[0]):
        from_blocks(theta[i].numpy(), params[:, i])
    r_time = np.empty(head)
    from_blocks(r.numpy(), r_time)
    if isinstance(pos, int):
        rows = _data_columns(problem, ref)[:, pos : pos + head]
    else:
        rows = np.empty((D.shape[0], head))
        for j in range(D.shape[0]):
            from_blocks(D[j], rows[j])
    del D
    cols = _derived(
        ref, c, torch.from_numpy(rows), torch.from_numpy(params.T), torch.from_numpy(r_time)
    )
    _store(cols, out, 0, head)
    return theta_end


def _store(
    cols: dict[str, torch.Tensor], out: dict[str, np.ndarray], start: int, stop: int
) -> None:
    """Copy the columns (components first, time order) into ``out``'s rows start … stop−1."""
    for name, value in cols.items():
        if name != "params":
            dst = out[name][start:stop]
            dst[:] = value.T.numpy() if dst.ndim == 2 else value[0].numpy()


def _derived(
    ref: LossExpansion, c: float, D: torch.Tensor, theta: torch.Tensor, r: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Each column, first axis = its components, from the rows D (p+1, …), θ after each
    update (p, …) and the residuals r (…); the layout of the trailing axes is kept."""
    import torch

    p = theta.shape[0]
    g = r * (2 * c)
    norm = D[0] * D[0]
    for i in range(1, p):
        norm.addcmul_(D[i], D[i])
    loss, full_grad_norm = _full_data(ref, theta)
    return {
        "params": theta,
        "grad": torch.mul(g[None], D[:p]),
        "loss": loss[None],
        "batch_loss": (r * r).mul_(c)[None],
        "grad_norm": norm.sqrt_().mul_(g.abs())[None],
        "full_grad_norm": full_grad_norm[None],
    }


def _full_data(ref: LossExpansion, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """L(θ) and ‖∇L(θ)‖ over all the data for θ by component (p, …), by the expansion of
    :class:`.analysis.LossExpansion` one component at a time: with e = θ − θ_r and
    h_i = g_r,i + c·Σ_j G_ij·e_j,  L = L_r + Σ_i e_i·h_i  and  ∇L_i = 2h_i − g_r,i."""
    import torch

    p = theta.shape[0]
    G = (ref.c * ref.G).tolist()
    g, t_r = ref.grad.tolist(), ref.theta.tolist()
    e = [theta[i] - t_r[i] for i in range(p)]
    loss = torch.full_like(e[0], ref.loss)
    norm = torch.zeros_like(e[0])
    for i in range(p):
        h = e[i] * G[i][i] + g[i]
        for j in range(p):
            if j != i:
                h.add_(e[j], alpha=G[i][j])
        loss.addcmul_(h, e[i])
        grad_i = h.mul_(2.0).sub_(g[i])
        norm.addcmul_(grad_i, grad_i)
    return loss.clamp_min_(0.0), norm.sqrt_()


def _data_columns(problem: Problem, ref: LossExpansion) -> np.ndarray:
    """[A | y] column-major, (p+1, n) float64, built once per Problem."""
    found = _COLUMNS.get(problem)
    if found is None:
        found = _COLUMNS[problem] = np.ascontiguousarray(ref.Ay.numpy().T)
    return found


def _positions(run: Run, t0: int, count: int) -> np.ndarray | int:
    """The data row of each update t0 … t0+count−1: an index array, or the first row when
    they are consecutive rows (no shuffling, within one epoch)."""
    batcher = run.batcher
    n = batcher.n
    first_epoch, start = divmod(t0, n)
    last_epoch = (t0 + count - 1) // n
    if not batcher.shuffle:
        return start if first_epoch == last_epoch else (t0 + np.arange(count)) % n
    orders = [batcher.epoch_order(e) for e in range(first_epoch, last_epoch + 1)]
    order = orders[0] if len(orders) == 1 else np.concatenate(orders)
    return order[start : start + count]


def _block_rows(
    problem: Problem, ref: LossExpansion, pos: np.ndarray | int, head: int, n_blocks: int
) -> np.ndarray:
    """The rows of the first ``head`` updates in the block layout, (p+1, K, B)."""
    D = np.empty((ref.Ay.shape[1], head // n_blocks, n_blocks))
    if isinstance(pos, int):  # consecutive rows: a tiled transpose of each column
        for j, col in enumerate(_data_columns(problem, ref)):
            to_blocks(col[pos : pos + head], n_blocks, out=D[j])
        return D
    # scattered rows: one gather of whole rows (one cache miss per row, not per column)
    # in the block order, then each column copied out
    rows = np.take(ref.Ay.numpy(), to_blocks(pos[:head], n_blocks), axis=0)  # (K, B, p+1)
    np.copyto(D, rows.transpose(2, 0, 1))
    return D


def _take(ref: LossExpansion, pos: np.ndarray | int, start: int, stop: int) -> np.ndarray:
    """The rows [a | y] of updates start … stop−1 in time order, (stop − start, p+1)."""
    Ay = ref.Ay.numpy()
    if isinstance(pos, int):
        return Ay[pos + start : pos + stop]
    return Ay[pos[start:stop]]
