"""The frame cap a classroom server can lower while the app plays."""

from __future__ import annotations

from pathlib import Path

import pytest

from linreg_tui.tui import framecap
from linreg_tui.tui.framecap import ENV_FILE, frame_cap


def test_the_file_lowers_the_cap_and_is_reread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = tmp_path / "cap"
    cap.write_text("5")
    monkeypatch.setenv(ENV_FILE, str(cap))
    monkeypatch.setattr(framecap, "_cache", {"at": -1e9, "value": 0.0})
    assert frame_cap(15.0, now=100.0) == 5.0
    assert frame_cap(3.0, now=100.1) == 3.0  # never above what the view asked for
    cap.write_text("12")
    assert frame_cap(15.0, now=100.2) == 5.0  # read at most every RECHECK seconds
    assert frame_cap(15.0, now=100.0 + framecap.RECHECK) == 12.0
    cap.unlink()
    assert frame_cap(15.0, now=200.0) == 15.0  # no file: the view's own cap


def test_without_the_variable_the_view_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_FILE, raising=False)
    assert frame_cap(15.0) == 15.0
