"""The compiled scan of plain sgd over rows or mini-batches (see :mod:`.fastforward_jit`).

This module imports numba at its top: only :func:`.fastforward_jit.kernels` imports it, and
only when numba is installed. Update t of a chunk uses the rows at positions
lo = first + t·m … min(lo + m, n) − 1 of the epoch's order (the rows themselves when the
order is the identity), and with c = scale(rows), residuals rᵢ = aᵢᵀθ_t − yᵢ:

    g_t = 2c·Σ rᵢ·aᵢ,   θ_{t+1} = θ_t − αη_t·g_t,   batch loss c·Σ rᵢ²,

and the full-data loss and gradient norm at θ_{t+1} expanded around a reference point θ_r
(e = θ − θ_r, h = g_r + c·G·e, L = L_r + eᵀh, ∇L = 2h − g_r): around θ_r = 0 this is
Problem.full_loss's c·(θᵀGθ − 2θᵀh + yᵀy) on large data; around the optimum, the
:class:`.analysis.LossExpansion` of small data.

:func:`sgd_scan` is the sequential part: it writes θ only, and checks each update's loss
for divergence (non-finite, or above ``limit``), stopping at the first. (A false alarm only
costs one stepped update: the caller confirms by stepping.)
:func:`sgd_columns` then derives the other columns of any range of updates from θ; it has
no chain from one update to the next, so it runs at the speed of memory, and the History
calls it only when a column is read. Floating-point contraction (fused multiply-add) is
allowed: it only rounds less.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

FLAGS = {"contract"}  # fuse a·b + c; no reassociation, no assumptions about NaN or ∞


@njit(cache=True, nogil=True, fastmath=FLAGS)
def sgd_scan(
    A: np.ndarray,  # (n, p) float64: the rows a
    y: np.ndarray,  # (n,) their targets
    order: np.ndarray,  # (n,) int64 epoch order, or (0,) for the identity
    first: int,  # position (in the order) of the chunk's first row
    m: int,  # rows per update (1: per-sample)
    c_rows: float,  # c·rows for a mean loss, c for a sum
    mean: bool,
    alpha: float,
    eta: np.ndarray,  # (T,) η_t, or (1,) when constant
    theta: np.ndarray,  # (p,) θ before the chunk; updated in place
    ref_theta: np.ndarray,  # (p,) θ_r
    ref_grad: np.ndarray,  # (p,) g_r
    ref_cG: np.ndarray,  # (p, p) c·G
    ref_loss: float,  # L_r
    limit: float,  # loss above which the run has diverged
    params: np.ndarray,  # (T, p) out: θ after each update
) -> int:
    """Run the T = len(params) updates; the offset of the first diverged one, or −1."""
    n, p = A.shape[0], theta.shape[0]
    shuffled = order.shape[0] > 0
    constant = eta.shape[0] == 1
    g = np.empty(p)
    for t in range(params.shape[0]):
        lo = first + t * m
        hi = min(lo + m, n)
        c = c_rows / (hi - lo) if mean else c_rows
        g[:] = 0.0
        for k in range(lo, hi):
            i = order[k] if shuffled else k
            r = -y[i]
            for j in range(p):
                r += A[i, j] * theta[j]
            for j in range(p):
                g[j] += r * A[i, j]
        step = alpha * (eta[0] if constant else eta[t]) * 2.0 * c
        finite = True
        for j in range(p):
            theta[j] -= step * g[j]
            params[t, j] = theta[j]
            finite = finite and math.isfinite(theta[j])
        full = ref_loss
        for i in range(p):
            h = ref_grad[i]
            for j in range(p):
                h += ref_cG[i, j] * (theta[j] - ref_theta[j])
            full += (theta[i] - ref_theta[i]) * h
        if not (finite and math.isfinite(full) and full <= limit):
            return t
    return -1


@njit(cache=True, nogil=True, fastmath=FLAGS)
def sgd_columns(
    A: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    first: int,  # position (in the order) of the range's first row
    m: int,
    c_rows: float,
    mean: bool,
    eta: np.ndarray,  # (T,) or (1,)
    theta0: np.ndarray,  # (p,) θ before the range's first update
    ref_theta: np.ndarray,
    ref_grad: np.ndarray,
    ref_cG: np.ndarray,
    ref_loss: float,
    params: np.ndarray,  # (T, p) θ after each update (read)
    grad: np.ndarray,  # (T, p) out: the gradient used
    loss: np.ndarray,  # (T,) out: full-data loss after
    batch_loss: np.ndarray,  # (T,) out
    lr: np.ndarray,  # (T,) out: η_t
    grad_norm: np.ndarray,  # (T,) out: ‖g‖
    full_grad_norm: np.ndarray,  # (T,) out: ‖∇L(θ_{t+1})‖
) -> None:
    """The derived columns of the T = len(params) updates whose θ ``params`` holds."""
    n, p = A.shape[0], theta0.shape[0]
    shuffled = order.shape[0] > 0
    constant = eta.shape[0] == 1
    for t in range(params.shape[0]):
        lo = first + t * m
        hi = min(lo + m, n)
        c = c_rows / (hi - lo) if mean else c_rows
        for j in range(p):
            grad[t, j] = 0.0
        sq = 0.0
        for k in range(lo, hi):
            i = order[k] if shuffled else k
            r = -y[i]
            for j in range(p):
                r += A[i, j] * (params[t - 1, j] if t else theta0[j])
            sq += r * r
            for j in range(p):
                grad[t, j] += r * A[i, j]
        norm = 0.0
        for j in range(p):
            grad[t, j] *= 2.0 * c
            norm += grad[t, j] * grad[t, j]
        batch_loss[t] = c * sq
        grad_norm[t] = math.sqrt(norm)
        lr[t] = eta[0] if constant else eta[t]
        full = ref_loss
        fnorm = 0.0
        for i in range(p):
            h = ref_grad[i]
            for j in range(p):
                h += ref_cG[i, j] * (params[t, j] - ref_theta[j])
            full += (params[t, i] - ref_theta[i]) * h
            gi = 2.0 * h - ref_grad[i]
            fnorm += gi * gi
        loss[t] = full if full > 0.0 or not math.isfinite(full) else 0.0
        full_grad_norm[t] = math.sqrt(fnorm)


@njit(cache=True, nogil=True, fastmath=FLAGS)
def sample_scan(
    A: np.ndarray,  # (n, p) float64, p = 1 or 2
    y: np.ndarray,
    order: np.ndarray,
    first: int,
    two_c: float,  # 2c of one row
    alpha: float,
    eta: np.ndarray,
    theta: np.ndarray,  # (p,) θ before the chunk; updated in place
    ref_theta: np.ndarray,
    ref_grad: np.ndarray,
    ref_cG: np.ndarray,
    ref_loss: float,
    limit: float,
    params: np.ndarray,
) -> int:
    """:func:`sgd_scan` for one row per update and p ≤ 2 (one feature and the bias, the
    common case), with θ held in registers: the update's chain is then a few fused
    multiply-adds, not loads and stores."""
    p = theta.shape[0]
    two = p == 2
    shuffled = order.shape[0] > 0
    constant = eta.shape[0] == 1
    w = theta[0]
    b = theta[1] if two else 0.0
    rw, rb = ref_theta[0], ref_theta[1] if two else 0.0
    gw, gb = ref_grad[0], ref_grad[1] if two else 0.0
    Gww = ref_cG[0, 0]
    Gwb = ref_cG[0, 1] if two else 0.0
    Gbw = ref_cG[1, 0] if two else 0.0
    Gbb = ref_cG[1, 1] if two else 0.0
    bad = -1
    for t in range(params.shape[0]):
        i = order[first + t] if shuffled else first + t
        aw = A[i, 0]
        ab = A[i, 1] if two else 0.0
        s = alpha * (eta[0] if constant else eta[t]) * two_c
        kw, kb = s * aw, s * ab  # off the chain from one θ to the next
        r = aw * w + ab * b - y[i]
        w -= kw * r
        b -= kb * r
        params[t, 0] = w
        if two:
            params[t, 1] = b
        ew, eb = w - rw, b - rb
        full = ref_loss + ew * (gw + Gww * ew + Gwb * eb) + eb * (gb + Gbw * ew + Gbb * eb)
        if not (math.isfinite(w) and math.isfinite(b) and math.isfinite(full) and full <= limit):
            bad = t
            break
    theta[0] = w
    if two:
        theta[1] = b
    return bad
