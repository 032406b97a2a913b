"""Helpers of the classroom tests: a ``linreg-tui serve`` on loopback, and an SSH client
that records what the learner's terminal receives."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

asyncssh = pytest.importorskip(
    "asyncssh", reason='the classroom needs the extra: pip install -e ".[classroom]"'
)

TOKEN = "test-token-12345"
START_TIMEOUT = 120.0


@dataclass
class Served:
    """A running ``linreg-tui serve``."""

    process: subprocess.Popen[str]
    port: int
    root: Path
    token_file: Path

    @property
    def log(self) -> str:
        path = self.root / "classroom.log"
        return path.read_text() if path.exists() else ""

    def zygote_pid(self) -> int:
        kids = children(self.process.pid)
        assert len(kids) == 1, kids
        return kids[0]


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def start_server(tmp: Path, *extra: str) -> Served:
    """Start ``linreg-tui serve`` on a free loopback port and wait until it listens."""
    root, token_file = tmp / "root", tmp / "token"
    token_file.write_text(TOKEN + "\n")
    command = [
        sys.executable, "-m", "linreg_tui.tui.cli", "serve", "--host", "127.0.0.1",
        "--port", "0", "--data-root", str(root), "--token-file", str(token_file), *extra,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_TIMEOUT
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if found:
            return Served(process, int(found.group(1)), root, token_file)
    process.kill()
    raise AssertionError("the classroom server did not start")


def stop_server(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(15)
    except subprocess.TimeoutExpired:
        served.process.kill()


class Screen(asyncssh.SSHClientSession):
    """What a learner's terminal receives (bytes), and stderr separately."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.err = bytearray()
        self.closed = asyncio.Event()

    def data_received(self, data: bytes, datatype: int | None) -> None:
        (self.err if datatype == asyncssh.EXTENDED_DATA_STDERR else self.out).extend(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()

    async def wait_for(self, text: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.out and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return text in self.out


async def connect(served: Served, user: str, password: str = TOKEN, **kw):
    return await asyncssh.connect(
        "127.0.0.1", served.port, username=user, password=password, known_hosts=None,
        client_keys=kw.pop("client_keys", None), **kw,
    )  # fmt: skip


async def open_app(conn, size: tuple[int, int] = (100, 30)):
    chan, screen = await conn.create_session(
        Screen, term_type="xterm-256color", term_size=size, encoding=None
    )
    return chan, screen
