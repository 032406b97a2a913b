"""A Problem: the data as tensors plus the loss, and the three ways to get a gradient.

Model ŷ = A·θ with A = [X, 1] (no ones column without a bias), so θ holds the
weights then the bias. For a batch of b rows with residuals r = ŷ − y:

    L = c·Σ rᵢ²   with c from the loss's entry in :mod:`.losses` (1/b for mse, …)
    ∇L = 2c·Aᵀr,  and row i contributes 2c·rᵢ·Aᵢ.

The three gradient methods (hand formula, autograd, nn.Linear + loss module)
agree to rounding; :meth:`Problem.batch_gradient` runs the chosen one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import DeviceError
from .losses import get_loss

if TYPE_CHECKING:
    import torch

    from .data import Dataset, Standardizer

# Above this many rows the full-data loss is evaluated through the Gram
# matrix (O(p²) per call) instead of a pass over the data; below it the
# direct sum keeps tiny losses exact (no cancellation near the optimum).
GRAM_LOSS_MIN_ROWS = 50_000


def resolve_device(name: str) -> str:
    """Map ``auto`` to cuda when available, and refuse cuda when it is absent."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("--device cuda was asked for, but no CUDA device is available here")
    return name


@dataclass
class BatchResult:
    """What one gradient evaluation on a batch produced (tensors on the run's device)."""

    predictions: torch.Tensor  # ŷ, (b,)
    residuals: torch.Tensor  # ŷ − y, (b,)
    loss: torch.Tensor  # scalar L_batch
    grad: torch.Tensor  # ∇L_batch, (p,)


class Problem:
    """Data as tensors on one device and dtype, plus the chosen loss."""

    def __init__(
        self,
        dataset: Dataset,
        *,
        loss: str = "mse",
        bias: bool = True,
        dtype: str = "float64",
        device: str = "cpu",
        standardizer: Standardizer | None = None,
    ) -> None:
        import torch

        from .data_range import check_range

        # Data too large for the dtype's arithmetic is a data error, not a divergence.
        check_range(
            dataset.X,
            dataset.y,
            dataset.feature_names,
            dataset.target_name,
            dtype,
            standardized=standardizer is not None,
        )
        self.dataset = dataset
        self.loss_name = loss
        self.loss = get_loss(loss)  # the registry entry: scale, reduction, formula text
        self.bias = bias
        self.standardizer = standardizer
        self.device = resolve_device(device)
        self.dtype = getattr(torch, dtype)
        features = dataset.X if standardizer is None else standardizer.transform(dataset.X)
        self.X_np = np.asarray(features, dtype=np.float64)
        self.A = self.design(self.X_np)
        self.y = torch.tensor(
            np.array(dataset.y, dtype=np.float64), dtype=self.dtype, device=self.device
        )
        self.n, self.d = self.X_np.shape
        self.p = self.d + (1 if bias else 0)
        self._gram: tuple[torch.Tensor, torch.Tensor, float] | None = None
        self._X: torch.Tensor | None = None  # contiguous X for the full-batch step, on demand

    def design(self, X: np.ndarray) -> torch.Tensor:
        """A = [X, 1] (or X alone without a bias) as a tensor on the problem's device."""
        import torch

        X_t = torch.tensor(np.array(X, dtype=np.float64), dtype=self.dtype, device=self.device)
        if X_t.ndim == 1:
            X_t = X_t[:, None]
        if not self.bias:
            return X_t.contiguous()
        return torch.cat([X_t, torch.ones_like(X_t[:, :1])], dim=1)

    def scale(self, rows: int) -> float:
        """c in L = c·Σ r² for a batch of ``rows`` rows."""
        return self.loss.scale(rows)

    def tensor(self, values: np.ndarray | list[float]) -> torch.Tensor:
        import torch

        return torch.tensor(
            np.array(values, dtype=np.float64), dtype=self.dtype, device=self.device
        )

    # -- full-data quantities -------------------------------------------------

    def gram(self) -> tuple[torch.Tensor, torch.Tensor, float]:
        """(AᵀA, Aᵀy, yᵀy), computed once: L(θ) = c·(θᵀGθ − 2θᵀh + yᵀy)."""
        if self._gram is None:
            self._gram = (self.A.T @ self.A, self.A.T @ self.y, float(self.y @ self.y))
        return self._gram

    def full_loss(self, theta: torch.Tensor) -> float:
        """L(θ) over every row (for a stream: over its fixed reference sample)."""
        c = self.scale(self.n)
        if self.n >= GRAM_LOSS_MIN_ROWS:
            G, h, yy = self.gram()
            return float(c * (theta @ (G @ theta) - 2.0 * (theta @ h) + yy).clamp_min(0.0))
        r = self.A @ theta - self.y
        return float(c * (r @ r))

    def full_gradient(self, theta: torch.Tensor) -> torch.Tensor:
        """∇L(θ) over every row: 2c·(Gθ − h)."""
        c = self.scale(self.n)
        if self.n >= GRAM_LOSS_MIN_ROWS:
            G, h, _ = self.gram()
            return 2.0 * c * (G @ theta - h)
        return 2.0 * c * (self.A.T @ (self.A @ theta - self.y))

    def predict(self, theta: torch.Tensor, X: np.ndarray) -> np.ndarray:
        """ŷ for feature rows given in the data's original units."""
        rows = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if self.standardizer is not None:
            rows = self.standardizer.transform(rows)
        return (self.design(rows) @ theta).detach().cpu().numpy().astype(np.float64)

    # -- one batch --------------------------------------------------------------

    def batch_gradient(
        self, theta: torch.Tensor, A: torch.Tensor, y: torch.Tensor, method: str, rows: int
    ) -> BatchResult:
        """Loss and gradient on a batch by ``method``; ``rows`` sets the loss scale c."""
        c = self.scale(rows)
        if method == "analytic":
            if A is self.A and y is self.y and self.bias:
                return self._analytic_all_rows(theta, c)
            return self._analytic(theta, A, y, c)
        if method == "autograd":
            return self._autograd(theta, A, y, c)
        return self._module(theta, A, y, c)

    def hand_gradient(
        self, theta: torch.Tensor, A: torch.Tensor, y: torch.Tensor, rows: int
    ) -> torch.Tensor:
        """∂L/∂θ = 2c·Aᵀ(Aθ − y) on a batch, whatever the run's method: the reference the
        autograd and nn.Module gradients are checked against."""
        return self._analytic(theta, A, y, self.scale(rows)).grad

    @staticmethod
    def _analytic(theta: torch.Tensor, A: torch.Tensor, y: torch.Tensor, c: float) -> BatchResult:
        """∂L/∂θ = 2c·Aᵀ(Aθ − y), the formula derived by hand (T2, T3, T4)."""
        pred = A @ theta
        resid = pred - y
        return BatchResult(pred, resid, c * (resid @ resid), (2.0 * c) * (A.T @ resid))

    def _analytic_all_rows(self, theta: torch.Tensor, c: float) -> BatchResult:
        """The same formula on every row, with ŷ = X·w + b as one fused multiply-add that
        never reads A's column of ones: a full-batch update at n = 10⁶ costs what the bare
        torch expression costs."""
        import torch

        if self._X is None:
            self._X = self.A[:, : self.d].contiguous()
        pred = torch.addmv(theta[-1:].expand(self.n), self._X, theta[:-1])
        resid = pred - self.y
        return BatchResult(pred, resid, c * (resid @ resid), (2.0 * c) * (self.A.T @ resid))

    def _autograd(
        self, theta: torch.Tensor, A: torch.Tensor, y: torch.Tensor, c: float
    ) -> BatchResult:
        """Tensors w, b with requires_grad; loss.backward() fills w.grad and b.grad (T1, T2)."""
        import torch

        d = self.d
        w = theta[:d].detach().clone().requires_grad_(True)
        b = theta[d:].detach().clone().requires_grad_(True) if self.bias else None
        pred = A[:, :d] @ w
        if b is not None:
            pred = pred + b
        loss = c * ((pred - y) ** 2).sum()
        loss.backward()
        # backward() filled every leaf's .grad (Optional only in torch's types)
        grads = [g for g in (w.grad, b.grad if b is not None else None) if g is not None]
        with torch.no_grad():
            return BatchResult(pred.detach(), (pred - y).detach(), loss.detach(), torch.cat(grads))

    def _module(
        self, theta: torch.Tensor, A: torch.Tensor, y: torch.Tensor, c: float
    ) -> BatchResult:
        """nn.Linear(d, 1) + nn.MSELoss (mean or sum), backward, then read the .grad fields (T2)."""
        import torch
        from torch import nn

        d = self.d
        layer = nn.Linear(d, 1, bias=self.bias).to(device=self.device, dtype=self.dtype)
        with torch.no_grad():
            layer.weight.copy_(theta[:d][None, :])
            if self.bias:
                layer.bias.copy_(theta[d:])
        reduction = self.loss.reduction
        half = self.loss.constant
        # MSELoss(mean) divides by the batch's rows; rescale so the batch scale c is honoured
        # (equal to 1 for every loss except when ``rows`` differs from the batch length).
        rows = A.shape[0]
        base = (1.0 / rows) if reduction == "mean" else 1.0
        factor = half * base
        correction = c / factor if factor else 1.0
        layer.zero_grad()
        pred = layer(A[:, :d]).squeeze(1)
        loss = correction * half * nn.MSELoss(reduction=reduction)(pred, y)
        loss.backward()
        # backward() filled every parameter's .grad (Optional only in torch's types)
        grads = [t.grad.reshape(-1) for t in layer.parameters() if t.grad is not None]
        with torch.no_grad():
            return BatchResult(pred.detach(), (pred - y).detach(), loss.detach(), torch.cat(grads))

    def per_sample_terms(self, A: torch.Tensor, residuals: torch.Tensor, rows: int) -> torch.Tensor:
        """Row i's term 2c·rᵢ·Aᵢ of the batch gradient, (b, p)."""
        return (2.0 * self.scale(rows)) * residuals[:, None] * A
