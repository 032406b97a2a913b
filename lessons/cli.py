"""The ``linreg-tui lessons …`` sub-commands as functions returning exit statuses.

The argument parsing lives in ``linreg_tui.tui.cli``; these functions only
read the course and write to the streams they are given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO


def lessons_validate(path: Path | str | None, out: IO[str], err: IO[str]) -> int:
    """Check a course (None: the bundled one) and print ``file:line: message`` per problem.

    Exit status: 0 no errors (warnings may be printed), 1 errors found, 2 the
    path cannot be read.
    """
    from .validate import validate_course

    try:
        problems = validate_course(path)
    except OSError as exc:
        err.write(f"linreg-tui: cannot read lessons at {path}: {exc.strerror or exc}\n")
        return 2
    for problem in problems:
        out.write(f"{problem}\n")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    where = "the bundled course" if path is None else str(path)
    if errors:
        err.write(f"linreg-tui: {errors} problem(s) in {where}\n")
        return 1
    tail = f" ({warnings} warning(s))" if warnings else ""
    out.write(f"{where}: all lessons are valid{tail}\n")
    return 0


def lessons_list(
    path: Path | str | None, fmt: str, out: IO[str], err: IO[str] | None = None
) -> int:
    """List the course: ``text`` (order, id, titles) or ``json`` (a list of objects
    {id, order, title: {en, zh}, checkpoints: n}). Exit 0, 1 invalid course, 2 unreadable."""
    from .loader import CourseError, load_course

    try:
        course = load_course(path)
    except OSError as exc:
        if err is not None:
            err.write(f"linreg-tui: cannot read lessons at {path}: {exc.strerror or exc}\n")
        return 2
    except CourseError as exc:
        if err is not None:
            err.write(f"{exc}\n")
        return 1
    if fmt == "json":
        rows = [
            {
                "id": lesson.id,
                "order": lesson.order,
                "title": {"en": lesson.title.en, "zh": lesson.title.zh},
                "checkpoints": len(lesson.checkpoints),
            }
            for lesson in course.lessons
        ]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    width = max((len(lesson.id) for lesson in course.lessons), default=2)
    for lesson in course.lessons:
        title = f"{lesson.title.en} / {lesson.title.zh}"
        out.write(f"{lesson.order:>3}  {lesson.id:<{width}}  {title}\n")
    return 0
