"""Stop rules: when a run stops before its planned length.

Fed the values after each update t (1-based), a rule fires at the first t where

    grad-norm:TOL            ‖∇L(θ_t)‖ ≤ TOL
    loss-change:TOL:P        |L_t − L_{t−1}| < TOL for P updates in a row
    holdout-rise:P           the held-out MSE has not gone below its best for P updates
                             (early stopping; the best update is reported too)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ConfigError

RULES = ("grad-norm:TOL", "loss-change:TOL:PATIENCE", "holdout-rise:PATIENCE")


@dataclass(frozen=True)
class StopRule:
    """One parsed ``--stop`` rule."""

    kind: str  # grad-norm | loss-change | holdout-rise
    tol: float = 0.0  # TOL (grad-norm, loss-change)
    patience: int = 1  # PATIENCE (loss-change, holdout-rise)

    def __str__(self) -> str:
        if self.kind == "grad-norm":
            return f"grad-norm:{self.tol!r}"
        if self.kind == "loss-change":
            return f"loss-change:{self.tol!r}:{self.patience}"
        return f"holdout-rise:{self.patience}"


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"--stop: {what} must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"--stop: {what} must be a finite number ≥ 0, got {text!r}")
    return value


def _whole(text: str, what: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ConfigError(f"--stop: {what} must be a whole number ≥ 1, got {text!r}")
    return int(text)


def parse_stop(text: str) -> StopRule:
    """``grad-norm:TOL``, ``loss-change:TOL:PATIENCE`` or ``holdout-rise:PATIENCE``."""
    parts = text.strip().split(":")
    kind = parts[0]
    if kind == "grad-norm" and len(parts) == 2:
        return StopRule(kind, _number(parts[1], "TOL"))
    if kind == "loss-change" and len(parts) == 3:
        return StopRule(kind, _number(parts[1], "TOL"), _whole(parts[2], "PATIENCE"))
    if kind == "holdout-rise" and len(parts) == 2:
        return StopRule(kind, 0.0, _whole(parts[1], "PATIENCE"))
    raise ConfigError(f"cannot read --stop {text!r}; use one of: {', '.join(RULES)}")


@dataclass(frozen=True)
class Stopped:
    """Which rule stopped the run and where."""

    rule: StopRule
    update: int  # the update after which it stopped
    best_update: int | None = None  # holdout-rise: the update with the lowest held-out MSE


class Stopper:
    """Watches a run update by update; ``observe`` returns a Stopped once a rule fires."""

    def __init__(self, rules: list[StopRule], loss0: float, holdout0: float | None = None):
        self.rules = rules
        self._last_loss = loss0
        self._calm_by = [0] * len(rules)  # per loss-change rule: updates in a row, |ΔL| < TOL
        self._best = holdout0 if holdout0 is not None else math.inf
        self._best_update = 0
        self._since_best = 0

    def observe(
        self, update: int, loss: float, grad_norm: float, holdout_mse: float | None = None
    ) -> Stopped | None:
        """Feed the values after ``update``; the first rule (in order) that fires, or None."""
        change = abs(loss - self._last_loss)
        self._last_loss = loss
        if holdout_mse is not None:
            if holdout_mse < self._best:
                self._best, self._best_update, self._since_best = holdout_mse, update, 0
            else:
                self._since_best += 1
        fired = None
        for i, rule in enumerate(self.rules):
            if rule.kind == "loss-change":
                self._calm_by[i] = self._calm_by[i] + 1 if change < rule.tol else 0
            if fired is None and self._fires(i, rule, grad_norm, holdout_mse):
                fired = Stopped(rule, update, self._best_update if rule.kind == "holdout-rise"
                                else None)  # fmt: skip
        return fired

    def _fires(self, i: int, rule: StopRule, grad_norm: float, holdout: float | None) -> bool:
        if rule.kind == "grad-norm":
            return math.isfinite(grad_norm) and grad_norm <= rule.tol
        if rule.kind == "loss-change":
            return self._calm_by[i] >= rule.patience
        return holdout is not None and self._since_best >= rule.patience
