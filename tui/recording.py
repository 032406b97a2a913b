"""``linreg-tui --record FILE.cast``: the session's terminal output as an asciicast v2 file.

An asciicast v2 file (https://docs.asciinema.org/manual/asciicast/v2/) is one JSON header
line, then one JSON array per event: ``[seconds since the start, "o", text written]`` for
output and ``[seconds, "r", "COLSxROWS"]`` for a resize. ``asciinema play FILE.cast`` (or
any asciinema player on a web page) plays it back at the recorded pace.

:class:`CastRecorder` knows nothing of Textual; :func:`recording_driver` wraps the app's
driver class so that everything the driver writes to the terminal is also recorded.
Writing is buffered and flushed every FLUSH_EVERY seconds of session time, so a
recording killed mid-way still holds all but its last moments.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.driver import Driver

FLUSH_EVERY = 1.0  # seconds between flushes of the file


class CastRecorder:
    """Writes one asciicast v2 file; ``output`` and ``resize`` add events, ``close`` ends it.

    Opening creates (or truncates) the file and writes the header at once, so a path that
    cannot be written fails before the app starts (an OSError with the reason).
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        *,
        title: str = "linreg-tui",
        clock: Any = time.monotonic,
    ) -> None:
        self.path = Path(path).expanduser()
        self._clock = clock
        self._start = clock()
        self._last_flush = 0.0
        self.error: str | None = None  # why the recording stopped early (a write failed)
        self._file: IO[str] | None = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()
        header = {
            "version": 2,
            "width": max(1, int(width)),
            "height": max(1, int(height)),
            "timestamp": int(time.time()),
            "title": title,
            "env": {"TERM": os.environ.get("TERM", "xterm-256color"), "SHELL": ""},
        }
        self._write_line(header)
        self._file.flush()

    @property
    def closed(self) -> bool:
        return self._file is None

    def output(self, text: str) -> None:
        """Record ``text`` as written to the terminal now."""
        if text:
            self._event("o", text)

    def resize(self, width: int, height: int) -> None:
        """Record that the terminal is now ``width`` × ``height``."""
        self._event("r", f"{int(width)}x{int(height)}")

    def close(self) -> None:
        """Flush and close the file (a second call does nothing); a failure is kept in
        ``error``, not raised."""
        if self._file is None:
            return
        try:
            self._file.close()
        except OSError as err:
            self.error = err.strerror or str(err)
        self._file = None

    def _event(self, kind: str, data: str) -> None:
        if self._file is None:
            return
        now = max(0.0, self._clock() - self._start)
        try:
            self._write_line([round(now, 6), kind, data])
            if now - self._last_flush >= FLUSH_EVERY:
                self._file.flush()
                self._last_flush = now
        except OSError as err:  # a full disk must not stop the app: the recording ends here
            self.error = err.strerror or str(err)
            self._abandon()

    def _abandon(self) -> None:
        file, self._file = self._file, None
        try:
            if file is not None:
                file.close()
        except OSError:
            pass  # what could not be written is lost either way; ``error`` says why

    def _write_line(self, value: object) -> None:
        assert self._file is not None
        # ensure_ascii: escapes and lone surrogates become \\u sequences, valid JSON always
        self._file.write(json.dumps(value, ensure_ascii=True) + "\n")


def recording_driver(base: type[Driver]) -> type[Driver]:
    """A subclass of ``base`` that also hands what it writes to ``app.recorder``."""

    class RecordingDriver(base):  # type: ignore[valid-type, misc]
        def write(self, data: str) -> None:
            super().write(data)
            recorder = getattr(self._app, "recorder", None)
            if recorder is not None:
                recorder.output(data)

    RecordingDriver.__name__ = f"Recording{base.__name__}"
    return RecordingDriver
