"""Waiting in Pilot tests: poll a condition instead of sleeping a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def until(
    pilot: Pilot, condition: Callable[[], object], timeout: float = 30.0, what: str = ""
) -> None:
    """Pause the app in small steps until ``condition()`` holds; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


async def open_playground(pilot: Pilot):  # -> PlaygroundView
    """From Home: wait for the engine, press p, and wait until the Playground has its run."""
    from linreg_tui.tui.screens.playground import PlaygroundScreen, PlaygroundView

    app = pilot.app
    await until(pilot, lambda: getattr(app, "engine_ready", False))
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, PlaygroundScreen))
    view = app.screen.query_one(PlaygroundView)
    await until(pilot, lambda: view.snapshot is not None)
    return view
