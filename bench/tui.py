"""Benchmark the app as an SSH session sees it: in a pseudo-terminal, TERM=xterm-256color.

Every number is measured in this one run and printed with its target and PASS/FAIL:

1. time to the first painted Home screen ÷ that of a minimal Textual app (a Static and a
   Footer), each the median of a few launches, alternating            target ≤ 1.3
2. the Compare view playing its three default runs (keys: ``c`` on Home, then space):
   terminal output in KB/s and updates shown per second, at 80×24       ≤ 25 KB/s, ≥ 10/s
   and at 120×40                                                        ≤ 40 KB/s, ≥ 10/s
3. an idle screen (paused): bytes per second                            ≤ 100 B/s
4. CPU of the app process while Compare plays (utime + stime from /proc) ≤ 0.35 core

"Updates shown" are read from the screen itself: the highest ``update N`` of a run's panel
or ``updates  N`` of the compare table in the output at the start and the end of the window.

    python bench/tui.py [--window 10] [--launches 3]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time

APP = [sys.executable, "-c", "import sys; from linreg_tui.tui.cli import main; sys.exit(main())"]
MINIMAL = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Footer, Static

    class Minimal(App):
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self):
            yield Static("minimal app ready")
            yield Footer()

    Minimal().run()
    """
)
HOME_MARK = b"Playground"  # on Home's menu
ENGINE_MARK = b"Engine ready"  # Home's status line once torch has loaded
COMPARE_MARK = b"lockstep"  # the compare view's first status line, once its runs exist
UPDATE = re.compile(rb"updates? +(\d+)")  # a run panel's "update 3", the table's "updates  3"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Term:
    """A child process on a pty of a given size; a thread collects its output."""

    def __init__(self, argv: list[str], cols: int, rows: int) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        env.pop("NO_COLOR", None)
        env.pop("TEXTUAL", None)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.chunks: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        self.done = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while not self.done:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                break
            if not data:
                break
            with self.lock:
                self.chunks.append((time.perf_counter(), data))

    def output(self, since: float = 0.0, until: float = float("inf")) -> bytes:
        with self.lock:
            return b"".join(d for t, d in self.chunks if since <= t < until)

    def wait_for(self, mark: bytes, timeout: float, since: float = 0.0) -> float:
        """Seconds from launch until ``mark`` appears (escape codes removed) after ``since``."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                hit = None
                text = b""
                for t, data in self.chunks:
                    if t < since:
                        continue
                    text += data
                    if mark in ANSI.sub(b"", text):
                        hit = t
                        break
            if hit is not None:
                return hit - self.started
            time.sleep(0.01)
        raise TimeoutError(f"{mark!r} did not appear within {timeout} s")

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime (all threads)

    def close(self) -> None:
        try:
            self.send(b"\x1b")
            self.send(b"q")
            self.proc.wait(timeout=3)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.done = True
        self.reader.join(timeout=1)
        os.close(self.master)


def first_paint(argv: list[str], mark: bytes) -> float:
    term = Term(argv, 80, 24)
    try:
        return term.wait_for(mark, 60)
    finally:
        term.close()


def updates_shown(text: bytes) -> int:
    """The highest ``update N`` on screen in ``text`` (0 if none)."""
    return max((int(m) for m in UPDATE.findall(ANSI.sub(b"", text))), default=0)


def compare_window(cols: int, rows: int, window: float) -> dict[str, float]:
    """Open Compare at cols×rows, play, and measure bytes, updates and CPU over ``window``."""
    term = Term(APP, cols, rows)
    try:
        term.wait_for(HOME_MARK, 60)
        term.wait_for(ENGINE_MARK, 120)
        mark = time.perf_counter()
        term.send(b"c")
        term.wait_for(COMPARE_MARK, 60, since=mark)
        time.sleep(1.0)
        term.send(b" ")
        time.sleep(1.5)  # let play settle
        t0, cpu0 = time.perf_counter(), term.cpu_seconds()
        time.sleep(0.5)
        first = updates_shown(term.output(t0, t0 + 0.5))
        time.sleep(window - 0.5)
        t1, cpu1 = time.perf_counter(), term.cpu_seconds()
        last = updates_shown(term.output(t1 - 0.5, t1))
        played = term.output(t0, t1)
        term.send(b" ")  # pause, then measure idle
        time.sleep(1.0)
        i0 = time.perf_counter()
        time.sleep(min(5.0, window))
        i1 = time.perf_counter()
        idle = term.output(i0, i1)
        return {
            "kb_per_s": len(played) / 1024 / (t1 - t0),
            "updates_per_s": (last - first) / (t1 - t0 - 0.5),
            "cpu": (cpu1 - cpu0) / (t1 - t0),
            "idle_b_per_s": len(idle) / (i1 - i0),
        }
    finally:
        term.close()


def compile_package() -> None:
    """Byte-compile the app's modules first, as an installed package is (pip compiles them).
    An editable checkout under PYTHONDONTWRITEBYTECODE would otherwise compile every edited
    module from source at each launch, which no installed copy does (Textual's own modules,
    like the minimal app's, are compiled by pip)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("linreg_tui.tui")
    assert spec is not None and spec.origin is not None
    root = os.path.dirname(os.path.dirname(spec.origin))  # the repository or site-packages
    for part in ("tui", "engine", "lessons", "datasets", "linreg_tui"):
        folder = os.path.join(root, part)
        if os.path.isdir(folder):
            compileall.compile_dir(folder, quiet=1)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured per case")
    parser.add_argument("--launches", type=int, default=3, help="launches per first-paint median")
    args = parser.parse_args()
    results = []
    compile_package()

    apps, mins = [], []
    for _ in range(args.launches):
        mins.append(first_paint([sys.executable, "-c", MINIMAL], b"minimal app ready"))
        apps.append(first_paint(APP, HOME_MARK))
    ratio = statistics.median(apps) / statistics.median(mins)
    print(
        f"first paint: Home {statistics.median(apps):.3f} s, minimal Textual app "
        f"{statistics.median(mins):.3f} s"
    )
    results.append(("Home first paint / minimal app", ratio, "<= 1.30", ratio <= 1.3))

    for cols, rows, limit in ((80, 24, 25.0), (120, 40, 40.0)):
        m = compare_window(cols, rows, args.window)
        size = f"{cols}x{rows}"
        results.append(
            (
                f"Compare playing {size}: KB/s",
                m["kb_per_s"],
                f"<= {limit:g}",
                m["kb_per_s"] <= limit,
            )
        )
        results.append(
            (
                f"Compare playing {size}: updates shown per second (per run)",
                m["updates_per_s"],
                ">= 10",
                m["updates_per_s"] >= 10,
            )
        )
        results.append(
            (f"Compare playing {size}: CPU (cores)", m["cpu"], "<= 0.35", m["cpu"] <= 0.35)
        )
        results.append(
            (f"idle {size}: bytes/s", m["idle_b_per_s"], "<= 100", m["idle_b_per_s"] <= 100)
        )

    width = max(len(name) for name, *_ in results)
    for name, value, target, ok in results:
        print(f"{name:<{width}}  {value:10.3f}  target {target:<8}  {verdict(ok)}")
    return 0 if all(ok for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
