"""The exact, cell-by-cell pass over a block of CSV lines: slow, but it names the bad cell.

The loader runs it only on a block that NumPy's fast parser refused (or that held
a non-finite value or a line of the wrong width), so the first problem in the
block is reported as "file, line N, column 'name': 'cell' is not a number". A
block it accepts gives exactly the numbers the fast path would have given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .csv_layout import CsvLayout, is_number, split
from .errors import DataError

_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def number(label: str, line: int, name: str, cell: str) -> float:
    """One cell as a finite float, or a DataError naming its line and column."""
    where = f"{label}, line {line}, column {name!r}"
    if cell == "":
        raise DataError(f"{where}: empty cell, expected a number")
    if not is_number(cell):
        hint = " (use a dot as the decimal mark)" if _DECIMAL_COMMA.fullmatch(cell) else ""
        raise DataError(f"{where}: {cell!r} is not a number{hint}")
    value = float(cell)
    if value != value or value in (float("inf"), float("-inf")):
        raise DataError(f"{where}: {cell!r} is not a finite number")
    return value


def cells_of(line: str, layout: CsvLayout) -> list[str]:
    """The stripped cells of one non-blank line, less a trailing delimiter's empty cell."""
    cells = split(line, layout.delimiter)
    if layout.trailing and len(cells) > 1 and cells[-1] == "":
        cells = cells[:-1]
    return cells


def exact_block(
    label: str, text: str, first_line: int, layout: CsvLayout, cols: Sequence[int]
) -> np.ndarray:
    """The selected columns of every non-blank line of ``text`` as an (rows, len(cols)) array.

    ``text`` holds whole lines separated by "\\n"; its first line is line ``first_line``
    of the file. Raises DataError at the first line of the wrong width or bad cell.
    """
    rows: list[list[float]] = []
    for offset, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        number_ = first_line + offset
        cells = cells_of(line, layout)
        if len(cells) != layout.width:
            raise DataError(
                f"{label}, line {number_}: {len(cells)} cells, "
                f"but line {layout.first_line} has {layout.width}"
            )
        rows.append([number(label, number_, layout.names[j], cells[j]) for j in cols])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(cols))
