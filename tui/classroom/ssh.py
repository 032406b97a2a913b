"""The embedded SSH server: logins, refusals, and a raw byte relay between each channel and
its session's pty.

Only an interactive shell with a pty is served. exec, subsystems (sftp, scp), port
forwarding, agent and X11 forwarding are refused with a message that says so. Bytes are
relayed as they are, both ways (``encoding=None``, no line editor).
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import asyncssh

from .auth import Roster, RosterFile, check_password, token_matches, valid_user
from .rooms import Live, Room, set_size

ALT_SCREEN_OFF = b"\x1b[?1049l\x1b[?25h\x1b[0m\r\n"
READ_CHUNK = 65536
INVALID_ID = "a learner id is 1-32 letters, digits or ._- (starting with a letter or digit)"


class LearnerServer(asyncssh.SSHServer):
    """One SSH connection: authentication and what it may open."""

    def __init__(self, room: Room, rosters: RosterFile | None) -> None:
        self.room, self.rosters = room, rosters
        self.roster: Roster | None = None  # as the file said when this login began
        self.peer = "?"
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?",)
        self.peer = str(peer[0])

    def begin_auth(self, username: str) -> bool:
        self.roster = self.rosters.current() if self.rosters is not None else None
        if not valid_user(username):
            self._banner(username, f"'{username[:40]}' is not a valid learner id: {INVALID_ID}")
        elif self.roster is not None and username not in self.roster.users:
            self._banner(username, f"{username} is not on this class's roster")
        return True

    def _banner(self, user: str, reason: str) -> None:
        text = self.room.refuse(user[:40], self.peer, reason)
        if self.conn is not None:
            self.conn.send_auth_banner(text + "\r\n")

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if not valid_user(username):
            return False
        if self.roster is None:
            ok = token_matches(password, self.room.config.token)
        else:
            stored = self.roster.passwords.get(username)
            ok = stored is not None and check_password(password, stored)
        if not ok:
            self.room.refuse(username, self.peer, "wrong token or password")
        return ok

    def public_key_auth_supported(self) -> bool:
        return self.roster is not None and bool(self.roster.keys)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        assert self.roster is not None
        for text in self.roster.keys.get(username, []):
            if asyncssh.import_public_key(text).public_data == key.public_data:
                return True
        return False

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> bool:
        user = self.conn.get_extra_info("username") if self.conn else "?"
        reason = "port forwarding is not available in this classroom"
        self.room.refuse(str(user), self.peer, reason)
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, reason)

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        user = self.conn.get_extra_info("username") if self.conn else "?"
        self.room.refuse(str(user), self.peer, "remote port forwarding is not available")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        return self.connection_requested(dest_path, 0, "", 0)

    def session_requested(self) -> LearnerSession:
        user = self.conn.get_extra_info("username") if self.conn else "?"
        return LearnerSession(self.room, str(user), self.peer)


class LearnerSession(asyncssh.SSHServerSession):
    """One channel: a refusal, or a learner's app relayed through its pty."""

    def __init__(self, room: Room, user: str, peer: str) -> None:
        self.room, self.user, self.peer = room, user, peer
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.refusal: str | None = None
        self.live: Live | None = None
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], modes: Any
    ) -> bool:
        self.term = term_type
        self.size = (term_size[0] or 80, term_size[1] or 24)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.refusal = "running commands is not available here; log in with plain ssh"
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self.refusal = f"file transfer ({subsystem[:20]}, scp) is not available in this classroom"
        return True

    def session_started(self) -> None:
        if self.refusal is None and self.term is None:
            self.refusal = "linreg-tui needs a terminal: log in with 'ssh -t'"
        if self.refusal is not None:
            self._leave(self.room.refuse(self.user, self.peer, self.refusal))
            return
        full = self.room.admit(self.user, self.peer)
        if full is not None:
            self._leave(full)
            return
        self._task = asyncio.get_running_loop().create_task(self._start())

    def _leave(self, text: str) -> None:
        assert self.chan is not None
        self.chan.write_stderr((text + "\r\n").encode())
        self.chan.exit(1)

    async def _start(self) -> None:
        assert self.chan is not None
        chan = self.chan
        self.live = live = Live(self.user, self.peer, self._send, self._close)
        env = {k.lower(): v for k, v in _client_env(chan).items()}
        try:
            await self.room.start(live, self.term or "xterm", *self.size, env)
        except (OSError, RuntimeError) as err:
            self._leave(self.room.refuse(self.user, self.peer, f"could not start the app: {err}"))
            return
        if chan.is_closing():  # the learner left while the app was forking
            self.room.end(live, "left while starting")
            return
        asyncio.get_running_loop().add_reader(live.master, self._readable)

    def _readable(self) -> None:
        live = self.live
        if live is None or live.master < 0:
            return
        try:
            data = os.read(live.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""  # EIO: the app exited and the slave side is closed
        if not data:
            self._stop_reading()
            self.room.end(live, "app closed")
            if self.chan is not None and not self.chan.is_closing():
                self.chan.exit(0)
            return
        self._send(data)

    def _send(self, data: bytes) -> None:
        if self.chan is not None and not self.chan.is_closing():
            self.chan.write(data)
            if self.live is not None:
                self.live.sent += len(data)

    def _close(self, reason: str) -> None:
        """Leave the app's screen, say why, and close the connection."""
        self._stop_reading()
        self._send(ALT_SCREEN_OFF + f"linreg-tui: {reason}\r\n".encode())
        if self.chan is not None:
            self.chan.exit(0)

    def _stop_reading(self) -> None:
        if self.live is not None and self.live.master >= 0:
            asyncio.get_running_loop().remove_reader(self.live.master)

    def data_received(self, data: bytes, datatype: Any) -> None:
        live = self.live
        if live is None or live.master < 0:
            return
        self.room.key(live)
        try:
            os.write(live.master, data)
        except (BlockingIOError, OSError):
            pass  # the app is not reading: a learner's keys are dropped, never buffered

    def terminal_size_changed(self, width: int, height: int, pixw: int, pixh: int) -> None:
        self.size = (width or 80, height or 24)
        live = self.live
        if live is not None and live.master >= 0:
            set_size(live.master, *self.size)
            try:
                os.killpg(live.pid, signal.SIGWINCH)
            except OSError:
                pass

    def pause_writing(self) -> None:
        """The learner's connection is slow: stop reading the app's output for now."""
        if self.live is not None and self.live.master >= 0 and not self.live.paused:
            self.live.paused = True
            asyncio.get_running_loop().remove_reader(self.live.master)

    def resume_writing(self) -> None:
        if self.live is not None and self.live.master >= 0 and self.live.paused:
            self.live.paused = False
            asyncio.get_running_loop().add_reader(self.live.master, self._readable)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.live is not None:
            self._stop_reading()
            why = "disconnected" if exc is None else f"connection lost ({type(exc).__name__})"
            self.room.end(self.live, why)


def _client_env(chan: asyncssh.SSHServerChannel) -> dict[str, str]:
    """The few environment variables a client may pass (``ssh -o SendEnv``)."""
    env = chan.get_environment() or {}
    allowed = ("LANG", "COLORTERM", "NO_COLOR")
    return {k: str(v)[:64] for k, v in env.items() if k in allowed}
