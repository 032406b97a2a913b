"""--record FILE.cast writes an asciicast v2 file of what the app writes to the terminal;
P saves an SVG picture of the screen in the learner's folder and says where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.driver import Driver

from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.cli import open_recording
from linreg_tui.tui.picture import save_picture
from linreg_tui.tui.recording import CastRecorder, recording_driver


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _read(path: Path) -> tuple[dict, list[list]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def test_a_cast_is_a_header_then_timed_events(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "s.cast"
    cast = CastRecorder(path, 80, 24, clock=clock)
    clock.now += 0.5
    cast.output("\x1b[?1049hhello")
    clock.now += 0.25
    cast.resize(120, 40)
    cast.output("")  # nothing written: no event
    clock.now += 1.0
    cast.output("\ud800 lone surrogate, wide 中文")
    cast.close()
    cast.output("after close")  # ignored
    header, events = _read(path)
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    assert isinstance(header["timestamp"], int) and "TERM" in header["env"]
    assert events == [
        [0.5, "o", "\x1b[?1049hhello"],
        [0.75, "r", "120x40"],
        [1.75, "o", "\ud800 lone surrogate, wide 中文"],
    ]


def test_an_unwritable_recording_is_one_line_before_the_app_starts(tmp_path: Path) -> None:
    import io

    err = io.StringIO()
    assert open_recording(str(tmp_path / "no-such-folder" / "s.cast"), err) is None
    assert err.getvalue().count("\n") == 1 and "cannot write the recording" in err.getvalue()


async def test_the_recording_driver_hands_every_write_to_the_recorder(tmp_path: Path) -> None:
    written: list[str] = []

    class Quiet(Driver):
        def write(self, data: str) -> None:
            written.append(data)

        def start_application_mode(self) -> None: ...

        def stop_application_mode(self) -> None: ...

        def disable_input(self) -> None: ...

    path = tmp_path / "s.cast"
    app = LinregApp(load_engine=False, recorder=CastRecorder(path, 80, 24))
    assert issubclass(app.driver_class, Driver) and "Recording" in app.driver_class.__name__
    driver = recording_driver(Quiet)(app)
    driver.write("frame 1")
    driver.write("frame 2")
    app.recorder.close()
    assert written == ["frame 1", "frame 2"]
    assert [e[2] for e in _read(path)[1]] == ["frame 1", "frame 2"]


async def test_p_saves_a_picture_of_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINREG_TUI_CONFINE", raising=False)
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("P")
        await pilot.pause()
        pictures = list(tmp_path.glob("linreg-tui-*.svg"))
        assert len(pictures) == 1
        svg = pictures[0].read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "Watch" in svg  # Home's tagline
        notes = [n.message for n in app._notifications]
        assert any(n.startswith("✓") and str(pictures[0]) in n for n in notes)
        await pilot.press("P")
        await pilot.pause()
        assert len(list(tmp_path.glob("linreg-tui-*.svg"))) == 2  # never overwritten


async def test_a_picture_that_cannot_be_written_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "gone [red]x[/red]"
    monkeypatch.setenv("LINREG_TUI_CONFINE", str(missing))
    app = LinregApp(load_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("P")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any(n.startswith("✗") and "[red]x[/red]" in n for n in notes)


def test_save_picture_adds_a_number_rather_than_overwrite(tmp_path: Path) -> None:
    first = save_picture("<svg/>", tmp_path, now=0.0)
    second = save_picture("<svg>2</svg>", tmp_path, now=0.0)
    assert first != second and second.name.endswith("-2.svg")
    assert first.read_text() == "<svg/>"


def test_a_failed_write_ends_the_recording_but_not_the_app(tmp_path: Path) -> None:
    cast = CastRecorder(tmp_path / "s.cast", 80, 24)

    class Full:
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None: ...

        def close(self) -> None: ...

    cast.close()
    cast._file = Full()  # type: ignore[assignment] # the disk fills up mid-session
    cast.output("a frame")  # no exception
    assert cast.closed and cast.error == "No space left on device"
    cast.output("another")  # ignored
    cast.close()
