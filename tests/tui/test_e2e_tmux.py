"""End to end in a real terminal: tmux at 80×24 runs ``linreg-tui``, a newcomer opens the
playground, steps through T4's first updates, steps back, reads the numbers, and quits.

Waits poll the screen (``tmux capture-pane``) instead of sleeping; skipped without tmux.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One detached tmux session on a private server socket."""

    def __init__(self, command: str, width: int = 80, height: int = 24) -> None:
        self.socket = f"linreg-e2e-{os.getpid()}"
        self.name = "e2e"
        self.tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command
        )

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def send(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.name, key)

    def wait_for(self, *texts: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{texts} not on screen:\n{self.screen()}")

    def close(self) -> None:
        self.tmux("kill-server")


def test_t4_step_by_step_in_tmux(tmp_path: Path) -> None:
    exe = shutil.which("linreg-tui")
    app = (
        shlex.quote(exe)
        if exe
        else (
            f"{shlex.quote(sys.executable)} -c 'import sys; from linreg_tui.tui.cli import main; "
            "sys.exit(main())'"
        )
    )
    status = tmp_path / "exit-status"
    env = f"TERM=xterm-256color LINREG_TUI_DATA_DIR={shlex.quote(str(tmp_path / 'data'))}"
    term = Tmux(
        f"sh -c '{env} {app}; echo $? > {shlex.quote(str(status))}; sleep 30'"
        if "'" not in app
        else f'sh -c "{env} {app}; echo \\$? > {status}; sleep 30"'
    )
    try:
        term.wait_for("Engine ready")
        term.send("p")
        term.wait_for("update 0", "first update")
        term.send("Right")
        term.wait_for("update 1 · epoch 1", "= -2.0")
        term.send("Right")
        term.wait_for("update 2 · epoch 1", "= -7.84")
        term.send("Right")
        term.wait_for("update 3 · epoch 1", "= -16.2288")
        term.send("Left")
        screen = term.wait_for("update 2 · epoch 1 · batch 2 of 3")
        assert "∂L/∂w = (2/n)·Σ x·(ŷ − y) = -7.84" in screen
        assert "w ← w − η·g = 1.02 − 0.01·(-7.84) = 1.0984" in screen
        assert "-16.2288" not in screen  # the third update is gone again
        term.send("Escape")
        term.wait_for("Tools", "Engine ready")  # Home again (not ESC+q, read as alt+q)
        term.send("q")
        deadline = time.monotonic() + 30
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.exists(), term.screen()
        assert status.read_text().strip() == "0"
    finally:
        term.close()
