"""The states of an affine recurrence z_{t+1} = M_t·z_t + v_t without a Python loop per
update (see :mod:`.fastforward`).

Two scans, both O(T) work in float64:

:func:`tree_scan` — any maps (T, S, S), (T, S). Pairs combine as (M₂M₁, M₂v₁ + v₂); the
pairs' states are found recursively and the states in between filled in: O(log T) levels
of batched products.

:func:`row_scan` — the rank-one maps of per-sample sgd, θ' = θ − s_t·a_t·(a_tᵀθ − y_t)
(M_t = I − s_t·a_t a_tᵀ, v_t = s_t·y_t·a_t), which are never built. The T updates are cut
into B blocks of K laid out (K, B) so that update k of every block is one contiguous row
(:func:`to_blocks`, :func:`from_blocks`; :func:`row_steps` takes a short tail), and:

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
TILE = 512  # blocks per tile of the transposed copies to and from the block layout


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
    D: torch.Tensor, step: torch.Tensor | float, theta0: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """θ' = θ − s·a·r, r = aᵀθ − y, over B blocks of K updates laid out by block:
    D (p+1, K, B) holds a_0 … a_{p−1}, y of update k of block b at [:, k, b]; step s
    (K, B) or one number. Returns θ after each update (p, K, B), the residual r each
    update saw (K, B), and θ after the last block (p,)."""
    import torch

    SA = D[:-1] * (step if isinstance(step, float) else step[None])  # s·a, (p, K, B)
    P, u = _block_maps(D, SA)
    ends = tree_scan(P, u, theta0)
    starts = torch.cat([theta0[None], ends[:-1]]).T.contiguous()  # (p, B): θ entering each
    theta, r = _within_blocks(D, SA, starts)
    return theta, r, ends[-1]


def row_steps(
    a: torch.Tensor, y: torch.Tensor, step: torch.Tensor | float, theta0: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same for a few updates in time order, a (T, p), y (T,), by building the maps and
    a tree scan: θ after each update (T, p) and the residuals (T,)."""
    import torch

    Z = tree_scan(*row_maps(a, y, step), theta0)
    before = torch.cat([theta0[None], Z[:-1]])
    return Z, rowdot(before, a) - y


def _block_maps(D: torch.Tensor, SA: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each block's composed map θ ↦ P·θ + u, as P (B, p, p) and u (B, p).

    W[j, i] holds component i of the block's map so far applied to e_j (j < p: the
    columns of P) and, for j = p, of its offset u; every update maps each column w to
    w − s·a·(aᵀw), and the offset to u − s·a·(aᵀu − y)."""
    import torch

    p1, K, B = D.shape
    p = p1 - 1
    W = torch.zeros(p1, p, B, dtype=torch.float64, device=D.device)
    for j in range(p):
        W[j, j] = 1.0
    r = torch.empty(p1, B, dtype=torch.float64, device=D.device)
    for k in range(K):
        torch.mul(W[:, 0], D[0, k], out=r)
        for i in range(1, p):
            r.addcmul_(W[:, i], D[i, k])
        r[p].sub_(D[p, k])
        for i in range(p):
            W[:, i].addcmul_(r, SA[i, k], value=-1.0)
    return W[:p].transpose(0, 2).contiguous(), W[p].T.contiguous()


def _within_blocks(
    D: torch.Tensor, SA: torch.Tensor, starts: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """θ after each update (p, K, B) and the residuals (K, B), every block stepped from its
    start (p, B)."""
    import torch

    p1, K, B = D.shape
    p = p1 - 1
    theta = torch.empty(p, K, B, dtype=torch.float64, device=D.device)
    r = torch.empty(K, B, dtype=torch.float64, device=D.device)
    before = [starts[i] for i in range(p)]
    for k in range(K):
        rk = r[k]
        torch.mul(before[0], D[0, k], out=rk)
        for i in range(1, p):
            rk.addcmul_(before[i], D[i, k])
        rk.sub_(D[p, k])
        for i in range(p):
            torch.addcmul(before[i], rk, SA[i, k], value=-1.0, out=theta[i, k])
        before = [theta[i, k] for i in range(p)]
    return theta, r


def to_blocks(x: np.ndarray, n_blocks: int, out: np.ndarray | None = None) -> np.ndarray:
    """x (B·K,) in time order → (K, B): update k of block b at [k, b]. A tiled transposed
    copy: a tile's source stays in cache (an untiled one runs several times slower)."""
    src = x.reshape(n_blocks, -1)
    if out is None:
        out = np.empty(src.shape[::-1], dtype=x.dtype)
    for b0 in range(0, n_blocks, TILE):
        out[:, b0 : b0 + TILE] = src[b0 : b0 + TILE].T
    return out


def from_blocks(x: np.ndarray, out: np.ndarray) -> None:
    """Write x (K, B) into ``out`` (B·K,) in time order: the inverse of to_blocks."""
    dst = out.reshape(x.shape[1], x.shape[0])
    for b0 in range(0, x.shape[1], TILE):
        dst[b0 : b0 + TILE] = x[:, b0 : b0 + TILE].T


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
