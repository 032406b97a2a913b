"""Saved progress: lessons done, where the learner is, checkpoint results, language.

One JSON file per user, ``progress.json`` in ``platformdirs.user_data_dir
("linreg-tui")`` or in ``$LINREG_TUI_DATA_DIR``. Courses are kept apart by
their key ("bundled", or a hash of a teacher's course path).

Safety:
- writes are atomic: a temporary file in the same folder, fsync, os.replace;
- every read-modify-write holds an advisory lock (fcntl.flock on
  ``progress.json.lock``) and starts from what is on disk, so two sessions of
  the same user lose nothing; ``save`` merges an in-memory copy into the file
  (done lessons: union; item reached: max; position and language: the latest
  by time; checkpoint results: the best result and the most tries);
- a file that cannot be read or parsed (not UTF-8, not JSON, nested too deeply for the
  parser, the wrong shape) is moved aside to ``progress.json.corrupt-<time>`` and the
  learner starts fresh, with a one-line notice instead of a crash;
- values out of range (a hand-edited ``reached = -5``) are clamped on load and named in
  the one-line notice;
- temporary files of a save that was interrupted (``.progress-*.tmp``) are removed on
  load once they are over an hour old.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .progress_model import CourseProgress, Progress, ProgressFormatError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; writes stay atomic
    fcntl = None  # type: ignore[assignment]

ENV_DIR = "LINREG_TUI_DATA_DIR"
NOTICES = {
    "moved": {
        "en": "Progress file was unusable ({reason}); moved it to {name}, starting fresh.",
        "zh": "进度文件无法使用（{reason}），已移到 {name}，从头开始。",
    },
    "stuck": {
        "en": "Progress file {path} is unusable ({reason}); starting fresh.",
        "zh": "进度文件 {path} 无法使用（{reason}），从头开始。",
    },
    "unreadable": {
        "en": "Progress cannot be read here ({reason}); it will not be saved.",
        "zh": "无法读取进度（{reason}），本次不会保存。",
    },
    "unsaved": {
        "en": "Progress could not be saved ({reason}).",
        "zh": "进度未能保存（{reason}）。",
    },
    "clamped": {
        "en": "Progress file had values out of range ({fixes}); corrected them.",
        "zh": "进度文件中有超出范围的值（{fixes}），已更正。",
    },
    "unreset": {
        "en": "Progress could not be reset ({reason}).",
        "zh": "进度未能重置（{reason}）。",
    },
}
FILE_NAME = "progress.json"
TEMP_PATTERN = ".progress-*.tmp"  # what _write's mkstemp creates
STALE_TEMP_AGE = 3600.0  # seconds after which a temporary file is an interrupted save's
MAX_FIXES_SHOWN = 3  # a notice names at most this many clamped values

__all__ = [
    "CourseProgress",
    "Progress",
    "ProgressStore",
    "data_dir",
    "load_progress",
    "reset_progress",
]


def data_dir() -> Path:
    """$LINREG_TUI_DATA_DIR if set, else the platform's per-user data folder."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("linreg-tui", appauthor=False))


class ProgressStore:
    """The progress file of one user; every method is safe to call from two sessions."""

    def __init__(self, directory: Path | str | None = None, lang: str = "en") -> None:
        self.lang = "zh" if lang == "zh" else "en"  # language of the notices
        self.directory = Path(directory) if directory is not None else data_dir()
        self.path = self.directory / FILE_NAME
        self.lock_path = self.directory / (FILE_NAME + ".lock")

    def _notice(self, key: str, **values: object) -> str:
        return NOTICES[key][self.lang].format(**values)

    # -- locking and raw I/O ----------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the advisory lock (creating the folder if needed)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _read(self) -> tuple[Progress, str | None]:
        """The file's progress (fresh when absent); a bad file is moved aside with a notice."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Progress(), None
        except OSError as err:
            return Progress(), self._move_aside(f"unreadable: {err.strerror or err}")
        fixes: list[str] = []
        try:
            progress = Progress.from_json(json.loads(raw.decode("utf-8")), fixes)
        except RecursionError:  # e.g. 100,000 nested lists: beyond the parser's depth
            return Progress(), self._move_aside("nested too deeply")
        except ValueError as err:  # JSON, UTF-8, shape, or an integer too long to read
            reason = err.args[0] if isinstance(err, ProgressFormatError) else "not valid JSON"
            return Progress(), self._move_aside(reason)
        return progress, self._clamped(fixes) if fixes else None

    def _clamped(self, fixes: list[str]) -> str:
        """The notice naming the values clamped on load (the first few)."""
        shown = "; ".join(fixes[:MAX_FIXES_SHOWN])
        if len(fixes) > MAX_FIXES_SHOWN:
            shown += f"; +{len(fixes) - MAX_FIXES_SHOWN}"
        return self._notice("clamped", fixes=shown)

    def _clean_temp(self) -> None:
        """Remove temporary files of saves interrupted over STALE_TEMP_AGE seconds ago
        (a save holds the lock, and this runs under it, so none of them is in use)."""
        limit = time.time() - STALE_TEMP_AGE
        for tmp in self.directory.glob(TEMP_PATTERN):
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < limit:
                    tmp.unlink()

    def _move_aside(self, reason: str) -> str:
        """Rename the bad file out of the way; return the notice for the learner."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{FILE_NAME}.corrupt-{stamp}")
        n = 1
        while target.exists():
            target = self.path.with_name(f"{FILE_NAME}.corrupt-{stamp}.{n}")
            n += 1
        try:
            os.replace(self.path, target)
        except OSError:
            return self._notice("stuck", path=self.path, reason=reason)
        return self._notice("moved", reason=reason, name=target.name)

    def _write(self, progress: Progress) -> None:
        """Replace the file atomically with ``progress``."""
        data = json.dumps(progress.to_json(), ensure_ascii=False, indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable where possible
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    # -- public ---------------------------------------------------------------------

    def load(self) -> tuple[Progress, str | None]:
        """The saved progress and a one-line notice if the file had to be moved aside."""
        try:
            with self._locked():
                self._clean_temp()
                return self._read()
        except OSError as err:
            return Progress(), self._notice("unreadable", reason=err.strerror or err)

    def update(self, change: Callable[[Progress], None]) -> tuple[Progress, str | None]:
        """Apply ``change`` to the progress on disk and save it; returns (progress, notice).

        ``change`` runs under the lock on a fresh read, so concurrent updates
        from other sessions are kept.
        """
        try:
            with self._locked():
                progress, notice = self._read()
                change(progress)
                self._write(progress)
                return progress, notice
        except OSError as err:
            fallback = Progress()
            change(fallback)
            return fallback, self._notice("unsaved", reason=err.strerror or err)

    def save(self, progress: Progress) -> tuple[Progress, str | None]:
        """Merge an in-memory copy into the file; returns the merged progress."""
        return self.update(lambda disk: disk.merge_from(progress))

    def reset(self, course_key: str | None = None) -> str | None:
        """Erase one course's progress, or everything (None); returns a notice on failure."""
        try:
            with self._locked():
                if course_key is None:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(self.path)
                    return None
                progress, _ = self._read()
                progress.courses.pop(course_key, None)
                self._write(progress)
        except OSError as err:
            return self._notice("unreset", reason=err.strerror or err)
        return None


def load_progress(
    directory: Path | str | None = None, lang: str = "en"
) -> tuple[Progress, str | None]:
    """(progress, notice or None, in ``lang``) from the user's progress file."""
    return ProgressStore(directory, lang).load()


def reset_progress(directory: Path | str | None = None, course_key: str | None = None) -> None:
    """Erase saved progress (all of it, or one course's). Raises OSError if it cannot."""
    notice = ProgressStore(directory).reset(course_key)
    if notice:
        raise OSError(notice)
