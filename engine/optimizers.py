"""Optimizers as pure update rules with explicit state (in the style of optax / torch.optim).

A rule never mutates its inputs: ``update(θ, g, state, η, t)`` returns a new θ and a new
state. The state is ONE flat 1-D tensor so a run's history can store it row by row; it is
the concatenation of the rule's ``slots`` (each of length p), e.g. Adam's ``[m, v]``.

Each rule follows torch.optim's single-tensor code path operation by operation (same torch
calls in the same order), so in float64 our θ equals torch's parameter after ``opt.step()``
to the last bit or so. Symbols: η is the learning rate (torch's docs call it γ), g the
gradient, t the 1-based update number; g², √ and / act elementwise.

sgd, momentum and nesterov are linear in (θ, b) for a fixed gradient map, so a fast-forward
may treat them as affine maps; the adaptive rules (adagrad, rmsprop, adam) are not.

torch is imported inside the methods, never at module level: the app must paint its first
screen before torch has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .errors import unknown_choice

if TYPE_CHECKING:
    from torch import Tensor

    from .config import RunConfig


class UpdateRule(Protocol):
    """A pure optimizer: ``init`` makes the state, ``update`` advances (θ, state) by one step."""

    name: str  # the config spelling: sgd | momentum | nesterov | adagrad | rmsprop | adam
    slots: tuple[str, ...]  # names of the state blocks, each of length p, in storage order

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

    def describe(self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int) -> list[str]:
        """``formula()``'s lines with today's numbers substituted and the result appended."""
        ...


def _num(x: float) -> str:
    """A scalar constant as the learner reads it (6 significant digits)."""
    return f"{x:.6g}"


def _vec(x: Tensor | list[float], bare: bool = False) -> str:
    """A vector of values: ``[1, -2]``; a single value without brackets, ``(-2)`` if negative.

    Negative lone values get parentheses so ``1 − 0.01·(-2)`` reads unambiguously; ``bare``
    drops them where the value stands alone (after ``=``).
    """
    values = x if isinstance(x, list) else x.detach().cpu().tolist()
    if len(values) != 1:
        return "[" + ", ".join(_num(v) for v in values) + "]"
    text = _num(values[0])
    return text if bare or not text.startswith("-") else f"({text})"


class _Rule:
    """Shared plumbing: state layout, zeros init, argument checks."""

    name: str = ""
    slots: tuple[str, ...] = ()

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

    def _after(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, list[Tensor]]:
        """θ_new and the new state's slots, for describe()."""
        new, state_new = self.update(theta, grad, state, lr, t)
        return new, self._split(new, grad, state_new)

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _pack(self, parts: list[Tensor], like: Tensor) -> Tensor:
        import torch

        return torch.cat(parts) if parts else like.new_zeros(0)

    def __str__(self) -> str:
        extras = ", ".join(f"{k}={_num(v)}" for k, v in self.hyperparameters().items())
        return f"{self.name}({extras})" if extras else self.name


@dataclass(frozen=True)
class SGD(_Rule):
    """Plain gradient descent, torch.optim.SGD(lr=η): θ_t ← θ_{t−1} − η·g_t. No state."""

    name = "sgd"
    slots = ()

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        self._split(theta, grad, state)
        return theta.add(grad, alpha=-lr), self._pack([], state)

    def formula(self) -> str:
        return "θ ← θ − η·g"

    def describe(self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int) -> list[str]:
        new, _ = self.update(theta, grad, state, lr, t)
        return [f"θ ← {_vec(theta)} − {_num(lr)}·{_vec(grad)} = {_vec(new, True)}"]


@dataclass(frozen=True)
class Momentum(_Rule):
    """Heavy-ball momentum, torch.optim.SGD(lr=η, momentum=μ) with dampening 0.

    b_t ← μ·b_{t−1} + g_t  (b_1 = g_1, which the zero initial state gives exactly);
    θ_t ← θ_{t−1} − η·b_t.   State: [b].
    """

    mu: float = 0.9
    name = "momentum"
    slots = ("b",)

    def hyperparameters(self) -> dict[str, float]:
        return {"μ": self.mu}

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (b,) = self._split(theta, grad, state)
        b_new = b.mul(self.mu).add_(grad)  # torch: buf.mul_(μ).add_(g, alpha=1 − dampening)
        return theta.add(b_new, alpha=-lr), self._pack([b_new], state)

    def formula(self) -> str:
        return "b ← μ·b + g\nθ ← θ − η·b"

    def describe(self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int) -> list[str]:
        (b,) = self._split(theta, grad, state)
        new, (b_new,) = self._after(theta, grad, state, lr, t)
        mu = _num(self.mu)
        return [
            f"b ← {mu}·{_vec(b)} + {_vec(grad)} = {_vec(b_new, True)}",
            f"θ ← {_vec(theta)} − {_num(lr)}·{_vec(b_new)} = {_vec(new, True)}",
        ]


@dataclass(frozen=True)
class Nesterov(Momentum):
    """Nesterov momentum, torch.optim.SGD(lr=η, momentum=μ, nesterov=True), dampening 0.

    b_t ← μ·b_{t−1} + g_t;  θ_t ← θ_{t−1} − η·(g_t + μ·b_t).   State: [b].
    """

    name = "nesterov"

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (b,) = self._split(theta, grad, state)
        b_new = b.mul(self.mu).add_(grad)
        step = grad.add(b_new, alpha=self.mu)  # torch: grad = grad.add(buf, alpha=μ)
        return theta.add(step, alpha=-lr), self._pack([b_new], state)

    def formula(self) -> str:
        return "b ← μ·b + g\nθ ← θ − η·(g + μ·b)"

    def describe(self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int) -> list[str]:
        (b,) = self._split(theta, grad, state)
        new, (b_new,) = self._after(theta, grad, state, lr, t)
        mu = _num(self.mu)
        return [
            f"b ← {mu}·{_vec(b)} + {_vec(grad)} = {_vec(b_new, True)}",
            f"θ ← {_vec(theta)} − {_num(lr)}·({_vec(grad)} + {mu}·{_vec(b_new)})"
            f" = {_vec(new, True)}",
        ]


@dataclass(frozen=True)
class Adagrad(_Rule):
    """Adagrad, torch.optim.Adagrad(lr=η, eps=ε), lr_decay 0, initial_accumulator_value 0.

    s_t ← s_{t−1} + g_t²;  θ_t ← θ_{t−1} − η·g_t/(√s_t + ε).   State: [s].
    torch's default ε is 1e-10; ours comes from RunConfig.eps (default 1e-8).
    """

    eps: float = 1e-10
    name = "adagrad"
    slots = ("s",)

    def hyperparameters(self) -> dict[str, float]:
        return {"ε": self.eps}

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (s,) = self._split(theta, grad, state)
        s_new = s.addcmul(grad, grad, value=1)
        std = s_new.sqrt().add_(self.eps)
        return theta.addcdiv(grad, std, value=-lr), self._pack([s_new], state)

    def formula(self) -> str:
        return "s ← s + g²\nθ ← θ − η·g/(√s + ε)"

    def describe(self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int) -> list[str]:
        (s,) = self._split(theta, grad, state)
        new, (s_new,) = self._after(theta, grad, state, lr, t)
        return [
            f"s ← {_vec(s)} + {_vec(grad)}² = {_vec(s_new, True)}",
            _adaptive_theta_line(theta, grad, s_new, new, lr, self.eps),
        ]


@dataclass(frozen=True)
class RMSprop(_Rule):
    """RMSprop, torch.optim.RMSprop(lr=η, alpha=α, eps=ε), centered False, momentum 0.

    s_t ← α·s_{t−1} + (1−α)·g_t²;  θ_t ← θ_{t−1} − η·g_t/(√s_t + ε).   State: [s].
    """

    alpha: float = 0.99
    eps: float = 1e-8
    name = "rmsprop"
    slots = ("s",)

    def hyperparameters(self) -> dict[str, float]:
        return {"α": self.alpha, "ε": self.eps}

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        (s,) = self._split(theta, grad, state)
        s_new = s.mul(self.alpha).addcmul_(grad, grad, value=1 - self.alpha)
        avg = s_new.sqrt().add_(self.eps)
        return theta.addcdiv(grad, avg, value=-lr), self._pack([s_new], state)

    def formula(self) -> str:
        return "s ← α·s + (1−α)·g²\nθ ← θ − η·g/(√s + ε)"

    def describe(self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int) -> list[str]:
        (s,) = self._split(theta, grad, state)
        new, (s_new,) = self._after(theta, grad, state, lr, t)
        a = _num(self.alpha)
        return [
            f"s ← {a}·{_vec(s)} + (1−{a})·{_vec(grad)}² = {_vec(s_new, True)}",
            _adaptive_theta_line(theta, grad, s_new, new, lr, self.eps),
        ]


def _adaptive_theta_line(
    theta: Tensor, grad: Tensor, s: Tensor, new: Tensor, lr: float, eps: float
) -> str:
    """``θ ← θ − η·g/(√s + ε)`` with numbers, shared by adagrad and rmsprop."""
    return (
        f"θ ← {_vec(theta)} − {_num(lr)}·{_vec(grad)}/(√{_vec(s)} + {_num(eps)})"
        f" = {_vec(new, True)}"
    )


@dataclass(frozen=True)
class Adam(_Rule):
    """Adam, torch.optim.Adam(lr=η, betas=(β1, β2), eps=ε), amsgrad False, weight_decay 0.

    m_t ← β1·m_{t−1} + (1−β1)·g_t;  v_t ← β2·v_{t−1} + (1−β2)·g_t²;
    m̂_t = m_t/(1−β1^t);  v̂_t = v_t/(1−β2^t);  θ_t ← θ_{t−1} − η·m̂_t/(√v̂_t + ε).
    State: [m, v]; t comes from the caller. Computed as torch's ``_single_tensor_adam`` does:
    ``denom = √v/√(1−β2^t) + ε`` and ``θ − (η/(1−β1^t))·m/denom``.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"
    slots = ("m", "v")

    def hyperparameters(self) -> dict[str, float]:
        return {"β1": self.beta1, "β2": self.beta2, "ε": self.eps}

    def update(
        self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int
    ) -> tuple[Tensor, Tensor]:
        if t < 1:
            raise ValueError(f"adam: the update number t is 1-based, got {t}")
        m, v = self._split(theta, grad, state)
        m_new = m.lerp(grad, 1 - self.beta1)  # torch uses lerp, not mul + add
        v_new = v.mul(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
        bias_correction1 = 1 - self.beta1**t
        bias_correction2 = 1 - self.beta2**t
        step_size = lr / bias_correction1
        denom = (v_new.sqrt() / bias_correction2**0.5).add_(self.eps)
        new = theta.addcdiv(m_new, denom, value=-step_size)
        return new, self._pack([m_new, v_new], state)

    def formula(self) -> str:
        return (
            "m ← β1·m + (1−β1)·g\nv ← β2·v + (1−β2)·g²\n"
            "m̂ = m/(1−β1^t)\nv̂ = v/(1−β2^t)\nθ ← θ − η·m̂/(√v̂ + ε)"
        )

    def describe(self, theta: Tensor, grad: Tensor, state: Tensor, lr: float, t: int) -> list[str]:
        m, v = self._split(theta, grad, state)
        new, (m_new, v_new) = self._after(theta, grad, state, lr, t)
        b1, b2 = _num(self.beta1), _num(self.beta2)
        m_hat = m_new / (1 - self.beta1**t)  # for display; update() keeps torch's order
        v_hat = v_new / (1 - self.beta2**t)
        return [
            f"m ← {b1}·{_vec(m)} + (1−{b1})·{_vec(grad)} = {_vec(m_new, True)}",
            f"v ← {b2}·{_vec(v)} + (1−{b2})·{_vec(grad)}² = {_vec(v_new, True)}",
            f"m̂ = {_vec(m_new)}/(1−{b1}^{t}) = {_vec(m_hat, True)}",
            f"v̂ = {_vec(v_new)}/(1−{b2}^{t}) = {_vec(v_hat, True)}",
            f"θ ← {_vec(theta)} − {_num(lr)}·{_vec(m_hat)}/(√{_vec(v_hat)} + {_num(self.eps)})"
            f" = {_vec(new, True)}",
        ]


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
