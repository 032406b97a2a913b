"""The zygote: one warmed process that forks an app process per learner.

Run as ``python -m linreg_tui.tui.classroom.zygote FD`` by the server, before the server
starts its event loop. At start, before any thread exists and before torch does anything,
it pins torch and BLAS to one thread (a child forked from a parent whose thread pools ran
can hang on its first matmul), imports numpy, torch, Textual and every module of the app,
warms one run, and freezes the garbage collector (so children share those pages instead
of copying them as the collector touches them).

Protocol on the Unix socket ``FD`` (SOCK_SEQPACKET, one message per request): the server
sends a JSON request with the pty's slave end attached (SCM_RIGHTS); the zygote forks and
answers ``{"pid": N}`` (or ``{"error": "..."}``). A child is the leader of its own session
and process group, so the server ends it and everything it started with ``killpg(pid)``.
When the server goes away (EOF on the socket) the zygote kills its children and exits.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy or torch is imported: their pools read these

import gc  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from typing import Any  # noqa: E402

MAX_REQUEST = 64 * 1024


def warm() -> None:
    """Import everything a session uses and do one small run, on one thread."""
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    import textual.app  # noqa: F401

    from linreg_tui.tui.app import LinregApp  # noqa: F401
    from linreg_tui.tui.choices import RunChoice
    from linreg_tui.tui.screens import (  # noqa: F401
        code_screen,
        compare,
        dataset_dialog,
        export_dialog,
        lesson,
        playground,
        settings_dialog,
    )
    from linreg_tui.tui.session import Session

    session = Session([RunChoice()])
    session.build()
    session.step(20)
    session.snapshot()
    from linreg_tui.engine import warm_fast_forward

    # numba and the compiled fast-forward, shared by every child: without this each
    # session's app would load them itself (~1 CPU-s and ~40 MiB private memory apiece).
    warm_fast_forward()


def serve(control: socket.socket) -> None:
    """Answer fork requests until the server closes the socket."""
    children: set[int] = set()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    try:
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(control, MAX_REQUEST, 3)
            except InterruptedError:
                continue
            if not data:
                break
            children = {pid for pid in children if _alive(pid)}
            reply = _fork(json.loads(data), fds, control, children)
            for fd in fds:
                os.close(fd)
            try:
                control.send(json.dumps(reply).encode())
            except OSError:  # the server is gone
                break
    finally:
        for pid in children:
            _kill_group(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _fork(request: dict[str, Any], fds: list[int], control: socket.socket, children: set[int]):
    """Fork one session; the parent returns the reply, the child never returns."""
    if len(fds) != (3 if request.get("web") else 1):
        return {"error": "expected a pty (or, for the web route, three pipe ends)"}
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        children.add(pid)
        return {"pid": pid}
    code = 1
    try:
        from .child import run_child

        control.close()
        code = run_child(request, fds)
    finally:
        os._exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    control = socket.socket(fileno=int(argv[0]))
    warm()
    if threading.active_count() != 1:
        # A thread alive at fork time would be missing in every child, holding its locks.
        control.send(json.dumps({"error": "zygote has threads"}).encode())
        return 1
    if sys.path and sys.path[0] == os.getcwd():
        sys.path.pop(0)  # `python -m` added the server's folder; sessions need not read it
    gc.collect()
    gc.freeze()
    control.send(json.dumps({"ready": os.getpid()}).encode())
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
