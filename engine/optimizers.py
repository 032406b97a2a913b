"""Optimizers as pure update rules with explicit state (in the style of optax / torch.optim).

A rule never mutates its inputs: ``update(θ, g, state, η, t)`` returns a new θ and a new
state. The state is ONE flat 1-D tensor so a run's history can store it row by row; it is
the concatenation of the rule's ``slots`` (each of length p), e.g. Adam's ``[m, s]``.
State names never collide with the bias b: v is momentum's velocity, m and s are running
means of g and g² (s also Adagrad's sum and RMSprop's mean of g²).

Each rule follows torch.optim's single-tensor code path operation by operation (same torch
calls in the same order), so in float64 our θ equals torch's parameter after ``opt.step()``
to the last bit or so. Symbols: η is the learning rate (torch's docs call it γ), g the
gradient, t the 1-based update number; g², √ and / act elementwise.

sgd, momentum and nesterov are linear in (θ, v) for a fixed gradient map, so a fast-forward
may treat them as affine maps (``affine()`` gives the coefficients); the adaptive rules
(adagrad, rmsprop, adam) are not.

torch is imported inside the methods, never at module level: the app must paint its first
screen before torch has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .errors import unknown_choice

if TYPE_CHECKING:
    import numpy as np
    from torch import Tensor

    from .config import RunConfig


class UpdateRule(Protocol):
    """A pure optimizer: ``init`` makes the state, ``update`` advances (θ, state) by one step."""

    name: str  # the config spelling: sgd | momentum | nesterov | adagrad | rmsprop | adam

    @property
    def slots(self) -> tuple[str, ...]:
        """Names of the state blocks, each of length p, in storage order."""
        ...

    @property
    def equations(self) -> tuple[Equation, ...]:
        """The update as data, one Equation per line, in computing order."""
        ...

    def state_size(self, p: int) -> int:
        """Length of the flat state for p parameters."""
        ...

    def init(self, theta: Tensor) -> Tensor:
        """Zeros of ``state_size(len(theta))``, same dtype and device as θ."""
        ...

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        """Return (θ_new, state_new); t is the 1-based update number. Never mutates inputs."""
        ...

    def formula(self) -> str:
        """The rule in plain Unicode, one equation per line."""
        ...

    def hyperparameters(self) -> dict[str, float]:
        """The rule's constants by symbol, e.g. ``{"μ": 0.9}`` (empty for sgd)."""
        ...

    def affine(self) -> AffineForm | None:
        """The coefficients when the rule is affine in (θ, v) (sgd, momentum, nesterov)."""
        ...

    def record(
        self,
        theta: np.ndarray,
        grad: np.ndarray,
        lr: float,
        t: int,
        state: tuple[np.ndarray, np.ndarray],
        theta_after: np.ndarray,
    ) -> UpdateRecord:
        """The values of one finished update by symbol; ``state`` is (before, after)."""
        ...


@dataclass(frozen=True)
class Equation:
    """One line of an update rule as data: ``target ← expr`` (or ``target = expr``).

    Symbols in ``expr`` are in braces so a reader can substitute values: θ (the parameters),
    g (the gradient), η (the learning rate), t (the 1-based update number), the rule's
    constants (μ, α, β1, β2, ε) and its state names. Lines read in order: a symbol set by an
    earlier line means its new value in later ones, as the rule computes it.
    """

    target: str  # "θ", a state name ("v", "m", "s") or a derived symbol ("m̂", "ŝ")
    expr: str  # the right-hand side with symbols in braces, e.g. "{μ}·{v} + {g}"
    sign: str = "←"  # ← sets θ or a state; = names a value derived for reading

    @property
    def text(self) -> str:
        """The line in plain symbols: ``v ← μ·v + g``."""
        return f"{self.target} {self.sign} {self.expr.replace('{', '').replace('}', '')}"


@dataclass(frozen=True)
class AffineForm:
    """The coefficients of a rule that is affine in (θ, v) for a fixed gradient g:

        v' = μ·v + g,   θ' = θ − α·η·g − β·η·v   (v absent when ``state`` is False)

    sgd: α = 1, β = 0;  momentum: α = 1, β = μ;  nesterov: α = 1 + μ, β = μ².
    """

    alpha: float  # coefficient of η·g in θ'
    beta: float  # coefficient of η·v (the buffer before the update) in θ'
    mu: float  # decay of the buffer v
    state: bool  # whether the rule keeps the buffer v


@dataclass(frozen=True)
class UpdateRecord:
    """One update of a rule as values by symbol, for rendering its equations with numbers.

    ``before`` holds every symbol an equation reads as the update starts (θ, g, η, t, the
    constants, the state); ``after`` the value each equation's target takes. Vectors are
    float64 arrays of length p; nothing here is recomputed from the rule's update.
    """

    equations: tuple[Equation, ...]
    before: dict[str, np.ndarray | float | int]
    after: dict[str, np.ndarray]


class _Rule:
    """Shared plumbing: state layout, zeros init, argument checks."""

    name: str = ""
    slots: tuple[str, ...] = ()
    equations: tuple[Equation, ...] = ()

    def formula(self) -> str:
        return "\n".join(eq.text for eq in self.equations)

    def affine(self) -> AffineForm | None:
        return None

    def derived(self, slots: dict[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
        """Values the equations name besides θ and the state (Adam's m̂, ŝ), from the
        state after the update."""
        return {}

    def record(
        self,
        theta: np.ndarray,
        grad: np.ndarray,
        lr: float,
        t: int,
        state: tuple[np.ndarray, np.ndarray],
        theta_after: np.ndarray,
    ) -> UpdateRecord:
        import numpy as np

        p = len(theta)
        as_slots = [
            {
                n: np.asarray(s[i * p : (i + 1) * p], dtype=np.float64)
                for i, n in enumerate(self.slots)
            }
            for s in state
        ]
        before: dict[str, np.ndarray | float | int] = {
            "θ": np.asarray(theta, dtype=np.float64),
            "g": np.asarray(grad, dtype=np.float64),
            "η": float(lr),
            "t": int(t),
            **{k: float(v) for k, v in self.hyperparameters().items()},
            **as_slots[0],
        }
        after = {**as_slots[1], **self.derived(as_slots[1], t)}
        after["θ"] = np.asarray(theta_after, dtype=np.float64)
        return UpdateRecord(self.equations, before, after)

    def state_size(self, p: int) -> int:
        return len(self.slots) * p

    def init(self, theta: Tensor) -> Tensor:
        import torch

        return torch.zeros(self.state_size(theta.numel()), dtype=theta.dtype, device=theta.device)

    def hyperparameters(self) -> dict[str, float]:
        return {}

    def _split(self, theta: Tensor, grad: Tensor, state: Tensor) -> list[Tensor]:
        """The state's slots as views (callers only read them or use out-of-place ops)."""
        p = theta.numel()
        if grad.shape != theta.shape or state.numel() != self.state_size(p):
            raise ValueError(
                f"{self.name}: θ has {p} values, gradient {grad.numel()}, state "
                f"{state.numel()} (expected {self.state_size(p)})"
            )
        return [state[i * p : (i + 1) * p] for i in range(len(self.slots))]

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _pack(self, parts: list[Tensor], like: Tensor) -> Tensor:
        import torch

        return torch.cat(parts) if parts else like.new_zeros(0)

    def __str__(self) -> str:
        extras = ", ".join(f"{k}={v:.6g}" for k, v in self.hyperparameters().items())
        return f"{self.name}({extras})" if extras else self.name


@dataclass(frozen=True)
class SGD(_Rule):
    """Plain gradient descent, torch.optim.SGD(lr=η): θ_t ← θ_{t−1} − η·g_t. No state."""

    name = "sgd"
    slots = ()
    equations = (Equation("θ", "{θ} − {η}·{g}"),)

    def affine(self) -> AffineForm:
        return AffineForm(alpha=1.0, beta=0.0, mu=0.0, state=False)

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        self._split(theta, grad, state)
        return theta.add(grad, alpha=-lr), self._pack([], state)


@dataclass(frozen=True)
class Momentum(_Rule):
    """Heavy-ball momentum, torch.optim.SGD(lr=η, momentum=μ) with dampening 0.

    v_t ← μ·v_{t−1} + g_t  (v_1 = g_1, which the zero initial state gives exactly);
    θ_t ← θ_{t−1} − η·v_t.   State: [v] (the velocity; torch calls it momentum_buffer).
    """

    mu: float = 0.9
    name = "momentum"
    slots = ("v",)
    equations = (Equation("v", "{μ}·{v} + {g}"), Equation("θ", "{θ} − {η}·{v}"))

    def hyperparameters(self) -> dict[str, float]:
        return {"μ": self.mu}

    def affine(self) -> AffineForm:
        return AffineForm(alpha=1.0, beta=self.mu, mu=self.mu, state=True)

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (v,) = self._split(theta, grad, state)
        v_new = v.mul(self.mu).add_(grad)  # torch: buf.mul_(μ).add_(g, alpha=1 − dampening)
        return theta.add(v_new, alpha=-lr), self._pack([v_new], state)


@dataclass(frozen=True)
class Nesterov(Momentum):
    """Nesterov momentum, torch.optim.SGD(lr=η, momentum=μ, nesterov=True), dampening 0.

    v_t ← μ·v_{t−1} + g_t;  θ_t ← θ_{t−1} − η·(g_t + μ·v_t).   State: [v].
    """

    name = "nesterov"
    equations = (Equation("v", "{μ}·{v} + {g}"), Equation("θ", "{θ} − {η}·({g} + {μ}·{v})"))

    def affine(self) -> AffineForm:
        # θ' = θ − η·(g + μ·(μ·v + g)) = θ − η(1+μ)·g − ημ²·v
        return AffineForm(alpha=1.0 + self.mu, beta=self.mu * self.mu, mu=self.mu, state=True)

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (v,) = self._split(theta, grad, state)
        v_new = v.mul(self.mu).add_(grad)
        step = grad.add(v_new, alpha=self.mu)  # torch: grad = grad.add(buf, alpha=μ)
        return theta.add(step, alpha=-lr), self._pack([v_new], state)


_ADAPTIVE_THETA = Equation("θ", "{θ} − {η}·{g}/(√{s} + {ε})")


@dataclass(frozen=True)
class Adagrad(_Rule):
    """Adagrad, torch.optim.Adagrad(lr=η, eps=ε), lr_decay 0, initial_accumulator_value 0.

    s_t ← s_{t−1} + g_t²;  θ_t ← θ_{t−1} − η·g_t/(√s_t + ε).   State: [s] (sum of squares).
    torch's default ε is 1e-10; ours comes from RunConfig.eps (default 1e-8).
    """

    eps: float = 1e-10
    name = "adagrad"
    slots = ("s",)
    equations = (Equation("s", "{s} + {g}²"), _ADAPTIVE_THETA)

    def hyperparameters(self) -> dict[str, float]:
        return {"ε": self.eps}

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (s,) = self._split(theta, grad, state)
        s_new = s.addcmul(grad, grad, value=1)
        std = s_new.sqrt().add_(self.eps)
        return theta.addcdiv(grad, std, value=-lr), self._pack([s_new], state)


@dataclass(frozen=True)
class RMSprop(_Rule):
    """RMSprop, torch.optim.RMSprop(lr=η, alpha=α, eps=ε), centered False, momentum 0.

    s_t ← α·s_{t−1} + (1−α)·g_t²;  θ_t ← θ_{t−1} − η·g_t/(√s_t + ε).   State: [s].
    """

    alpha: float = 0.99
    eps: float = 1e-8
    name = "rmsprop"
    slots = ("s",)
    equations = (Equation("s", "{α}·{s} + (1−{α})·{g}²"), _ADAPTIVE_THETA)

    def hyperparameters(self) -> dict[str, float]:
        return {"α": self.alpha, "ε": self.eps}

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (s,) = self._split(theta, grad, state)
        s_new = s.mul(self.alpha).addcmul_(grad, grad, value=1 - self.alpha)
        avg = s_new.sqrt().add_(self.eps)
        return theta.addcdiv(grad, avg, value=-lr), self._pack([s_new], state)


@dataclass(frozen=True)
class Adam(_Rule):
    """Adam, torch.optim.Adam(lr=η, betas=(β1, β2), eps=ε), amsgrad False, weight_decay 0.

    m_t ← β1·m_{t−1} + (1−β1)·g_t;  s_t ← β2·s_{t−1} + (1−β2)·g_t²;
    m̂_t = m_t/(1−β1^t);  ŝ_t = s_t/(1−β2^t);  θ_t ← θ_{t−1} − η·m̂_t/(√ŝ_t + ε).
    State: [m, s] (torch's exp_avg, exp_avg_sq); t comes from the caller. Computed as
    torch's ``_single_tensor_adam`` does: ``denom = √s/√(1−β2^t) + ε`` and
    ``θ − (η/(1−β1^t))·m/denom``.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"
    slots = ("m", "s")
    equations = (
        Equation("m", "{β1}·{m} + (1−{β1})·{g}"),
        Equation("s", "{β2}·{s} + (1−{β2})·{g}²"),
        Equation("m̂", "{m}/(1−{β1}^{t})", "="),
        Equation("ŝ", "{s}/(1−{β2}^{t})", "="),
        Equation("θ", "{θ} − {η}·{m̂}/(√{ŝ} + {ε})"),
    )

    def hyperparameters(self) -> dict[str, float]:
        return {"β1": self.beta1, "β2": self.beta2, "ε": self.eps}

    def derived(self, slots: dict[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
        """m̂ = m/(1−β1^t), ŝ = s/(1−β2^t) (for reading; update() keeps torch's order)."""
        return {"m̂": slots["m"] / (1 - self.beta1**t), "ŝ": slots["s"] / (1 - self.beta2**t)}

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        if t < 1:
            raise ValueError(f"adam: the update number t is 1-based, got {t}")
        m, s = self._split(theta, grad, state)
        m_new = m.lerp(grad, 1 - self.beta1)  # torch uses lerp, not mul + add
        s_new = s.mul(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
        bias_correction1 = 1 - self.beta1**t
        bias_correction2 = 1 - self.beta2**t
        step_size = lr / bias_correction1
        denom = (s_new.sqrt() / bias_correction2**0.5).add_(self.eps)
        new = theta.addcdiv(m_new, denom, value=-step_size)
        return new, self._pack([m_new, s_new], state)


RULE_NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def make_rule(config: RunConfig) -> UpdateRule:
    """The update rule named by ``config.optimizer``, with its constants from the config.

    Uses config.momentum (μ), config.betas (β1, β2), config.alpha (α) and config.eps (ε).
    Adagrad takes config.eps as is, so with the RunConfig default it uses 1e-8 where torch's
    own default is 1e-10; pass the same ε to torch to compare.
    """
    name = config.optimizer
    if name == "sgd":
        return SGD()
    if name == "momentum":
        return Momentum(mu=config.momentum)
    if name == "nesterov":
        return Nesterov(mu=config.momentum)
    if name == "adagrad":
        return Adagrad(eps=config.eps)
    if name == "rmsprop":
        return RMSprop(alpha=config.alpha, eps=config.eps)
    if name == "adam":
        beta1, beta2 = config.betas
        return Adam(beta1=beta1, beta2=beta2, eps=config.eps)
    raise unknown_choice("optimizer", name, RULE_NAMES)
