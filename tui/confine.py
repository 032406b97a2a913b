"""The app's own check that a path stays in the learner's folder (a classroom session).

``linreg-tui serve`` sets ``$LINREG_TUI_CONFINE`` to the learner's folder. Where the kernel
has Landlock the session is confined by the kernel anyway; where it has not, this check is
what keeps a learner's dialogs (export, save code, open CSV) inside their folder. Links are
followed before the comparison, so a link out of the folder is refused too.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

ENV = "LINREG_TUI_CONFINE"
REASON = "outside your folder (in a classroom you can use only your own files)"


def confined(path: str) -> str:
    """``path`` with ``~`` expanded; raises PermissionError (an OSError, whose ``strerror``
    says why) when a confinement folder is set and the path resolves outside it."""
    expanded = os.path.expanduser(path)
    folder = os.environ.get(ENV)
    if folder:
        root = Path(folder).resolve()
        target = Path(expanded).resolve()
        if target != root and root not in target.parents:
            raise PermissionError(errno.EACCES, REASON, expanded)
    return expanded
