"""A lesson is done only when every checkpoint in it is settled; paging past is not
answering, and "continue here" points at the first lesson not done."""

from __future__ import annotations

from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Checkpoint
from linreg_tui.lessons.progress_model import CourseProgress


def bundled():
    return load_course()


def test_paging_to_the_end_does_not_finish_a_lesson_with_open_checkpoints() -> None:
    course = bundled()
    lesson = next(x for x in course.lessons if len(x.checkpoints) >= 2)
    progress = CourseProgress()
    items = lesson.items()
    progress.set_position(lesson.id, len(items) - 1)
    progress.mark_done(lesson.id)  # the learner paged through with >
    assert not progress.is_done(lesson)
    assert progress.lesson_fraction(lesson) < 1.0
    assert progress.fraction(course) == 0.0
    assert progress.open_checkpoints(lesson) == [c.id for c in lesson.checkpoints]
    # continue here: this lesson, at its first checkpoint left open
    place = progress.resume(course)
    assert place is not None and place[0].id == lesson.id  # the lesson is not done yet
    for c in lesson.checkpoints:
        progress.record(lesson.id, c.id, "skipped", 0)  # explicitly skipped counts
    assert progress.is_done(lesson) and progress.lesson_fraction(lesson) == 1.0


def test_resume_skips_finished_lessons_and_lands_on_the_open_checkpoint() -> None:
    course = bundled()
    first, second = course.lessons[0], course.lessons[1]
    progress = CourseProgress()
    for lesson in (first, second):
        progress.set_position(lesson.id, len(lesson.items()) - 1)
        progress.mark_done(lesson.id)
    for c in first.checkpoints:
        progress.record(first.id, c.id, "correct", 1)
    for c in second.checkpoints[1:]:
        progress.record(second.id, c.id, "revealed", 3)
    progress.set_position(first.id, 0)  # the saved position is in a finished lesson
    lesson, item = progress.resume(course)
    assert lesson.id == second.id
    shown = second.items()[item]
    assert isinstance(shown, Checkpoint) and shown.id == second.checkpoints[0].id


def test_lesson_fraction_counts_settled_checkpoints_not_pages_paged_past() -> None:
    course = bundled()
    lesson = next(x for x in course.lessons if x.checkpoints)
    items = lesson.items()
    progress = CourseProgress()
    progress.set_position(lesson.id, len(items) - 1)
    pages = sum(1 for item in items if not isinstance(item, Checkpoint))
    assert progress.lesson_fraction(lesson) == min(pages, len(items) - 1) / len(items)
    progress.record(lesson.id, lesson.checkpoints[0].id, "correct", 1)
    assert progress.lesson_fraction(lesson) == min(pages + 1, len(items) - 1) / len(items)
