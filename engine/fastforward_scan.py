"""The states of an affine recurrence z_{t+1} = M_t·z_t + v_t without a Python loop per
update (see :mod:`.fastforward`).

Two scans, both O(T) work in float64:

:func:`tree_scan` — any maps (T, S, S), (T, S). Pairs combine as (M₂M₁, M₂v₁ + v₂); the
pairs' states are found recursively and the states in between filled in: O(log T) levels
of batched products.

:func:`row_scan` — the rank-one maps of per-sample sgd, θ' = θ − s_t·a_t·(a_tᵀθ − y_t)
(M_t = I − s_t·a_t a_tᵀ, v_t = s_t·y_t·a_t), which are never built. The T updates are cut
into B blocks of K (the last T mod K a short tail) laid out (K, B) so that update k of every
block is one contiguous row, and:

1. a loop over k = 0 … K−1 carries, for all B blocks at once, the block's map so far —
   its p columns P·e_j and its offset u — through update k: w ← w − s·a·(aᵀw [− y]);
2. the B block maps give the state entering each block (:func:`tree_scan`, B ≪ T);
3. a second loop over k steps every block from its true start: r = aᵀθ − y,
   θ ← θ − s·a·r, which also yields the residual r each update saw.

That is O(K) whole-row operations over arrays of B, each a short cache-friendly pass,
instead of O(T) Python steps. The products are taken in another order than stepping's,
so results agree to rounding (relative 1e-12 or better on stable runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

    from .analysis import LossExpansion

BLOCK = 64  # updates per block (K) of the row scan
ROW_SCAN_MIN = 4 * BLOCK  # below this many updates the tree scan is as fast


def tree_scan(M: torch.Tensor, v: torch.Tensor, z0: torch.Tensor) -> torch.Tensor:
    """States z_1 … z_T (T, S) of z_{t+1} = M_t·z_t + v_t from z_0 (S,)."""
    import torch

    T = M.shape[0]
    if T == 1:
        return (M[0] @ z0 + v[0])[None]
    half = T // 2
    M_odd, M_even = M[1 : 2 * half : 2], M[0 : 2 * half : 2]
    M_pair = torch.matmul(M_odd, M_even)
    v_pair = torch.matmul(M_odd, v[0 : 2 * half : 2, :, None])[..., 0] + v[1 : 2 * half : 2]
    Z_pair = tree_scan(M_pair, v_pair, z0)  # state after updates 1, 3, 5, … (0-based)
    del M_pair, v_pair
    Z = torch.empty_like(v)
    Z[1 : 2 * half : 2] = Z_pair
    before_even = torch.cat([z0[None], Z_pair])[: (T + 1) // 2]
    Z[0::2] = torch.matmul(M[0::2], before_even[..., None])[..., 0] + v[0::2]
    return Z


def row_maps(
    a: torch.Tensor, y: torch.Tensor, step: torch.Tensor | float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(M_t, v_t) of θ' = θ − s_t·a_t(a_tᵀθ − y_t) for rows a_t (T, p) and targets y_t (T,):
    M = I − s·aaᵀ, v = s·y·a, (T, p, p) and (T, p)."""
    import torch

    T, p = a.shape
    u = a * step if isinstance(step, float) else step[:, None] * a
    if p <= 4:  # entry by entry: p² contiguous products beat a broadcast outer product
        M = torch.empty(T, p, p, dtype=torch.float64, device=a.device)
        for i in range(p):
            for j in range(p):
                torch.mul(u[:, i], a[:, j], out=M[:, i, j])
    else:
        M = u[:, :, None] * a[:, None, :]
    M.neg_().diagonal(dim1=1, dim2=2).add_(1.0)
    return M, u * y[:, None]


def row_scan(
    rows: torch.Tensor, step: torch.Tensor | float, theta0: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """θ after each update (T, p) and the residual r_t = a_tᵀθ_t − y_t each update saw (T,),
    for θ' = θ − s_t·a_t·r_t from θ_0; rows = [a_t | y_t] (T, p+1), step s_t (T,) or one
    number for all."""
    import torch

    T, p = rows.shape[0], rows.shape[1] - 1
    if T < ROW_SCAN_MIN:
        return _tree_rows(rows, step, theta0)
    n_blocks = T // BLOCK
    head = n_blocks * BLOCK
    D = _by_block(rows[:head], n_blocks)  # (K, B, p+1): row k = update k of every block
    s = step if isinstance(step, float) else _by_block(step[:head, None], n_blocks)[..., 0]
    SA = D[..., :p] * (s if isinstance(s, float) else s[..., None])  # s·a, (K, B, p)
    P, u = _block_maps(D, SA)
    ends = tree_scan(P, u, theta0)
    starts = torch.cat([theta0[None], ends[:-1]])  # (B, p): θ entering each block
    theta, r = _within_blocks(D, SA, starts)
    theta = _by_time(theta)  # (K, B, p) → (head, p)
    r = _by_time(r[..., None])[:, 0]
    if head == T:
        return theta, r
    tail = step if isinstance(step, float) else step[head:]
    theta_tail, r_tail = _tree_rows(rows[head:], tail, ends[-1])
    return torch.cat([theta, theta_tail]), torch.cat([r, r_tail])


def rowdot(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Σ_i x[t, i]·y[t, i] for each row t (T, w): column by column for narrow rows (a few
    fused passes; a batched product pays per row), else as one batched product."""
    import torch

    w = x.shape[1]
    if w > 4:
        return torch.einsum("ti,ti->t", x, y)
    if w == 0:
        return x.new_zeros(x.shape[0])
    out = x[:, 0] * y[:, 0]
    for i in range(1, w):
        out.addcmul_(x[:, i], y[:, i])
    return out


def full_loss(ref: LossExpansion, theta: torch.Tensor) -> torch.Tensor:
    """L(θ) for each row of θ (T, p), as :meth:`LossExpansion.loss_at` (the same
    expansion L_r + (g_r + c·G·e)ᵀe, e = θ − θ_r) with the narrow-row product."""
    e = theta - ref.theta
    return rowdot((e @ (ref.c * ref.G)).add_(ref.grad), e).add_(ref.loss).clamp_min_(0.0)


def _tree_rows(
    rows: torch.Tensor, step: torch.Tensor | float, theta0: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """row_scan by building the maps and a tree scan (few updates)."""
    import torch

    Z = tree_scan(*row_maps(rows[:, :-1], rows[:, -1], step), theta0)
    before = torch.cat([theta0[None], Z[:-1]])
    r = rowdot(before, rows[:, :-1]) - rows[:, -1]
    return Z, r


def _block_maps(D: torch.Tensor, SA: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each block's composed map θ ↦ P·θ + u, as P (B, p, p) and u (B, p).

    W[i, j] holds component i of the block's map so far applied to e_j (j < p, the
    columns of P) and, for j = p, its offset u; every update maps each column w to
    w − s·a·(aᵀw), and the offset to u − s·a·(aᵀu − y)."""
    import torch

    K, B, p1 = D.shape
    p = p1 - 1
    W = torch.zeros(p, p1, B, dtype=torch.float64, device=D.device)
    for j in range(p):
        W[j, j] = 1.0
    r = torch.empty(p1, B, dtype=torch.float64, device=D.device)
    for k in range(K):
        a = D[k]
        torch.mul(W[0], a[:, 0], out=r)
        for i in range(1, p):
            r.addcmul_(W[i], a[:, i])
        r[p].sub_(a[:, p])
        for i in range(p):
            W[i].addcmul_(r, SA[k, :, i], value=-1.0)
    return W[:, :p].permute(2, 0, 1).contiguous(), W[:, p].T.contiguous()


def _within_blocks(
    D: torch.Tensor, SA: torch.Tensor, starts: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """θ after each update (K, B, p) and the residuals (K, B), every block stepped from its
    start (B, p)."""
    import torch

    K, B, p1 = D.shape
    p = p1 - 1
    theta = torch.empty(K, B, p, dtype=torch.float64, device=D.device)
    r = torch.empty(K, B, dtype=torch.float64, device=D.device)
    before = starts
    for k in range(K):
        a, rk = D[k], r[k]
        torch.mul(before[:, 0], a[:, 0], out=rk)
        for i in range(1, p):
            rk.addcmul_(before[:, i], a[:, i])
        rk.sub_(a[:, p])
        for i in range(p):
            torch.addcmul(before[:, i], rk, SA[k, :, i], value=-1.0, out=theta[k, :, i])
        before = theta[k]
    return theta, r


def _by_block(x: torch.Tensor, n_blocks: int) -> torch.Tensor:
    """(B·K, w) in time order → (K, B, w): update k of block b at [k, b]."""
    return _swap(x.reshape(n_blocks, -1, x.shape[-1]))


def _by_time(x: torch.Tensor) -> torch.Tensor:
    """(K, B, w) → (B·K, w) in time order: the inverse of _by_block."""
    return _swap(x).reshape(-1, x.shape[-1])


def _swap(x: torch.Tensor) -> torch.Tensor:
    """x (m, n, w) → a contiguous (n, m, w)."""
    m, n, w = x.shape
    if x.device.type != "cpu":
        return x.transpose(0, 1).contiguous()
    # numpy transposes a 2-D array of w-float records about 2–3× faster than the 3-D
    # float array with the same bytes (torch's permuted copy is slower still)
    src = np.ascontiguousarray(x.numpy()).view(np.dtype((np.void, 8 * w))).reshape(m, n)
    out = np.ascontiguousarray(src.T).view(np.float64).reshape(n, m, w)
    import torch

    return torch.from_numpy(out)
