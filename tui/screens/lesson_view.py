"""The live view of a lesson, built from the lesson's Preset: a Playground or Compare view.

A Preset names its data the way lesson files do (a catalogue name or a CSV path) and its
settings in CLI spellings; the views take :class:`RunChoice` values. The data goes through
the one rule of ``lessons.answers.preset_data`` — generated sets (synthetic, stream) are
drawn with the preset's ``seed`` — so the numbers on screen are the numbers the
checkpoints' computed answers were taken from.

This lives among the screens (it builds screen-level views); the lesson screen hands
:data:`LIVE_VIEWS` down to its ``LivePane``, so the widget never imports a screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..choices import DatasetChoice, RunChoice
from ..widgets.lesson_live import LiveViews
from .run_choices import label_for

if TYPE_CHECKING:
    from linreg_tui.lessons.model import Preset

    from .run_view import RunView


def dataset_choice(preset: Preset) -> DatasetChoice:
    """The preset's data as a DatasetChoice (see ``lessons.answers.preset_data``)."""
    from linreg_tui.lessons.answers import preset_data

    data = preset_data(preset)
    if data.name is None:
        return DatasetChoice(name=None, csv_path=data.csv_path)
    return DatasetChoice(data.name, seed=data.seed)


def preset_choices(preset: Preset, lang: str) -> list[RunChoice]:
    """One RunChoice per run the preset shows (one for a playground), labelled in ``lang``.

    Raises the engine's ConfigError when a setting is invalid (the validator catches these
    in bundled lessons; a teacher's course may still have one).
    """
    data = dataset_choice(preset)
    choices = []
    for variant, config in preset.run_configs():
        if variant is not None and variant.label is not None:
            label = variant.label.get(lang)
        else:
            label = label_for(config, lang)
        choices.append(RunChoice(data, config, label))
    return choices


def make_live_view(preset: Preset, lang: str) -> RunView:
    """A PlaygroundView (one run) or CompareView (the preset's runs, aligned on its axis).

    The view modules are imported on first use (they pull in numpy and the plotting code),
    so opening a lesson paints its text at once."""
    choices = preset_choices(preset, lang)
    if preset.view == "compare":
        from .compare import CompareView

        view: RunView = CompareView(choices, lang=lang)
        view.session.alignment = preset.axis  # before the runs are built: nothing to resync
        return view
    from .playground import PlaygroundView

    return PlaygroundView(choices[0], lang=lang)


LIVE_VIEWS = LiveViews(make=make_live_view, choices=preset_choices)
