"""Word wrapping for lines of styled fragments — no Textual, so it is tested alone.

A line wider than the view is broken at spaces (a word longer than a whole line is split
inside), the continuation lines indented, so no text is ever cut at the right edge.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

Fragment = tuple[str, str]  # (text, style name: "" | head | dim | num | result | warn | good | s0…)
Line = list[Fragment]  # one terminal row of styled fragments
INDENT = "  "  # the start of a continuation line


def _tokens(line: Sequence[Fragment]) -> list[tuple[str, str]]:
    """The line as words, each with the spaces that follow it, keeping their styles."""
    out: list[tuple[str, str]] = []
    for text, style in line:
        word = ""
        for char in text:
            if char == " " or not word or word[-1] != " ":
                word += char
            else:
                out.append((word, style))
                word = char
        if word:
            out.append((word, style))
    return out


def _split_long(word: str, width: int) -> list[str]:
    """A word wider than ``width`` cells, in pieces that fit."""
    pieces, piece = [], ""
    for char in word:
        if piece and cell_len(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + ([piece] if piece else [])


def wrap_line(line: Sequence[Fragment], width: int) -> list[list[Fragment]]:
    """``line`` broken into lines of at most ``width`` cells (one line if it fits)."""
    if width <= len(INDENT) + 1 or sum(cell_len(text) for text, _ in line) <= width:
        return [list(line)]
    rows: list[list[Fragment]] = [[]]
    used = 0
    room = width - len(INDENT)  # a continuation line's width after its indent
    for word, style in _tokens(line):
        bare = word.rstrip(" ")
        for piece in _split_long(word, room) if cell_len(bare) > room else [word]:
            if used and used + cell_len(piece.rstrip(" ")) > width:
                rows.append([(INDENT, "")])
                used = len(INDENT)
                piece = piece.lstrip(" ")
                if not piece:
                    continue
            rows[-1].append((piece, style))
            used += cell_len(piece)
    return [_merged(row) for row in rows]


def _merged(row: list[Fragment]) -> list[Fragment]:
    """Neighbouring fragments of one style joined; trailing spaces dropped."""
    out: list[Fragment] = []
    for text, style in row:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    if out:
        out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
    return [frag for frag in out if frag[0]]


def wrap_lines(lines: Sequence[Sequence[Fragment]], width: int) -> list[list[Fragment]]:
    """Every line wrapped to ``width`` cells."""
    return [row for line in lines for row in wrap_line(line, width)]
