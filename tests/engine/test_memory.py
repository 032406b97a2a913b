"""Sizes against available memory (engine.memory): reading it, and refusing in time."""

from __future__ import annotations

import pytest

from linreg_tui.engine import memory
from linreg_tui.engine.catalog import load_dataset
from linreg_tui.engine.errors import ConfigError


def test_available_memory_is_read_on_this_machine() -> None:
    have = memory.available_bytes()
    assert have is None or 2**20 < have < 2**60


def test_meminfo_is_parsed_in_kib(tmp_path) -> None:
    path = tmp_path / "meminfo"
    path.write_text("MemTotal: 100 kB\nMemFree: 10 kB\nMemAvailable:   2048 kB\n")
    assert memory._meminfo_available(str(path)) == 2048 * 1024
    path.write_text("MemTotal: 100 kB\n")
    assert memory._meminfo_available(str(path)) is None
    assert memory._meminfo_available(str(tmp_path / "absent")) is None


def test_cgroup_limit_lowers_the_headroom(tmp_path) -> None:
    (tmp_path / "memory.max").write_text("1000\n")
    (tmp_path / "memory.current").write_text("400\n")
    assert memory._cgroup_headroom(str(tmp_path)) == 600
    (tmp_path / "memory.max").write_text("max\n")
    assert memory._cgroup_headroom(str(tmp_path)) is None


def test_falls_back_to_sysconf_then_to_no_check(monkeypatch) -> None:
    monkeypatch.setattr(memory, "_meminfo_available", lambda: None)
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: None)
    monkeypatch.setattr(memory, "_sysconf_available", lambda: 5 * 2**30)
    assert memory.available_bytes() == 5 * 2**30
    monkeypatch.setattr(memory, "_sysconf_available", lambda: None)
    assert memory.available_bytes() is None
    memory.check_rows(10**12, 2, "size", "smaller")  # unknown: the allocation decides


def test_small_requests_never_read_memory(monkeypatch) -> None:
    def unreadable() -> int:
        raise AssertionError("read for a small request")

    monkeypatch.setattr(memory, "available_bytes", unreadable)
    memory.check_rows(10_000, 5, "size", "smaller")


def test_synthetic_size_beyond_memory_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: 4 * 2**30)
    with pytest.raises(ConfigError, match=r"size 100000000000: 100,000,000,000 rows need about"):
        load_dataset("synthetic", size=100_000_000_000)
    with pytest.raises(ConfigError, match="seed"):
        load_dataset("stream", seed=2**64)


@pytest.mark.parametrize(
    ("n", "text"), [(512, "512 B"), (3 * 2**20, "3 MiB"), (745 * 2**30, "745 GiB")]
)
def test_human_bytes(n: int, text: str) -> None:
    assert memory.human_bytes(n) == text
