"""The classroom's state, independent of SSH: the zygote, the live sessions, the caps, the
teacher's log, the frame cap. The SSH server (:mod:`.ssh`) and the web route call into it.

This module never imports torch: the server stays small, the zygote holds the app.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .priority import Priorities

KILL_GRACE = 1.0  # seconds between SIGHUP and SIGKILL of a session's process group
PLAYING_BYTES = 1500  # output bytes per second above which a session counts as playing
FPS_MIN, FPS_MAX = 2, 15
# What a playing session costs (measured at 120×40, 20 updates/s): ≈ 8 ms of CPU per frame
# drawn, ≈ 10 ms per second besides (its updates, its threads waking).
FRAME_CPU, PLAYING_CPU = 0.008, 0.010
CPU_SHARE = 0.6  # of the cores, for the playing sessions: the rest answers keys at once
SHARE_PERIOD = 2.0  # seconds between re-shares (a session drawing 2 frames/s shows in each)
BUSY_HIGH, BUSY_LOW = 0.8, 0.6  # machine busy above: a third of the frames off; below: +1


@dataclass
class Config:
    """What ``linreg-tui serve`` was told."""

    data_root: Path
    token: str
    max_sessions: int = 40
    idle_timeout: float = 900.0
    course: str | None = None
    gallery: str | None = None  # a teacher's presets (--gallery), added to the bundled ones
    no_skip: bool = False
    cpu_seconds: int = 4 * 3600  # per session
    memory_bytes: int = 0  # 0: the zygote's address space plus MEMORY_HEADROOM
    landlock: bool = True
    boost: bool = True  # lower sessions without a recent key, where they can be lifted again


MEMORY_HEADROOM = 3 * 1024**3


def frame_cap(playing: int, cores: int) -> int:
    """Frames per second each playing session may draw so ``playing`` sessions use 60 % of
    ``cores``: ⌊(cores·0.6/playing − 0.010)/0.008⌋, clamped to [2, 15] (a frame costs
    ≈ 8 ms of CPU, a playing session ≈ 10 ms/s besides). The other 40 % is what lets a key
    press show at once while everyone plays: 30 sessions on 2 cores draw 3 frames/s each."""
    if playing <= 0:
        return FPS_MAX
    fps = (cores * CPU_SHARE / playing - PLAYING_CPU) / FRAME_CPU
    return max(FPS_MIN, min(FPS_MAX, int(fps)))


class BusyMeter:
    """The share of the machine's CPU time that was busy since the last reading (all
    processes, ours or not: /proc/stat); 0.0 where it cannot be read."""

    def __init__(self, path: Path = Path("/proc/stat")) -> None:
        self.path = path
        self._last = self._read()

    def _read(self) -> tuple[int, int] | None:
        """(busy, total) jiffies: user nice system idle iowait irq softirq steal."""
        try:
            fields = [int(x) for x in self.path.read_text().split("\n", 1)[0].split()[1:9]]
        except (OSError, ValueError):
            return None
        if len(fields) < 5:
            return None
        total = sum(fields)
        return total - fields[3] - fields[4], total

    def busy(self) -> float:
        now, last = self._read(), self._last
        self._last = now
        if now is None or last is None or now[1] <= last[1]:
            return 0.0
        return (now[0] - last[0]) / (now[1] - last[1])


def usable_cores() -> int:
    """The cores this process may run on (a container's or ``taskset``'s share)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def teacher_log(data_root: Path) -> logging.Logger:
    """One line per login, logout and refusal in ``DATA_ROOT/classroom.log`` (UTC)."""
    log = logging.getLogger(f"linreg_tui.classroom.{data_root}")
    if not log.handlers:
        handler = logging.FileHandler(data_root / "classroom.log", encoding="utf-8")
        formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


class Zygote:
    """The warmed app process and the socket to ask it for forks."""

    def __init__(self, timeout: float = 180.0) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        module = "linreg_tui.tui.classroom.zygote"
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, str(theirs.fileno())], pass_fds=[theirs.fileno()]
        )
        theirs.close()
        ours.settimeout(timeout)
        try:
            reply = json.loads(ours.recv(4096) or b"{}")
        except (TimeoutError, ValueError) as err:
            self.process.kill()
            raise RuntimeError(f"the app process did not start: {err}") from err
        if "ready" not in reply:
            self.process.kill()
            raise RuntimeError(f"the app process did not start: {reply.get('error', 'died')}")
        self.pid = int(reply["ready"])
        self.sock = ours
        self.check(timeout)
        ours.setblocking(False)
        self._lock = asyncio.Lock()

    def check(self, timeout: float = 60.0) -> None:
        """Fork a child that runs a two-thread matmul; raise if it fails or hangs."""
        read, write = os.pipe()
        blocking = self.sock.getblocking()
        self.sock.settimeout(timeout)
        try:
            socket.send_fds(self.sock, [json.dumps({"check": True}).encode()], [write])
            os.close(write)
            pid = int(json.loads(self.sock.recv(4096)).get("pid", 0))
            ready, _, _ = select.select([read], [], [], timeout)
            answer = os.read(read, 16) if ready else b""
        finally:
            os.close(read)
            self.sock.setblocking(blocking)
        if answer != b"ok\n":
            if pid:
                _signal_group(pid, signal.SIGKILL)
            self.close()
            raise RuntimeError("a forked session could not run torch (hung or wrong result)")

    async def fork(self, request: dict[str, Any], fds: list[int]) -> int:
        """A new session process on ``fds``; its pid (= its process group)."""
        async with self._lock:
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
            data = await asyncio.get_running_loop().sock_recv(self.sock, 4096)
        if not data:
            raise RuntimeError("the app process has stopped; restart linreg-tui serve")
        reply = json.loads(data)
        if "pid" not in reply:
            raise RuntimeError(reply.get("error", "fork failed"))
        return int(reply["pid"])

    def close(self) -> None:
        self.sock.close()  # the zygote sees EOF, kills its children and exits
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class Live:
    """One learner's running session."""

    user: str
    peer: str
    write: Callable[[bytes], None]  # bytes to the learner's terminal
    close: Callable[[str], None]  # end the connection with a message
    master: int = -1
    pid: int = 0
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    sent: int = 0  # bytes sent so far
    sent_mark: int = 0  # bytes sent at the last frame-cap tick
    paused: bool = False

    def key(self) -> None:
        """The learner typed something (the idle timeout and the priority boost count it)."""
        self.last_input = time.monotonic()


class Room:
    """Live sessions, one per learner, at most ``max_sessions``."""

    def __init__(self, config: Config, zygote: Zygote) -> None:
        self.config = config
        self.zygote = zygote
        self.live: dict[str, Live] = {}
        self.log = teacher_log(config.data_root)
        self.runtime = Path(tempfile.mkdtemp(prefix="linreg-class-"))
        self.cap_file = self.runtime / "frame-cap"
        self.cap_file.write_text(str(FPS_MAX))
        self.cap = FPS_MAX
        self.cores = usable_cores()
        self.busy = BusyMeter()
        self.squeeze = 0  # frames/s taken off the formula's cap because the machine was busy
        self._since_share = 0.0
        from .sandbox import landlock_abi

        self.landlock_mode = config.landlock and landlock_abi() > 0
        self.priorities = Priorities(None if config.boost else False)
        self.memory = config.memory_bytes or (_address_space(zygote.pid) + MEMORY_HEADROOM)

    def refuse(self, user: str, peer: str, reason: str) -> str:
        self.log.info("refused %s from %s: %s", user, peer, reason)
        return f"linreg-tui: {reason}"

    def admit(self, user: str, peer: str) -> str | None:
        """None when ``user`` may start a session now, else the refusal text."""
        if user in self.live:
            return self.refuse(user, peer, f"{user} already has a session open; close it first")
        if len(self.live) >= self.config.max_sessions:
            cap = self.config.max_sessions
            return self.refuse(
                user, peer, f"the class is full (at most {cap} at once); try again later"
            )
        return None

    async def start(self, live: Live, term: str, cols: int, rows: int, env: dict[str, str]) -> None:
        """Fork the learner's app on a new pty; the caller relays ``live.master``."""
        master, slave = os.openpty()
        set_size(master, cols, rows)
        try:
            await self.spawn(live, {"term": term, **env}, [slave])
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        live.master = master

    async def spawn(self, live: Live, extra: dict[str, Any], fds: list[int]) -> None:
        """Register ``live`` and fork its app with ``fds`` (a pty slave, or the web route's
        three pipe ends) from the zygote; logs the login."""
        self.live[live.user] = live
        folder = self.config.data_root / live.user
        returning = "returning" if folder.is_dir() else "new"
        folder.mkdir(mode=0o700, exist_ok=True)
        request = {
            "folder": str(folder), "data_root": str(self.config.data_root),
            "course": self.config.course, "no_skip": self.config.no_skip,
            "gallery": self.config.gallery,
            "frame_cap_file": str(self.cap_file), "cpu_seconds": self.config.cpu_seconds,
            "memory_bytes": self.memory, "landlock": self.config.landlock,
            "nice": self.priorities.interactive, **extra,
        }  # fmt: skip
        try:
            live.pid = await self.zygote.fork(request, fds)
        except BaseException:
            self.live.pop(live.user, None)
            raise
        self.log.info("login %s from %s (%s; %d live)", live.user, live.peer, returning, len(self))

    def end(self, live: Live, why: str) -> None:
        """Release the session and end its processes (idempotent)."""
        if self.live.get(live.user) is not live:
            return
        del self.live[live.user]
        if live.master >= 0:
            # Unregister before closing: a new pty may get the same number at once.
            asyncio.get_running_loop().remove_reader(live.master)
            os.close(live.master)
            live.master = -1
        if live.pid:
            self.priorities.forget(live.pid)
            _signal_group(live.pid, signal.SIGHUP)
            asyncio.get_running_loop().call_later(KILL_GRACE, _signal_group, live.pid, 9)
        minutes = (time.monotonic() - live.started) / 60
        self.log.info("logout %s (%s; %.1f min; %d live)", live.user, why, minutes, len(self))

    def __len__(self) -> int:
        return len(self.live)

    def key(self, live: Live) -> None:
        """Input for ``live``: it is not idle, and it runs first for a while."""
        live.key()
        if live.pid:
            self.priorities.key(live.pid)

    def tick(self, period: float) -> None:
        """Every ``period`` s: close idle sessions, lower those without a recent key, and
        every SHARE_PERIOD s re-share frames between players."""
        now = time.monotonic()
        for live in list(self.live.values()):
            if now - live.last_input > self.config.idle_timeout:
                secs = int(self.config.idle_timeout)
                self.end(live, "idle timeout")  # logged before the learner is told
                live.close(f"closed after {secs} s without a key press (idle timeout)")
                continue
            self.priorities.tick(live.pid, now - live.last_input)
        self._since_share += period
        if self._since_share >= SHARE_PERIOD:
            self.share(self._since_share)
            self._since_share = 0.0

    def share(self, period: float) -> None:
        """The frame cap for the sessions that drew in the last ``period`` s: the formula's
        (:func:`frame_cap`), cut by a third at each re-share while the machine is busier
        than BUSY_HIGH (other work, or frames dearer than the formula thinks), and given
        back one frame/s per re-share while it is under BUSY_LOW."""
        playing = 0
        for live in self.live.values():
            if (live.sent - live.sent_mark) / period > PLAYING_BYTES:
                playing += 1
            live.sent_mark = live.sent
        formula, busy = frame_cap(playing, self.cores), self.busy.busy()
        if busy > BUSY_HIGH:  # a third off at once: a busy machine is relieved within seconds
            self.squeeze = formula - max(FPS_MIN, min(self.cap, formula) * 2 // 3)
        elif busy < BUSY_LOW:  # and given back one frame/s at a time
            self.squeeze = max(0, self.squeeze - 1)
        cap = max(FPS_MIN, formula - self.squeeze)
        if cap != self.cap:
            self.cap = cap
            tmp = self.cap_file.with_suffix(".tmp")
            tmp.write_text(str(cap))
            os.replace(tmp, self.cap_file)

    def close(self) -> None:
        for live in list(self.live.values()):
            live.close("the class is over (server stopped)")
            self.end(live, "server stopped")
        self.zygote.close()
        for path in (self.cap_file, self.cap_file.with_suffix(".tmp")):
            path.unlink(missing_ok=True)
        self.runtime.rmdir()


def set_size(master: int, cols: int, rows: int) -> None:
    """Set the pty's window size (the kernel then sends SIGWINCH to its foreground)."""
    cols, rows = max(1, min(cols, 1000)), max(1, min(rows, 1000))
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _address_space(pid: int) -> int:
    """The zygote's virtual memory size in bytes (a child starts with the same)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 1024**3
