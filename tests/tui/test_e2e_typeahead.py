"""End to end in a real terminal: keys typed while a view or the engine loads are not lost.

tmux (a private server per test) runs the installed ``linreg-tui``; keys sent in one
``send-keys`` reach the app in the same instant, as a fast typist's would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from e2e_terminal import Tmux

from linreg_tui.tui.i18n import t

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

READY = t("home.ready", "en")
LOADING = t("home.loading", "en").split("(")[0].strip("⏳ ")  # "Loading the engine"
TOOLS = t("home.tools", "en")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_typeahead_once_the_engine_is_ready(tmp_path: Path, size: tuple[int, int]) -> None:
    term = Tmux(tmp_path / "data", width=size[0], height=size[1])
    try:
        term.wait_for(READY)
        term.send("c", "Space")
        term.wait_for("▶ playing")
        term.send("Escape")
        term.wait_for(READY, TOOLS)
        term.send("p", "n", "n", "n")
        term.wait_for("update 3 ·")
    finally:
        term.close()


def test_typeahead_while_torch_loads_playground(tmp_path: Path) -> None:
    term = Tmux(tmp_path / "data")
    try:
        home = term.wait_for(TOOLS)
        term.send("p", "n", "n", "n")
        assert LOADING in home  # the keys really went in before the engine was there
        term.wait_for("update 3 ·", timeout=60)
    finally:
        term.close()


def test_typeahead_while_torch_loads_compare(tmp_path: Path) -> None:
    term = Tmux(tmp_path / "data", width=120, height=40)
    try:
        home = term.wait_for(TOOLS)
        term.send("c", "Space")
        assert LOADING in home
        # The view opens while torch still loads: its frame with its own loading note (the
        # note is gone once the engine is ready, so seeing it proves the view did not wait).
        term.wait_for(t("view.loading", "en"), timeout=20)
        term.wait_for("▶ playing", timeout=60)
    finally:
        term.close()
