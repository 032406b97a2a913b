"""Learning-rate schedules: η_t as a function of the 0-based update index t.

    constant     η_t = η
    step:N:γ     η_t = η·γ^⌊t/N⌋     (torch StepLR(step_size=N, gamma=γ), stepped per update)
    exp:γ        η_t = η·γ^t         (torch ExponentialLR(gamma=γ))
    inv:k        η_t = η/(1 + k·t)   (torch LambdaLR(lambda t: 1/(1 + k·t)))

We use the closed forms; torch's StepLR and ExponentialLR multiply the previous rate by γ,
which agrees to rounding (a relative 1e-16 per decay).

``lr_series`` returns exactly the floats ``lr_at`` returns (bit for bit), so a fast-forward
over many updates replays the same run as stepping one update at a time. Powers are
therefore taken with Python's ``**`` in both (numpy's vectorised ``power`` may round
differently); products and quotients are correctly rounded either way and are vectorised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import SCHEDULES
from .errors import unknown_choice

if TYPE_CHECKING:
    import numpy as np

    from .config import ScheduleSpec


def lr_at(schedule: ScheduleSpec, base_lr: float, t: int) -> float:
    """The learning rate η_t used by update number t (0-based: the first update uses t = 0)."""
    if t < 0:
        raise ValueError(f"the update index t is 0-based, got {t}")
    kind, gamma = schedule.kind, schedule.gamma
    if kind == "constant":
        return float(base_lr)
    if kind == "step":
        return base_lr * gamma ** (t // schedule.every)
    if kind == "exp":
        return base_lr * gamma**t
    if kind == "inv":
        return base_lr / (1 + gamma * t)
    raise unknown_choice("schedule", kind, SCHEDULES)


def lr_series(schedule: ScheduleSpec, base_lr: float, start: int, count: int) -> np.ndarray:
    """η_t for t = start, …, start + count − 1 as float64; equals ``lr_at`` elementwise, exactly."""
    import numpy as np

    if start < 0 or count < 0:
        raise ValueError(f"need start >= 0 and count >= 0, got start={start}, count={count}")
    if schedule.kind not in SCHEDULES:
        raise unknown_choice("schedule", schedule.kind, SCHEDULES)
    kind, gamma = schedule.kind, schedule.gamma
    t = np.arange(start, start + count, dtype=np.int64)
    if count == 0:
        return np.empty(0, dtype=np.float64)
    if kind == "constant":
        return np.full(count, float(base_lr), dtype=np.float64)
    if kind == "step":
        # Few distinct exponents: take each power once with Python's ** and spread it.
        k = t // schedule.every
        first, last = int(k[0]), int(k[-1])
        powers = np.array([gamma**j for j in range(first, last + 1)], dtype=np.float64)
        return base_lr * powers[k - first]
    if kind == "exp":
        powers = np.fromiter((gamma**j for j in range(start, start + count)), np.float64, count)
        return base_lr * powers
    if kind == "inv":
        return base_lr / (1 + gamma * t.astype(np.float64))
    raise unknown_choice("schedule", kind, SCHEDULES)


def describe(schedule: ScheduleSpec, base_lr: float | None = None) -> str:
    """The schedule as a formula for the UI, e.g. ``η_t = η·0.5^⌊t/100⌋ (× 0.5 every 100 updates)``.

    With ``base_lr`` the symbol η is replaced by its value.
    """
    eta = "η" if base_lr is None else f"{base_lr:.6g}"
    kind, gamma = schedule.kind, f"{schedule.gamma:.6g}"
    if kind == "constant":
        return f"η_t = {eta}  (constant)"
    if kind == "step":
        n = schedule.every
        every = "every update" if n == 1 else f"every {n} updates"
        return f"η_t = {eta}·{gamma}^⌊t/{n}⌋  (× {gamma} {every})"
    if kind == "exp":
        return f"η_t = {eta}·{gamma}^t  (× {gamma} every update)"
    if kind == "inv":
        return f"η_t = {eta}/(1 + {gamma}·t)  (inverse-time decay)"
    raise unknown_choice("schedule", kind, SCHEDULES)
