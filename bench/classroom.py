"""Benchmark the classroom: N learners over SSH on loopback against one ``linreg-tui serve``.

Every figure is measured in this run and printed with its target and PASS/FAIL:

1. one login alone: connect to "Engine ready" on Home                     ≤ 1.5 s
2. N simultaneous logins: the slowest to "Engine ready"                    ≤ 10 s
3. all N playing the Playground at 20 updates/s (keys: p, +, +, space), 120×40:
   a. updates shown per second, the slowest session                       ≥ 18/s
   b. keypress to screen, p95 (``-`` slows play to 10/s: time until its
      notice "speed: 10 per second" shows; ``+`` restores 20/s)          ≤ 300 ms
   c. the server's own CPU (the relay; utime+stime from /proc)            ≤ 0.1 core
   d. terminal output per playing session                                 ≤ 30 KiB/s
4. memory while playing: private memory per session (smaps_rollup)       ≤ 60 MiB
   and the PSS of all processes (server, zygote, sessions)                ≤ 2.5 GiB

Everything goes to 127.0.0.1; every loop is bounded in count and time; the server, its
data root and its token live in a temporary folder removed at the end.

    python bench/classroom.py [--sessions 30] [--window 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

TOKEN = "bench-token-0123"
READY = b"Engine ready"
UPDATE = re.compile(rb"update (\d+)")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
SLOWER_MARK = b"speed: 10 per second"  # the notice the key shows
SIZE = (120, 40)


class Screen(asyncssh.SSHClientSession):
    """Bytes received, with their arrival times."""

    def __init__(self) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.total = 0

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.chunks.append((time.monotonic(), data))
        self.total += len(data)

    def since(self, t0: float) -> bytes:
        return b"".join(d for t, d in self.chunks if t >= t0)

    async def wait_for(self, mark: bytes, t0: float, timeout: float) -> float | None:
        """Seconds from ``t0`` until ``mark`` arrived after ``t0`` (None: not in time)."""
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            seen = b""
            for t, data in self.chunks:
                if t >= t0:
                    seen += data
                    if mark in seen:
                        return t - t0
            await asyncio.sleep(0.01)
        return None


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


async def keypress_latencies(chan, screen: Screen, presses: int) -> list[float]:
    """``-`` (20/s → 10/s): seconds until its notice shows; then ``+`` back to 20/s."""
    found = []
    for _ in range(presses):
        t0 = time.monotonic()
        chan.write(b"-")
        took = await screen.wait_for(SLOWER_MARK, t0, 5)
        found.append(took if took is not None else 5.0)
        chan.write(b"+")
        await asyncio.sleep(0.5)
    return found


async def run(sessions: int, window: float) -> list[tuple[str, float, str, bool]]:
    results: list[tuple[str, float, str, bool]] = []
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
            for _conn, chan, _screen, _r in logins:
                chan.write(b"p")
            await asyncio.sleep(3)
            for _conn, chan, _screen, _r in logins:
                chan.write(b"++ ")
            await asyncio.sleep(2)
            server_cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
            bytes0 = [s.total for _c, _ch, s, _r in logins]
            first = [updates_shown(s.since(t0 - 1.0)) for _c, _ch, s, _r in logins]
            await asyncio.sleep(window)
            t1 = time.monotonic()
            server_cpu = (cpu_seconds(server.pid) - server_cpu0) / (t1 - t0)
            last = [updates_shown(s.since(t1 - 1.0)) for _c, _ch, s, _r in logins]
            rates = [(b - a) / (t1 - t0) for a, b in zip(first, last, strict=True)]
            out = [(s.total - b0) / (t1 - t0) / 1024 for (_c, _ch, s, _r), b0 in
                   zip(logins, bytes0, strict=True)]  # fmt: skip
            lat_tasks = [keypress_latencies(ch, s, 4) for _c, ch, s, _r in logins]
            latencies = [x for group in await asyncio.gather(*lat_tasks) for x in group]
            procs = descendants(server.pid)
            zygote = procs[0]
            kids = [p for p in procs[1:]]
            private = [(r["Private_Clean"] + r["Private_Dirty"]) / 1024 for r in map(rollup, kids)]
            pss = sum(rollup(p)["Pss"] for p in [server.pid, zygote, *kids]) / 1024**2
            p95 = statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) > 1 else 0
            results += [
                ("updates/s, slowest playing session", min(rates), "≥ 18", min(rates) >= 18),
                ("keypress to screen, p95 (ms)", p95, "≤ 300", p95 <= 300),
                ("server relay CPU (cores)", server_cpu, "≤ 0.1", server_cpu <= 0.1),
                ("output per playing session, max (KiB/s)", max(out), "≤ 30", max(out) <= 30),
                ("private memory per session, max (MiB)", max(private), "≤ 60", max(private) <= 60),
                ("PSS of all processes (GiB)", pss, "≤ 2.5", pss <= 2.5),
            ]
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
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"classroom bench: {args.sessions} sessions, {os.cpu_count()} cores, "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    results = asyncio.run(run(args.sessions, min(max(args.window, 3.0), 60.0)))
    for name, value, target, ok in results:
        print(f"{name:<45} {value:>9.3f}  target {target:<6} {'PASS' if ok else 'FAIL'}")
    return 0 if all(ok for *_x, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
