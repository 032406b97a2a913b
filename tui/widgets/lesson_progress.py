"""Saving a learner's way through a course: position, checkpoint results, lessons done.

Each save is a small *delta* (a fresh Progress holding one change, stamped with the time of
the move) merged into the file by ``ProgressStore.save``: the latest position wins by its
time, results keep the best, done lessons are a union. Two sessions of the same learner, or
two quick moves, therefore never undo each other. Nothing here imports Textual.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from linreg_tui.lessons.model import Course, Lesson
from linreg_tui.lessons.progress import ProgressStore
from linreg_tui.lessons.progress_model import CourseProgress, Progress


class LessonProgress:
    """The progress of one course in one user's progress file."""

    def __init__(self, course: Course, directory: Path | str | None = None, lang: str = "en"):
        self.course = course
        self.store = ProgressStore(directory, lang)
        self.progress = CourseProgress()  # the latest merged copy (for resuming and Home)
        self.notice: str | None = None  # the store's last one-line notice, if any

    def load(self) -> CourseProgress:
        """Read the file (a bad one is moved aside; ``notice`` says so)."""
        progress, self.notice = self.store.load()
        self.progress = progress.course(self.course.key)
        return self.progress

    def _save(self, change: Callable[[CourseProgress], None]) -> CourseProgress:
        delta = Progress()
        change(delta.course(self.course.key))
        merged, self.notice = self.store.save(delta)
        self.progress = merged.course(self.course.key)
        return self.progress

    def moved(self, lesson_id: str, item: int) -> CourseProgress:
        """The learner is now at ``item`` of ``lesson_id``."""
        now = time.time()
        return self._save(lambda p: p.set_position(lesson_id, item, now))

    def answered(self, lesson_id: str, checkpoint_id: str, result: str, tries: int) -> None:
        """A checkpoint was answered, revealed or skipped."""
        self._save(lambda p: p.record(lesson_id, checkpoint_id, result, tries))

    def finished(self, lesson_id: str) -> CourseProgress:
        """The learner reached the end of ``lesson_id``."""
        return self._save(lambda p: p.mark_done(lesson_id))

    def result(self, lesson_id: str, checkpoint_id: str) -> str | None:
        """The saved result of a checkpoint ("correct", "skipped"…), None if never met."""
        res = self.progress.result(lesson_id, checkpoint_id)
        return None if res is None or res.result == "open" else res.result

    def start_item(self, lesson: Lesson) -> int:
        """Where to open ``lesson``: the saved position if it is there, else the furthest
        item reached (a lesson not yet done), else its start."""
        last = max(0, len(lesson.items()) - 1)
        if self.progress.lesson == lesson.id:
            return min(self.progress.item, last)
        if lesson.id not in self.progress.done:
            return min(self.progress.reached.get(lesson.id, 0), last)
        return 0

    def resume(self) -> tuple[Lesson, int] | None:
        """The lesson and item to continue with, None when the whole course is done."""
        return self.progress.resume(self.course)
