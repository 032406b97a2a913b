"""The browser route: textual-serve's page and websocket, with the class's rules.

A learner opens ``http://HOST:PORT/?user=ID&token=TOKEN`` (with a roster: their own
password as ``token``). The page sets a cookie (HttpOnly, SameSite=Strict) holding the
login; the websocket then requires that cookie and an ``Origin`` equal to this server's
own address (so another web site cannot drive a learner's session), counts against the same
session cap and one-session-per-learner rule as SSH, and forks the app from the same
zygote, with textual-serve's protocol over three pipes instead of a pty.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from .auth import RosterFile, check_password, token_matches, valid_user
from .rooms import Live, Room

COOKIE = "linreg_class"


class _Pipes:
    """What AppService reads from a process: three asyncio streams and a pid."""

    def __init__(self, pid: int, stdin: Any, stdout: Any, stderr: Any) -> None:
        self.pid, self.stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr


async def _reader(fd: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 22)
    protocol = asyncio.StreamReaderProtocol(reader)
    await loop.connect_read_pipe(lambda: protocol, os.fdopen(fd, "rb", 0))
    return reader


async def _writer(fd: int) -> asyncio.StreamWriter:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(fd, "wb", 0)
    )
    return asyncio.StreamWriter(transport, protocol, None, loop)


class ForkedAppService(AppService):
    """textual-serve's AppService, with the app forked from the zygote, not spawned."""

    def __init__(self, room: Room, live: Live, **kwargs: Any) -> None:
        super().__init__("linreg-tui", **kwargs)
        self.room, self.live = room, live

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        extra = {"web": True, "cols": width, "rows": height, "term": "xterm-256color"}
        try:
            await self.room.spawn(self.live, extra, [in_r, out_w, err_w])
        except BaseException:
            for fd in (in_w, out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        stdin = await _writer(in_w)
        self._stdin = stdin
        self._process = _Pipes(  # type: ignore[assignment]  # what run() reads of a Process
            self.live.pid, stdin, await _reader(out_r), await _reader(err_r)
        )
        return self._process

    async def send_bytes(self, data: bytes) -> bool:
        self.room.key(self.live)
        return await super().send_bytes(data)

    async def on_data(self, payload: bytes) -> None:
        self.live.sent += len(payload)
        await super().on_data(payload)


class ClassroomWeb(Server):
    """textual-serve's server with the token, the Origin check and the room's caps."""

    def __init__(self, room: Room, rosters: RosterFile | None, host: str, port: int) -> None:
        super().__init__("linreg-tui", host=host, port=port, title="linreg-tui")
        self.room, self.rosters = room, rosters

    def _login(self, user: str, secret: str) -> bool:
        if not valid_user(user):
            return False
        if self.rosters is None:
            return token_matches(secret, self.room.config.token)
        stored = self.rosters.current().passwords.get(user)
        return stored is not None and check_password(secret, stored)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        user, secret = request.query.get("user", ""), request.query.get("token", "")
        peer = request.remote or "?"
        if not self._login(user, secret):
            reason = self.room.refuse(user[:40] or "(none)", peer, "web: missing or wrong token")
            return web.Response(status=403, text=reason + "\n")
        response = await super().handle_index(request)
        response.set_cookie(COOKIE, f"{user}:{secret}", httponly=True, samesite="Strict")
        return response

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        peer = request.remote or "?"
        user, _, secret = request.cookies.get(COOKIE, "").partition(":")
        origin = request.headers.get("Origin", "")
        if origin != f"{request.scheme}://{request.host}":
            reason = self.room.refuse(
                user[:40] or "(none)", peer, f"web: foreign Origin {origin[:80]!r}"
            )
            return web.Response(status=403, text=reason + "\n")
        if not self._login(user, secret):
            reason = self.room.refuse(user[:40] or "(none)", peer, "web: missing or wrong token")
            return web.Response(status=403, text=reason + "\n")
        refusal = self.room.admit(user, peer)
        if refusal is not None:
            return web.Response(status=429, text=refusal + "\n")
        return await self._session(request, user, peer)

    async def _session(self, request: web.Request, user: str, peer: str) -> web.StreamResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        service: ForkedAppService | None = None

        def close(reason: str) -> None:
            asyncio.ensure_future(websocket.close(message=reason[:120].encode()))

        live = Live(user, f"{peer} (web)", lambda data: None, close)
        try:
            service = ForkedAppService(
                self.room, live, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                close=websocket.close, download_manager=self.download_manager,
            )  # fmt: skip
            await service.start(width, height)
            await self._process_messages(websocket, service)
        finally:
            self.room.end(live, "web page closed")
            if service is not None and service._task is not None:
                service._task.cancel()
        return websocket

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: ``linreg-tui serve`` prints its own lines."""


def _int(text: str | None, default: int) -> int:
    try:
        return max(10, min(500, int(text or default)))
    except ValueError:
        return default


async def start_web(
    room: Room, host: str, port: int, rosters: RosterFile | None = None
) -> tuple[web.AppRunner, str]:
    """Serve the browser route on ``host:port``; the runner (``await .cleanup()``) and URL."""
    server = ClassroomWeb(room, rosters, host, port)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    server.public_url = f"http://{host}:{bound}"
    return runner, server.public_url
