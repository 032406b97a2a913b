"""Find the line of a key in a TOML file's text, for error messages.

tomllib gives values, not positions, so this scans the text once and
records the first line of every key path it sees: table headers
(``[preset]``, the n-th ``[[checkpoint]]``), ``key = value`` lines, dotted
keys (``text.zh = …``) and the keys of one-line inline tables
(``title = { en = "…", zh = "…" }``). Multi-line strings are skipped, so a
page that quotes ``[[page]]`` or ``en = 1`` does not confuse it.

Paths are tuples like ``("checkpoint", 2, "options", "zh")``: an array of
tables contributes its 0-based index. ``line_of`` answers with the line of
the longest recorded prefix, so a missing key points at its parent table.
"""

from __future__ import annotations

import re

Path_ = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""  # a bare or quoted key
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_INLINE_KEY = re.compile(r"[{,]\s*([A-Za-z0-9_-]+)\s*=")


def _split_dotted(text: str) -> list[str]:
    """``a . "b.c" . d`` → ["a", "b.c", "d"]."""
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


class KeyLines:
    """Lines (1-based) of the key paths in one TOML text."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path_, int] = {}
        self._arrays: dict[tuple[str, ...], int] = {}  # array-of-tables name → last index
        self._scan(text)

    def _resolve(self, names: list[str]) -> list[str | int]:
        """Insert array indices for any prefix that names an array of tables."""
        out: list[str | int] = []
        for i, name in enumerate(names):
            out.append(name)
            prefix = tuple(names[: i + 1])
            if prefix in self._arrays:
                out.append(self._arrays[prefix])
        return out

    def _record(self, path: Path_, line: int) -> None:
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], line)

    def _scan(self, text: str) -> None:
        table: list[str | int] = []
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _HEADER.match(line)
            if header:
                names = _split_dotted(header.group(2))
                if header.group(1) == "[[":
                    key = tuple(names)
                    self._arrays[key] = self._arrays.get(key, -1) + 1
                    # A new array element resets counters of arrays nested in it.
                    for other in list(self._arrays):
                        if len(other) > len(key) and other[: len(key)] == key:
                            del self._arrays[other]
                table = self._resolve(names)
                self._record(tuple(table), number)
                continue
            found = _KEY.match(line)
            if not found:
                continue
            path = tuple(table) + tuple(_split_dotted(found.group(1)))
            self._record(path, number)
            rest = line[found.end() :]
            for inner in _INLINE_KEY.finditer(rest):
                self._record(path + (inner.group(1),), number)
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
                    break

    def line_of(self, path: Path_) -> int:
        """Line of ``path``, else of its longest recorded prefix, else 1."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1
