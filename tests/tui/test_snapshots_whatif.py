"""SVG snapshots of a what-if fork (Compare of the original and its branch, the fork marked
╎ on the loss chart and Y on the landscape) and of the noise cloud, at 80×24 and 120×40.

Deterministic: runs are stepped by keys; the noise cloud's batches come from the run's
seed. Update with ``--snapshot-update`` after checking the pictures by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.cli import main
from linreg_tui.tui.open_code import open_code

SIZES = [(80, 24), (120, 40)]
RUN = "run --dataset synthetic --size 40 --lr 0.02 --batch minibatch:4 --updates 6".split()


@pytest.fixture(autouse=True)
def progress_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(tmp_path / "data"))


async def wait(pilot, condition) -> None:
    for _ in range(1200):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def forked(pilot, chart: str = "loss") -> None:
    """T4's Playground, three updates, w with lr 0.05, then four more updates."""
    from linreg_tui.tui.screens import dialogs

    app = pilot.app
    await wait(pilot, lambda: app.engine_ready)
    await pilot.press("p")
    await wait(pilot, lambda: app.screen.query("PlaygroundView") and
               app.screen.query_one("PlaygroundView").snapshot is not None)  # fmt: skip
    view = app.screen.query_one("PlaygroundView")
    await pilot.press("right", "right", "right", "w")
    await wait(pilot, lambda: isinstance(app.screen, dialogs.SettingsDialog))
    app.screen.dismiss(view.session.with_config(0, lr=0.05))
    await wait(pilot, lambda: app.screen.query("CompareView") and
               app.screen.query_one("CompareView").snapshot is not None)  # fmt: skip
    await pilot.press("right", "right", "right", "right")
    if chart == "land":
        await pilot.press("v")
    await pilot.pause(0.2)


async def forked_landscape(pilot) -> None:
    await forked(pilot, "land")


async def noise(pilot) -> None:
    app = pilot.app
    await wait(pilot, lambda: app.screen.query("PlaygroundView") and
               app.screen.query_one("PlaygroundView").snapshot is not None)  # fmt: skip
    await pilot.press("c")
    await pilot.pause(0.2)


def noise_app(capsys: pytest.CaptureFixture[str]) -> LinregApp:
    assert main([*RUN, "--share"]) == 0
    return LinregApp(opened=open_code(capsys.readouterr().out.strip()))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fork_marker(snap_compare, size) -> None:
    assert snap_compare(LinregApp(), terminal_size=size, run_before=forked)


def test_fork_marker_landscape_80x24(snap_compare) -> None:
    assert snap_compare(LinregApp(), terminal_size=(80, 24), run_before=forked_landscape)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_noise_cloud(snap_compare, capsys, size) -> None:
    assert snap_compare(noise_app(capsys), terminal_size=size, run_before=noise)
