"""The session that just got a key runs before those that only play (where the server may
lift a session's priority again)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from linreg_tui.tui.classroom.priority import (
    BOOST_SECONDS,
    INTERACTIVE_NICE,
    Priorities,
    can_raise_priority,
)

THREADS = "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); "


def _nices(pid: int) -> set[int]:
    """The nice value of every thread of ``pid`` (/proc/PID/task/TID/stat, field 19)."""
    found = set()
    for tid in os.listdir(f"/proc/{pid}/task"):
        stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        found.add(int(stat.rsplit(")", 1)[1].split()[16]))
    return found


@pytest.mark.skipif(not can_raise_priority(), reason="needs CAP_SYS_NICE or RLIMIT_NICE 15")
def test_a_session_without_keys_drops_and_a_key_lifts_every_thread_at_once() -> None:
    priorities = Priorities(enabled=True)
    level = priorities.interactive  # INTERACTIVE_NICE, or the test's own nice if higher
    code = f"import os; os.setpriority(0, 0, {level}); {THREADS}time.sleep(30)"
    # its own process group, as a forked session has
    session = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        for _ in range(100):  # wait (≤ 10 s) until its second thread runs
            if len(os.listdir(f"/proc/{session.pid}/task")) == 2:
                break
            subprocess.run(["sleep", "0.1"], check=True)
        priorities.tick(session.pid, idle_for=BOOST_SECONDS / 2)  # typed lately: stays
        assert _nices(session.pid) == {level}
        priorities.tick(session.pid, idle_for=BOOST_SECONDS + 0.1)
        assert _nices(session.pid) == {priorities.lowered}
        priorities.key(session.pid)
        assert _nices(session.pid) == {level}
        priorities.key(session.pid)  # already up: nothing to do
        assert priorities.background == set()
    finally:
        session.kill()
        session.wait(10)


def test_without_the_right_to_lift_nothing_is_lowered() -> None:
    priorities = Priorities(enabled=False)
    priorities.tick(os.getpid(), idle_for=BOOST_SECONDS * 10)
    assert priorities.background == set()
    assert _nices(os.getpid()) == {os.getpriority(os.PRIO_PROCESS, 0)}


def test_the_levels_stay_below_the_server() -> None:
    priorities = Priorities(enabled=False)
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert priorities.interactive == max(own, INTERACTIVE_NICE)
    assert priorities.lowered == min(19, priorities.interactive + 5)
