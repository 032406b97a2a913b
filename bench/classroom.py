"""Benchmark the classroom: N learners over SSH on loopback against one ``linreg-tui serve``.

Every figure is measured in this run and printed with its target and PASS/FAIL:

1. one login alone: connect to "Engine ready" on Home                     ≤ 1.5 s
2. N simultaneous logins: the slowest to "Engine ready"                    ≤ 10 s
3. all N playing the Playground at 20 updates/s, 120×40 (keys: p; [ [ [ for lr ÷8, so the
   run plays for minutes instead of converging after ~300 updates; + + space):
   a. updates shown per second, the slowest session                       ≥ 18/s
   b. the server's own CPU (the relay; utime+stime from /proc)            ≤ 0.1 core
   c. terminal output per playing session                                 ≤ 30 KiB/s
   d. keypress to screen, p95: each learner presses ``-`` (20/s → 10/s) ``--presses``
      times at moments of their own (0.2–1.2 s apart), and the time until its notice
      "speed: 10 per second" shows is taken; ``+`` restores 20/s      ≤ 300 ms
      (every session must still be playing meanwhile: its update count rises)
4. memory while playing: private memory per session (smaps_rollup)       ≤ 60 MiB
   and the PSS of all processes (server, zygote, sessions)                ≤ 2.5 GiB

Printed as facts, without a target: the sessions' mean CPU while playing, this client's
own CPU (it shares the machine), the slowest key press, and the p95 when every learner
presses at the same moment (``--stress`` rounds: a worst case, not a class).

Everything goes to 127.0.0.1; every loop is bounded in count and time; the server, its
data root and its token live in a temporary folder removed at the end. The session count
is the one knob that matters; fewer than 30 is a quick check on a busy machine:

    python bench/classroom.py [--sessions 30] [--window 10] [--presses 4] [--stress 2]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

from linreg_tui.tui.classroom.rooms import usable_cores

TOKEN = "bench-token-0123"
READY = b"Engine ready"
UPDATE = re.compile(rb"update (\d+)")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
SLOWER_MARK = b"speed: 10 per second"  # the notice the key shows
FASTER_MARK = b"speed: 20 per second"  # and the one of the key that undoes it
SIZE = (120, 40)


class Screen(asyncssh.SSHClientSession):
    """Bytes received, with their arrival times (stamped as they arrive, so a waiter that
    wakes late still reads the true time)."""

    def __init__(self) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.total = 0
        self.arrived = asyncio.Event()

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.chunks.append((time.monotonic(), data))
        self.total += len(data)
        self.arrived.set()

    def since(self, t0: float) -> bytes:
        first = bisect.bisect_left(self.chunks, t0, key=lambda chunk: chunk[0])
        return b"".join(d for _t, d in self.chunks[first:])

    async def wait_for(self, mark: bytes, t0: float, timeout: float) -> float | None:
        """Seconds from ``t0`` until ``mark`` arrived after ``t0`` (None: not in time).
        Each chunk is searched once (with the end of the one before, for a mark split
        between two), so thirty waiters cost the client little while they wait."""
        deadline = t0 + timeout
        index = bisect.bisect_left(self.chunks, t0, key=lambda chunk: chunk[0])
        tail = b""
        while True:
            while index < len(self.chunks):
                arrived, data = self.chunks[index]
                index += 1
                window = tail + data
                if mark in window:
                    return arrived - t0
                tail = window[-len(mark) :]
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except TimeoutError:
                pass


def start_server(root: Path, sessions: int) -> tuple[subprocess.Popen[str], int]:
    token = root / "token"
    token.write_text(TOKEN)
    command = [
        sys.executable, "-m", "linreg_tui.tui.cli", "serve", "--port", "0",
        "--data-root", str(root / "class"), "--token-file", str(token),
        "--max-sessions", str(sessions + 1), "--idle-timeout", "600",
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    for _ in range(10):
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", server.stdout.readline())
        if found:
            return server, int(found.group(1))
    server.kill()
    raise SystemExit("the server did not start")


async def login(port: int, user: str) -> tuple[asyncssh.SSHClientConnection, object, Screen, float]:
    t0 = time.monotonic()
    conn = await asyncssh.connect(
        "127.0.0.1", port, username=user, password=TOKEN, known_hosts=None, client_keys=None
    )
    chan, screen = await conn.create_session(
        Screen, term_type="xterm-256color", term_size=SIZE, encoding=None
    )
    ready = await screen.wait_for(READY, t0, 60)
    return conn, chan, screen, ready if ready is not None else float("inf")


def updates_shown(text: bytes) -> int:
    found = [int(m) for m in UPDATE.findall(ANSI.sub(b"", text))]
    return max(found, default=0)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    for _ in range(4):  # server → zygote → sessions (→ their threads are not processes)
        nxt = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError):
                    continue
                if ppid in frontier:
                    nxt.append(int(entry))
        found += nxt
        frontier = nxt
    return found


def rollup(pid: int) -> dict[str, int]:
    """kB fields of /proc/PID/smaps_rollup."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        out[name] = int(value.split()[0])
    return out


async def press(chan, screen: Screen) -> float:
    """``-`` (20/s → 10/s): seconds until its notice shows (5.0: not within 5 s); then
    ``+`` back to 20/s, waiting for its notice so the next press starts from 20/s."""
    t0 = time.monotonic()
    chan.write(b"-")
    took = await screen.wait_for(SLOWER_MARK, t0, 5)
    t1 = time.monotonic()
    chan.write(b"+")
    await screen.wait_for(FASTER_MARK, t1, 5)
    return took if took is not None else 5.0


async def staggered(chan, screen: Screen, presses: int, seed: int) -> list[float]:
    """A learner's ``presses`` key presses at their own moments (0.2–1.2 s apart), as keys
    come in a class: the neighbours keep playing meanwhile."""
    pause = random.Random(seed)
    found = []
    for _ in range(presses):
        await asyncio.sleep(pause.uniform(0.2, 1.2))
        found.append(await press(chan, screen))
    return found


async def lockstep(logins: list, presses: int) -> list[float]:
    """Every session presses at the same moment, ``presses`` times (a stress figure)."""
    found: list[float] = []
    for _ in range(presses):
        found += await asyncio.gather(*(press(ch, s) for _c, ch, s, _r in logins))
        await asyncio.sleep(0.5)
    return found


def p95_ms(latencies: list[float]) -> float:
    if len(latencies) < 2:
        return latencies[0] * 1000 if latencies else 0.0
    return statistics.quantiles(latencies, n=20, method="inclusive")[18] * 1000


def sessions_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except (OSError, IndexError):
            pass
    return total


async def start_playing(logins: list) -> None:
    """Open the Playground, lower the rate three times (lr ÷8: T4's run would converge and
    stop after ~300 updates at its own rate; at ÷8 it plays for minutes), then 20/s and
    play."""
    for _conn, chan, _screen, _r in logins:
        chan.write(b"p")
    await asyncio.sleep(3)
    for _conn, chan, _screen, _r in logins:
        chan.write(b"[[[")
    await asyncio.sleep(2)
    for _conn, chan, _screen, _r in logins:
        chan.write(b"++ ")
    await asyncio.sleep(2)


Result = tuple[str, float, str, bool | None]  # name, value, target, passed (None: a fact)


async def measure_play(server: subprocess.Popen[str], logins: list, window: float) -> list[Result]:
    """Updates, relay CPU, output and the sessions' own CPU over ``window`` s of play."""
    kids = descendants(server.pid)[1:]
    server_cpu0, kids_cpu0, t0 = cpu_seconds(server.pid), sessions_cpu(kids), time.monotonic()
    client0 = time.process_time()
    bytes0 = [s.total for _c, _ch, s, _r in logins]
    first = [updates_shown(s.since(t0 - 1.0)) for _c, _ch, s, _r in logins]
    await asyncio.sleep(window)
    t1 = time.monotonic()
    span = t1 - t0
    server_cpu = (cpu_seconds(server.pid) - server_cpu0) / span
    per_session = (sessions_cpu(kids) - kids_cpu0) / span / max(1, len(logins))
    client = (time.process_time() - client0) / span
    last = [updates_shown(s.since(t1 - 1.0)) for _c, _ch, s, _r in logins]
    rates = [(b - a) / span for a, b in zip(first, last, strict=True)]
    out = [
        (s.total - b0) / span / 1024 for (_c, _ch, s, _r), b0 in zip(logins, bytes0, strict=True)
    ]
    return [
        ("updates/s, slowest playing session", min(rates), "≥ 18", min(rates) >= 18),
        ("server relay CPU (cores)", server_cpu, "≤ 0.1", server_cpu <= 0.1),
        ("output per playing session, max (KiB/s)", max(out), "≤ 30", max(out) <= 30),
        ("CPU per playing session, mean (cores)", per_session, "", None),
        ("the bench's own client CPU (cores)", client, "", None),
    ]


async def measure_keys(logins: list, presses: int, stress: int) -> list[Result]:
    """Key presses while every session plays: staggered (the target), then in lockstep."""
    t0 = time.monotonic()
    before = [updates_shown(s.since(t0 - 1.0)) for _c, _ch, s, _r in logins]
    groups = await asyncio.gather(
        *(staggered(ch, s, presses, seed) for seed, (_c, ch, s, _r) in enumerate(logins))
    )
    latencies = [x for group in groups for x in group]
    t1 = time.monotonic()
    after = [updates_shown(s.since(t1 - 1.0)) for _c, _ch, s, _r in logins]
    playing = sum(b > a for a, b in zip(before, after, strict=True))  # the counts still rise
    p95 = p95_ms(latencies)
    found: list[Result] = [
        ("keypress to screen, p95 (ms)", p95, "≤ 300", p95 <= 300),
        ("keypress to screen, max (ms)", max(latencies) * 1000, "", None),
        ("sessions still playing during the presses", playing, f"= {len(logins)}",
         playing == len(logins)),
    ]  # fmt: skip
    if stress > 0:
        together = await lockstep(logins, stress)
        found.append(("keypress p95, all pressing at once (ms)", p95_ms(together), "", None))
    return found


def measure_memory(server: subprocess.Popen[str]) -> list[Result]:
    procs = descendants(server.pid)
    zygote, kids = procs[0], procs[1:]
    private = [(r["Private_Clean"] + r["Private_Dirty"]) / 1024 for r in map(rollup, kids)]
    pss = sum(rollup(p)["Pss"] for p in [server.pid, zygote, *kids]) / 1024**2
    return [
        ("private memory per session, max (MiB)", max(private), "≤ 60", max(private) <= 60),
        ("PSS of all processes (GiB)", pss, "≤ 2.5", pss <= 2.5),
    ]


async def run(sessions: int, window: float, presses: int, stress: int) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="linreg-bench-") as tmp:
        server, port = start_server(Path(tmp), sessions)
        try:
            conn, chan, _s, alone = await login(port, "solo")
            results.append(("one login alone, to Engine ready (s)", alone, "≤ 1.5", alone <= 1.5))
            conn.close()
            await asyncio.sleep(1.5)
            logins = await asyncio.gather(*(login(port, f"l{k:02d}") for k in range(sessions)))
            slowest = max(r[3] for r in logins)
            results.append((f"{sessions} simultaneous logins, slowest (s)", slowest, "≤ 10",
                            slowest <= 10))  # fmt: skip
            await start_playing(logins)
            results += await measure_play(server, logins, window)
            results += await measure_keys(logins, presses, stress)
            results += measure_memory(server)
            for conn, *_ in logins:
                conn.abort()
        finally:
            server.terminate()
            server.wait(20)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="learners at once (30)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds of play measured")
    parser.add_argument("--presses", type=int, default=4, help="key presses per learner (4)")
    parser.add_argument(
        "--stress", type=int, default=2, help="rounds of everyone pressing at once (2; 0: none)"
    )
    args = parser.parse_args()
    sessions = max(1, min(args.sessions, 200))
    load = os.getloadavg()
    print(f"classroom bench: {sessions} sessions, {usable_cores()} cores, "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    window = min(max(args.window, 3.0), 60.0)
    presses, stress = max(1, min(args.presses, 20)), max(0, min(args.stress, 5))
    results = asyncio.run(run(sessions, window, presses, stress))
    for name, value, target, ok in results:
        verdict = "" if ok is None else "PASS" if ok else "FAIL"
        print(f"{name:<45} {value:>9.3f}  {'target ' + target if target else '':<13} {verdict}")
    return 0 if all(ok is not False for *_x, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
