"""Where the app's stylesheets are. Home loads only ``app.tcss`` (a shorter first paint);
each other screen names its own file in ``CSS_PATH``, which Textual adds to the app's
stylesheet the first time that screen is shown."""

from __future__ import annotations

from pathlib import Path

STYLES = Path(__file__).resolve().parent / "styles"
APP_TCSS = str(STYLES / "app.tcss")  # Home, Help, too small
VIEWS_TCSS = str(STYLES / "views.tcss")  # Playground, Compare (and a lesson's live view)
LESSON_TCSS = str(STYLES / "lesson.tcss")  # the lesson screen's layouts
DIALOGS_TCSS = str(STYLES / "dialogs.tcss")  # settings, data sets, code, export, share
GALLERY_TCSS = str(STYLES / "gallery.tcss")  # the preset gallery
