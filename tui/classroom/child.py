"""One learner's app process, freshly forked from the zygote: make the pty its terminal,
move into the learner's folder, drop priority, confine, limit, and run the app.

Textual's Linux driver reads ``sys.__stdin__`` and writes ``sys.__stderr__``, so the
standard streams are rebuilt on the pty (not only fds 0/1/2). ``COLUMNS``/``LINES`` are
removed from the environment rather than set: ``shutil.get_terminal_size`` prefers them
over the terminal, and Textual would then miss every window change.
"""

from __future__ import annotations

import fcntl
import io
import os
import signal
import sys
import termios
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1


def _take_terminal(fds: list[int]) -> None:
    """New session; the pty slave becomes the controlling terminal and fds 0, 1, 2 (the web
    route passes three pipe ends instead: stdin, stdout, stderr)."""
    os.setsid()
    if len(fds) == 1:
        fcntl.ioctl(fds[0], termios.TIOCSCTTY, 0)
        fds = fds * 3
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in set(fds):
        if fd > 2:
            os.close(fd)
    streams = []
    for fd, mode in ((0, "rb"), (1, "wb"), (2, "wb")):
        raw = io.FileIO(fd, mode[0], closefd=False)
        buffered = io.BufferedReader(raw) if mode == "rb" else io.BufferedWriter(raw)
        streams.append(io.TextIOWrapper(buffered, encoding="utf-8", errors="replace"))
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams  # type: ignore[misc]


def _die_with_parent() -> None:
    """SIGKILL when the zygote dies (the server's end of everything)."""
    import ctypes

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _environment(request: dict[str, Any], folder: Path) -> None:
    env = os.environ
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    env["TERM"] = str(request.get("term") or "xterm-256color")
    env["HOME"] = str(folder)
    env["LINREG_TUI_DATA_DIR"] = str(folder)
    env["TMPDIR"] = str(folder / ".tmp")
    env["LINREG_TUI_CONFINE"] = str(folder)
    if request.get("frame_cap_file"):
        env["LINREG_TUI_FRAME_CAP_FILE"] = str(request["frame_cap_file"])
    if request.get("no_skip"):
        env["LINREG_TUI_NO_SKIP"] = "1"
    if request.get("lang"):
        env.pop("LC_ALL", None)
        env.pop("LC_MESSAGES", None)
    for name in ("COLORTERM", "NO_COLOR", "LANG"):
        if request.get(name.lower()):
            env[name] = str(request[name.lower()])


def health_check(out: int) -> int:
    """A forked child can use torch with two threads: a 256×256 matmul, "ok" on ``out``.
    (With thread pools started before the fork, this hangs; the server waits with a
    timeout and refuses to serve.)"""
    import torch

    os.setsid()
    torch.set_num_threads(2)
    a = torch.ones(256, 256)
    total = float((a @ a).sum())
    os.write(out, b"ok\n" if total == 256.0**3 else b"wrong\n")
    return 0


def read_extra(request: dict[str, Any]) -> list[str]:
    """What a confined session must read besides the system and the app: the course, the
    teacher's gallery, and the folder of the frame-cap file. The folder, not the file: the
    server replaces the file (a new inode) at each change, and a Landlock rule on the file
    would keep only the first one readable, so the session would never see the cap drop."""
    extra = [str(request[name]) for name in ("course", "gallery") if request.get(name)]
    if request.get("frame_cap_file"):
        extra.append(str(Path(request["frame_cap_file"]).parent))
    return extra


def run_child(request: dict[str, Any], fds: list[int]) -> int:
    """Everything after the fork; returns the app's exit code."""
    from . import sandbox

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _die_with_parent()
    if request.get("check"):
        return health_check(fds[0])
    _take_terminal(fds)
    folder = Path(request["folder"])
    (folder / ".tmp").mkdir(parents=True, exist_ok=True)
    os.chdir(folder)
    _environment(request, folder)
    # Below the server (an absolute level, so the server can lift it back to exactly this).
    own = os.getpriority(os.PRIO_PROCESS, 0)
    os.setpriority(os.PRIO_PROCESS, 0, max(own, int(request.get("nice", 5))))
    sandbox.set_limits(int(request.get("cpu_seconds", 0)), int(request.get("memory_bytes", 0)))
    if request.get("landlock", True):
        sandbox.landlock_confine(folder, Path(request["data_root"]), read_extra(request))
    from linreg_tui.lessons.i18n import pick_language
    from linreg_tui.tui.app import LinregApp

    app = LinregApp(
        lang=pick_language(None),
        lessons_path=request.get("course"),
        progress_dir=folder,
        gallery_path=request.get("gallery"),
    )
    if request.get("web"):
        from textual.drivers.web_driver import WebDriver

        app.driver_class = WebDriver  # textual-serve speaks its protocol over the pipes
        size = (int(request.get("cols", 80)), int(request.get("rows", 24)))
        app.run(size=size)
    else:
        app.run(mouse=True)
    return int(app.return_code or 0)
