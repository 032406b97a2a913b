"""The browser route: the token, the Origin check, and a session forked from the zygote."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("textual_serve", reason='the web route needs: pip install -e ".[classroom]"')
aiohttp = pytest.importorskip("aiohttp")

from classroom_client import TOKEN, Served, start_server, stop_server  # noqa: E402


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str]]:
    served = start_server(tmp_path_factory.mktemp("web"), "--web-port", "0")
    assert served.process.stdout is not None
    served.process.stdout.readline()  # the sandbox line
    line = served.process.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+)/ \(web\)", line)
    assert found, line
    yield served, found.group(1)
    stop_server(served)


async def test_the_page_needs_the_token(web: tuple[Served, str]) -> None:
    served, url = web
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{url}/") as response:
            assert response.status == 403
            assert "missing or wrong token" in await response.text()
        async with client.get(f"{url}/?user=ann&token=nope") as response:
            assert response.status == 403
        async with client.get(f"{url}/", params={"user": "ann", "token": TOKEN}) as response:
            assert response.status == 200
            assert "linreg-tui" in await response.text()


async def test_the_websocket_needs_the_cookie_and_our_own_origin(web: tuple[Served, str]) -> None:
    served, url = web
    ws_url = url.replace("http", "ws") + "/ws?width=100&height=30"
    async with aiohttp.ClientSession() as client:  # no cookie
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(ws_url, origin=url)
        assert refused.value.status == 403
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of an IP address, as browsers do
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        await client.get(f"{url}/", params={"user": "ann", "token": TOKEN})
        with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
            await client.ws_connect(ws_url, origin="http://evil.example")
        assert foreign.value.status == 403
        async with client.ws_connect(ws_url, origin=url) as ws:
            seen = b""

            async def read() -> None:
                nonlocal seen
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data
                    if b"Engine ready" in seen:
                        return

            await asyncio.wait_for(read(), 20)
    assert "foreign Origin 'http://evil.example'" in served.log
    assert "login ann from 127.0.0.1 (web)" in served.log
    assert (Path(served.root) / "ann").is_dir()
