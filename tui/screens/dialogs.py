"""Modal dialogs: run settings, the data, the equivalent PyTorch program, and export.

Each is a typed ModalScreen that ``dismiss``-es with its result — the new
RunChoice / DatasetChoice, or None when cancelled — so the caller keeps its
previous settings unless a valid value comes back. Values are checked by the
engine itself (RunConfig.validate, parse_batch, parse_schedule, loading the
data, building a Run) and its one-line message is shown inline.

Each dialog lives in a module of its own; this one gathers them under the name
the rest of the app (and run_view's ``dialogs()`` look-up) imports.
"""

from __future__ import annotations

from .code_screen import CodeScreen
from .dataset_dialog import DatasetDialog
from .describe_screen import DescribeScreen
from .dialog_base import Dialog, Marked, MarkedRadio, parse_number
from .export_dialog import ExportDialog
from .settings_dialog import (
    CHOICES,
    FORM,
    FormValues,
    SettingsDialog,
    config_from_form,
    form_values,
)
from .share_screen import ShareScreen

__all__ = [
    "CHOICES",
    "FORM",
    "CodeScreen",
    "DatasetDialog",
    "DescribeScreen",
    "Dialog",
    "ExportDialog",
    "FormValues",
    "Marked",
    "MarkedRadio",
    "SettingsDialog",
    "ShareScreen",
    "config_from_form",
    "form_values",
    "parse_number",
]
