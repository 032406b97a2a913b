"""Data sets as plain arrays: the Dataset and its endless streams.

A :class:`Dataset` holds X (n, d) and y (n,) as read-only float64 NumPy arrays;
the engine moves them to torch when a run starts. Streams (tutorial T3) also
carry a :class:`StreamSpec` that draws a fresh, seeded batch for every update.
torch is imported only inside :meth:`StreamSpec.draw`, never at module level.
Both :mod:`.data` (standardization, column parsing) and :mod:`.csv_loader` import
from here, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ConfigError, DataError


def frozen_array(values: Any, ndim: int) -> np.ndarray:
    """A float64 copy of ``values`` reshaped to ``ndim`` dimensions, made read-only.

    An array that is already float64, ``ndim``-d, read-only and owns its memory is kept
    as it is: nobody can write to it, so a copy would only double the memory (the CSV
    loader hands over its arrays this way).
    """
    if (
        isinstance(values, np.ndarray)
        and values.dtype == np.float64
        and values.ndim == ndim
        and values.flags.owndata
        and not values.flags.writeable
    ):
        return values
    arr = np.array(values, dtype=np.float64)
    if ndim == 2 and arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    elif ndim == 1 and arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.reshape(-1)
    if arr.ndim != ndim:
        raise DataError(f"expected a {ndim}-d array of numbers, got shape {arr.shape}")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class StreamSpec:
    """Endless points: y = slope·x + intercept + noise·ε, x ~ U[low, high), ε ~ N(0, 1).

    :meth:`draw` is a pure function of its arguments: the same (count, seed)
    gives the same batch on any device, because the numbers are drawn on the
    CPU in float64 and only then cast and moved.
    """

    slope: float  # true weight of the line the points scatter around
    intercept: float  # true bias
    noise: float  # standard deviation of the Gaussian noise on y (>= 0)
    low: float = 0.0  # x is drawn uniformly from [low, high)
    high: float = 5.0

    def draw(
        self, count: int, seed: int, dtype: Any = "float64", device: Any = "cpu"
    ) -> tuple[Any, Any]:
        """Draw ``count`` points with a fresh ``torch.Generator`` seeded with ``seed``.

        Returns (X of shape (count, 1), y of shape (count,)) as torch tensors of
        ``dtype`` (a torch dtype or "float64"/"float32") on ``device``.
        """
        import torch

        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConfigError(f"a stream batch needs at least 1 point, got {count!r}")
        if isinstance(dtype, str):
            if dtype not in ("float64", "float32"):
                raise ConfigError(f"unknown dtype {dtype!r}; choose one of: float64, float32")
            dtype = getattr(torch, dtype)
        f64 = torch.float64
        g = torch.Generator().manual_seed(int(seed))
        x = torch.rand(count, 1, generator=g, dtype=f64) * (self.high - self.low) + self.low
        eps = torch.randn(count, 1, generator=g, dtype=f64)
        y = self.slope * x + self.intercept + self.noise * eps
        return x.to(device=device, dtype=dtype), y.reshape(count).to(device=device, dtype=dtype)

    def sample(self, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The same points as :meth:`draw` in float64 on the CPU, as NumPy arrays."""
        x, y = self.draw(count, seed)
        return x.numpy(), y.numpy()


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value; compare by id
class Dataset:
    """Rows of features X (n, d) and targets y (n,), float64 and read-only.

    ``stream`` is set for endless data (T3): X, y are then a fixed reference
    sample used for the full-data loss and the charts, and the engine draws
    each update's batch with ``stream.draw``.
    """

    name: str  # catalogue name or the CSV's file stem
    X: np.ndarray  # (n, d) features
    y: np.ndarray  # (n,) targets
    feature_names: tuple[str, ...]  # d names, in column order
    target_name: str  # name of y
    stream: StreamSpec | None = None  # fresh batches for stream mode; None for fixed data
    description: str = ""  # one or two sentences for the learner

    def __post_init__(self) -> None:
        X = frozen_array(self.X, 2)
        y = frozen_array(self.y, 1)
        names = tuple(str(n) for n in self.feature_names)
        if X.shape[0] != y.shape[0]:
            raise DataError(f"data set {self.name!r}: {X.shape[0]} rows of X but {len(y)} of y")
        if len(names) != X.shape[1]:
            raise DataError(
                f"data set {self.name!r}: {X.shape[1]} feature columns but {len(names)} names"
            )
        if not (np.isfinite(X).all() and np.isfinite(y).all()):
            raise DataError(f"data set {self.name!r} contains NaN or infinite values")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", names)

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """Number of features (weights, not counting the bias)."""
        return int(self.X.shape[1])

    def __repr__(self) -> str:
        kind = ", stream" if self.stream is not None else ""
        return (
            f"Dataset({self.name!r}, n={self.n}, d={self.d}, "
            f"features={self.feature_names}, target={self.target_name!r}{kind})"
        )
