"""A frame cap that someone outside the app can change while it runs (the classroom server).

When ``$LINREG_TUI_FRAME_CAP_FILE`` names a file holding a number, a playing view draws at
most that many frames per second (and never more than it asked for). The file is read at
most every :data:`RECHECK` seconds, so the cost while playing is one ``stat`` per frame at
worst. Without the variable, or with an unreadable file, the view's own cap stands.
"""

from __future__ import annotations

import os
import time

ENV_FILE = "LINREG_TUI_FRAME_CAP_FILE"
RECHECK = 0.5  # seconds between reads of the file
MIN_FPS = 1.0  # a cap below this is taken as this (a view never stops drawing)

_cache: dict[str, float] = {"at": -1e9, "value": 0.0}


def _read(path: str) -> float:
    """The number in ``path``, or 0.0 when there is none (no cap from outside)."""
    try:
        with open(path, encoding="ascii") as handle:
            return max(MIN_FPS, float(handle.read(32).strip()))
    except (OSError, ValueError):
        return 0.0


def frame_cap(requested: float, now: float | None = None) -> float:
    """``min(requested, the cap in the file)``; ``requested`` when no file is set."""
    path = os.environ.get(ENV_FILE)
    if not path:
        return requested
    now = time.monotonic() if now is None else now
    if now - _cache["at"] >= RECHECK:
        _cache["at"], _cache["value"] = now, _read(path)
    outside = _cache["value"]
    return min(requested, outside) if outside > 0 else requested
