"""The progress record in memory, its JSON form, and how two copies merge.

JSON (version 1)::

    {"version": 1, "language": "zh", "language_at": 1717000000.0,
     "courses": {"bundled": {
        "done": ["loss", "gradient"],
        "reached": {"loss": 7, "gradient": 3},
        "position": {"lesson": "gradient", "item": 3, "at": 1717000000.0},
        "checkpoints": {"loss/scan-min": {"result": "correct", "tries": 2, "at": 1717000000.0}}
     }}}

``item`` and ``reached`` are 0-based indices into ``Lesson.items()``.

Loading validates the shape (a wrong type raises ProgressFormatError) and the range: a
negative index or count, or a time that is negative, not finite or too large for a float,
is clamped (to 0) and described in ``fixes`` so the learner can be told.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import Checkpoint

if TYPE_CHECKING:
    from .model import Course, Lesson

VERSION = 1
RESULTS = ("open", "skipped", "revealed", "correct")  # ranked: a merge keeps the best


class ProgressFormatError(ValueError):
    """The progress JSON does not have the expected shape."""


@dataclass
class CheckpointResult:
    """How a checkpoint went: open | skipped | revealed | correct, after ``tries`` tries."""

    result: str = "open"
    tries: int = 0
    at: float = 0.0

    def merged(self, other: CheckpointResult) -> CheckpointResult:
        best = max(self.result, other.result, key=RESULTS.index)
        return CheckpointResult(best, max(self.tries, other.tries), max(self.at, other.at))


@dataclass
class CourseProgress:
    """One course's progress."""

    done: set[str] = field(default_factory=set)  # ids of finished lessons
    reached: dict[str, int] = field(default_factory=dict)  # furthest item index per lesson
    lesson: str | None = None  # where the learner was last
    item: int = 0
    at: float = 0.0  # when the position was set (seconds since the epoch)
    checkpoints: dict[str, CheckpointResult] = field(default_factory=dict)  # "lesson/checkpoint"

    def mark_done(self, lesson_id: str) -> None:
        self.done.add(lesson_id)

    def set_position(self, lesson_id: str, item: int, now: float | None = None) -> None:
        """The learner is at ``item`` of ``lesson_id``; also raises the lesson's reached mark."""
        self.lesson, self.item = lesson_id, int(item)
        self.at = time.time() if now is None else now
        self.reached[lesson_id] = max(self.reached.get(lesson_id, 0), int(item))

    def record(self, lesson_id: str, checkpoint_id: str, result: str, tries: int) -> None:
        """Store a checkpoint's result (a worse later result never replaces a better one)."""
        if result not in RESULTS:
            raise ValueError(f"unknown checkpoint result {result!r}; one of: {', '.join(RESULTS)}")
        key = f"{lesson_id}/{checkpoint_id}"
        new = CheckpointResult(result, int(tries), time.time())
        old = self.checkpoints.get(key)
        self.checkpoints[key] = old.merged(new) if old else new

    def result(self, lesson_id: str, checkpoint_id: str) -> CheckpointResult | None:
        return self.checkpoints.get(f"{lesson_id}/{checkpoint_id}")

    def open_checkpoints(self, lesson: Lesson) -> list[str]:
        """Ids of ``lesson``'s checkpoints not yet answered, revealed or skipped (paging
        past a checkpoint does not answer it)."""
        return [
            c.id
            for c in lesson.checkpoints
            if (res := self.result(lesson.id, c.id)) is None or res.result == "open"
        ]

    def is_done(self, lesson: Lesson) -> bool:
        """The learner reached the lesson's end and settled every checkpoint in it."""
        return lesson.id in self.done and not self.open_checkpoints(lesson)

    def fraction(self, course: Course) -> float:
        """Share of the course's lessons that are done (0.0–1.0)."""
        if not course.lessons:
            return 0.0
        return sum(self.is_done(lesson) for lesson in course.lessons) / len(course.lessons)

    def lesson_fraction(self, lesson: Lesson) -> float:
        """Share of a lesson's items behind the learner: pages reached and checkpoints
        settled; 1.0 only once the lesson is done."""
        if self.is_done(lesson):
            return 1.0
        items = lesson.items()
        if not items:
            return 0.0
        reached = len(items) - 1 if lesson.id in self.done else self.reached.get(lesson.id, -1)
        open_ids = set(self.open_checkpoints(lesson))
        behind = sum(
            1
            for k, item in enumerate(items)
            if (item.id not in open_ids if isinstance(item, Checkpoint) else k <= reached)
        )
        return min(behind, len(items) - 1) / len(items)

    def _resume_item(self, lesson: Lesson) -> int:
        """Where to pick ``lesson`` up: its first checkpoint left open behind the learner,
        else the furthest item reached."""
        items = lesson.items()
        last = max(0, len(items) - 1)
        reached = last if lesson.id in self.done else min(self.reached.get(lesson.id, 0), last)
        open_ids = set(self.open_checkpoints(lesson))
        for k, item in enumerate(items[: reached + 1]):
            if isinstance(item, Checkpoint) and item.id in open_ids:
                return k
        return reached

    def resume(self, course: Course) -> tuple[Lesson, int] | None:
        """Where to continue: the saved position when its lesson is not done yet, else the
        first lesson not done (at its first open checkpoint, or as far as it was read);
        None when every lesson is done."""
        if self.lesson is not None:
            try:
                lesson = course.lesson(self.lesson)
            except KeyError:
                pass
            else:
                if not self.is_done(lesson):
                    return lesson, min(self.item, max(0, len(lesson.items()) - 1))
        for lesson in course.lessons:
            if not self.is_done(lesson):
                return lesson, self._resume_item(lesson)
        return None

    def merge_from(self, other: CourseProgress) -> None:
        """Fold another copy in: union, max, latest position, best results."""
        self.done |= other.done
        for lesson_id, item in other.reached.items():
            self.reached[lesson_id] = max(self.reached.get(lesson_id, 0), item)
        if other.at > self.at:
            self.lesson, self.item, self.at = other.lesson, other.item, other.at
        for key, res in other.checkpoints.items():
            mine = self.checkpoints.get(key)
            self.checkpoints[key] = mine.merged(res) if mine else res

    def to_json(self) -> dict[str, Any]:
        position = None
        if self.lesson is not None:
            position = {"lesson": self.lesson, "item": self.item, "at": self.at}
        return {
            "done": sorted(self.done),
            "reached": dict(sorted(self.reached.items())),
            "position": position,
            "checkpoints": {
                k: {"result": v.result, "tries": v.tries, "at": v.at}
                for k, v in sorted(self.checkpoints.items())
            },
        }

    @classmethod
    def from_json(cls, data: Any, fixes: list[str] | None = None) -> CourseProgress:
        """Parse one course entry; out-of-range values are clamped and noted in ``fixes``."""
        _expect(isinstance(data, dict), "a course entry is not an object")
        done = data.get("done", [])
        _expect(isinstance(done, list) and all(isinstance(d, str) for d in done), "bad 'done'")
        reached = data.get("reached", {})
        _expect(
            isinstance(reached, dict) and all(type(v) is int for v in reached.values()),
            "bad 'reached'",
        )
        reached = {k: _count(v, f"reached {k!r}", fixes) for k, v in reached.items()}
        out = cls(done=set(done), reached=reached)
        position = data.get("position")
        if position is not None:
            _expect(
                isinstance(position, dict)
                and isinstance(position.get("lesson"), str)
                and type(position.get("item")) is int
                and isinstance(position.get("at", 0), (int, float)),
                "bad 'position'",
            )
            out.lesson = position["lesson"]
            out.item = _count(position["item"], "position item", fixes)
            out.at = _time(position.get("at", 0.0), "position time", fixes)
        checkpoints = data.get("checkpoints", {})
        _expect(isinstance(checkpoints, dict), "bad 'checkpoints'")
        for key, value in checkpoints.items():
            _expect(
                isinstance(value, dict)
                and value.get("result") in RESULTS
                and type(value.get("tries", 0)) is int,
                f"bad checkpoint result {key!r}",
            )
            at = value.get("at", 0.0)
            _expect(isinstance(at, (int, float)), f"bad checkpoint time {key!r}")
            tries = _count(value.get("tries", 0), f"tries of {key!r}", fixes)
            at = _time(at, f"time of {key!r}", fixes)
            out.checkpoints[key] = CheckpointResult(value["result"], tries, at)
        return out


@dataclass
class Progress:
    """Everything saved for one user."""

    courses: dict[str, CourseProgress] = field(default_factory=dict)
    language: str | None = None  # "en" | "zh" once the learner picked one in the app
    language_at: float = 0.0

    def course(self, key: str) -> CourseProgress:
        """The progress of course ``key`` (created empty on first use)."""
        return self.courses.setdefault(key, CourseProgress())

    def set_language(self, lang: str, now: float | None = None) -> None:
        if lang not in ("en", "zh"):
            raise ValueError(f"unknown language {lang!r}; choose one of: en, zh")
        self.language, self.language_at = lang, time.time() if now is None else now

    def merge_from(self, other: Progress) -> None:
        """Fold another copy into this one (see CourseProgress.merge_from)."""
        for key, course in other.courses.items():
            self.course(key).merge_from(course)
        if other.language is not None and other.language_at >= self.language_at:
            self.language, self.language_at = other.language, other.language_at

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "language": self.language,
            "language_at": self.language_at,
            "courses": {k: v.to_json() for k, v in sorted(self.courses.items())},
        }

    @classmethod
    def from_json(cls, data: Any, fixes: list[str] | None = None) -> Progress:
        """Parse the file's JSON; ProgressFormatError names what is wrong. Values out of
        range are clamped, each described in ``fixes`` (when given)."""
        _expect(isinstance(data, dict), "not a JSON object")
        _expect(data.get("version") == VERSION, f"unknown version {data.get('version')!r}")
        courses = data.get("courses", {})
        _expect(isinstance(courses, dict), "bad 'courses'")
        language = data.get("language")
        _expect(language in (None, "en", "zh"), "unknown language")
        at = data.get("language_at", 0.0)
        _expect(isinstance(at, (int, float)), "bad 'language_at'")
        return cls(
            {str(k): CourseProgress.from_json(v, fixes) for k, v in courses.items()},
            language,
            _time(at, "language time", fixes),
        )


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ProgressFormatError(message)


def _count(value: int, what: str, fixes: list[str] | None) -> int:
    """An index or count from the file: below 0 it is clamped to 0 (and noted)."""
    if value >= 0:
        return value
    if fixes is not None:
        fixes.append(f"{what} {value} → 0")
    return 0


def _time(value: float, what: str, fixes: list[str] | None) -> float:
    """Seconds since the epoch from the file: negative, infinite, NaN or beyond a float's
    range is clamped to 0 (and noted)."""
    try:
        seconds = float(value)
    except OverflowError:  # an integer with hundreds of digits
        seconds = math.inf
    if math.isfinite(seconds) and seconds >= 0:
        return seconds
    if fixes is not None:
        shown = str(value) if len(str(value)) <= 12 else str(value)[:12] + "…"
        fixes.append(f"{what} {shown} → 0")
    return 0.0
