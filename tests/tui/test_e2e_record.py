"""End to end in a real terminal: ``linreg-tui --record FILE.cast`` in tmux at 80×24 opens
the gallery (no line of it cut mid-word), quits, and leaves an asciicast v2 file whose
output replays what was shown."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from e2e_terminal import Tmux, cut_lines, key_labels, known_segments

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _closed(cast: Path) -> bool:
    """The app has left the alternate screen (its last write) and the file is whole."""
    text = cast.read_text(encoding="utf-8") if cast.exists() else ""
    return text.endswith("\n") and "\\u001b[?1049l" in text


def test_record_a_session_in_tmux(tmp_path: Path) -> None:
    cast = tmp_path / "session.cast"
    term = Tmux(tmp_path / "data", "--record", str(cast))
    try:
        term.wait_for("Engine ready")
        term.send("g")
        gallery = term.wait_for("Ready-made setups", "Tutorial T1")
        cut = cut_lines(gallery, 80, known_segments(), key_labels())
        assert not cut, "cut:\n" + "\n".join(cut)
        term.send(*["Down"] * 12)  # the last bundled preset: the longest commentary
        gallery = term.wait_for("Adam divides")
        assert not cut_lines(gallery, 80, known_segments(), key_labels()), gallery
        term.send("Escape")
        term.wait_for("Tools")
        term.send("q")
        deadline = time.monotonic() + 30
        while not _closed(cast) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _closed(cast), term.screen()
    finally:
        term.close()
    lines = cast.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    events = [json.loads(line) for line in lines[1:]]
    times = [e[0] for e in events]
    assert times == sorted(times) and times[-1] > 0
    output = "".join(e[2] for e in events if e[1] == "o")
    assert "Ready-made" in output and "Tutorial" in output
    assert output.startswith("\x1b[?1049h")  # the alternate screen, as a player expects
