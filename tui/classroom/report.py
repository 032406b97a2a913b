"""``linreg-tui class report``: every learner's progress, read from ``DATA_ROOT/<user>/``.

One row per learner folder: lessons done (of the course's lessons), checkpoints correct /
revealed / skipped, and when the learner was last active (the latest time in the progress
file, else the folder's). Text, CSV or JSON.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from .auth import valid_user

COLUMNS = ("learner", "lessons_done", "lessons", "correct", "revealed", "skipped", "last_active")


@dataclass
class Row:
    """One learner's line of the report."""

    learner: str
    lessons_done: int
    lessons: int  # lessons in the course (0 when it could not be read)
    correct: int
    revealed: int
    skipped: int
    last_active: str  # UTC, ISO 8601 to the minute; "" when never


def _course_size(course: str | None) -> tuple[str, int]:
    """The course's progress key and its number of lessons."""
    from linreg_tui.lessons.loader import load_course

    loaded = load_course(course)
    return loaded.key, len(loaded.lessons)


def learner_row(folder: Path, key: str, lessons: int) -> Row:
    """The report row of one learner folder (a broken progress file counts as empty)."""
    from linreg_tui.lessons.progress import ProgressStore

    # Before loading (which makes the lock file): a login leaves .tmp, saves leave files.
    touched = [p.stat().st_mtime for p in folder.iterdir() if p.name != "progress.json.lock"]
    progress, _notice = ProgressStore(folder).load()
    course = progress.courses.get(key)
    results = [c.result for c in course.checkpoints.values()] if course else []
    times = [course.at, *(c.at for c in course.checkpoints.values())] if course else []
    latest = max([t for t in times if t > 0], default=0.0)
    if latest == 0.0:
        latest = max(touched, default=0.0)
    stamp = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(latest)) if latest else ""
    return Row(
        folder.name, len(course.done) if course else 0, lessons, results.count("correct"),
        results.count("revealed"), results.count("skipped"), stamp,
    )  # fmt: skip


def class_rows(data_root: Path, course: str | None = None) -> list[Row]:
    """Rows for every learner folder under ``data_root``, sorted by id."""
    key, lessons = _course_size(course)
    folders = sorted(p for p in data_root.iterdir() if p.is_dir() and valid_user(p.name))
    return [learner_row(folder, key, lessons) for folder in folders]


def write_report(rows: list[Row], fmt: str, out: IO[str]) -> None:
    """Print ``rows`` as an aligned table, CSV or JSON."""
    if fmt == "json":
        out.write(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([list(asdict(r).values()) for r in rows])
        return
    table = [("learner", "lessons", "correct", "revealed", "skipped", "last active")]
    for r in rows:
        done = f"{r.lessons_done}/{r.lessons}"
        table.append((r.learner, done, str(r.correct), str(r.revealed), str(r.skipped),
                      r.last_active or "never"))  # fmt: skip
    widths = [max(len(row[j]) for row in table) for j in range(len(table[0]))]
    for row in table:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    if not rows:
        out.write("(no learner has logged in yet)\n")
