"""Frozen pictures of runs, copied out of the engine for the widgets to draw.

The widgets never read a Run: a worker may be stepping it. The session builds these under
its lock — small copies (a loss trace of at most ``TRACE_MAX`` points, the latest Step, a
few numbers) — and passes them down. Facts that do not change while a run plays (the
least-squares optimum, the largest stable rate, the data) are computed once per Run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from linreg_tui.engine import RunSummary, Step, UpdateRecord, coordinates, health, stable_lr_applies

from .choices import RunChoice

if TYPE_CHECKING:
    from linreg_tui.engine import Run

TRACE_MAX = 2048  # points of loss and path kept per picture (a power-of-two stride beyond)


@dataclass(frozen=True)
class RunFacts:
    """What stays fixed while a run plays; computed once when the run is built."""

    theta_star: np.ndarray  # least-squares optimum θ* (working units)
    optimum_loss: float  # L(θ*)
    lsq_w: tuple[float, ...]  # θ*'s weights in the data's original units
    lsq_b: float | None  # θ*'s bias in original units (None without a bias)
    max_stable_lr: float  # 2/λ_max of the full-data Hessian
    stable_lr_applies: bool  # 2/λ_max is the exact bound (full-batch plain GD)
    param_names: tuple[str, ...]  # "w" (or "w1"…"wd") and "b"
    feature_names: tuple[str, ...]  # the data's feature names
    target_name: str  # the data's target name
    X: np.ndarray = field(repr=False)  # (n, d) features in original units
    y: np.ndarray = field(repr=False)  # (n,) targets
    per_epoch: int = 1  # updates per epoch
    batch_rows: int = 1  # rows in a (non-final) batch
    standardized: bool = False  # the run descends on z-scored features
    surface: Callable[..., np.ndarray] | None = field(default=None, repr=False, compare=False)
    # surface(i, j, (lo_i, hi_i), (lo_j, hi_j), (res_i, res_j)) -> Z (res_i, res_j): the loss
    # over θ_i × θ_j with the other parameters at θ*
    scan: Callable[..., np.ndarray] | None = field(default=None, repr=False, compare=False)
    # scan(i, values) -> losses: L as θ_i takes each value, the others at θ*

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def p(self) -> int:
        return len(self.param_names)


@dataclass(frozen=True)
class NoiseCloud:
    """Where the next plain gradient step θ − η·ĝ_S could land, one point per mini-batch S
    of the run's size B (engine.noise), and the full-data step θ − η·∇L (working units)."""

    batch_size: int  # B
    steps: np.ndarray  # (m, p) θ − η·ĝ_S for every batch drawn
    full_step: np.ndarray  # (p,) θ − η·∇L
    exact_trace: float  # tr Cov(ĝ_S) = s_B²·tr(Σ)/B·(n−B)/(n−1)
    empirical_trace: float  # the same, measured over the batches drawn
    ratio_to_sgd: float  # exact trace / exact trace at B = 1


def noise_cloud(run: Run, batch_size: int) -> NoiseCloud | None:
    """The cloud at ``run``'s θ now for batches of ``batch_size`` (None when θ is not finite
    or the data stream)."""
    theta = np.asarray(run.theta, dtype=np.float64)
    if not np.all(np.isfinite(theta)) or run.batch_plan().stream:
        return None
    full, (noise,) = run.gradient_noise(theta, [batch_size], seed=run.config.seed)
    lr = run.lr_at(run.updates)
    return NoiseCloud(
        batch_size=batch_size,
        steps=theta - lr * noise.batches,
        full_step=theta - lr * np.asarray(full, dtype=np.float64),
        exact_trace=noise.exact_trace,
        empirical_trace=noise.empirical_trace,
        ratio_to_sgd=noise.ratio_to_sgd,
    )


@dataclass(frozen=True)
class RunSnapshot:
    """One run as it is now, for drawing."""

    index: int  # position in the session (0 in the playground)
    label: str  # legend text
    choice: RunChoice  # what the run was built from
    facts: RunFacts
    summary: RunSummary  # the engine's state record: updates, loss, ‖∇L‖, η, status …
    health: str  # ready | converging | diverging | converged | diverged
    step: Step | None  # the latest update (None at the start)
    update: UpdateRecord | None  # the latest update's values by symbol (None at the start)
    theta: np.ndarray  # θ now (working units)
    w: tuple[float, ...]  # weights now, original units
    b: float | None  # bias now, original units
    trace_x: np.ndarray  # x of each traced point on the session's axis
    trace_updates: np.ndarray  # update count of each traced point
    trace_loss: np.ndarray  # full-data loss at each traced point
    trace_theta: np.ndarray  # (k, p) θ at each traced point (working units)
    predictions: np.ndarray | None  # ŷ over the data now (fit chart), None if not asked
    metrics: tuple[float, float, float, float] | None = None  # MSE, RMSE, MAE, R² now
    noise: NoiseCloud | None = None  # the possible next steps (when the session asks)

    # The summary's numbers, read through (one record, no copies that could disagree).
    @property
    def updates(self) -> int:
        return self.summary.updates

    @property
    def epoch(self) -> int:
        return self.summary.epoch

    @property
    def epochs_done(self) -> float:
        return self.summary.epochs_done

    @property
    def samples_seen(self) -> int:
        return self.summary.samples_seen

    @property
    def loss(self) -> float:
        return self.summary.loss

    @property
    def lr(self) -> float:
        return self.summary.lr

    @property
    def status(self) -> str:
        """Engine status: ready | running | converged | diverged."""
        return self.summary.status

    @property
    def diverged_at(self) -> int | None:
        return self.summary.diverged_at


@dataclass(frozen=True)
class SessionSnapshot:
    """Every run of a session, and how they are aligned."""

    runs: tuple[RunSnapshot, ...]
    alignment: str  # updates | epochs | samples | seconds
    position: float  # where the shared clock stands on the alignment axis
    speed: int  # ticks per second while playing
    version: int = 0  # the session's change counter when this was taken


def param_names(d: int, bias: bool) -> tuple[str, ...]:
    names = ("w",) if d == 1 else tuple(f"w{j + 1}" for j in range(d))
    return names + (("b",) if bias else ())


def make_facts(run: Run) -> RunFacts:
    """Compute a run's fixed facts (optimum, stability) once."""
    theta_star, loss_star = run.least_squares()
    if loss_star <= 1e-12 * max(run.loss, 1e-300):
        loss_star = 0.0  # rounding noise of an exact fit (T4's data), shown as 0
    lsq_w, lsq_b = run.to_original(theta_star)

    def surface(
        i: int,
        j: int,
        lim_i: tuple[float, float],
        lim_j: tuple[float, float],
        res: int | tuple[int, int],
    ) -> np.ndarray:
        return run.loss_surface(i, j, theta_star, (lim_i, lim_j), res)

    def scan(i: int, values: np.ndarray) -> np.ndarray:
        return run.loss_scan(i, values, theta_star)

    cfg = run.config
    return RunFacts(
        theta_star=np.asarray(theta_star, dtype=np.float64),
        optimum_loss=float(loss_star),
        lsq_w=tuple(lsq_w),
        lsq_b=lsq_b,
        max_stable_lr=run.max_stable_lr(),
        stable_lr_applies=stable_lr_applies(cfg),
        param_names=param_names(len(lsq_w), cfg.bias),
        feature_names=tuple(run.dataset.feature_names),
        target_name=str(run.dataset.target_name),
        X=np.asarray(run.dataset.X, dtype=np.float64),
        y=np.asarray(run.dataset.y, dtype=np.float64),
        per_epoch=run.per_epoch,
        batch_rows=run.batch_plan().size,
        standardized=run.standardized,
        surface=surface,
        scan=scan,
    )


def trace_index(updates: int, limit: int = TRACE_MAX) -> np.ndarray:
    """Update counts 0…updates to draw: all of them, or every 2^k-th (k as small as fits)
    plus the last. A power-of-two stride keeps the same points from frame to frame, so
    charts do not flicker as a run grows."""
    stride = 1
    while (updates + stride) // stride > limit:
        stride *= 2
    idx = np.arange(0, updates + 1, stride)
    if idx[-1] != updates:
        idx = np.append(idx, updates)
    return idx


def trace_x(run: Run, idx: np.ndarray, alignment: str) -> np.ndarray:
    """x of the traced points on the chosen axis (the engine's coordinates)."""
    return coordinates(run, alignment, idx)


def snapshot_of(
    index: int,
    run: Run,
    choice: RunChoice,
    facts: RunFacts,
    *,
    alignment: str = "updates",
    with_fit: bool = False,
    noise: bool = False,
) -> RunSnapshot:
    """Copy what the widgets draw out of ``run`` (call under the session's lock)."""
    idx = trace_index(run.updates)
    trace_loss, trace_theta = run.trace(idx)
    w, b = run.params()
    predictions = metrics = None
    if with_fit and np.all(np.isfinite(run.theta)):
        predictions = np.asarray(run.predict(facts.X), dtype=np.float64)
        now = run.metrics(first=run.updates)  # engine.metrics: θ now on all the data
        metrics = tuple(float(now[name][0]) for name in ("mse", "rmse", "mae", "r2"))
    cloud = noise_cloud(run, facts.batch_rows) if noise and facts.batch_rows < facts.n else None
    return RunSnapshot(
        index=index,
        label=choice.label,
        choice=choice,
        facts=facts,
        summary=run.summary(),
        health=health(run),
        step=run.last_step,
        update=run.update_record(run.last_step) if run.last_step is not None else None,
        theta=run.theta,
        w=tuple(w),
        b=b,
        trace_x=trace_x(run, idx, alignment),
        trace_updates=idx,
        trace_loss=trace_loss,
        trace_theta=trace_theta,
        predictions=predictions,
        metrics=metrics,  # type: ignore[arg-type]
        noise=cloud,
    )
