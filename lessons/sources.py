"""Lesson files as text, and the Finding: one thing wrong with a file, at a line.

The loader and the validator both read files through here, so neither imports the
other for them: ``loader`` depends on this module, ``validate`` on both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .checks import FileChecker


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a lesson file, at a 1-based line."""

    file: str
    line: int
    message: str
    severity: str = "error"  # error | warning (warnings do not stop a course from loading)

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {tag}{self.message}"


def format_problems(problems: Iterable[Finding]) -> str:
    """One ``path:line: message`` line per finding."""
    return "\n".join(str(p) for p in problems)


def course_files(path: Path | None) -> list[tuple[str, bytes]]:
    """(display name, contents) of every lesson file of a course, sorted by file name.

    Raises OSError when the path cannot be read (the CLI's exit status 2).
    """
    if path is None:
        from importlib.resources import files

        root = files("linreg_tui.lessons") / "course"
        entries = sorted((e for e in root.iterdir() if e.name.endswith(".toml")), key=_name)
        return [(f"course/{e.name}", e.read_bytes()) for e in entries]
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.toml"))
        if not found:
            raise FileNotFoundError(f"{path}: no .toml lesson files in this folder")
        return [(str(e), e.read_bytes()) for e in found]
    return [(str(path), path.read_bytes())]


def _name(entry: object) -> str:
    return str(getattr(entry, "name", entry))


def decode(name: str, raw: bytes) -> tuple[str, list[Finding]]:
    """The file's text (UTF-8, BOM allowed); a bad byte is a finding at its line."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        message = f"not UTF-8 text (bad byte at offset {err.start}); save the file as UTF-8"
        return raw.decode("utf-8", errors="replace"), [Finding(name, line, message)]


def check_file(
    name: str, raw: bytes | str, *, base_dir: Path | None = None
) -> tuple[dict | None, list[Finding], str]:
    """(parsed data or None, structural findings, text) of one lesson file."""
    if isinstance(raw, bytes):
        text, bad = decode(name, raw)
        if bad:
            return None, bad, text
    else:
        text = raw
    checker = FileChecker(name, text, base_dir=base_dir)
    data = checker.run()
    found = sorted(checker.problems, key=lambda p: p[0])  # stable: same line keeps check order
    problems = [Finding(name, line, msg, sev) for line, msg, sev in found]
    return data, problems, text
