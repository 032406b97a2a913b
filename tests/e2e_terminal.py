"""Helpers of the end-to-end tests: the installed ``linreg-tui`` in tmux, and the cut-text check.

Every :class:`Tmux` runs its own tmux server on a private socket (``tmux -L``), never the
user's default server. Waits poll the screen (``capture-pane``) for text, never sleep a
fixed time.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[1]
_counter = itertools.count()


def app_command(*args: str) -> str:
    """The shell words that start the installed app (or its module without the script)."""
    exe = shutil.which("linreg-tui")
    if exe:
        return shlex.join([exe, *args])
    code = "import sys; from linreg_tui.tui.cli import main; sys.exit(main())"
    return shlex.join([sys.executable, "-c", code, *args])


class Tmux:
    """One detached tmux session, on a private server socket, running ``linreg-tui``."""

    def __init__(self, data_dir: Path, *args: str, width: int = 80, height: int = 24) -> None:
        self.socket = f"linreg-e2e-{os.getpid()}-{next(_counter)}"
        self.width, self.height = width, height
        env = f"TERM=xterm-256color LINREG_TUI_DATA_DIR={shlex.quote(str(data_dir))}"
        command = f"env {env} {app_command(*args)}; sleep 30"
        self.tmux("new-session", "-d", "-s", "e2e", "-x", str(width), "-y", str(height), command)

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20
        )
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def send(self, *keys: str) -> None:
        """All ``keys`` in one tmux command: they reach the app in the same instant."""
        self.tmux("send-keys", "-t", "e2e", *keys)

    def wait_for(self, *texts: str, timeout: float = 25.0) -> str:
        """The screen once every one of ``texts`` is on it."""
        return self.wait_until(lambda screen: all(text in screen for text in texts), texts, timeout)

    def wait_until(self, condition, what: object, timeout: float = 25.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{what} not on screen:\n{self.screen()}")

    def close(self) -> None:
        self.tmux("kill-server")


# -- the cut-text check -------------------------------------------------------------------------

# Characters that end a segment of text: spaces, punctuation of both languages, symbols.
SEPARATORS = r"[\s,.;:!?()\[\]{}<>\"'`·…，。：；、（）「」『』！？—–|/=+\-×÷←→↑↓≈%*^$#@~]+"
EDGE = "│┃║▌▐█▕▏╎╏┆┇┊┋▔▁▂▃▄▅▆▇╮╯╰╭┐┘┤╡╢╣"  # borders and scrollbars at a panel's right edge


def _texts() -> list[str]:
    """Every string the app can show: the catalogues, the lessons, the data catalogue."""
    files = [*sorted((ROOT / "tui" / "strings").glob("*.toml"))]
    files += sorted((ROOT / "lessons").rglob("*.toml")) + sorted((ROOT / "datasets").glob("*.toml"))
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                texts.append(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in files:
        try:
            walk(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return texts


def segments(text: str) -> list[str]:
    return [part for part in re.split(SEPARATORS, text) if part]


def known_segments() -> set[str]:
    """The whole words (and, for Chinese, the whole phrases between punctuation) of the app."""
    return {seg for text in _texts() for seg in segments(re.sub(r"\{[^}]*\}", " ", text))}


def _at_edge(line: str, width: int) -> str | None:
    """The text of ``line`` if it runs up to the right edge of its panel (within two cells of
    the terminal's edge, before any border or scrollbar), else None."""
    core = line.rstrip(EDGE + " ")
    if cell_len(core) < width - 2:
        return None
    return core


def _footer_cut(line: str, labels: set[str]) -> bool:
    """The footer's keys are clipped before the palette key: its last label is not whole."""
    left = line.split("▏")[0].rstrip()
    if "▏" not in line or cell_len(left) < cell_len(line.split("▏")[0]) - 2:
        return False
    item = re.split(r"\s{2,}", left.strip())[-1]
    label = item.split(" ", 1)[1] if " " in item else ""
    return bool(label) and label not in labels


def cut_lines(
    screen: str, width: int, known: set[str], labels: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Lines that run into the right edge and stop inside a word or phrase.

    A line is cut when its text (before any panel border or scrollbar) reaches the right
    edge and ends with ``…``, with a lone letter after a word (``… ([) o``, but not an axis
    title ``3      w``), or with a segment that is not a whole word of the app's texts but
    the beginning of one (``resta`` of ``restarts``,
    ``hour`` of ``hours``, ``在同一数`` of ``在同一数据上``) — unless the next line carries on the
    same word (wrapped). The footer (a line with the palette key ``▏^p``) is cut when its last
    key's label is not one of ``labels``. Numbers and formulas made by the code cannot be
    told apart from cut ones and are let be.
    """
    lines = screen.split("\n")
    found = []
    for row, line in enumerate(lines):
        if labels and "▏" in line and _footer_cut(line, labels):
            found.append(line)
            continue
        core = _at_edge(line, width)
        if core is None:
            continue
        if core.endswith("…") or re.search(r"\S\s[A-Za-z]$", core):
            found.append(line)
            continue
        if re.search(SEPARATORS + "$", core):
            continue  # ends with punctuation or a space: a whole word ended there
        parts = segments(core)
        last = parts[-1] if parts else ""
        if not last or last in known:
            continue
        following = lines[row + 1].lstrip() if row + 1 < len(lines) else ""
        joined = last + (segments(following)[0] if segments(following) else "")
        if following and any(seg.startswith(joined) for seg in known):
            continue  # wrapped onto the next line
        if any(seg.startswith(last) for seg in known):
            found.append(line)
    return found


def key_labels() -> set[str]:
    """Every footer label: the key.<action> strings of both languages, and Textual's own."""
    labels = {"palette", "Quit", "Help", "Back"}
    for path in sorted((ROOT / "tui" / "strings").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for lang in data.values():
            if isinstance(lang, dict) and isinstance(lang.get("key"), dict):
                labels.update(str(v) for v in lang["key"].values())
    return labels
