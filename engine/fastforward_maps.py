"""The per-update affine maps of a fast-forward chunk (see :mod:`.fastforward`).

:class:`Batches` gathers each update's rows B = [A_B | y_B] in the engine's order
(engine.batching: epoch e's shuffle, mini-batches in turn, a short last batch padded
with zero rows) and gives

    the gradient map   g = Qθ − q,  Q = 2c·A_BᵀA_B,  q = 2c·A_Bᵀy_B   (GradMap)
    the batch's loss and gradient at any θ_t, vectorised over the chunk.

:func:`affine_maps` turns the gradient maps into the rule's z_{t+1} = M_t·z_t + v_t.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .fastforward_scan import full_loss, row_maps, rowdot
from .losses import loss_scale

if TYPE_CHECKING:
    import torch

    from .analysis import LossExpansion
    from .fastforward_plan import Plan
    from .run import Run


@dataclass
class GradMap:
    """The gradient each update uses, g = Qθ − q; when one row a drives an update (sgd,
    overwrite-grad) kept as factors, Q = w·aaᵀ and q = w·y·a, which is cheaper to build on."""

    Q: torch.Tensor | None = None  # (T or 1, p, p)
    q: torch.Tensor | None = None  # (T or 1, p)
    w: torch.Tensor | None = None  # (T,) the factor 2c
    a: torch.Tensor | None = None  # (T, p) the row
    y: torch.Tensor | None = None  # (T,) its target

    def dense(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.Q is None or self.q is None:
            assert self.w is not None and self.a is not None and self.y is not None  # a row map
            wa = self.w[:, None] * self.a
            self.Q, self.q = wa[:, :, None] * self.a[:, None, :], wa * self.y[:, None]
        return self.Q, self.q


def affine_maps(plan: Plan, g: GradMap, eta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(M_t, v_t) of z' = M_t·z + v_t for each update, (T, S, S) and (T, S)."""
    import torch

    blocks = 1 + plan.has_v + plan.has_a
    if blocks == 1 and g.a is not None and g.y is not None and g.w is not None:
        return row_maps(g.a, g.y, plan.alpha * eta * g.w)
    Q, q = g.dense()
    if blocks == 1:  # plain sgd: M = I − ηQ, v = ηq
        eye = torch.eye(plan.p, dtype=torch.float64, device=eta.device)
        a_eta = (plan.alpha * eta)[:, None, None]
        return eye - a_eta * Q, a_eta[:, :, 0] * q
    return _block_maps(plan, Q, q, eta)


def _block_maps(
    plan: Plan, Q: torch.Tensor, q: torch.Tensor, eta: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """M and v by blocks of z = (θ[, v][, a]) for momentum/nesterov and forget-zero-grad
    (the plan's ``has_v``/``bb`` block is the velocity v):
    θ' = (I − αηQ)θ − βη·v − αη·a + αηq,  v' = Qθ + μv + a − q,  a' = Qθ + a − q."""
    import torch

    T, p = eta.shape[0], plan.p
    S = p * (1 + plan.has_v + plan.has_a)
    eye = torch.eye(p, dtype=torch.float64, device=eta.device)
    a_eta = (plan.alpha * eta)[:, None, None]
    M = torch.zeros(T, S, S, dtype=torch.float64, device=eta.device)
    v = torch.zeros(T, S, dtype=torch.float64, device=eta.device)
    th, bb, aa = slice(0, p), slice(p, 2 * p), slice(S - p, S)
    M[:, th, th] = eye - a_eta * Q
    v[:, th] = a_eta[:, :, 0] * q
    if plan.has_a:
        M[:, th, aa] = -a_eta * eye
        M[:, aa, th] = Q
        M[:, aa, aa] = eye
        v[:, aa] = -q
    if plan.has_v:
        M[:, th, bb] = -(plan.beta * eta)[:, None, None] * eye
        M[:, bb, th] = Q
        M[:, bb, bb] = plan.mu * eye
        if plan.has_a:
            M[:, bb, aa] = eye
        v[:, bb] = -q
    return M, v


# -- batches --------------------------------------------------------------------------------


@dataclass
class Batches:
    """The rows of a chunk's updates: B = [A_B | y_B] gathered as (T, m, p+1) for
    sgd/minibatch (padding rows of a short batch zero), or None for full batch."""

    ref: LossExpansion
    B: torch.Tensor | None  # (T, m, p+1); None for full batch
    c: torch.Tensor  # (T,) loss scale of each batch (its own row count)
    last: torch.Tensor  # (T,) index into m of each batch's last real row
    count: int
    uniform: bool = True  # every batch has m real rows (no short batch in the chunk)

    @classmethod
    def full(cls, run: Run, ref: LossExpansion, count: int) -> Batches:
        import torch

        c = torch.full((count,), ref.c, dtype=torch.float64, device=ref.A.device)
        last = torch.full((count,), run.problem.n - 1, device=ref.A.device)
        return cls(ref, None, c, last, count)

    @classmethod
    def gather(cls, run: Run, ref: LossExpansion, t0: int, count: int) -> Batches:

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
    ) -> Batches:
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

    def grad_map(self, overwrite: bool) -> GradMap:
        """The gradient map of the rule's g = Qθ − q."""
        two_c = 2 * self.c
        if overwrite or (self.B is not None and self.B.shape[1] == 1):
            a, y = self._last_rows()  # one row drives each update
            return GradMap(w=two_c, a=a, y=y)
        if self.B is None:
            return GradMap(
                Q=(2 * self.ref.c * self.ref.G)[None], q=(2 * self.ref.c * self.ref.h)[None]
            )
        P = self.B.transpose(1, 2) @ self.B  # [[AᵀA, Aᵀy], [yᵀA, yᵀy]] in one product
        return GradMap(Q=two_c[:, None, None] * P[:, :-1, :-1], q=two_c[:, None] * P[:, :-1, -1])

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
            return full_loss(self.ref, theta), self.ref.grad_at(theta), last_grad
        theta_ext = torch.cat([theta, theta.new_full((theta.shape[0], 1), -1.0)], 1)
        if self.B.shape[1] == 1:  # one row: elementwise, no batched matmul
            row = self.B[:, 0]
            r = rowdot(row, theta_ext)
            return self.c * r * r, (two_c * r)[:, None] * row[:, :-1], last_grad
        r = (self.B @ theta_ext[:, :, None])[..., 0]  # A_Bθ − y_B
        loss = self.c * (r * r).sum(1)
        grad = two_c[:, None] * (self.B.transpose(1, 2) @ r[..., None])[:, :-1, 0]
        return loss, grad, last_grad
