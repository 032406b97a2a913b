"""Fast-forward: many updates of an affine rule at once, by an associative scan.

For a squared loss the batch gradient is affine in θ: with the batch's rows A_B, targets y_B
and loss scale c, g = Qθ − q (+ a) where Q = 2c·A_BᵀA_B, q = 2c·A_Bᵀy_B and a is the
accumulated gradient under the forget-zero-grad mistake (under overwrite-grad, Q and q come
from the batch's last row alone). Every supported rule is then affine in the state z:

    sgd        θ' = θ − η·g
    momentum   b' = μ·b + g,   θ' = θ − η·b'          = θ − η·g − ημ·b
    nesterov   b' = μ·b + g,   θ' = θ − η·(g + μ·b')  = θ − η(1+μ)·g − ημ²·b
    forget     a' = g

so update t is z_{t+1} = M_t·z_t + v_t with z = (θ[, b][, a]). Composition of affine maps is
associative: pairs combine as (M₂M₁, M₂v₁ + v₂), and a recursive pairwise scan gives the state
after every update with O(T) work and O(log T) depth — no Python loop per update.

The history's columns then follow, vectorised: the gradient and batch loss from each batch's
residuals r = A_B·θ_t − y_B, and the full-data loss from the Gram matrix G = AᵀA expanded
around a reference point θ_r (the least-squares optimum, where cancellation is least):

    L(θ) = L_r + g_rᵀe + c·eᵀGe,   e = θ − θ_r,   L_r, g_r by one direct pass over the data.

The scan runs in float64 whatever the run's dtype; a float32 run stores θ rounded to float32.
Divergence (non-finite, or loss above divergence_factor × the starting loss) is confirmed by
stepping that one update with :meth:`Run.step`, so the run stops exactly where stepping would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .analysis import LossExpansion, expansion, rowdot
from .problem import loss_scale

if TYPE_CHECKING:
    import torch

    from .run import Run

AFFINE_OPTIMIZERS = ("sgd", "momentum", "nesterov")
MAX_CHUNK_UPDATES = 1 << 20  # updates composed in one scan
CHUNK_FLOATS = 1 << 24  # rough float64 working set of one chunk (128 MB)
# The scan's operations are memory-bound passes over small rows. A second intra-op thread
# gains ~20–40 % on an idle 2-core machine but costs 2–3× whenever another process (or the
# app's own UI thread) holds a core, as each parallel op then waits for the descheduled
# thread; one thread is steady. None leaves torch's setting alone.
CPU_THREADS: int | None = 1


def supports(run: Run) -> bool:
    """True when every update of ``run`` is an affine map of its state (fixed data; sgd,
    momentum or nesterov; any schedule, batch mode but stream, mistake, dtype)."""
    cfg = run.config
    return (
        cfg.optimizer in AFFINE_OPTIMIZERS
        and not run.batcher.is_stream
        and run.dataset.stream is None
        and run.status != "diverged"
    )


def forward(run: Run, n_updates: int) -> None:
    """Do ``n_updates`` more updates: by the scan when supported, else by stepping."""
    if supports(run):
        advance(run, n_updates)
    else:
        run.run_until(update=run.updates + n_updates)


def advance(run: Run, n_updates: int) -> None:
    """Append ``n_updates`` updates to ``run.history`` (fewer if the run diverges) and
    resynchronise the run; equal to calling ``run.step()`` that many times."""
    if n_updates <= 0 or run.status == "diverged":
        return
    with _threads(run.problem.device):
        _advance(run, n_updates)


@contextmanager
def _threads(device: str) -> Iterator[None]:
    """Run the scan with CPU_THREADS intra-op threads, then restore torch's setting."""
    import torch

    before = torch.get_num_threads()
    change = device == "cpu" and CPU_THREADS is not None and before != CPU_THREADS
    if change:
        torch.set_num_threads(CPU_THREADS)
    try:
        yield
    finally:
        if change:
            torch.set_num_threads(before)


def _advance(run: Run, n_updates: int) -> None:
    plan = _Plan.of(run)
    end = run.updates + n_updates
    while run.updates < end:
        t0 = run.updates
        count = min(end - t0, plan.chunk)
        started = time.perf_counter()
        cols, bad = _chunk(run, plan, t0, count)
        cols["elapsed"] = _elapsed(run, t0, count, time.perf_counter() - started)
        keep = count if bad is None else bad
        if keep:
            run.history.extend({k: v[:keep] for k, v in cols.items()})
        if bad is not None:
            # Confirm by stepping the update the scan flagged: the run then stops (or not)
            # exactly where one-by-one stepping would.
            run.sync_from_history()
            run.step()
            if run.status == "diverged":
                return
    run.sync_from_history()


# -- set-up ---------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What stays fixed while one run is fast-forwarded."""

    ref: LossExpansion
    p: int
    alpha: float  # coefficient of η·g in θ' (1, or 1+μ for nesterov)
    beta: float  # coefficient of η·b in θ' (0, μ or μ²)
    mu: float
    has_b: bool  # momentum buffer in the state
    has_a: bool  # accumulated gradient in the state (forget-zero-grad)
    overwrite: bool  # overwrite-grad: only the batch's last row drives the update
    full: bool  # full batch: one constant gradient map
    float32: bool
    chunk: int  # updates per scan

    @classmethod
    def of(cls, run: Run) -> _Plan:
        cfg, p = run.config, run.problem.p
        mu = float(cfg.momentum)
        alpha, beta = {"sgd": (1.0, 0.0), "momentum": (1.0, mu), "nesterov": (1.0 + mu, mu * mu)}[
            cfg.optimizer
        ]
        has_b = cfg.optimizer != "sgd"
        has_a = cfg.mistake == "forget-zero-grad"
        S = p * (1 + has_b + has_a)
        rows = 0 if run.batcher.spec.mode == "full" else run.batcher.size
        per_update = 4 * S * S + 3 * rows * p + 8 * S + 16
        chunk = max(1, min(MAX_CHUNK_UPDATES, CHUNK_FLOATS // per_update))
        return cls(
            ref=expansion(run.problem),
            p=p,
            alpha=alpha,
            beta=beta,
            mu=mu,
            has_b=has_b,
            has_a=has_a,
            overwrite=cfg.mistake == "overwrite-grad",
            full=run.batcher.spec.mode == "full",
            float32=cfg.dtype == "float32",
            chunk=chunk,
        )


# -- one chunk ------------------------------------------------------------------------------


def _chunk(run: Run, plan: _Plan, t0: int, count: int) -> tuple[dict[str, np.ndarray], int | None]:
    """History columns of updates t0 … t0+count−1, and the offset of the first one that
    looks diverged (None if none does)."""
    import torch

    from .schedules import lr_series

    ref, p = plan.ref, plan.p
    eta_np = lr_series(run.config.schedule, run.config.lr, t0, count)
    eta = torch.as_tensor(eta_np, device=ref.A.device)
    batch = _Batches.full(run, ref, count) if plan.full else _Batches.gather(run, ref, t0, count)
    z0 = _start_state(run, plan, t0)
    M, v = _maps(plan, batch.grad_map(plan.overwrite), eta)
    Z = _scan(M, v, z0)
    del M, v
    if plan.float32:
        Z = Z.float().double()  # what a float32 run can hold
    theta_after = Z[:, :p]
    theta_before = torch.cat([z0[None, :p], theta_after[:-1]])
    batch_loss, batch_grad, grad_overwrite = batch.evaluate(theta_before, plan.overwrite)
    grad = grad_overwrite if plan.overwrite else batch_grad
    if plan.has_a:
        a_before = torch.cat([z0[None, -p:], Z[:-1, -p:]])
        grad = grad + a_before
    if plan.float32:
        grad = grad.float().double()
    loss = ref.loss_at(theta_after).clamp_min(0.0)
    state = Z[:, p : 2 * p] if plan.has_b else Z[:, :0]
    cols = {
        "params": theta_after,
        "grad": grad,
        "state": state,
        "loss": loss,
        "batch_loss": batch_loss,
        "grad_norm": rowdot(grad, grad).sqrt_(),
    }
    out = {k: t.detach().cpu().numpy() for k, t in cols.items()}
    out["lr"] = eta_np
    return out, _first_bad(run, out["loss"], out["params"])


def _start_state(run: Run, plan: _Plan, t0: int) -> torch.Tensor:
    """z = (θ[, b][, a]) after t0 updates, from the History."""
    import torch

    h = run.history
    parts = [h.params_at(t0)]
    if plan.has_b:
        parts.append(h.state_at(t0)[: plan.p])
    if plan.has_a:
        parts.append(h.grad_at(t0))
    z = np.concatenate(parts).astype(np.float64)
    return torch.as_tensor(z, device=plan.ref.A.device)


@dataclass
class _GradMap:
    """The gradient each update uses, g = Qθ − q; when one row a drives an update (sgd,
    overwrite-grad) kept as factors, Q = w·aaᵀ and q = w·y·a, which is cheaper to build on."""

    Q: torch.Tensor | None = None  # (T or 1, p, p)
    q: torch.Tensor | None = None  # (T or 1, p)
    w: torch.Tensor | None = None  # (T,) the factor 2c
    a: torch.Tensor | None = None  # (T, p) the row
    y: torch.Tensor | None = None  # (T,) its target

    def dense(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.Q is None:
            wa = self.w[:, None] * self.a
            self.Q, self.q = wa[:, :, None] * self.a[:, None, :], wa * self.y[:, None]
        return self.Q, self.q


def _maps(plan: _Plan, g: _GradMap, eta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(M_t, v_t) of z' = M_t·z + v_t for each update, (T, S, S) and (T, S)."""
    import torch

    T, p = eta.shape[0], plan.p
    blocks = 1 + plan.has_b + plan.has_a
    S = p * blocks
    eye = torch.eye(p, dtype=torch.float64, device=eta.device)
    a_eta = (plan.alpha * eta)[:, None, None]
    if blocks == 1 and g.a is not None:  # sgd, one row: M = I − (ηw)·aaᵀ, v = (ηw·y)·a
        u = (plan.alpha * eta * g.w)[:, None] * g.a
        if p <= 4:  # entry by entry: p² contiguous products beat a broadcast outer product
            M = torch.empty(T, p, p, dtype=torch.float64, device=eta.device)
            for i in range(p):
                for j in range(p):
                    torch.mul(u[:, i], g.a[:, j], out=M[:, i, j])
        else:
            M = u[:, :, None] * g.a[:, None, :]
        M.neg_().diagonal(dim1=1, dim2=2).add_(1.0)
        return M, u * g.y[:, None]
    Q, q = g.dense()
    if blocks == 1:  # plain sgd: M = I − ηQ, v = ηq
        return eye - a_eta * Q, a_eta[:, :, 0] * q
    M = torch.zeros(T, S, S, dtype=torch.float64, device=eta.device)
    v = torch.zeros(T, S, dtype=torch.float64, device=eta.device)
    th, bb = slice(0, p), slice(p, 2 * p)
    aa = slice(S - p, S)
    M[:, th, th] = eye - a_eta * Q
    v[:, th] = a_eta[:, :, 0] * q
    if plan.has_a:
        M[:, th, aa] = -a_eta * eye
        M[:, aa, th] = Q
        M[:, aa, aa] = eye
        v[:, aa] = -q
    if plan.has_b:
        M[:, th, bb] = -(plan.beta * eta)[:, None, None] * eye
        M[:, bb, th] = Q
        M[:, bb, bb] = plan.mu * eye
        if plan.has_a:
            M[:, bb, aa] = eye
        v[:, bb] = -q
    return M, v


def _scan(M: torch.Tensor, v: torch.Tensor, z0: torch.Tensor) -> torch.Tensor:
    """States z_1 … z_T of z_{t+1} = M_t·z_t + v_t from z_0, (T, S): pairs are combined
    into one map, the pairs' states found recursively, the states in between filled in."""
    import torch

    T = M.shape[0]
    if T == 1:
        return (M[0] @ z0 + v[0])[None]
    half = T // 2
    M_odd, M_even = M[1 : 2 * half : 2], M[0 : 2 * half : 2]
    M_pair = torch.matmul(M_odd, M_even)
    v_pair = torch.matmul(M_odd, v[0 : 2 * half : 2, :, None])[..., 0] + v[1 : 2 * half : 2]
    Z_pair = _scan(M_pair, v_pair, z0)  # state after updates 1, 3, 5, … (0-based)
    del M_pair, v_pair
    Z = torch.empty_like(v)
    Z[1 : 2 * half : 2] = Z_pair
    before_even = torch.cat([z0[None], Z_pair])[: (T + 1) // 2]
    Z[0::2] = torch.matmul(M[0::2], before_even[..., None])[..., 0] + v[0::2]
    return Z


def _elapsed(run: Run, t0: int, count: int, wall: float) -> np.ndarray:
    """Cumulative compute seconds, the chunk's wall time spread evenly over its updates."""
    base = float(run.history.elapsed[t0 - 1]) if t0 else 0.0
    return base + wall * np.arange(1, count + 1, dtype=np.float64) / count


def _first_bad(run: Run, loss: np.ndarray, params: np.ndarray) -> int | None:
    """Offset of the first update whose loss or θ says the run diverged (as Run judges it)."""
    limit = run.config.divergence_factor * max(run.history.loss0, 1e-12)
    bad = ~np.isfinite(loss) | (loss > limit) | ~np.isfinite(params).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


# -- batches --------------------------------------------------------------------------------


@dataclass
class _Batches:
    """The rows of a chunk's updates: B = [A_B | y_B] gathered as (T, m, p+1) for
    sgd/minibatch (padding rows of a short batch zero), or None for full batch."""

    ref: LossExpansion
    B: torch.Tensor | None  # (T, m, p+1); None for full batch
    c: torch.Tensor  # (T,) loss scale of each batch (its own row count)
    last: torch.Tensor  # (T,) index into m of each batch's last real row
    count: int
    uniform: bool = True  # every batch has m real rows (no short batch in the chunk)

    @classmethod
    def full(cls, run: Run, ref: LossExpansion, count: int) -> _Batches:
        import torch

        c = torch.full((count,), ref.c, dtype=torch.float64, device=ref.A.device)
        last = torch.full((count,), run.problem.n - 1, device=ref.A.device)
        return cls(ref, None, c, last, count)

    @classmethod
    def gather(cls, run: Run, ref: LossExpansion, t0: int, count: int) -> _Batches:

        batcher = run.batcher
        n, size = batcher.n, batcher.size
        epoch, index = np.divmod(np.arange(t0, t0 + count, dtype=np.int64), batcher.per_epoch)
        start = index * size  # first position of each batch within its epoch's order
        short = not batcher.drop_last and n % size != 0
        if epoch[0] == epoch[-1] and not short:
            # one epoch, whole batches: the rows are one slice of its order
            span = slice(int(start[0]), int(start[0]) + count * size)
            rows = (
                batcher.epoch_order(int(epoch[0]))[span]
                if batcher.shuffle
                else np.arange(span.start, span.stop)
            )
            return cls._from_rows(run, ref, rows, count, size, None)
        if batcher.shuffle:
            first, last_epoch = int(epoch[0]), int(epoch[-1])
            orders = np.concatenate([batcher.epoch_order(e) for e in range(first, last_epoch + 1)])
            base = (epoch - first) * n + start
        else:
            orders, base = None, start
        pos = base[:, None] + np.arange(size)
        real = (start[:, None] + np.arange(size) < n) if short else None
        if real is not None:
            pos = np.where(real, pos, base[:, None])  # padding points at a real row, zeroed below
        rows = orders[pos] if orders is not None else pos
        return cls._from_rows(run, ref, rows, count, size, real)

    @classmethod
    def _from_rows(
        cls,
        run: Run,
        ref: LossExpansion,
        rows: np.ndarray,
        count: int,
        size: int,
        real: np.ndarray | None,
    ) -> _Batches:
        """Gather [A | y] at ``rows`` (count·size indices); ``real`` marks the rows of short
        batches that exist (None: all do)."""
        import torch

        dev = ref.A.device
        flat = rows.reshape(-1)
        if dev.type == "cpu":  # numpy's take gathers rows about twice as fast as index_select
            B = torch.from_numpy(np.take(ref.Ay.numpy(), flat, axis=0))
        else:
            B = ref.Ay.index_select(0, torch.as_tensor(flat, device=dev))
        B = B.view(count, size, ref.A.shape[1] + 1)
        sizes = np.full(count, size) if real is None else real.sum(axis=1)
        if real is not None:
            B = B * torch.as_tensor(real, device=dev, dtype=torch.float64)[..., None]
        scale = loss_scale(run.config.loss, sizes.astype(np.float64))
        c = torch.as_tensor(np.broadcast_to(scale, (count,)).copy(), device=dev)
        last = torch.as_tensor(sizes - 1, device=dev)
        return cls(ref, B, c, last, count, uniform=bool((sizes == size).all()))

    def _last_rows(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Each batch's last real row a (T, p) and its target (T,)."""
        import torch

        if self.B is None:
            return self.ref.A[-1].expand(self.count, -1), self.ref.y[-1].expand(self.count)
        if self.uniform:
            row = self.B[:, -1]
        else:
            row = self.B[torch.arange(self.count, device=self.c.device), self.last]
        return row[:, :-1], row[:, -1]

    def grad_map(self, overwrite: bool) -> _GradMap:
        """The gradient map of the rule's g = Qθ − q."""
        two_c = 2 * self.c
        if overwrite or (self.B is not None and self.B.shape[1] == 1):
            a, y = self._last_rows()  # one row drives each update
            return _GradMap(w=two_c, a=a, y=y)
        if self.B is None:
            return _GradMap(
                Q=(2 * self.ref.c * self.ref.G)[None], q=(2 * self.ref.c * self.ref.h)[None]
            )
        P = self.B.transpose(1, 2) @ self.B  # [[AᵀA, Aᵀy], [yᵀA, yᵀy]] in one product
        return _GradMap(Q=two_c[:, None, None] * P[:, :-1, :-1], q=two_c[:, None] * P[:, :-1, -1])

    def evaluate(
        self, theta: torch.Tensor, overwrite: bool
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Batch loss (T,), batch gradient (T, p) and, under overwrite-grad, the last row's
        gradient (T, p), at θ_t before each update (T, p)."""
        import torch

        two_c = 2 * self.c
        last_grad = None
        if overwrite:
            a, y = self._last_rows()
            r_last = rowdot(a, theta) - y
            last_grad = (two_c * r_last)[:, None] * a
        if self.B is None:
            return self.ref.loss_at(theta).clamp_min(0.0), self.ref.grad_at(theta), last_grad
        theta_ext = torch.cat([theta, theta.new_full((theta.shape[0], 1), -1.0)], 1)
        if self.B.shape[1] == 1:  # one row: elementwise, no batched matmul
            row = self.B[:, 0]
            r = rowdot(row, theta_ext)
            return self.c * r * r, (two_c * r)[:, None] * row[:, :-1], last_grad
        r = (self.B @ theta_ext[:, :, None])[..., 0]  # A_Bθ − y_B
        loss = self.c * (r * r).sum(1)
        grad = two_c[:, None] * (self.B.transpose(1, 2) @ r[..., None])[:, :-1, 0]
        return loss, grad, last_grad
