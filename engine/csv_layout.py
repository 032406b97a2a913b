"""The shape of a CSV file, read from its first lines: delimiter, header, names, selection.

:func:`read_layout` looks only at the head of the file (the first
``SNIFF_LINES`` non-blank lines), so a huge file's layout costs nothing; the
loader (:mod:`.csv_loader`) then checks every later line against it. A number
here is what NumPy's C parser accepts (:func:`is_number`): Python's ``float()``
also takes ``1_000`` and non-ASCII digits, which a CSV must not contain.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import DataError

# Preference order when several delimiters split every sampled line evenly: a
# ';' file with decimal commas ("1,5;2,3") also splits evenly on ','.
DELIMITERS = ("\t", ";", ",")
SNIFF_LINES = 20


def is_number(cell: str) -> bool:
    """Whether ``cell`` reads as a float the way NumPy's CSV parser reads it.

    ``float()`` is the reference, minus what NumPy refuses and a data file should
    never rely on: digit-group underscores (``1_000``) and non-ASCII characters
    (``١٢`` or full-width digits).
    """
    if "_" in cell or not cell.isascii():
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True


def sniff(lines: list[str]) -> str:
    """The delimiter among tab, ';' and ',' that splits every sampled line into equal parts."""
    sample = lines[:SNIFF_LINES]
    widths = {d: [len(next(csv.reader([s], delimiter=d))) for s in sample] for d in DELIMITERS}
    for d in DELIMITERS:
        if widths[d][0] > 1 and len(set(widths[d])) == 1:
            return d
    # Ragged or single-column: split as the first line suggests, so the error names the line.
    return max(DELIMITERS, key=lambda d: (widths[d][0], d == ","))


def split(line: str, delimiter: str) -> list[str]:
    """Stripped cells of one line; the csv module only when there are quotes to honour."""
    cells = next(csv.reader([line], delimiter=delimiter)) if '"' in line else line.split(delimiter)
    return [cell.strip() for cell in cells]


def has_header(rows: list[list[str]]) -> bool:
    """Line 1 is a header if it has a non-numeric cell and is all text, is alone,
    or has a text cell above a number on line 2."""
    first = rows[0]
    text_cells = [j for j, cell in enumerate(first) if not is_number(cell)]
    if not text_cells:
        return False
    if len(text_cells) == len(first) or len(rows) == 1:
        return True
    second = rows[1]
    return any(j < len(second) and is_number(second[j]) for j in text_cells)


def default_names(width: int) -> list[str]:
    """Names for the columns of a file without a header: x, y or col0, col1, …"""
    return ["x", "y"] if width == 2 else [f"col{j}" for j in range(width)]


@dataclass(frozen=True)
class CsvLayout:
    """What the head of a CSV file says about all of it."""

    delimiter: str  # one of DELIMITERS
    header: bool  # line ``first_line`` holds column names, not numbers
    names: tuple[str, ...]  # one per column (header cells, or x, y / col0, col1, …)
    trailing: bool  # every sampled line ends with the delimiter ("1,2,"): one extra empty cell
    first_line: int  # 1-based number of the first non-blank line (header or first row)

    @property
    def width(self) -> int:
        """Cells per line, not counting a trailing delimiter's empty cell."""
        return len(self.names)


def read_layout(lines: list[str], label: str) -> CsvLayout:
    """The layout given the file's first lines (line 1 first); DataError if it has none.

    Only the first ``SNIFF_LINES`` non-blank lines are looked at; the lines must end
    at line breaks (a partial last line is ignored by passing complete lines only).
    """
    numbered: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if line.strip():
            numbered.append((i + 1, line))
            if len(numbered) == SNIFF_LINES:
                break
    if not numbered:
        raise DataError(f"{label} is empty")
    delimiter = sniff([line for _, line in numbered])
    rows = [split(line, delimiter) for _, line in numbered]
    trailing = all(cells[-1] == "" and len(cells) > 1 for cells in rows)  # "1,2," on every line
    if trailing:
        rows = [cells[:-1] for cells in rows]
    width = len(rows[0])
    for (number, _), cells in zip(numbered[1:], rows[1:], strict=True):
        if len(cells) != width:
            raise DataError(
                f"{label}, line {number}: {len(cells)} cells, but line {numbered[0][0]} has {width}"
            )
    if width < 2:
        raise DataError(f"{label} has only 1 column; it needs feature columns and a target")
    header = has_header(rows)
    names = default_names(width)
    if header:
        names = [cell or names[j] for j, cell in enumerate(rows[0])]
    return CsvLayout(delimiter, header, tuple(names), trailing, numbered[0][0])


def _resolve(label: str, names: Sequence[str], item: str | int, header: bool) -> int:
    """The 0-based index of a column given by name, index, or a string of digits."""
    available = (
        f"available: {', '.join(names)}"
        if header
        else f"the file has no header; columns are {', '.join(names)}"
    )
    available += f" (or an index 0-{len(names) - 1})"
    if isinstance(item, bool) or not isinstance(item, (int, str)):
        raise DataError(f"{label}: cannot select column {item!r}; {available}")
    if isinstance(item, int):
        if 0 <= item < len(names):
            return item
        raise DataError(f"{label}: no column {item}; {available}")
    key = item.strip()
    matches = [j for j, name in enumerate(names) if name == key]
    if len(matches) > 1:
        where = ", ".join(str(j) for j in matches)
        raise DataError(
            f"{label}: the header names {len(matches)} columns {key!r} ({where}); "
            "select by index or rename them"
        )
    if matches:
        return matches[0]
    if key.isascii() and key.isdigit():
        if int(key) < len(names):
            return int(key)
        raise DataError(f"{label}: no column {key}; {available}")
    raise DataError(f"{label}: no column {key!r}; {available}")


def select(
    label: str,
    names: Sequence[str],
    header: bool,
    x: Sequence[str | int] | str | int | None,
    y: str | int | None,
) -> tuple[list[int], int]:
    """Indexes of the feature columns and of the target; defaults: all but the last, the last."""
    if isinstance(x, (str, int)):
        x = [x]  # a single column given bare
    yi = _resolve(label, names, y, header) if y is not None else len(names) - 1
    if x is None:
        xi = [j for j in range(len(names)) if j != yi]
    else:
        xi = [_resolve(label, names, item, header) for item in x]
    if not xi:
        raise DataError(f"{label}: no feature columns selected")
    seen: set[int] = set()
    for j in xi:
        if j in seen:
            raise DataError(f"{label}: column {names[j]!r} is selected twice as a feature")
        seen.add(j)
    if yi in seen:
        raise DataError(f"{label}: column {names[yi]!r} is both a feature and the target")
    return xi, yi
