"""Sizes checked against the machine's memory before anything is allocated.

A request for 10¹¹ generated points or a ``stream:99999999999`` batch would
otherwise reach numpy or torch, which fail with a traceback after trying to
allocate hundreds of GiB (or, worse, succeed lazily and let the system kill
the process). :func:`check_rows` estimates what a number of rows will cost
and raises a :class:`ConfigError` with one clear line when it cannot fit;
the CLI and the app call it with the same numbers.

The estimate is deliberately generous: measured peaks of a run are about
8 float64 copies of every row (generation, the Dataset, the Problem's
tensors, standardized copies, a Step's residuals and predictions) plus two
index arrays (the row order and its permutation).
"""

from __future__ import annotations

import os

from .errors import ConfigError

COPIES_PER_ROW = 8  # float64 copies of a row alive at the peak of a run (measured: 6-8)
INDEX_BYTES_PER_ROW = 16  # the int64 row order and an epoch's permutation
HISTORY_VALUES_PER_PARAM = 16  # a History row per update: θ, ∇, optimizer state, losses, …
CHECK_ABOVE_BYTES = 64 * 2**20  # smaller requests are never checked (no file is read)
_MEMINFO = "/proc/meminfo"


def bytes_for_rows(rows: int, columns: int) -> int:
    """Estimated peak bytes for ``rows`` rows of ``columns`` numbers (features + target):
    rows · (columns · 8 · COPIES_PER_ROW + INDEX_BYTES_PER_ROW)."""
    return rows * (columns * 8 * COPIES_PER_ROW + INDEX_BYTES_PER_ROW)


def check_history(updates: int, params: int, advice: str) -> None:
    """ConfigError when recording ``updates`` updates of ``params`` parameters (a History
    row each, about HISTORY_VALUES_PER_PARAM · params float64 values) cannot fit."""
    need = updates * params * HISTORY_VALUES_PER_PARAM * 8
    check_bytes(need, f"{updates:,} updates", advice)


def _meminfo_available(path: str = _MEMINFO) -> int | None:
    """``MemAvailable`` of /proc/meminfo in bytes (Linux), or None."""
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file says kB, meaning KiB
    except (OSError, ValueError, IndexError):
        return None
    return None


def _sysconf_available() -> int | None:
    """Free physical pages × page size (POSIX systems that report them), or None."""
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * page if pages > 0 and page > 0 else None


def _cgroup_headroom(root: str = "/sys/fs/cgroup") -> int | None:
    """A cgroup v2 memory limit minus current use (containers), or None when unlimited."""
    try:
        with open(f"{root}/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open(f"{root}/memory.current", encoding="ascii") as fh:
            current = int(fh.read().strip())
        return max(0, int(limit) - current)
    except (OSError, ValueError):
        return None


def available_bytes() -> int | None:
    """Memory a new allocation can use now, in bytes: /proc/meminfo's MemAvailable, else
    os.sysconf's free pages; lowered to a container's cgroup headroom; None if unknown."""
    found = [v for v in (_meminfo_available() or _sysconf_available(), _cgroup_headroom()) if v]
    return min(found) if found else None


def human_bytes(n: float) -> str:
    """``12.8 TiB``, ``745 GiB``, ``3.2 MiB``: binary units, three significant digits."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_rows(rows: int, columns: int, what: str, advice: str) -> None:
    """Raise ConfigError when ``rows`` rows of ``columns`` numbers will not fit in the memory
    available now. ``what`` names the request (``"--size 100000000000"``), ``advice`` says
    what to do instead. Unknown available memory: no check (the allocation itself decides)."""
    check_bytes(bytes_for_rows(rows, columns), f"{what}: {rows:,} rows", advice)


def check_bytes(need: int, what: str, advice: str) -> None:
    """Raise ConfigError when ``need`` bytes exceed the memory available now (message:
    ``<what> need about …, but only … is available; <advice>``). Requests of at most
    CHECK_ABOVE_BYTES, or an unknown amount available, pass unchecked."""
    if need <= CHECK_ABOVE_BYTES:
        return
    have = available_bytes()
    if have is not None and need > have:
        raise ConfigError(
            f"{what} need about {human_bytes(need)} of memory, but only "
            f"{human_bytes(have)} is available; {advice}"
        )
