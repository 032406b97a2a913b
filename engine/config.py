"""The settings of one run, frozen, with a comment on every field.

A Run is deterministic from (data, RunConfig): the same config on the same
data replays the same Steps. Parsing helpers turn the CLI's spellings
(``minibatch:4``, ``step:100:0.5``) into typed values and raise
:class:`ConfigError` with a message that lists what is valid.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field, replace
from typing import SupportsIndex

from .errors import ConfigError, unknown_choice

SEED_MAX = 2**64 - 1  # torch.Generator.manual_seed takes 0 … 2⁶⁴ − 1

LOSSES = ("mse", "half_mse", "sse", "half_sse")
GRAD_METHODS = ("analytic", "autograd", "module")
BATCH_MODES = ("full", "sgd", "minibatch", "stream")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
SCHEDULES = ("constant", "step", "exp", "inv")
DTYPES = ("float64", "float32")
DEVICES = ("cpu", "cuda", "auto")
MISTAKES = ("forget-zero-grad", "overwrite-grad", "sign-flip")


@dataclass(frozen=True)
class BatchSpec:
    """How rows are grouped into updates."""

    mode: str = "full"  # full | sgd | minibatch | stream
    size: int | None = None  # rows per update for minibatch/stream; None otherwise

    def __str__(self) -> str:
        return f"{self.mode}:{self.size}" if self.size is not None else self.mode

    def rows_per_update(self, n: int) -> int:
        """Rows in a (non-final) batch for data of ``n`` rows."""
        if self.mode == "full":
            return n
        if self.mode == "sgd":
            return 1
        return int(self.size or 1)


@dataclass(frozen=True)
class ScheduleSpec:
    """A learning-rate schedule as a function of the update number t (0-based).

    constant: η_t = η;  step:N:γ: η_t = η·γ^⌊t/N⌋;  exp:γ: η_t = η·γ^t;
    inv:k: η_t = η / (1 + k·t).
    """

    kind: str = "constant"  # constant | step | exp | inv
    every: int = 1  # N for step schedules (updates between decays)
    gamma: float = 1.0  # γ for step and exp; k for inv

    def __str__(self) -> str:
        if self.kind == "constant":
            return "constant"
        # every digit (repr, not :g), so that parse_schedule(str(spec)) == spec; 3.0 as 3
        gamma = repr(float(self.gamma)).removesuffix(".0")
        if self.kind == "step":
            return f"step:{self.every}:{gamma}"
        return f"{self.kind}:{gamma}"


@dataclass(frozen=True)
class RunConfig:
    """Every setting that decides a run's updates.

    Defaults follow the tutorials: plain SGD on the mean squared error,
    hand-derived gradients, float64 on the CPU, zeros as starting point.
    """

    lr: float = 0.01  # η, the base learning rate (> 0)
    loss: str = "mse"  # mse = 1/n Σr² | half_mse = 1/(2n) Σr² | sse = Σr² | half_sse = ½Σr²
    grad: str = "analytic"  # analytic (formula) | autograd (backward) | module (nn.Linear)
    batch: BatchSpec = field(default_factory=BatchSpec)  # how rows form updates
    shuffle: bool = True  # reshuffle rows every epoch (T4 walks them in order: False)
    drop_last: bool = False  # drop an epoch's short final batch instead of using it
    optimizer: str = "sgd"  # update rule, see engine.optimizers
    momentum: float = 0.9  # μ for momentum and nesterov
    betas: tuple[float, float] = (0.9, 0.999)  # Adam's β1, β2
    alpha: float = 0.99  # RMSprop's smoothing constant
    eps: float = 1e-8  # ε added to denominators of adaptive rules
    schedule: ScheduleSpec = field(default_factory=ScheduleSpec)  # lr over updates
    bias: bool = True  # fit y = X·w + b (False: y = X·w, as T2 and T4)
    init_w: tuple[float, ...] | None = None  # starting weights; None: zeros (or random)
    init_b: float = 0.0  # starting bias
    init_random: bool = False  # draw starting weights from U[0, 1) with the seed (T3)
    seed: int = 0  # seeds shuffling, streams and random starts
    dtype: str = "float64"  # float64 | float32 (T1 works in float32)
    device: str = "cpu"  # cpu | cuda | auto
    standardize: bool = False  # z-score features; parameters reported in original units
    mistake: str | None = None  # forget-zero-grad | overwrite-grad | sign-flip, on purpose
    divergence_factor: float = 1e6  # stop when loss exceeds this × starting loss
    tolerance: float = 1e-10  # converged when the full-data gradient norm falls below

    def validate(self) -> RunConfig:
        """Raise ConfigError for any setting out of range; return self."""
        if not isinstance(self.lr, (int, float)) or not math.isfinite(self.lr) or self.lr <= 0:
            raise ConfigError(f"learning rate must be a positive number, got {self.lr!r}")
        for name, valid in (
            ("loss", LOSSES),
            ("grad", GRAD_METHODS),
            ("optimizer", OPTIMIZERS),
            ("dtype", DTYPES),
            ("device", DEVICES),
        ):
            value = getattr(self, name)
            if value not in valid:
                raise unknown_choice(name, value, valid)
        if self.batch.mode not in BATCH_MODES:
            raise unknown_choice("batch mode", self.batch.mode, BATCH_MODES)
        if self.batch.mode in ("minibatch", "stream") and (self.batch.size or 0) < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch.size}")
        check_batch_memory(self.batch)
        check_seed(self.seed)
        if self.schedule.kind not in SCHEDULES:
            raise unknown_choice("schedule", self.schedule.kind, SCHEDULES)
        if self.mistake is not None and self.mistake not in MISTAKES:
            raise unknown_choice("mistake", self.mistake, MISTAKES)
        if not 0 <= self.momentum < 1:
            raise ConfigError(f"momentum must be in [0, 1), got {self.momentum}")
        if not all(0 <= b < 1 for b in self.betas):
            raise ConfigError(f"betas must each be in [0, 1), got {self.betas}")
        if not 0 <= self.alpha < 1:
            raise ConfigError(f"alpha must be in [0, 1), got {self.alpha}")
        if not (math.isfinite(self.eps) and self.eps > 0):
            raise ConfigError(f"eps must be a positive number, got {self.eps}")
        if self.standardize and not self.bias:
            raise ConfigError(
                "--standardize centres the features, which needs a bias term; drop --no-bias"
            )
        if self.init_w is not None and not all(math.isfinite(v) for v in self.init_w):
            raise ConfigError("initial weights must be finite numbers")
        if not math.isfinite(self.init_b):
            raise ConfigError("initial bias must be a finite number")
        return self

    def with_(self, **changes: object) -> RunConfig:
        """A copy with some fields changed, validated."""
        return replace(self, **changes).validate()  # type: ignore[arg-type]


def check_seed(seed: object) -> int:
    """``seed`` if it is a whole number in 0 … 2⁶⁴ − 1 (what a torch.Generator takes);
    else ConfigError. Data generation, shuffling and random starts all use it."""
    if isinstance(seed, bool) or not isinstance(seed, SupportsIndex):
        raise ConfigError(f"seed must be a whole number, got {seed!r}")
    value = operator.index(seed)  # int, numpy integers; not 1.5 or "3"
    if not 0 <= value <= SEED_MAX:
        raise ConfigError(f"seed must be from 0 to 2^64 - 1 = {SEED_MAX}, got {value}")
    return value


def check_batch_memory(batch: BatchSpec, columns: int = 2) -> None:
    """ConfigError when one batch of ``batch.size`` rows (of ``columns`` numbers: features
    and target) cannot fit in the memory available now (engine.memory.check_rows)."""
    from .memory import check_rows

    if batch.mode in ("minibatch", "stream") and batch.size is not None:
        check_rows(batch.size, columns, f"batch {batch}", "choose a smaller batch size")


_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(inf|nan)", re.I)


def _whole(text: str, what: str) -> int:
    """A whole number written in plain digits (no sign, no ``_``), or ConfigError."""
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        raise ConfigError(f"{what} must be a whole number, got {text!r}")
    return int(text)


def _decimal(text: str, what: str) -> float:
    """A number in plain decimal or e-notation (``inf``/``nan`` read, for the range checks
    to name; no ``_`` digit separators, which Python's float() would accept), or ConfigError."""
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        raise ConfigError(f"{what} must be a number, got {text!r}")
    return float(text)


def parse_batch(text: str) -> BatchSpec:
    """Parse ``full``, ``sgd``, ``minibatch:K`` or ``stream:K`` (K ≥ 1, plain digits);
    ``str()`` of the result parses back to it."""
    mode, _, size_text = text.strip().partition(":")
    if mode not in BATCH_MODES:
        raise unknown_choice("batch mode", text, ("full", "sgd", "minibatch:K", "stream:K"))
    if mode in ("full", "sgd"):
        if size_text:
            raise ConfigError(f"batch mode {mode!r} takes no size, got {text!r}")
        return BatchSpec(mode)
    if not size_text:
        raise ConfigError(f"batch mode {mode!r} needs a size, e.g. {mode}:4")
    size = _whole(size_text, "batch size")
    if size < 1:
        raise ConfigError(f"batch size must be at least 1, got {size}")
    return BatchSpec(mode, size)


def _in_unit(gamma: float, kind: str) -> float:
    if not 0 < gamma <= 1:
        raise ConfigError(f"{kind} schedule needs 0 < GAMMA <= 1, got {gamma!r}")
    return gamma


def parse_schedule(text: str) -> ScheduleSpec:
    """Parse ``constant``, ``step:N:GAMMA`` (N ≥ 1, 0 < γ ≤ 1), ``exp:GAMMA`` (0 < γ ≤ 1)
    or ``inv:K`` (K finite, ≥ 0); ``str()`` of the result parses back to it."""
    parts = text.strip().split(":")
    kind = parts[0].strip()
    valid = ("constant", "step:N:GAMMA", "exp:GAMMA", "inv:K")
    if kind == "constant" and len(parts) == 1:
        return ScheduleSpec()
    if kind == "step" and len(parts) == 3:
        every = _whole(parts[1], "step schedule's N")
        if every < 1:
            raise ConfigError(f"step schedule needs N >= 1, got {every}")
        return ScheduleSpec("step", every, _in_unit(_decimal(parts[2], "GAMMA"), "step"))
    if kind == "exp" and len(parts) == 2:
        return ScheduleSpec("exp", 1, _in_unit(_decimal(parts[1], "GAMMA"), "exp"))
    if kind == "inv" and len(parts) == 2:
        k = _decimal(parts[1], "inv schedule's K")
        if not math.isfinite(k):
            raise ConfigError(f"inv schedule needs a finite K, got {parts[1].strip()!r}")
        if k < 0:
            raise ConfigError(f"inv schedule needs K >= 0, got {k!r}")
        return ScheduleSpec("inv", 1, k)
    if kind in ("constant", "step", "exp", "inv"):
        raise ConfigError(f"cannot read schedule {text!r}; use one of: {', '.join(valid)}")
    raise unknown_choice("schedule", text, valid)
