"""The picture key (``P``): an SVG of the current screen, saved in the learner's folder.

The folder is the classroom learner's own (``$LINREG_TUI_CONFINE``), else the current
folder; the name is ``linreg-tui-YYYYMMDD-HHMMSS.svg``, with ``-2``, ``-3`` … added rather
than overwrite an earlier picture. Textual draws the SVG (``App.export_screenshot``); this
module only chooses the name and writes it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .confine import ENV, confined

MAX_TRIES = 100  # names tried in one second before giving up (FileExistsError)


def picture_folder() -> Path:
    """Where pictures go: the learner's folder in a classroom, else the current folder."""
    return Path(os.environ.get(ENV) or os.getcwd())


def save_picture(svg: str, folder: Path | None = None, now: float | None = None) -> Path:
    """Write ``svg`` to a new file in ``folder`` and return its path.

    Never overwrites: the file is created exclusively. Raises OSError (with the reason in
    ``strerror``) when the folder cannot be written or lies outside a classroom folder."""
    folder = folder if folder is not None else picture_folder()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    for n in range(1, MAX_TRIES + 1):
        name = f"linreg-tui-{stamp}{'' if n == 1 else f'-{n}'}.svg"
        path = Path(confined(str(folder / name)))
        try:
            with open(path, "x", encoding="utf-8") as out:
                out.write(svg)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{folder}: {MAX_TRIES} pictures already taken this second")
