"""A Run: one gradient-descent fit, stepped one update at a time.

A Run is deterministic from (data, config): the rows of update t, the
learning rate of update t and every random start are pure functions of the
seed, so stepping back restores a row of the History and replays one update
— never guesswork.

Per update t (0-based), with batch B_t, rate η_t and rule R:

    g_t   = ∇L_B(θ_t)                      (plus g_{t−1} under forget-zero-grad)
    θ_t+1, s_t+1 = R(θ_t, g_t, s_t, η_t)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .analysis import diverged
from .batching import Batcher
from .config import RunConfig
from .errors import Cancelled, ConfigError, EngineError
from .history import History
from .problem import Problem
from .run_readout import RunReadout
from .step import PER_SAMPLE_LIMIT, Step
from .summary import RunSummary

if TYPE_CHECKING:
    import torch

    from .data import Dataset
    from .optimizers import UpdateRecord


class RunStopped(EngineError):
    """Raised by :meth:`Run.step` once the run has diverged."""


class Run(RunReadout):
    """One fit of ŷ = X·w (+ b) by gradient descent under a RunConfig."""

    def __init__(self, dataset: Dataset, config: RunConfig | None = None) -> None:
        from .optimizers import make_rule

        self.config = config = (config or RunConfig()).validate()
        if config.batch.mode == "stream" and dataset.stream is None:
            raise ConfigError("run.stream_fixed", batch=str(config.batch), name=dataset.name)
        self.dataset = dataset
        self.standardizer = None
        if config.standardize:
            from .data import Standardizer

            self.standardizer = Standardizer.fit(dataset.X, names=dataset.feature_names)
        self.problem = Problem(
            dataset,
            loss=config.loss,
            bias=config.bias,
            dtype=config.dtype,
            device=config.device,
            standardizer=self.standardizer,
        )
        self.batcher = Batcher(
            self.problem.n,
            config.batch,
            shuffle=config.shuffle,
            drop_last=config.drop_last,
            seed=config.seed,
        )
        self.rule = make_rule(config)
        theta0 = self._initial_theta()
        state0 = self.rule.init(theta0)
        self._theta = theta0
        self._state = state0
        self._accum = self.problem.tensor(np.zeros(self.problem.p))
        self.history = History(
            self._np(theta0),
            self._np(state0),
            self.problem.full_loss(theta0),
            full_grad_norm0=float(self.problem.full_gradient(theta0).norm()),
        )
        self.last_step: Step | None = None
        self.status = "ready"
        self.diverged_at: int | None = None
        self._elapsed = 0.0

    # -- set-up -------------------------------------------------------------------

    def _initial_theta(self) -> torch.Tensor:
        cfg, d = self.config, self.problem.d
        if cfg.init_w is not None:
            if len(cfg.init_w) != d:
                raise ConfigError("run.init_w_count", d=d, got=len(cfg.init_w))
            w = np.asarray(cfg.init_w, dtype=np.float64)
        elif cfg.init_random:
            import torch

            gen = torch.Generator().manual_seed(cfg.seed)
            w = torch.rand(d, generator=gen, dtype=torch.float64).numpy()
        else:
            w = np.zeros(d)
        b = float(cfg.init_b)
        if self.standardizer is not None:
            w, b = self.standardizer.to_standardized(w, b)
            w = np.asarray(w, dtype=np.float64)
        theta = np.concatenate([w, [b]]) if cfg.bias else w
        return self.problem.tensor(theta)

    @staticmethod
    def _np(t: torch.Tensor) -> np.ndarray:
        return t.detach().to("cpu").double().numpy().copy()

    @staticmethod
    def _view(t: torch.Tensor) -> np.ndarray:
        """A read-only float64 array of a tensor nobody mutates (no copy when it already is
        float64 on the CPU): keeps a full-batch Step at n = 10⁶ from copying 8 MB per field."""
        arr = t.detach().to("cpu").double().numpy()
        arr.flags.writeable = False
        return arr

    # -- reading the state --------------------------------------------------------

    @property
    def updates(self) -> int:
        """Updates done so far."""
        return len(self.history)

    @property
    def epoch(self) -> int:
        """0-based epoch the next update belongs to."""
        return self.batcher.locate(self.updates)[0]

    @property
    def epochs_done(self) -> float:
        """Epochs completed, fractional (updates / updates per epoch)."""
        return self.updates / self.batcher.per_epoch

    @property
    def samples_seen(self) -> int:
        return self.batcher.samples_seen(self.updates)

    @property
    def theta(self) -> np.ndarray:
        """θ now, in working units (standardized when the config says so)."""
        return self.history.params_at(self.updates).copy()

    @property
    def loss(self) -> float:
        """Full-data loss now."""
        return self.history.loss_at(self.updates)

    def params(self) -> tuple[list[float], float | None]:
        """(w, b) now in the data's original units."""
        return self.to_original(self.theta)

    def to_original(self, theta: np.ndarray) -> tuple[list[float], float | None]:
        """Split θ into (w, b), undoing standardization."""
        d = self.problem.d
        w = np.asarray(theta[:d], dtype=np.float64)
        b = float(theta[d]) if self.config.bias else None
        if self.standardizer is not None:
            w, b0 = self.standardizer.to_original(w, b if b is not None else 0.0)
            b = b0 if self.config.bias else None
        return [float(v) for v in w], b

    def predict(self, X: np.ndarray | list) -> np.ndarray:
        """ŷ for feature rows in original units, with θ now."""
        return self.problem.predict(
            self.problem.tensor(self.theta), np.asarray(X, dtype=np.float64)
        )

    def summary(self) -> RunSummary:
        """The run's state now as plain numbers (see engine.summary)."""
        n = self.updates
        return RunSummary(
            updates=n,
            epoch=self.epoch,
            epochs_done=self.epochs_done,
            samples_seen=self.samples_seen,
            loss=float(self.loss),
            grad_norm=self.history.full_grad_norm_at(n),
            lr=float(self.lr_at(n)),
            base_lr=float(self.config.lr),
            tolerance=float(self.config.tolerance),
            status=self.status,
            diverged_at=self.diverged_at,
        )

    def history_window(
        self, names: tuple[str, ...], start: int, stop: int
    ) -> dict[str, np.ndarray]:
        """Copies of History columns (e.g. "loss", "full_grad_norm") for updates
        start+1 … stop, clipped to the updates done: entry i is the value after update
        start+1+i."""
        return self.history.window(names, start, stop)

    def optimum(self) -> tuple[list[float], float | None, float]:
        """(w*, b*, L(θ*)): the least-squares optimum in the data's original units and its
        full-data loss (engine.analysis.closed_form)."""
        from .analysis import closed_form

        theta, loss = closed_form(self.problem)
        w, b = self.to_original(np.asarray(theta, dtype=np.float64))
        return w, b, float(loss)

    def max_stable_lr(self) -> float:
        """2/λ_max of the full-data Hessian: the largest stable rate of full-batch GD."""
        from .analysis import max_stable_lr

        return float(max_stable_lr(self.problem))

    def condition_number(self) -> float:
        """κ = λ_max/λ_min of the full-data Hessian (inf when singular)."""
        from .analysis import condition_number

        return float(condition_number(self.problem))

    def lr_at(self, t: int) -> float:
        """η for 0-based update t."""
        from .schedules import lr_at

        return lr_at(self.config.schedule, self.config.lr, t)

    # -- stepping -----------------------------------------------------------------

    def step(self) -> Step:
        """Do the next update and return its record."""
        if self.status == "diverged":
            raise RunStopped(
                f"the run diverged at update {self.diverged_at}; reset or lower the learning rate"
            )
        started = time.perf_counter()
        step, state = self._compute(self.updates, self._theta, self._state, self._accum)
        self._elapsed += time.perf_counter() - started
        step = _replace_elapsed(step, self._elapsed)
        self._commit(step, state)
        return step

    def _batch(self, t: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor, np.ndarray]:
        """Rows, A_B, y_B and raw features of update t."""
        epoch, index, rows = self.batcher.batch_rows(t)
        stream = self.dataset.stream
        if self.batcher.is_stream and stream is not None:
            X_b, y_b = stream.draw(
                self.batcher.size,
                self.batcher.stream_seed(t),
                self.problem.dtype,
                self.problem.device,
            )
            X_np = self._np(X_b).reshape(len(rows), -1)
            if self.standardizer is not None:
                X_np = self.standardizer.transform(X_np)
            return rows, self.problem.design(X_np), y_b.reshape(-1).to(self.problem.dtype), X_np
        if self.batcher.spec.mode == "full":
            return rows, self.problem.A, self.problem.y, self.problem.X_np
        idx = self._row_index(rows)
        return rows, self.problem.A[idx], self.problem.y[idx], self.problem.X_np[rows]

    def _row_index(self, rows: np.ndarray) -> torch.Tensor:
        import torch

        # A read-only slice (the unshuffled order is shared) would make torch warn on stderr.
        rows = rows if rows.flags.writeable else rows.copy()
        return torch.as_tensor(rows, device=self.problem.device)

    def _compute(
        self, t: int, theta: torch.Tensor, state: torch.Tensor, accum: torch.Tensor
    ) -> tuple[Step, torch.Tensor]:
        """The Step of 0-based update t from the given state, and the optimizer's state
        after it; changes nothing."""
        cfg, prob = self.config, self.problem
        epoch, index = self.batcher.locate(t)
        rows, A, y, X_np = self._batch(t)
        b = int(A.shape[0])
        res = prob.batch_gradient(theta, A, y, cfg.grad, b)
        batch_grad = res.grad
        grad = batch_grad
        if cfg.mistake == "overwrite-grad":
            # T5's bug: the loop assigns each sample's gradient instead of adding it.
            grad = prob.batch_gradient(theta, A[-1:], y[-1:], cfg.grad, b).grad
        elif cfg.mistake == "forget-zero-grad":
            grad = accum + batch_grad
        elif cfg.mistake == "sign-flip":
            # A sign slip: the update adds η·∇L, so every step climbs the loss.
            grad = -batch_grad
        lr = self.lr_at(t)
        theta_after, state_after = self.rule.update(theta, grad, state, lr, t + 1)
        loss_after = prob.full_loss(theta_after)
        per_sample = None
        if b <= PER_SAMPLE_LIMIT:
            per_sample = self._np(prob.per_sample_terms(A, res.residuals, b))
        status, full_grad_norm = self._status_after(t + 1, loss_after, theta_after)
        grad_check = None
        if cfg.grad != "analytic":
            hand = prob.hand_gradient(theta, A, y, b)
            grad_check = float((batch_grad - hand).abs().max())
        if A is prob.A:  # the batch is all the data: its loss after is the full loss after
            batch_loss_after = loss_after
        else:
            after = A @ theta_after - y
            batch_loss_after = float(prob.scale(b) * (after @ after))
        step = Step(
            update=t + 1,
            epoch=epoch,
            batch_index=index,
            samples_seen=self.batcher.samples_seen(t + 1),
            rows=np.asarray(rows),
            x=np.asarray(X_np),
            y=self._view(y),
            predictions=self._view(res.predictions),
            residuals=self._view(res.residuals),
            batch_loss=float(res.loss),
            grad=self._np(grad),
            batch_grad=self._np(batch_grad),
            per_sample=per_sample,
            lr=lr,
            params_before=self._np(theta),
            params_after=self._np(theta_after),
            loss_before=self.history.loss_at(t),
            loss_after=loss_after,
            grad_norm=float(grad.norm()),
            bias=cfg.bias,
            loss_name=cfg.loss,
            optimizer=cfg.optimizer,
            elapsed=self._elapsed,
            status=status,
            full_grad_norm=full_grad_norm,
            grad_check=grad_check,
            batch_loss_after=batch_loss_after,
        )
        return step, state_after

    def _status_after(self, update: int, loss: float, theta: torch.Tensor) -> tuple[str, float]:
        """(diverged | converged | running, ‖∇L(θ)‖ over all the data) after an update
        reaching ``loss`` at ``theta``; the norm is NaN once diverged (not computed)."""
        loss0, factor = self.history.loss0, self.config.divergence_factor
        if diverged(loss, self._np(theta), loss0, factor):
            return "diverged", math.nan
        norm = float(self.problem.full_gradient(theta).norm())
        return ("converged" if norm < self.config.tolerance else "running"), norm

    def _commit(self, step: Step, state: torch.Tensor) -> None:
        """Make ``step`` the run's latest update."""
        prob = self.problem
        self._theta = prob.tensor(step.params_after)
        self._state = state
        if self.config.mistake == "forget-zero-grad":
            self._accum = prob.tensor(step.grad)
        self.history.append(
            step.params_after,
            step.grad,
            self._np(self._state),
            step.loss_after,
            step.batch_loss,
            step.lr,
            step.elapsed,
            step.grad_norm,
            step.full_grad_norm,
        )
        self.last_step = step
        self.status = step.status
        if step.status == "diverged":
            self.diverged_at = step.update

    # -- moving in time -------------------------------------------------------------

    def goto(self, updates: int) -> Step | None:
        """Put the run at exactly ``updates`` updates, replaying or restoring as needed."""
        updates = max(0, updates)
        if updates > self.updates:
            self.run_until(update=updates)
            return self.last_step
        self.history.truncate(updates)
        self._restore(updates)
        return self.last_step

    def step_back(self) -> Step | None:
        """Undo the latest update; returns the Step that now is the latest (None at 0)."""
        return self.goto(self.updates - 1)

    def reset(self) -> None:
        """Back to the starting point."""
        self.goto(0)

    def _restore(self, updates: int) -> None:
        h, prob = self.history, self.problem
        self._theta = prob.tensor(h.params_at(updates))
        self._state = prob.tensor(h.state_at(updates))
        self._accum = prob.tensor(
            h.grad_at(updates) if self.config.mistake == "forget-zero-grad" else np.zeros(h.p)
        )
        self._elapsed = h.elapsed_at(updates)
        self.diverged_at = None
        if updates == 0:
            self.last_step, self.status = None, "ready"
            return
        before = updates - 1
        theta = prob.tensor(h.params_at(before))
        state = prob.tensor(h.state_at(before))
        accum = prob.tensor(
            h.grad_at(before) if self.config.mistake == "forget-zero-grad" else np.zeros(h.p)
        )
        step, _ = self._compute(before, theta, state, accum)
        step = _replace_elapsed(step, h.elapsed_at(updates))
        self.last_step = step
        self.status = step.status
        if step.status == "diverged":
            self.diverged_at = step.update

    def run_until(
        self,
        *,
        epoch: int | None = None,
        update: int | None = None,
        loss: float | None = None,
        max_updates: int = 10_000_000,
        cancelled: Callable[[], bool] | None = None,
    ) -> Step | None:
        """Step until ``update`` updates are done, ``epoch`` epochs are done, or the
        full-data loss falls to ``loss`` — whichever comes first — or the run diverges.

        ``cancelled`` is asked before every update; once it returns True this raises
        :class:`~.errors.Cancelled`, keeping the updates done so far."""
        targets = []
        if update is not None:
            targets.append(update)
        if epoch is not None:
            targets.append(epoch * self.batcher.per_epoch)
        stop = min(targets) if targets else self.updates + max_updates
        while self.updates < stop and self.status != "diverged":
            if cancelled is not None and cancelled():
                raise Cancelled(f"stopped at update {self.updates}")
            self.step()
            if loss is not None and self.loss <= loss:
                break
        return self.last_step

    def fast_forward(self, epochs: int, cancelled: Callable[[], bool] | None = None) -> Step | None:
        """Jump ``epochs`` epochs ahead; equal to stepping, without a Python loop per
        update where the rule is affine (see engine.fastforward). ``cancelled`` as in
        :meth:`run_until` (asked between chunks of the scan)."""
        if epochs < 0:
            raise ConfigError(f"epochs must be 0 or more, got {epochs}")
        if self.status == "diverged" or epochs == 0:
            return self.last_step
        from . import fastforward

        target = (self.epoch + epochs) * self.batcher.per_epoch
        if fastforward.supports(self):
            fastforward.advance(self, target - self.updates, cancelled)
        else:
            self.run_until(update=target, cancelled=cancelled)
        return self.last_step

    def update_record(self, step: Step) -> UpdateRecord:
        """``step``'s update as values by symbol, for writing the rule's equations with
        numbers: θ, g, η, t and the constants before, the state before and after from the
        History. Nothing is recomputed; ``step`` must be one of this run's updates so far."""
        h = self.history
        state = (h.state_at(step.update - 1), h.state_at(step.update))
        return self.rule.record(
            step.params_before, step.grad, step.lr, step.update, state, step.params_after
        )

    def step_at(self, update: int) -> Step:
        """The Step of 1-based ``update`` (≤ the updates done), rebuilt by replaying it from
        the History row before it; changes nothing."""
        if not 1 <= update <= self.updates:
            raise ConfigError(f"no update {update}: the run has {self.updates} update(s)")
        h, prob = self.history, self.problem
        before = update - 1
        accum = h.grad_at(before) if self.config.mistake == "forget-zero-grad" else np.zeros(h.p)
        step, _ = self._compute(
            before,
            prob.tensor(h.params_at(before)),
            prob.tensor(h.state_at(before)),
            prob.tensor(accum),
        )
        return _replace_elapsed(step, h.elapsed_at(update))

    def metrics(
        self,
        X: np.ndarray | None = None,
        y: np.ndarray | None = None,
        first: int = 0,
        last: int | None = None,
    ) -> dict[str, np.ndarray]:
        """MSE, RMSE, MAE and R² (engine.metrics) of θ after updates first … last (default:
        0 … all done) on rows X, y in original units (default: the run's data); each column
        has last − first + 1 entries."""
        from .metrics import metrics_per_update

        last = self.updates if last is None else last
        h = self.history
        start = [h.theta0] if first == 0 else []  # θ₀ is not a History row
        params = np.vstack([*start, h.view("params")[max(0, first - 1) : last]])
        if X is None:
            A, target = self.problem.X_np, self.problem.y.detach().cpu().double().numpy()
        else:
            A = X if self.standardizer is None else self.standardizer.transform(X)
            target = np.asarray(y, dtype=np.float64)
        A = np.asarray(A, dtype=np.float64).reshape(len(target), -1)
        if self.config.bias:
            A = np.c_[A, np.ones(len(target))]
        return metrics_per_update(A, target, params)

    def sync_from_history(self) -> None:
        """Rebuild the live state and the latest Step from the History's last row
        (used after the fast-forward appended rows in bulk)."""
        self._restore(self.updates)

    def step_flagged(self) -> bool:
        """After a scan stopped at an update it flagged as diverging: sync from History and
        take that update by stepping, so the run stops (or not) exactly where one-by-one
        stepping would. True when it diverged there."""
        self.sync_from_history()
        self.step()
        return self.status == "diverged"


def _replace_elapsed(step: Step, elapsed: float) -> Step:
    from dataclasses import replace

    return replace(step, elapsed=elapsed)
