"""Analysis of a Problem's full-data loss: optimum, curvature, stability, loss surfaces.

With A = [X, 1] (n, p), residuals r = Aθ − y and c the full data's loss scale,

    L(θ) = c·‖Aθ − y‖²,   ∇L = 2c·Aᵀ(Aθ − y),   H = ∇²L = 2c·AᵀA   (constant).

Full-batch gradient descent θ ← θ − η∇L is stable iff |1 − ηλ| < 1 for every eigenvalue λ
of H, i.e. η < 2/λ_max. Results are float64 NumPy values, whatever the run's dtype —
except LossExpansion, which evaluates L for many θ at once on the problem's device (torch,
for the fast-forward).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    import torch

    from .config import RunConfig
    from .problem import Problem
    from .run import Run

_DIRECT_MAX = 1 << 20  # residual entries below which losses are summed directly

# -- optimum and curvature -------------------------------------------------------------------


def _arrays(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """A and y as float64 NumPy arrays (views when the problem is float64 on the CPU)."""
    A = problem.A.detach().to("cpu").double().numpy()
    y = problem.y.detach().to("cpu").double().numpy()
    return A, y


def closed_form(problem: Problem) -> tuple[np.ndarray, float]:
    """(θ*, L(θ*)): the least-squares optimum argmin ‖Aθ − y‖² and its loss.

    Solved by ``numpy.linalg.lstsq`` (SVD) in float64; without a bias the line goes through
    the origin (A = X). Rank-deficient data (a constant or duplicated feature) has a line of
    optima; we return the one of least norm ‖θ*‖, which still attains the minimal loss.
    Columns of very different scales (x ≈ 1e150 beside the bias's ones) look rank-deficient
    to the SVD's cut-off; if the columns scaled to unit norm have full rank, that solution
    (unique) is returned instead, so the optimum does not depend on standardizing.
    """
    A, y = _arrays(problem)
    theta, _, rank, _ = np.linalg.lstsq(A, y, rcond=None)
    if rank < A.shape[1]:
        norms = np.linalg.norm(A, axis=0)
        norms[norms == 0] = 1.0
        scaled, _, scaled_rank, _ = np.linalg.lstsq(A / norms, y, rcond=None)
        if scaled_rank == A.shape[1]:
            theta = scaled / norms
    r = A @ theta - y
    return theta, float(problem.scale(problem.n) * (r @ r))


def hessian(problem: Problem) -> np.ndarray:
    """H = 2c·AᵀA, the (constant) Hessian of the full-data loss, (p, p).

    The loss's scaling matters: for sse (c = 1) H is n times that of mse (c = 1/n).
    """
    A, _ = _arrays(problem)
    return 2.0 * problem.scale(problem.n) * (A.T @ A)


def eigenvalues(problem: Problem) -> np.ndarray:
    """Eigenvalues of H in ascending order (all ≥ 0 up to rounding)."""
    return np.linalg.eigvalsh(hessian(problem))


def condition_number(problem: Problem) -> float:
    """κ = λ_max/λ_min of H; inf when H is singular (λ_min ≤ 1e-14·λ_max)."""
    return _kappa(eigenvalues(problem))


def max_stable_lr(problem: Problem) -> float:
    """2/λ_max: full-batch GD with a constant rate η converges iff η < 2/λ_max."""
    return _stable(eigenvalues(problem))


def _kappa(lam: np.ndarray) -> float:
    top, low = float(lam[-1]), float(lam[0])
    return float("inf") if top <= 0 or low <= 1e-14 * top else top / low


def _stable(lam: np.ndarray) -> float:
    top = float(lam[-1])
    return float("inf") if top <= 0 else 2.0 / top


# -- losses on a grid ------------------------------------------------------------------------


def _center(problem: Problem, center: np.ndarray | list[float] | None) -> np.ndarray:
    if center is None:
        return closed_form(problem)[0]
    c = np.asarray(center, dtype=np.float64).reshape(-1)
    if c.shape != (problem.p,):
        raise ConfigError(f"center needs {problem.p} values (one per parameter), got {c.size}")
    return c


def _check_index(problem: Problem, i: int, label: str) -> None:
    if not 0 <= i < problem.p:
        raise ConfigError(f"{label} must be a parameter index in 0..{problem.p - 1}, got {i}")


def _expansion(problem: Problem, center: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(L(c), ∇L(c), c_n·AᵀA) by one direct pass: L(c + δ) = L(c) + ∇L(c)ᵀδ + c_n·δᵀAᵀAδ
    exactly, without the cancellation of expanding around θ = 0."""
    A, y = _arrays(problem)
    c = problem.scale(problem.n)
    r = A @ center - y
    return float(c * (r @ r)), 2.0 * c * (A.T @ r), c * (A.T @ A)


def losses_at(problem: Problem, thetas: np.ndarray) -> np.ndarray:
    """Full-data loss at each row of ``thetas`` (N, p): a direct pass when N·n is small,
    else the quadratic form expanded around the first row."""
    thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
    A, y = _arrays(problem)
    c = problem.scale(problem.n)
    if thetas.shape[0] * problem.n <= _DIRECT_MAX:
        r = thetas @ A.T - y
        return c * np.einsum("kn,kn->k", r, r)
    base, grad, cG = _expansion(problem, thetas[0])
    delta = thetas - thetas[0]
    return base + delta @ grad + np.einsum("ki,ij,kj->k", delta, cG, delta)


def loss_scan_1d(
    problem: Problem,
    i: int,
    values: np.ndarray | list[float],
    center: np.ndarray | list[float] | None = None,
) -> np.ndarray:
    """L(θ) as parameter ``i`` takes each of ``values``, the others held at ``center``
    (default: the optimum θ*). T2 step 1: w from 0 to 4 by 0.1 on the hours data."""
    _check_index(problem, i, "parameter")
    base = _center(problem, center)
    vals = np.asarray(values, dtype=np.float64).reshape(-1)
    thetas = np.repeat(base[None], len(vals), axis=0)
    thetas[:, i] = vals
    return losses_at(problem, thetas)


@dataclass(frozen=True)
class Surface:
    """L over a grid of two parameters: Z[a, b] = L(θ) with θ_i = grid_i[a], θ_j = grid_j[b]."""

    i: int  # index of the first parameter (rows of Z)
    j: int  # index of the second parameter (columns of Z)
    grid_i: np.ndarray  # (ri,) values of θ_i
    grid_j: np.ndarray  # (rj,) values of θ_j
    Z: np.ndarray  # (ri, rj) full-data loss
    center: np.ndarray  # (p,) where the other parameters are held

    def __iter__(self) -> Iterator[np.ndarray]:  # unpacks as (grid_i, grid_j, Z)
        return iter((self.grid_i, self.grid_j, self.Z))


def loss_surface(
    problem: Problem,
    i: int,
    j: int,
    center: np.ndarray | list[float] | None = None,
    span: float | tuple[float, float] | None = None,
    limits: tuple[tuple[float, float], tuple[float, float]] | None = None,
    resolution: int | tuple[int, int] = 41,
) -> Surface:
    """The loss over θ_i × θ_j, other parameters at ``center`` (default θ*), vectorised as

        Z = L(c) + g_i·δ_i + g_j·δ_j + c_n·(G_ii·δ_i² + 2·G_ij·δ_i·δ_j + G_jj·δ_j²)

    with δ = θ − center and G = AᵀA. The grid is ``limits`` = ((lo_i, hi_i), (lo_j, hi_j))
    or center ± ``span`` (default: max(1, |θ*_k|) for each axis)."""
    _check_index(problem, i, "first parameter")
    _check_index(problem, j, "second parameter")
    if i == j:
        raise ConfigError(f"a loss surface needs two different parameters, got {i} twice")
    res_i, res_j = (resolution, resolution) if isinstance(resolution, int) else resolution
    if min(res_i, res_j) < 2:
        raise ConfigError(f"resolution must be at least 2 points per axis, got {resolution}")
    mid = _center(problem, center)
    if limits is None:
        if span is None or isinstance(span, (int, float, np.number)):
            span_i, span_j = span, span
        else:
            span_i, span_j = span
        limits = (_around(mid[i], span_i), _around(mid[j], span_j))
    (lo_i, hi_i), (lo_j, hi_j) = limits
    grid_i = np.linspace(lo_i, hi_i, res_i)
    grid_j = np.linspace(lo_j, hi_j, res_j)
    base, grad, cG = _expansion(problem, mid)
    di = (grid_i - mid[i])[:, None]
    dj = (grid_j - mid[j])[None, :]
    Z = base + grad[i] * di + grad[j] * dj + cG[i, i] * di**2 + 2 * cG[i, j] * di * dj
    Z = Z + cG[j, j] * dj**2
    return Surface(i, j, grid_i, grid_j, np.maximum(Z, 0.0), mid)


def _around(value: float, span: float | None) -> tuple[float, float]:
    """(value − span, value + span); the default span is max(1, |value|)."""
    s = max(1.0, abs(float(value))) if span is None else float(span)
    if not (np.isfinite(s) and s > 0):
        raise ConfigError(f"span must be a positive number, got {span}")
    return float(value) - s, float(value) + s


# -- the full-data loss for many θ at once (torch; used by the fast-forward) -------------------


def rowdot(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Σ_i x[t, i]·y[t, i] for each row t; as a batched product, far faster than
    ``(x * y).sum(1)`` when rows are this short."""
    import torch

    return torch.einsum("ti,ti->t", x, y)


_EXPANSIONS: weakref.WeakKeyDictionary[Problem, LossExpansion] = weakref.WeakKeyDictionary()


def expansion(problem: Problem) -> LossExpansion:
    """The problem's LossExpansion, built once and kept while the Problem lives."""
    found = _EXPANSIONS.get(problem)
    if found is None:
        found = _EXPANSIONS[problem] = LossExpansion.build(problem)
    return found


@dataclass
class LossExpansion:
    """The full-data loss expanded around a point θ_r near the optimum, exact for any θ:

        L(θ) = L_r + g_rᵀe + c·eᵀGe,   ∇L(θ) = g_r + 2c·G·e,   e = θ − θ_r,

    with L_r and g_r from one direct pass. Near the optimum this keeps the digits that
    c·(θᵀGθ − 2θᵀh + yᵀy) loses to cancellation, at O(p²) per θ. Float64 tensors on the
    problem's device."""

    A: torch.Tensor  # (n, p) design matrix
    y: torch.Tensor  # (n,)
    G: torch.Tensor  # AᵀA
    h: torch.Tensor  # Aᵀy
    theta: torch.Tensor  # θ_r
    loss: float  # L(θ_r), direct pass
    grad: torch.Tensor  # ∇L(θ_r) = 2c·Aᵀ(Aθ_r − y), direct pass (≈ 0)
    c: float  # c of the full data
    _Ay: torch.Tensor | None = None

    @classmethod
    def build(cls, problem: Problem) -> LossExpansion:
        """θ_r from the normal equations Gθ = h (pseudo-inverse: rank-deficient data too).
        It need not be exact, only close enough that little cancels."""
        import torch

        A, y = problem.A.double(), problem.y.double()
        if problem.dtype == torch.float64:
            G, h, _ = problem.gram()  # shared with the run's own full-data loss
        else:
            G, h = A.T @ A, A.T @ y
        theta = torch.linalg.pinv(G, hermitian=True) @ h
        c = problem.scale(problem.n)
        r = A @ theta - y
        return cls(A, y, G, h, theta, float(c * (r @ r)), 2 * c * (A.T @ r), c)

    @property
    def Ay(self) -> torch.Tensor:
        """[A | y] (n, p+1): one gather fetches a batch's rows and targets."""
        import torch

        if self._Ay is None:
            self._Ay = torch.cat([self.A, self.y[:, None]], 1)
        return self._Ay

    def loss_at(self, theta: torch.Tensor) -> torch.Tensor:
        """L(θ) for each row of θ (T, p)."""
        e = theta - self.theta
        return rowdot((e @ (self.c * self.G)).add_(self.grad), e).add_(self.loss)

    def grad_at(self, theta: torch.Tensor) -> torch.Tensor:
        """∇L(θ) for each row of θ (T, p)."""
        return self.grad + (2 * self.c) * ((theta - self.theta) @ self.G)


# -- a run's health: the one definition of each verdict --------------------------------------

HEALTH_WINDOW = 10  # updates a loss must have grown over to call a run "diverging"


def divergence_limit(loss0: float, factor: float) -> float:
    """The loss above which a run has diverged: ``factor`` × its starting loss (at least
    ``factor`` × 1e-12, so a run that starts at a perfect fit can still diverge)."""
    return factor * max(loss0, 1e-12)


def diverged(
    loss: float | np.ndarray, params: np.ndarray, loss0: float, factor: float
) -> np.ndarray:
    """True where a run has diverged: the full-data loss is non-finite or above
    :func:`divergence_limit`, or θ has a non-finite entry. ``loss`` is one value with θ
    (p,), or one per update (T,) with θ (T, p); the answer has the loss's shape."""
    values = np.asarray(loss, dtype=np.float64)
    finite_theta = np.isfinite(np.asarray(params, dtype=np.float64)).all(axis=-1)
    too_big = values > divergence_limit(loss0, factor)
    return ~np.isfinite(values) | too_big | ~finite_theta


def first_diverged(loss: np.ndarray, params: np.ndarray, loss0: float, factor: float) -> int | None:
    """Index of the first update (rows of ``loss`` (T,), ``params`` (T, p)) at which the run
    has diverged by :func:`diverged`, or None."""
    bad = diverged(loss, params, loss0, factor)
    return int(np.argmax(bad)) if bad.any() else None


def stable_lr_applies(config: RunConfig) -> bool:
    """Whether 2/λ_max is the exact bound on the learning rate: full-batch plain gradient
    descent. For other batches or optimizers it is only a guide."""
    return config.batch.mode == "full" and config.optimizer == "sgd"


def health(run: Run, window: int = HEALTH_WINDOW) -> str:
    """ready | converging | diverging | converged | diverged, in O(1).

    converged and diverged are the run's own status; otherwise diverging when the loss has
    grown over the last ``window`` updates and is above the starting loss, else converging.
    """
    if run.status in ("diverged", "converged"):
        return run.status
    if run.updates == 0:
        return "ready"
    h = run.history
    now = h.loss_at(run.updates)
    before = h.loss_at(max(0, run.updates - window))
    return "diverging" if now > h.loss0 and now > before else "converging"


@dataclass(frozen=True)
class StabilityReport:
    """Where a run stands, as numbers and as short English facts."""

    status: str  # ready | converging | diverging | converged | diverged
    updates: int  # updates done
    loss: float  # full-data loss now
    optimum_loss: float  # L(θ*), the least the model can reach
    theta_star: np.ndarray  # θ* in working units
    diverged_at: int | None  # update at which the run diverged
    lr: float  # the base learning rate η
    max_stable_lr: float  # 2/λ_max of the full-data Hessian
    stable_lr_applies: bool  # True for full-batch plain GD, where 2/λ_max is the exact bound
    condition_number: float  # κ of the Hessian
    facts: tuple[str, ...]  # one sentence per fact, for logs and the UI


def stability_report(run: Run) -> StabilityReport:
    """Summarise ``run``: converging, converged or diverged (and where), the largest stable
    rate 2/λ_max (exact for full-batch plain gradient descent, a guide otherwise) and the
    optimum's loss."""
    prob, cfg = run.problem, run.config
    theta_star, loss_star = closed_form(prob)
    lam = eigenvalues(prob)
    eta_max = _stable(lam)
    applies = stable_lr_applies(cfg)
    status = health(run)
    facts = [_status_fact(run, status)]
    facts.append(f"Loss now {run.loss:.6g}; the best possible (least squares) is {loss_star:.6g}.")
    rate = (
        f"Learning rate {cfg.lr:.6g}; largest stable rate for full-batch GD 2/λmax = {eta_max:.6g}"
    )
    if applies:
        verdict = "below it: stable" if cfg.lr < eta_max else "above it: unstable"
        facts.append(f"{rate} ({verdict}).")
    else:
        facts.append(f"{rate} (exact only for full-batch plain GD; a guide here).")
    kappa = _kappa(lam)
    facts.append(f"Condition number of the Hessian: {kappa:.6g}.")
    return StabilityReport(
        status=status,
        updates=run.updates,
        loss=run.loss,
        optimum_loss=loss_star,
        theta_star=theta_star,
        diverged_at=run.diverged_at,
        lr=cfg.lr,
        max_stable_lr=eta_max,
        stable_lr_applies=applies,
        condition_number=kappa,
        facts=tuple(facts),
    )


def _status_fact(run: Run, status: str) -> str:
    if status == "diverged":
        return f"Diverged at update {run.diverged_at}: the loss blew up."
    if status == "converged":
        return f"Converged after {run.updates} updates (gradient norm below tolerance)."
    if status == "diverging":
        return f"Diverging: the loss has grown over the latest updates (update {run.updates})."
    if status == "ready":
        return "Not started yet."
    return f"Converging: {run.updates} updates done."
