"""SGD's noise, measured: mini-batch gradients of size B around the full gradient.

At parameters θ, row i's gradient is gᵢ = 2c₁·rᵢ·aᵢ (rᵢ = aᵢ·θ − yᵢ, c₁ the loss's scale
for one row), and a batch S of B rows drawn without replacement gives

    ĝ_S = s_B · (1/B) Σ_{i∈S} gᵢ,     s_B = B·c_B / c₁   (1 for mean losses, B for sums)

so E[ĝ_S] = s_B·ḡ with ḡ = (1/n) Σ gᵢ, and the trace of its covariance is exactly

    tr Cov(ĝ_S) = s_B² · tr(Σ)/B · (n − B)/(n − 1),   Σ = (1/n) Σ (gᵢ − ḡ)(gᵢ − ḡ)ᵀ

(the finite-population correction of sampling without replacement). The empirical trace
is the mean of ‖ĝ_S − s_B·ḡ‖² over the batches drawn, an unbiased estimate of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .problem import Problem

MAX_BATCHES = 256  # batches drawn (about; whole epochs when one has at most this many)


@dataclass(frozen=True)
class BatchNoise:
    """The spread of mini-batch gradients of one batch size (working units)."""

    batch_size: int  # B
    batches: np.ndarray  # (m, p) the mini-batch gradients drawn
    mean: np.ndarray  # (p,) their mean
    expected: np.ndarray  # (p,) s_B·ḡ, the exact mean over all batches of size B
    exact_trace: float  # s_B²·tr(Σ)/B·(n−B)/(n−1)
    empirical_trace: float  # mean of ‖ĝ − s_B·ḡ‖² over the batches drawn
    ratio_to_sgd: float  # exact_trace / exact trace at B = 1 (NaN when that is 0)
    epochs: int  # whole seeded epochs the batches come from (0: a seeded sample of batches)


def per_sample_gradients(A: np.ndarray, y: np.ndarray, theta: np.ndarray, c1: float) -> np.ndarray:
    """gᵢ = 2c₁·(aᵢ·θ − yᵢ)·aᵢ for every row, (n, p)."""
    r = A @ theta - y
    return (2.0 * c1) * r[:, None] * A


def exact_trace(per_sample: np.ndarray, batch_size: int, scale: float = 1.0) -> float:
    """s_B²·tr(Σ)/B·(n−B)/(n−1) for per-sample gradients (n, p); 0 when n = 1."""
    n = per_sample.shape[0]
    if not 1 <= batch_size <= n:
        raise ConfigError(f"batch size must be from 1 to {n} (the rows), got {batch_size}")
    if n == 1:
        return 0.0
    centred = per_sample - per_sample.mean(axis=0)
    tr_sigma = float((centred * centred).sum() / n)
    return scale**2 * tr_sigma / batch_size * (n - batch_size) / (n - 1)


def draw_batches(
    n: int, batch_size: int, seed: int, limit: int = MAX_BATCHES
) -> tuple[np.ndarray, int]:
    """(row indices (m, B), epochs): every full batch of ⌊limit / per-epoch⌋ (at least 1)
    seeded epochs when an epoch has at most ``limit`` batches, else ``limit`` batches each
    drawn without replacement (epochs = 0)."""
    rng = np.random.default_rng(seed)
    per_epoch = n // batch_size
    if per_epoch <= limit:
        epochs = max(1, limit // per_epoch)
        orders = [rng.permutation(n)[: per_epoch * batch_size] for _ in range(epochs)]
        return np.concatenate(orders).reshape(epochs * per_epoch, batch_size), epochs
    rows = np.stack([rng.choice(n, size=batch_size, replace=False) for _ in range(limit)])
    return rows, 0


def batch_noise(
    per_sample: np.ndarray, batch_size: int, scale: float, seed: int, limit: int = MAX_BATCHES
) -> BatchNoise:
    """The BatchNoise of ``batch_size`` from per-sample gradients; ``scale`` is s_B."""
    n = per_sample.shape[0]
    exact = exact_trace(per_sample, batch_size, scale)
    rows, epochs = draw_batches(n, batch_size, seed, limit)
    grads = scale * per_sample[rows].mean(axis=1)
    expected = scale * per_sample.mean(axis=0)
    dev = grads - expected
    return BatchNoise(
        batch_size=batch_size,
        batches=grads,
        mean=grads.mean(axis=0),
        expected=expected,
        exact_trace=exact,
        empirical_trace=float((dev * dev).sum(axis=1).mean()),
        ratio_to_sgd=float("nan"),
        epochs=epochs,
    )


def gradient_noise(
    problem: Problem, theta: np.ndarray, batch_sizes: list[int], seed: int = 0
) -> tuple[np.ndarray, list[BatchNoise]]:
    """(∇L(θ) over all the data, one BatchNoise per batch size) for ``problem``'s loss at θ
    (working units); ratio_to_sgd compares each exact trace with the one at B = 1."""
    from dataclasses import replace

    A = problem.A.detach().cpu().double().numpy()
    y = problem.y.detach().cpu().double().numpy()
    theta = np.asarray(theta, dtype=np.float64)
    c1 = float(problem.scale(1))
    g = per_sample_gradients(A, y, theta, c1)
    full = float(problem.scale(problem.n)) * problem.n / c1 * g.mean(axis=0)
    sgd_trace = exact_trace(g, 1, 1.0)
    out = []
    for b in batch_sizes:
        scale = b * float(problem.scale(b)) / c1
        noise = batch_noise(g, b, scale, seed)
        ratio = noise.exact_trace / sgd_trace if sgd_trace > 0 else float("nan")
        out.append(replace(noise, ratio_to_sgd=ratio))
    return full, out
