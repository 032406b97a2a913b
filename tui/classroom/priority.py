"""CPU priority of the learners' sessions: the one that just got a key runs first.

Every session runs below the server (nice :data:`INTERACTIVE_NICE`). Where the server may
also raise a session's priority again (it has ``CAP_SYS_NICE``, e.g. runs as root, or its
``RLIMIT_NICE`` allows nice :data:`INTERACTIVE_NICE`: systemd's ``LimitNICE=15``), a session
without a key press for :data:`BOOST_SECONDS` drops to nice :data:`BACKGROUND_NICE`, and the
next key lifts it back at once. With weights 335 against 110 (the kernel's table), a learner
who presses a key gets about three times the CPU share of each neighbour that only plays,
so the answer to the key does not wait behind them; the neighbours keep playing, only a
little later. Without that right nothing is ever lowered (a lowered session could not be
lifted again), and every session stays at :data:`INTERACTIVE_NICE`.

The nice value is set for the session's whole process group (``PRIO_PGRP``): on Linux it
is a property of each thread, and the app's input, UI and output threads all serve a key.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

INTERACTIVE_NICE = 5  # a session that got a key lately (and every session without boosts)
BACKGROUND_NICE = 10  # a session without a key press for BOOST_SECONDS
BOOST_SECONDS = 1.5  # how long a key keeps a session at INTERACTIVE_NICE
CAP_SYS_NICE = 23  # capability bit (linux/capability.h)


def can_raise_priority(nice: int = INTERACTIVE_NICE) -> bool:
    """Whether this process may lower a session's nice value back to ``nice``: it has
    CAP_SYS_NICE, or RLIMIT_NICE (which sessions inherit) reaches ``20 − nice``."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NICE)
    if soft == resource.RLIM_INFINITY or soft >= 20 - nice:
        return True
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> CAP_SYS_NICE & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


def set_group_nice(pgid: int, nice: int) -> bool:
    """Set every thread of process group ``pgid`` to ``nice``; False when it is gone or
    the kernel refused."""
    try:
        os.setpriority(os.PRIO_PGRP, pgid, nice)
    except (ProcessLookupError, PermissionError, OSError):
        return False
    return True


class Priorities:
    """Which sessions are lowered; :meth:`key` on every input, :meth:`tick` now and then.

    The levels are :data:`INTERACTIVE_NICE` and :data:`BACKGROUND_NICE`, or as far below
    the server as it runs itself (a server started with ``nice 8`` uses 8 and 13)."""

    def __init__(self, enabled: bool | None = None) -> None:
        own = os.getpriority(os.PRIO_PROCESS, 0)
        self.interactive = max(own, INTERACTIVE_NICE)  # every session starts here
        self.lowered = min(19, self.interactive + BACKGROUND_NICE - INTERACTIVE_NICE)
        # None: on where this process may lift a session back (see can_raise_priority)
        self.enabled = can_raise_priority(self.interactive) if enabled is None else enabled
        self.background: set[int] = set()  # process groups now lowered

    def key(self, pgid: int) -> None:
        """Input for session ``pgid``: back to INTERACTIVE_NICE if it was lowered."""
        if pgid in self.background:
            self.background.discard(pgid)
            if not set_group_nice(pgid, self.interactive):
                self._refused(pgid)

    def tick(self, pgid: int, idle_for: float) -> None:
        """Session ``pgid`` had no input for ``idle_for`` s: lower it once that is long."""
        if self.enabled and pgid and idle_for > BOOST_SECONDS and pgid not in self.background:
            if set_group_nice(pgid, self.lowered):
                self.background.add(pgid)

    def forget(self, pgid: int) -> None:
        self.background.discard(pgid)

    def _refused(self, pgid: int) -> None:
        """The kernel would not lift a session (the right was taken away, or the process is
        exiting): stop lowering anyone."""
        if os.path.exists(f"/proc/{pgid}"):
            self.enabled = False
