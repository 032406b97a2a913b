"""The losses, one registry entry each: the one place a loss's scale and text are defined.

Every loss is a squared error over a batch of n rows with residuals r = ŷ − y:

    L = c·Σ rᵢ²,   ∇L = 2c·Aᵀr,   c = 1/n (mse), 1/(2n) (half_mse), 1 (sse), ½ (half_sse)

so a loss is fully given by whether it halves (½) and whether it averages (1/n). The
problem, the fast-forward, the step panel, the text log, the settings dialog and the code
generator all read the entry instead of keeping their own table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .errors import unknown_choice

Rows = TypeVar("Rows", int, float, np.ndarray)


@dataclass(frozen=True)
class Loss:
    """One squared-error loss L = c·Σ r² over a batch of n rows."""

    name: str  # the config spelling: mse | half_mse | sse | half_sse
    half: bool  # a ½ in front (the gradient loses its 2)
    mean: bool  # divided by the batch's rows n
    formula: str  # L spelled for the learner, e.g. "L = (1/n)·Σ (ŷ − y)²"
    short: str  # the compact form a settings list shows, e.g. "1/n·Σr²"
    grad_text: str  # the factor 2c spelled before "Σ …" in a gradient, e.g. "(2/n)·"
    titles: tuple[tuple[str, str], ...]  # (language, the loss's name in it)

    @property
    def constant(self) -> float:
        """c·n for a mean loss, c for a sum: ½ or 1."""
        return 0.5 if self.half else 1.0

    def scale(self, rows: Rows) -> Rows:
        """c in L = c·Σ r² for a batch of ``rows`` rows (elementwise on an array of counts)."""
        return self.constant / rows if self.mean else self.constant  # type: ignore[return-value]

    def grad_factor(self, rows: Rows) -> Rows:
        """2c, the factor of ∇L = 2c·Aᵀr."""
        return 2.0 * self.scale(rows)  # type: ignore[return-value]

    @property
    def reduction(self) -> str:
        """torch.nn.MSELoss's reduction giving Σ r² (sum) or Σ r²/n (mean); ½ is applied
        separately."""
        return "mean" if self.mean else "sum"

    @property
    def code_scale(self) -> str:
        """c as a Python expression in ``rows`` (generated programs)."""
        c = repr(self.constant)
        return f"{c} / rows" if self.mean else c

    def title(self, lang: str) -> str:
        """The loss's name in ``lang`` (English when the language is not known)."""
        names = dict(self.titles)
        return names.get(lang, names["en"])

    def text(self, lang: str = "en") -> str:
        """The formula with the loss's name: ``L = (1/n)·Σ (ŷ − y)²  (mean squared error)``."""
        return f"{self.formula}  ({self.title(lang)})"


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "mse",
            half=False,
            mean=True,
            formula="L = (1/n)·Σ (ŷ − y)²",
            short="1/n·Σr²",
            grad_text="(2/n)·",
            titles=(("en", "mean squared error"), ("zh", "均方误差")),
        ),
        Loss(
            "half_mse",
            half=True,
            mean=True,
            formula="L = 1/(2n)·Σ (ŷ − y)²",
            short="1/(2n)·Σr²",
            grad_text="(1/n)·",
            titles=(("en", "half mean squared error"), ("zh", "半均方误差")),
        ),
        Loss(
            "sse",
            half=False,
            mean=False,
            formula="L = Σ (ŷ − y)²",
            short="Σr²",
            grad_text="2·",
            titles=(("en", "sum of squared errors"), ("zh", "平方误差和")),
        ),
        Loss(
            "half_sse",
            half=True,
            mean=False,
            formula="L = ½·Σ (ŷ − y)²",
            short="½·Σr²",
            grad_text="",
            titles=(("en", "half sum of squared errors"), ("zh", "半平方误差和")),
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The registry entry of ``name`` (ConfigError listing the valid names otherwise)."""
    found = LOSSES.get(name)
    if found is None:
        raise unknown_choice("loss", name, tuple(LOSSES))
    return found


def loss_scale(name: str, rows: Rows) -> Rows:
    """c in L = c·Σ r² for the loss ``name`` and a batch of ``rows`` rows."""
    return get_loss(name).scale(rows)
