"""Which rows each update uses: a pure function of (update index, seed).

Epoch e visits the rows in the order ``randperm(n)`` drawn from a
``torch.Generator`` seeded with (seed, e) — or in file order without
shuffling — cut into consecutive batches. Because the order of epoch e
depends on nothing but (seed, e), stepping back and replaying never needs
the generator's history. A stream draws a fresh batch for every update from
a generator seeded with (seed, update).
"""

from __future__ import annotations

import math

import numpy as np

from .config import BatchSpec
from .errors import ConfigError

EPOCH_SEED_STRIDE = 1_000_003  # keeps (seed, epoch) pairs apart in the generator's seed space


def epoch_seed(seed: int, epoch: int) -> int:
    """Generator seed for epoch ``epoch``'s permutation."""
    return (seed * EPOCH_SEED_STRIDE + epoch) % (2**63 - 1)


class Batcher:
    """Maps a 0-based update index to (epoch, batch index, row indices)."""

    def __init__(self, n: int, spec: BatchSpec, *, shuffle: bool, drop_last: bool, seed: int):
        size = spec.rows_per_update(n)
        if spec.mode in ("minibatch",) and size > n:
            raise ConfigError("batch.too_large", size=size, n=n)
        self.n = n
        self.spec = spec
        self.size = size
        self.shuffle = shuffle and spec.mode not in ("full", "stream")
        self.drop_last = drop_last and spec.mode == "minibatch"
        self.seed = seed
        if spec.mode == "stream":
            # An "epoch" of a stream is as many fresh samples as its reference sample holds.
            self.per_epoch = max(1, math.ceil(n / size))
        elif self.drop_last:
            self.per_epoch = n // size
        else:
            self.per_epoch = math.ceil(n / size)
        self._order_epoch = -1
        self._identity = np.arange(n)
        self._identity.flags.writeable = False  # shared by every Step's ``rows``
        self._order = self._identity

    @property
    def is_stream(self) -> bool:
        return self.spec.mode == "stream"

    def epoch_order(self, epoch: int) -> np.ndarray:
        """Row order of ``epoch`` (a permutation of 0..n-1)."""
        if not self.shuffle:
            return self._identity
        if epoch != self._order_epoch:
            import torch

            gen = torch.Generator().manual_seed(epoch_seed(self.seed, epoch))
            self._order = torch.randperm(self.n, generator=gen).numpy()
            self._order_epoch = epoch
        return self._order

    def locate(self, t: int) -> tuple[int, int]:
        """(epoch, batch index within the epoch) of 0-based update ``t``."""
        return divmod(t, self.per_epoch)

    def batch_rows(self, t: int) -> tuple[int, int, np.ndarray]:
        """(epoch, batch index, row indices) of update ``t``; a stream returns -1 rows."""
        epoch, index = self.locate(t)
        if self.is_stream:
            return epoch, index, np.full(self.size, -1)
        order = self.epoch_order(epoch)
        return epoch, index, order[index * self.size : (index + 1) * self.size]

    def samples_seen(self, updates: int) -> int:
        """Rows consumed by the first ``updates`` updates."""
        if self.is_stream or self.spec.mode == "full":
            return updates * self.size
        epochs, index = divmod(updates, self.per_epoch)
        per_epoch_rows = self.per_epoch * self.size if self.drop_last else self.n
        return epochs * per_epoch_rows + min(index * self.size, self.n)

    def stream_seed(self, t: int) -> int:
        """Generator seed of update ``t``'s fresh stream batch."""
        return (self.seed * EPOCH_SEED_STRIDE + 7_919 * (t + 1)) % (2**63 - 1)
