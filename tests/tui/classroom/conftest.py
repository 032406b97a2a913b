"""One classroom server per test module (loopback, 3 sessions, 6 s idle timeout)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip(
    "asyncssh", reason='the classroom needs the extra: pip install -e ".[classroom]"'
)

from classroom_client import Served, start_server, stop_server  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_server(
        tmp_path_factory.mktemp("class"), "--max-sessions", "3", "--idle-timeout", "6"
    )
    yield served
    stop_server(served)
