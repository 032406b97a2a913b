"""Shared fixtures of the app's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def progress_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test away from the real progress file: a fresh folder per test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_fast_forward_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps started by tests do not load numba in the background (a second of CPU each)."""
    monkeypatch.setenv("LINREG_TUI_WARM", "0")
