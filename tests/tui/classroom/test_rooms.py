"""The room's bookkeeping without SSH: the frame cap follows the sessions that play, idle
sessions close with a reason, refusals and logouts reach the teacher's log."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from linreg_tui.tui.classroom.rooms import PLAYING_BYTES, BusyMeter, Config, Live, Room


def _room(tmp_path: Path, **config) -> Room:
    zygote = SimpleNamespace(pid=os.getpid(), close=lambda: None)  # no forks in these tests
    return Room(Config(data_root=tmp_path, token="t" * 12, **config), zygote)  # type: ignore[arg-type]


def _live(room: Room, user: str, closed: list[str]) -> Live:
    live = Live(user, "127.0.0.1", lambda data: None, closed.append)
    room.live[user] = live
    return live


class Busy:
    """A stand-in for the machine's load."""

    def __init__(self, share: float) -> None:
        self.share = share

    def busy(self) -> float:
        return self.share


def test_the_frame_cap_drops_as_sessions_play_and_comes_back(tmp_path: Path) -> None:
    room = _room(tmp_path)
    room.cores, room.busy = 2, Busy(0.5)
    closed: list[str] = []
    players = [_live(room, f"p{k}", closed) for k in range(30)]
    for live in players:
        live.sent += 2 * 2 * PLAYING_BYTES  # two seconds of drawing
    room.tick(1.0)
    assert room.cap == 15  # re-shared every SHARE_PERIOD s, not every tick
    room.tick(1.0)
    assert room.cap == 3 and room.cap_file.read_text() == "3"
    room.tick(2.0)  # nobody drew since
    assert room.cap == 15 and room.cap_file.read_text() == "15"
    room.close()
    assert not room.runtime.exists()


def test_a_busy_machine_takes_frames_off_until_it_is_quiet(tmp_path: Path) -> None:
    room = _room(tmp_path)
    room.cores, room.busy = 2, Busy(0.95)  # e.g. another program, or dearer frames
    players = [_live(room, f"p{k}", []) for k in range(10)]
    caps = []
    for busy in (0.95, 0.95, 0.95, 0.95, 0.7, 0.3, 0.3, 0.95):
        room.busy = Busy(busy)
        for live in players:
            live.sent += 2 * 2 * PLAYING_BYTES
        room.share(2.0)
        caps.append(room.cap)
    # 13 from the formula for 10 players on 2 cores: a third off while busy (down to 2),
    # one back per re-share once quiet
    assert caps == [8, 5, 3, 2, 2, 3, 4, 2]
    room.close()


def test_the_busy_meter_reads_the_machines_cpu_time(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4 5\n")
    meter = BusyMeter(stat)
    stat.write_text("cpu  160 0 120 720 100 0 0 0 0 0\n")  # 80 busy of 100 jiffies
    assert meter.busy() == pytest.approx(0.8)
    stat.unlink()
    assert meter.busy() == 0.0


def test_an_idle_session_is_closed_with_its_reason_and_logged(tmp_path: Path) -> None:
    room = _room(tmp_path, idle_timeout=5)
    closed: list[str] = []
    live = _live(room, "ann", closed)
    live.last_input -= 6
    room.tick(0.25)
    assert closed == ["closed after 5 s without a key press (idle timeout)"]
    assert "ann" not in room.live
    assert "logout ann (idle timeout" in (tmp_path / "classroom.log").read_text()
    room.close()


def test_one_session_per_learner_and_a_cap(tmp_path: Path) -> None:
    room = _room(tmp_path, max_sessions=1)
    _live(room, "ann", [])
    assert (
        room.admit("ann", "10.0.0.1")
        == "linreg-tui: ann already has a session open; close it first"
    )
    assert (
        room.admit("bob", "10.0.0.2")
        == "linreg-tui: the class is full (at most 1 at once); try again later"
    )
    log = (tmp_path / "classroom.log").read_text()
    assert "refused bob from 10.0.0.2: the class is full" in log
    room.close()
