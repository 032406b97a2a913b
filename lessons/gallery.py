"""The preset gallery: ready-made setups, each with commentary in both languages.

A gallery file is a lesson file's ``[preset]`` table — the same keys, checked by the same
:class:`~.checks.FileChecker` — with a title, two or three lines of commentary (``about``)
and one "what to try" line (``try``), each in English and Chinese::

    id = "lr-too-large"
    order = 6
    title = { en = "A learning rate too large", zh = "学习率过大" }
    about = { en = "…", zh = "…" }
    try = { en = "Press [ to halve η, then r.", zh = "…" }

    [preset]
    dataset = "hours"
    lr = 0.25

The bundled gallery is ``lessons/presets/*.toml``; a teacher adds their own presets with
``linreg-tui --gallery PATH`` (one file or a folder of ``.toml`` files; a CSV named by a
preset is looked for next to its file). Nothing here runs the engine or imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checks import PAGE_COLUMNS, FileChecker, wrapped_rows
from .loader import build_preset
from .model import LANGS, LocalText, Preset
from .schema import ID_PATTERN
from .sources import Finding, decode

GALLERY_KEYS = ("id", "order", "title", "about", "try", "preset")
ABOUT_ROWS = 3  # the commentary: at most three rows at PAGE_COLUMNS (it fits 80×24)
TRY_ROWS = 2  # the "what to try" line: at most two rows
TITLE_COLUMNS = 50  # a title and its kind ("· Compare, 4 runs") fit one row at 80 columns


class GalleryError(ValueError):
    """A gallery that cannot be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[Finding]) -> None:
        self.problems = problems
        super().__init__(str(problems[0]) if problems else "invalid gallery")

    def one_line(self) -> str:
        """The first problem, and how many more there are: one line for a command line."""
        more = len(self.problems) - 1
        return f"{self.problems[0]}" + (f" (and {more} more)" if more > 0 else "")


@dataclass(frozen=True)
class GalleryEntry:
    """One ready-made setup: a preset, its title, its commentary and what to try."""

    id: str  # unique in the gallery (lower-case letters, digits, - and _)
    order: int  # position in the list (then id)
    title: LocalText
    about: LocalText  # two or three lines: what the setup shows
    try_: LocalText  # one line: what to do with it
    preset: Preset  # the runs it opens (a Playground, or a Compare view of its runs)
    source: str  # the file it came from
    own: bool = False  # a teacher's (--gallery), not a bundled one


@dataclass(frozen=True)
class Gallery:
    """The bundled presets, then a teacher's, each group in (order, id) order."""

    entries: tuple[GalleryEntry, ...]

    def entry(self, entry_id: str) -> GalleryEntry:
        """The entry with this id (KeyError if none)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)


class _GalleryChecker(FileChecker):
    """The checks of a lesson file's preset, with a gallery file's own keys around it."""

    def run(self) -> dict | None:
        data = self.parse()
        if data is None:
            return None
        where = "gallery preset"
        self.unknown_keys((), data, GALLERY_KEYS, where)
        self.require((), data, GALLERY_KEYS, where)
        if "id" in data and not (isinstance(data["id"], str) and ID_PATTERN.match(data["id"])):
            self.report(("id",), "id must be lower-case letters, digits, '-' or '_'")
        if "order" in data and type(data["order"]) is not int:
            self.report(("order",), "order must be a whole number")
        for name, rows in (("title", 1), ("about", ABOUT_ROWS), ("try", TRY_ROWS)):
            self.text_value((name,), data.get(name), name)
            self._rows(name, data.get(name), rows)
        if "preset" in data:
            self.preset(data["preset"])
        return data

    def _rows(self, name: str, value: Any, limit: int) -> None:
        """A text that must fit ``limit`` rows (the title: TITLE_COLUMNS on one row)."""
        if not isinstance(value, dict):
            return
        width = TITLE_COLUMNS if name == "title" else PAGE_COLUMNS
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str):
                continue
            rows = wrapped_rows(flow(text), width)
            if rows > limit:
                self.report(
                    (name, lang),
                    f"{name}.{lang} takes {rows} rows at {width} columns; at most {limit}",
                )


def flow(text: str) -> str:
    """``text`` as one paragraph: its line breaks joined by a space, or by nothing where
    a side is Chinese (the list shows it wrapped to the terminal's width)."""
    out = ""
    for line in (part.strip() for part in text.strip().splitlines()):
        if not line:
            continue
        wide = out and (_cjk(out[-1]) or _cjk(line[0]))
        out += ("" if not out or wide else " ") + line
    return out


def _cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def _entry(data: dict[str, Any], name: str, base_dir: Path | None, own: bool) -> GalleryEntry:
    def text(key: str) -> LocalText:
        return LocalText(en=flow(data[key]["en"]), zh=flow(data[key]["zh"]))

    return GalleryEntry(
        id=data["id"],
        order=data["order"],
        title=text("title"),
        about=text("about"),
        try_=text("try"),
        preset=build_preset(data["preset"], base_dir),
        source=name,
        own=own,
    )


def _bundled_files() -> list[tuple[str, bytes]]:
    from importlib.resources import files

    root = files("linreg_tui.lessons") / "presets"
    entries = sorted((e for e in root.iterdir() if e.name.endswith(".toml")), key=lambda e: e.name)
    return [(f"presets/{e.name}", e.read_bytes()) for e in entries]


def _teacher_files(path: Path) -> list[tuple[str, bytes]]:
    """(name, contents) of a teacher's gallery file, or of every .toml file in a folder."""
    if path.is_dir():
        found = sorted(path.glob("*.toml"))
        if not found:
            raise FileNotFoundError(f"{path}: no .toml preset files in this folder")
        return [(str(e), e.read_bytes()) for e in found]
    return [(str(path), path.read_bytes())]


def _read(files: list[tuple[str, bytes]], own: bool, root: Path | None) -> list[GalleryEntry]:
    """Check and build every file; raises GalleryError with every file's errors."""
    entries: list[GalleryEntry] = []
    problems: list[Finding] = []
    for name, raw in files:
        base_dir = Path(name).parent if root is not None else None
        text, bad = decode(name, raw)
        if bad:
            problems += bad
            continue
        checker = _GalleryChecker(name, text, base_dir=base_dir)
        data = checker.run()
        found = sorted(checker.problems, key=lambda p: p[0])
        errors = [Finding(name, line, msg) for line, msg, sev in found if sev == "error"]
        if errors or data is None:
            problems += errors
            continue
        entries.append(_entry(data, name, base_dir, own))
    if problems:
        raise GalleryError(problems)
    return sorted(entries, key=lambda e: (e.order, e.id))


def load_gallery(path: Path | str | None = None) -> Gallery:
    """The bundled presets, then those at ``path`` (a file or a folder of .toml files).

    Raises GalleryError (a finding per problem, first one first) for an invalid file or an
    id used twice, and OSError when ``path`` cannot be read.
    """
    entries = _read(_bundled_files(), own=False, root=None)
    if path is not None:
        root = Path(path).expanduser()
        entries += _read(_teacher_files(root), own=True, root=root)
    seen: dict[str, GalleryEntry] = {}
    for entry in entries:
        if entry.id in seen:
            where = f"id {entry.id!r} is already used by {seen[entry.id].source}"
            raise GalleryError([Finding(entry.source, 1, where)])
        seen[entry.id] = entry
    return Gallery(tuple(entries))


def gallery_problem(path: Path | str) -> str | None:
    """What stops the gallery with a teacher's presets at ``path`` from loading, as one
    line (the first finding, how many more, or why the path cannot be read), or None."""
    try:
        load_gallery(path)
    except GalleryError as err:
        return f"gallery: {err.one_line()}"
    except OSError as err:
        return f"cannot read the gallery {str(path)!r}: {err.strerror or err}"
    return None


__all__ = ["Gallery", "GalleryEntry", "GalleryError", "gallery_problem", "load_gallery"]
