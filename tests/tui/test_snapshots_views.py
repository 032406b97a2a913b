"""SVG snapshots of the Playground and Compare views at 80×24 and 120×40.

Deterministic by construction: the runs are stepped by keys (never played against a
clock), the view shows no elapsed seconds, and no cursor blinks. Update with
``python -m pytest tests/tui/test_snapshots_views.py --snapshot-update`` after checking
the new pictures by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linreg_tui.tui.app import LinregApp

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def progress_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(tmp_path / "data"))


async def open_view(pilot, key: str, steps: int) -> None:
    """Wait for the engine, open a view, wait for its runs, step ``steps`` times."""
    app = pilot.app
    for _ in range(1200):
        if app.engine_ready:
            break
        await pilot.pause(0.05)
    await pilot.press(key)
    for _ in range(1200):
        views = app.screen.query("PlaygroundView, CompareView")
        if views and views.first().snapshot is not None:
            break
        await pilot.pause(0.05)
    await pilot.press(*["right"] * steps)
    await pilot.pause(0.1)


async def playground(pilot) -> None:
    await open_view(pilot, "p", 3)


async def playground_fit(pilot) -> None:
    await open_view(pilot, "p", 3)
    await pilot.press("2", "l")
    await pilot.pause(0.1)


async def compare(pilot) -> None:
    await open_view(pilot, "c", 40)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_playground(snap_compare, size) -> None:
    assert snap_compare(LinregApp(), terminal_size=size, run_before=playground)


def test_playground_fit_chart_80x24(snap_compare) -> None:
    assert snap_compare(LinregApp(), terminal_size=(80, 24), run_before=playground_fit)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare(snap_compare, size) -> None:
    assert snap_compare(LinregApp(), terminal_size=size, run_before=compare)


def test_playground_in_chinese(snap_compare) -> None:
    assert snap_compare(LinregApp(lang="zh"), terminal_size=(80, 24), run_before=playground)


async def playground_landscape(pilot) -> None:
    await open_view(pilot, "p", 3)
    await pilot.press("4")  # one parameter: L(w) with the current w as ●
    await pilot.pause(0.1)


async def compare_landscape(pilot) -> None:
    await open_view(pilot, "c", 40)
    await pilot.press("v")  # the (w, b) contours, every run's path and where it is now
    await pilot.pause(0.1)


def test_playground_landscape_80x24(snap_compare) -> None:
    assert snap_compare(LinregApp(), terminal_size=(80, 24), run_before=playground_landscape)


def test_compare_landscape_80x24(snap_compare) -> None:
    assert snap_compare(LinregApp(), terminal_size=(80, 24), run_before=compare_landscape)
