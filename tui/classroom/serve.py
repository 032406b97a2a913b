"""``linreg-tui serve``: start the zygote, then the SSH server (and the web route), and run
until interrupted.

The zygote is started first, while this process has no event loop and no thread, so that
nothing is half-initialised when it forks; this process itself never imports torch.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import IO

from .auth import RosterError, RosterFile, read_token
from .rooms import Config, Room, Zygote

TICK = 0.25  # seconds between idle checks and frame-cap updates


def host_key(path: Path | None, data_root: Path) -> Path:
    """The given key, or ``DATA_ROOT/.server/ssh_host_ed25519_key`` (made on first start)."""
    import asyncssh

    if path is not None:
        return path
    key_path = data_root / ".server" / "ssh_host_ed25519_key"
    if not key_path.exists():
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        key_path.touch(mode=0o600)
        key_path.write_bytes(key.export_private_key())
    return key_path


def _gallery(path: str | None) -> str | None:
    """The teacher's gallery as an absolute path, checked now (ValueError: one line)."""
    if not path:
        return None
    from linreg_tui.lessons.gallery import gallery_problem

    problem = gallery_problem(path)
    if problem:
        raise ValueError(problem)
    return str(Path(path).expanduser().resolve())


def config_of(args: argparse.Namespace) -> tuple[Config, RosterFile | None]:
    """Check the options; raises ValueError with a one-line reason."""
    root = Path(args.data_root).expanduser().resolve()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = read_token(Path(args.token_file).expanduser())
    roster = None
    if args.roster:
        try:
            roster = RosterFile(Path(args.roster).expanduser().resolve())
        except (OSError, UnicodeDecodeError, RosterError) as err:
            raise ValueError(f"cannot use the roster: {err}") from err
    course = str(Path(args.course).expanduser().resolve()) if args.course else None
    gallery = _gallery(getattr(args, "gallery", None))
    config = Config(
        data_root=root, token=token, max_sessions=args.max_sessions,
        idle_timeout=args.idle_timeout, course=course, no_skip=args.no_skip, gallery=gallery,
    )  # fmt: skip
    return config, roster


async def _serve(
    room: Room, roster: RosterFile | None, args: argparse.Namespace, out: IO[str]
) -> int:
    import asyncssh

    from .ssh import LearnerServer

    key = host_key(Path(args.host_key) if args.host_key else None, room.config.data_root)
    server = await asyncssh.create_server(
        lambda: LearnerServer(room, roster), args.host, args.port,
        server_host_keys=[str(key)], encoding=None, line_editor=False,
        agent_forwarding=False, x11_forwarding=False, allow_scp=False,
        login_timeout=60, keepalive_interval=30, keepalive_count_max=3,
    )  # fmt: skip
    port = server.sockets[0].getsockname()[1]
    web, url = None, ""
    if args.web_port is not None:
        from .web import start_web

        web, url = await start_web(room, args.host, args.web_port, roster)
    mode = "Landlock" if room.landlock_mode else "the app's own path check"
    if room.landlock_mode:
        from .sandbox import exposed

        for secret, folder in exposed([room.config.data_root, Path(args.token_file)]):
            warning = f"warning: {secret} is inside {folder}, which every session must read"
            room.log.info(warning)
            out.write(f"linreg-tui: {warning}; move it elsewhere\n")
    boost = "on" if room.priorities.enabled else "off (needs CAP_SYS_NICE or RLIMIT_NICE 15)"
    room.log.info("serving on %s:%s (sandbox: %s; key boost: %s)", args.host, port, mode, boost)
    out.write(f"linreg-tui: classroom listening on {args.host}:{port} (ssh)\n")
    log = room.config.data_root / "classroom.log"
    out.write(f"linreg-tui: sandbox: {mode}; key boost: {boost}; log: {log}\n")
    if url:
        out.write(f"linreg-tui: classroom listening on {url}/ (web)\n")
    out.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            if room.zygote.process.poll() is not None:
                room.log.info(
                    "the app process stopped (exit %s): stopping", room.zygote.process.returncode
                )
                out.write("linreg-tui: the app process stopped; the classroom stops too\n")
                return 1
            room.tick(TICK)
            try:
                await asyncio.wait_for(stop.wait(), TICK)
            except asyncio.TimeoutError:
                pass
    finally:
        server.close()
        if web is not None:
            await web.cleanup()
        room.close()
        room.log.info("stopped")
    return 0


def cmd_serve(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Run the classroom until Ctrl-C or SIGTERM."""
    try:
        import asyncssh  # noqa: F401

        if args.web_port is not None:
            import textual_serve  # noqa: F401
    except ImportError:
        extra = 'pip install "linreg-tui[classroom]"'
        err.write(f"linreg-tui: serve needs the classroom extra: {extra}\n")
        return 2
    try:
        config, roster = config_of(args)
    except (OSError, ValueError) as problem:
        err.write(f"linreg-tui: {problem}\n")
        return 2
    out.write("linreg-tui: starting the app process (imports torch once)…\n")
    out.flush()
    try:
        zygote = Zygote()  # before any event loop or thread exists
    except RuntimeError as problem:
        err.write(f"linreg-tui: {problem}\n")
        return 1
    room = Room(config, zygote)
    if roster is not None:
        roster.report = room.log.info  # re-reads (and failed ones) go to the teacher's log
    try:
        return asyncio.run(_serve(room, roster, args, out))
    except OSError as problem:  # the port is taken, the host key is unreadable, …
        room.close()
        err.write(f"linreg-tui: cannot serve: {problem}\n")
        return 2
