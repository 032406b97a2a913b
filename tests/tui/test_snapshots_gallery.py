"""SVG snapshots of the gallery at 80×24 and 120×40 (and in Chinese at 80×24), with a
compare preset highlighted so its commentary shows. Update with
``python -m pytest tests/tui/test_snapshots_gallery.py --snapshot-update`` after checking the
new pictures by eye."""

from __future__ import annotations

import pytest
from pilot_wait import until

from linreg_tui.tui.app import LinregApp

SIZES = [(80, 24), (120, 40)]


async def open_gallery(pilot) -> None:
    """Home → g, the presets loaded, the cursor on the momentum preset (12)."""
    from linreg_tui.tui.screens.gallery import GalleryScreen

    app = pilot.app
    await until(pilot, lambda: app.engine_ready)
    await pilot.press("g")
    await until(pilot, lambda: isinstance(app.screen, GalleryScreen))
    await until(pilot, lambda: app.screen.gallery is not None)
    await pilot.press(*["down"] * 11)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gallery(snap_compare, size) -> None:
    assert snap_compare(LinregApp(), terminal_size=size, run_before=open_gallery)


def test_gallery_in_chinese(snap_compare) -> None:
    assert snap_compare(LinregApp(lang="zh"), terminal_size=(80, 24), run_before=open_gallery)
