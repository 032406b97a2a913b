"""Read lesson files into a Course.

``load_course(None)`` reads the bundled course (``linreg_tui/lessons/course``
through importlib.resources); a path may be a folder of ``.toml`` files or a
single file. Every file is checked first (``checks``); any error raises
:class:`CourseError` carrying the Findings, so a course that loads is whole.
Data sets are not loaded here (that would import torch at start-up);
``validate_course`` does the deeper checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import schema
from .model import (
    Checkpoint,
    Course,
    Goal,
    Lesson,
    LocalText,
    Page,
    Preset,
    RunVariant,
    Solution,
    frozen_map,
)
from .sources import Finding, check_file, course_files, format_problems


class CourseError(ValueError):
    """A course that cannot be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[Finding]) -> None:
        self.problems = problems
        super().__init__(format_problems(problems))


def course_key(path: Path | str | None) -> str:
    """The course's name in the progress file: "bundled", or a hash of its resolved path."""
    if path is None:
        return "bundled"
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()
    return f"path-{digest[:16]}"


def load_course(path: Path | str | None = None) -> Course:
    """The course at ``path`` (None: the bundled one), lessons sorted by order then id.

    Raises CourseError for invalid lessons and OSError when the path cannot be read.
    """
    root = Path(path) if path is not None else None
    lessons: list[Lesson] = []
    problems: list[Finding] = []
    for name, raw in course_files(root):
        base_dir = Path(name).parent if root is not None else None
        data, found, _ = check_file(name, raw, base_dir=base_dir)
        errors = [p for p in found if p.severity == "error"]
        if errors or data is None:
            problems += errors
            continue
        lessons.append(build_lesson(data, Path(name), base_dir))
    if problems:
        raise CourseError(problems)
    seen: dict[str, Lesson] = {}
    for lesson in lessons:
        if lesson.id in seen:
            raise CourseError(
                [Finding(str(lesson.source), 1, f"lesson id {lesson.id!r} is used twice")]
            )
        seen[lesson.id] = lesson
    lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return Course(tuple(lessons), key=course_key(root), source=root)


def _text(value: dict[str, str]) -> LocalText:
    return LocalText(en=value["en"].strip("\n"), zh=value["zh"].strip("\n"))


def _settings(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k in schema.PRESET_SETTINGS}


def _runs(table: dict[str, Any]) -> tuple[RunVariant, ...]:
    return tuple(
        RunVariant(frozen_map(_settings(run)), _text(run["label"]) if "label" in run else None)
        for run in table.get("runs", [])
    )


def build_preset(table: dict[str, Any], base_dir: Path | None) -> Preset:
    """A Preset from a checked ``[preset]`` table."""
    settings = _settings(table)
    dataset = settings.pop("dataset")
    return Preset(
        dataset_name=dataset,
        settings=frozen_map(settings),
        view=table.get("view", "playground"),
        runs=_runs(table),
        axis=table.get("axis", "updates"),
        base_dir=base_dir,
    )


def build_overrides(table: dict[str, Any] | None) -> Mapping[str, Any]:
    """An item's ``preset`` table as overrides for ``Preset.with_overrides``."""
    if not table:
        return frozen_map(None)
    out: dict[str, Any] = _settings(table)
    for key in ("view", "axis"):
        if key in table:
            out[key] = table[key]
    if "runs" in table:
        out["runs"] = _runs(table)
    return frozen_map(out)


def build_checkpoint(table: dict[str, Any], pages: int) -> Checkpoint:
    """A Checkpoint from a checked ``[[checkpoint]]`` table."""
    options: tuple[LocalText, ...] = ()
    if "options" in table:
        en, zh = table["options"]["en"], table["options"]["zh"]
        options = tuple(LocalText(a, b) for a, b in zip(en, zh, strict=True))
    goal = None
    if "goal" in table:  # a window [a, b] is read as a tuple: the Goal stays immutable
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in table["goal"].items()
        }
        goal = Goal(**fields)
    solution = None
    if "solution" in table:
        sol = dict(table["solution"])
        solution = Solution(frozen_map(_settings(sol)), int(sol.get("updates", 0)))
    hints = _hints(table)
    return Checkpoint(
        id=table["id"],
        kind=table["kind"],
        prompt=_text(table["prompt"]),
        hint=hints[0],
        hints=hints,
        explain=_text(table["explain"]),
        after_page=table.get("after_page", pages),
        options=options,
        answer=table.get("answer"),
        compute=table.get("compute"),
        tolerance=float(table.get("tolerance", 0.0)),
        relative=bool(table.get("relative", False)),
        goal=goal,
        solution=solution,
        run_updates=table.get("run_updates"),
        preset=build_overrides(table.get("preset")),
        code=tuple(table.get("code", ())),
        bug_line=int(table.get("bug_line", 0)),
        mistake=table.get("mistake"),
    )


def _hints(table: dict[str, Any]) -> tuple[LocalText, ...]:
    """The hint levels: ``hints = { en = [...], zh = [...] }`` or one ``hint``."""
    if "hints" in table:
        en, zh = table["hints"]["en"], table["hints"]["zh"]
        return tuple(LocalText(a.strip("\n"), b.strip("\n")) for a, b in zip(en, zh, strict=True))
    return (_text(table["hint"]),)


def build_lesson(data: dict[str, Any], source: Path, base_dir: Path | None) -> Lesson:
    """A Lesson from a checked file's data."""
    pages = tuple(
        Page(i + 1, _text(p["text"]), build_overrides(p.get("preset")))
        for i, p in enumerate(data["page"])
    )
    checkpoints = tuple(build_checkpoint(c, len(pages)) for c in data.get("checkpoint", []))
    return Lesson(
        id=data["id"],
        order=data["order"],
        title=_text(data["title"]),
        preset=build_preset(data["preset"], base_dir),
        pages=pages,
        checkpoints=checkpoints,
        summary=_text(data["summary"]) if "summary" in data else None,
        source=source,
    )
