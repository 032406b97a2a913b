"""What stays fixed while one run is fast-forwarded (see :mod:`.fastforward`).

Shared by :mod:`.fastforward` and :mod:`.fastforward_maps`; it imports neither, so the
fast-forward's modules form no import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .analysis import LossExpansion, expansion
from .errors import ConfigError
from .optimizers import make_rule

if TYPE_CHECKING:
    from .config import RunConfig
    from .run import Run

MAX_CHUNK_UPDATES = 1 << 20  # updates composed in one scan
CHUNK_FLOATS = 1 << 24  # rough float64 working set of one chunk (128 MB)


@dataclass
class Plan:
    """The rule's coefficients and the shape of its state z = (θ[, b][, a]):

    sgd θ' = θ − η·g;  momentum θ' = θ − η·g − ημ·b;  nesterov θ' = θ − η(1+μ)·g − ημ²·b,
    i.e. θ' = θ − αη·g − βη·b with b' = μ·b + g; a' = g under forget-zero-grad."""

    ref: LossExpansion
    p: int
    alpha: float  # coefficient of η·g in θ' (1, or 1+μ for nesterov)
    beta: float  # coefficient of η·v in θ' (0, μ or μ²)
    mu: float
    has_v: bool  # momentum buffer v in the state
    has_a: bool  # accumulated gradient in the state (forget-zero-grad)
    overwrite: bool  # overwrite-grad: only the batch's last row drives the update
    full: bool  # full batch: one constant gradient map
    float32: bool
    per_sample: bool  # one row per update (batch mode sgd)
    chunk: int  # updates per scan

    @classmethod
    def of(cls, run: Run) -> Plan:
        cfg, p = run.config, run.problem.p
        alpha, beta, mu = rule_coefficients(cfg)
        has_v = cfg.optimizer != "sgd"
        has_a = cfg.mistake == "forget-zero-grad"
        S = p * (1 + has_v + has_a)
        full = run.batcher.spec.mode == "full"
        rows = 0 if full else run.batcher.size
        per_update = 4 * S * S + 3 * rows * p + 8 * S + 16
        if rows == 1 and S == p:  # the row scan builds no maps
            per_update = 8 * p + 16
        chunk = max(1, min(MAX_CHUNK_UPDATES, CHUNK_FLOATS // per_update))
        return cls(
            ref=expansion(run.problem),
            p=p,
            alpha=alpha,
            beta=beta,
            mu=mu,
            has_v=has_v,
            has_a=has_a,
            overwrite=cfg.mistake == "overwrite-grad",
            full=full,
            float32=cfg.dtype == "float32",
            per_sample=not full and run.batcher.size == 1,
            chunk=chunk,
        )

    @property
    def row_scan(self) -> bool:
        """Plain sgd, one row per update, float64: the rank-one maps the row scan steps
        without building them."""
        return (
            self.per_sample
            and not (self.has_v or self.has_a or self.float32)
            and self.ref.A.device.type == "cpu"
        )


def rule_coefficients(config: RunConfig) -> tuple[float, float, float]:
    """(α, β, μ) of the configured rule's affine form θ' = θ − αη·g − βη·v, v' = μ·v + g,
    read from the rule itself (engine.optimizers); ConfigError for a rule that is not affine."""
    form = make_rule(config).affine()
    if form is None:
        raise ConfigError(f"the {config.optimizer} update is not affine: no fast-forward scan")
    return form.alpha, form.beta, form.mu
