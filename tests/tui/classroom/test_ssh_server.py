"""The SSH classroom end to end on loopback: logins, refusals, idle timeout, cleanup, and a
learner's dialog that saves a file."""

from __future__ import annotations

import asyncio
import re
import time

import asyncssh
import pytest
from classroom_client import TOKEN, Screen, Served, children, connect, open_app

READY = b"Engine ready"


async def test_token_login_shows_home_with_the_engine_ready_in_the_learners_folder(
    server: Served,
) -> None:
    async with await connect(server, "alice") as conn:
        chan, screen = await open_app(conn)
        assert await screen.wait_for(READY, 15), bytes(screen.out[-400:])
        chan.write(b"q")
        await asyncio.wait_for(screen.closed.wait(), 10)
    assert (server.root / "alice").is_dir()
    assert "login alice from 127.0.0.1 (new" in server.log
    async with await connect(server, "alice") as conn:  # a second visit resumes
        chan, screen = await open_app(conn)
        assert await screen.wait_for(READY, 15)
        chan.close()
    assert "login alice from 127.0.0.1 (returning" in server.log


async def test_a_resize_repaints_within_one_second(server: Served) -> None:
    async with await connect(server, "rosa") as conn:
        chan, screen = await open_app(conn, (100, 30))
        assert await screen.wait_for(READY, 15)
        await asyncio.sleep(0.5)
        screen.out.clear()
        chan.change_terminal_size(120, 40)
        # Textual draws the new bottom row (the footer) at row 40.
        assert await screen.wait_for(b"\x1b[40;", 1.0), bytes(screen.out[:300])
        chan.close()


async def test_a_wrong_token_is_refused(server: Served) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(server, "bob", password="not-the-token")
    assert "refused bob from 127.0.0.1: wrong token or password" in server.log


@pytest.mark.parametrize("user", ["../etc", "x" * 33, "-dash", "a b"])
async def test_a_malformed_user_is_refused_with_a_banner(server: Served, user: str) -> None:
    banners: list[str] = []

    class Client(asyncssh.SSHClient):
        def auth_banner_received(self, msg: str, lang: str) -> None:
            banners.append(msg)

    with pytest.raises(asyncssh.PermissionDenied):
        conn, _ = await asyncssh.create_connection(
            Client, "127.0.0.1", server.port, username=user, password=TOKEN, known_hosts=None,
            client_keys=None,
        )  # fmt: skip
    assert banners and "is not a valid learner id" in banners[0]


async def test_exec_sftp_and_port_forwarding_are_refused(server: Served) -> None:
    async with await connect(server, "eve") as conn:
        result = await conn.run("cat /etc/passwd")
        assert result.exit_status == 1
        assert "running commands is not available" in str(result.stderr)
        with pytest.raises((asyncssh.Error, OSError)):
            await asyncio.wait_for(conn.start_sftp_client(), 10)
        with pytest.raises(asyncssh.ChannelOpenError, match="port forwarding is not available"):
            await conn.open_connection("127.0.0.1", server.port)
    log = server.log
    assert "refused eve from 127.0.0.1: file transfer (sftp, scp) is not available" in log
    assert "refused eve from 127.0.0.1: running commands is not available" in log


async def test_no_pty_is_refused(server: Served) -> None:
    async with await connect(server, "nopty") as conn:
        result = await conn.run()  # a shell without a terminal
        assert result.exit_status == 1
        assert "needs a terminal" in str(result.stderr)


async def test_second_session_and_beyond_the_cap_are_refused(server: Served) -> None:
    conns = [await connect(server, user) for user in ("u1", "u2", "u3", "u1", "u4")]
    try:
        sessions = [await open_app(conn) for conn in conns[:3]]
        _chan, twin = await open_app(conns[3])
        await asyncio.wait_for(twin.closed.wait(), 10)
        assert b"u1 already has a session open" in twin.err
        _chan, late = await open_app(conns[4])
        await asyncio.wait_for(late.closed.wait(), 10)
        assert b"the class is full (at most 3 at once)" in late.err
        assert all([await s.wait_for(READY, 20) for _c, s in sessions])
    finally:
        for conn in conns:
            conn.abort()
    await asyncio.sleep(2)  # the server releases the three places (next tests need them)


async def test_abort_leaves_no_process_and_the_learner_can_come_back(server: Served) -> None:
    zygote = server.zygote_pid()
    conns = [await connect(server, user) for user in ("k1", "k2", "k3")]
    screens = [(await open_app(conn))[1] for conn in conns]
    assert all([await s.wait_for(READY, 20) for s in screens])
    assert len(children(zygote)) == 3
    for conn in conns:
        conn.abort()
    deadline = time.monotonic() + 3.0
    while children(zygote) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert children(zygote) == []
    async with await connect(server, "k1") as conn:
        chan, screen = await open_app(conn)
        assert await screen.wait_for(READY, 15)
        chan.close()


async def test_an_idle_session_closes_and_says_why(server: Served) -> None:
    async with await connect(server, "idle") as conn:
        started = time.monotonic()
        _chan, screen = await open_app(conn)
        await asyncio.wait_for(screen.closed.wait(), 6 + 2 + 1)
        assert time.monotonic() - started <= 6 + 2
        assert b"closed after 6 s without a key press (idle timeout)" in screen.out
    assert "logout idle (idle timeout" in server.log


async def test_lang_sent_by_the_client_starts_the_app_in_chinese(server: Served) -> None:
    async with await connect(server, "mei") as conn:
        chan, screen = await conn.create_session(
            Screen, term_type="xterm-256color", term_size=(100, 30), encoding=None,
            env={"LANG": "zh_CN.UTF-8"},
        )  # fmt: skip
        assert await screen.wait_for("计算引擎已就绪".encode(), 15), bytes(screen.out[-300:])
        chan.close()


TAB, HOME, CLEAR_RIGHT, ENTER = b"\t", b"\x01", b"\x0b", b"\r"  # ctrl+a, ctrl+k
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def _text(screen: Screen) -> str:
    """What the terminal was sent, as text: escape sequences out, runs of blanks as one."""
    return " ".join(ESCAPES.sub(b" ", bytes(screen.out)).decode("utf-8", "replace").split())


async def _seen(screen: Screen, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while text not in _text(screen) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return text in _text(screen)


async def _type(chan, *keys: bytes) -> None:
    """Each key as a terminal sends it, a moment apart (focus moves between widgets)."""
    for key in keys:
        chan.write(key)
        await asyncio.sleep(0.2)


async def test_the_export_dialog_saves_in_the_learners_folder_and_refuses_outside(
    server: Served,
) -> None:
    """Keys as a terminal sends them: the file lands in DIR/dana/; a neighbour's folder and
    the server's own are refused on the dialog's message line (and nothing is written)."""
    async with await connect(server, "dana") as conn:
        chan, screen = await open_app(conn, (100, 30))
        assert await screen.wait_for(READY, 15)
        chan.write(b"po")  # the Playground, then its export dialog (o waits for the run)
        assert await _seen(screen, "Export the run's history", 20), _text(screen)[-400:]
        await _type(chan, TAB)  # from the format to the path
        for path in ("../eve/stolen.csv", "../.server/x.csv"):  # a neighbour; the host key's
            screen.out.clear()
            await _type(chan, HOME, CLEAR_RIGHT, path.encode(), ENTER)
            refused = f"Could not write {path}: outside your folder"
            assert await _seen(screen, refused, 5), _text(screen)[-400:]
        screen.out.clear()
        await _type(chan, HOME, CLEAR_RIGHT, b"fit.csv", ENTER)
        assert await _seen(screen, "to fit.csv", 5), _text(screen)[-400:]
        chan.write(b"q")
        await asyncio.wait_for(screen.closed.wait(), 10)
    written = server.root / "dana" / "fit.csv"
    assert written.read_text().splitlines()[0].startswith("update"), written.read_text()[:200]
    assert not (server.root / "eve").exists()
    assert not (server.root / ".server" / "x.csv").exists()
