"""The live view of a lesson: a Playground or Compare view built from a lesson's Preset.

A Preset names its data the way lesson files do (a catalogue name or a CSV path) and its
settings in CLI spellings; the views take :class:`RunChoice` values. The data goes through
the same rule as ``lessons.answers.load_preset_dataset`` — generated sets (synthetic, stream)
are drawn with the preset's ``seed`` — so the numbers on screen are the numbers the
checkpoints' computed answers were taken from (a test checks this).

The view modules are imported on first use (they pull in numpy and the plotting code), so
opening a lesson paints its text at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..choices import DatasetChoice, RunChoice
from ..i18n import t

if TYPE_CHECKING:
    from linreg_tui.lessons.model import Preset

    from ..screens.run_view import RunView

GENERATED = ("synthetic", "stream")  # catalogue kinds drawn from a seed


def dataset_choice(preset: Preset) -> DatasetChoice:
    """The preset's data as a DatasetChoice: a catalogue entry (seeded like
    ``load_preset_dataset``) or a teacher's CSV file."""
    from linreg_tui.engine.catalog import dataset_info
    from linreg_tui.engine.errors import EngineError

    name = preset.dataset
    try:
        info = dataset_info(name)
    except EngineError:
        return DatasetChoice(name=None, csv_path=name)
    seed = int(preset.settings.get("seed", 0)) if info.kind in GENERATED else 0
    return DatasetChoice(info.name, seed=seed)


def preset_choices(preset: Preset, lang: str) -> list[RunChoice]:
    """One RunChoice per run the preset shows (one for a playground), labelled in ``lang``.

    Raises the engine's ConfigError when a setting is invalid (the validator catches these
    in bundled lessons; a teacher's course may still have one).
    """
    from ..screens.run_view import label_for

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
    """A PlaygroundView (one run) or CompareView (the preset's runs, aligned on its axis)."""
    choices = preset_choices(preset, lang)
    if preset.view == "compare":
        from ..screens.compare import CompareView

        view: RunView = CompareView(choices, lang=lang)
        view.session.alignment = preset.axis  # before the runs are built: nothing to resync
        return view
    from ..screens.playground import PlaygroundView

    return PlaygroundView(choices[0], lang=lang)


def with_settings(preset: Preset, settings: Mapping[str, Any]) -> Preset:
    """The preset with some settings changed (as the learner would in the settings dialog)."""
    return preset.with_overrides(dict(settings))


def settings_text(settings: Mapping[str, Any]) -> str:
    """``lr = 0.1, standardize = true`` — settings as a lesson file spells them."""

    def spell(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(spell(v) for v in value) + "]"
        return str(value)

    return ", ".join(f"{key} = {spell(value)}" for key, value in settings.items())


class LivePane(Vertical):
    """The right (or toggled) half of the lesson screen: a bar of lesson notes over the view.

    ``load(preset, lang)`` replaces the view with a fresh one built from ``preset``; the
    view itself waits for the engine and posts ``RunChanged`` after every change, which
    bubbles up to the lesson screen.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: RunView | None = None
        self.preset: Preset | None = None  # what the view was built from

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-live-bar", markup=False)
        yield Static(id="lesson-view-wait", markup=False)

    def load(self, preset: Preset, lang: str) -> None:
        """Show a fresh live view of ``preset`` (the old one, if any, is removed)."""
        from linreg_tui.engine.errors import EngineError

        if self.view is not None:
            self.view.pause()
            self.view.remove()
            self.view = None
        self.preset = preset
        wait = self.query_one("#lesson-view-wait", Static)
        try:
            view = make_live_view(preset, lang)
        except (EngineError, OSError) as err:
            wait.update(t("lesson.view_failed", lang, error=str(err)))
            wait.display = True
            return
        view.add_class("lesson-view")
        self.view = view
        wait.display = False
        self.mount(view)

    def set_bar(self, text: Text) -> None:
        self.query_one("#lesson-live-bar", Static).update(text)

    def pristine(self, lang: str) -> bool:
        """The view still shows its preset untouched: same runs, same axis, no update yet."""
        view, preset = self.view, self.preset
        if view is None or preset is None:
            return False
        session = view.session
        axis = preset.axis if preset.view == "compare" else "updates"
        with session.lock:
            if any(run.updates for run in session.runs) or session.alignment != axis:
                return False
            return session.choices == preset_choices(preset, lang)

    @property
    def ready(self) -> bool:
        """The view's runs are built (the engine has loaded)."""
        return self.view is not None and self.preset is not None and self.view.session.ready

    def apply_settings(self, settings: Mapping[str, Any], lang: str) -> bool:
        """Rebuild the runs from the preset with ``settings`` replaced (as the settings
        dialog does: in the view's worker, each run restarting at update 0)."""
        if not self.ready:
            return False
        assert self.view is not None and self.preset is not None
        note = t("lesson.settings", lang, settings=settings_text(settings))
        for index, choice in enumerate(preset_choices(with_settings(self.preset, settings), lang)):
            self.view.rebuild(index, choice, note)
        return True

    def run(self, settings: Mapping[str, Any] | None, updates: int, lang: str) -> bool:
        """From a fresh start (``settings`` applied, if any) run ``updates`` ticks of the
        view's clock (updates, in a playground); False when the view is not ready."""
        if not self.ready:
            return False
        assert self.view is not None and self.preset is not None
        self.view.pause()
        choices = preset_choices(with_settings(self.preset, settings), lang) if settings else []
        self._run(self.view, choices, updates, lang)
        return True

    @work(thread=True, group="lesson-run", exit_on_error=False)
    def _run(self, view: RunView, choices: list[RunChoice], updates: int, lang: str) -> None:
        """Rebuild or reset, then step; the note says how far it got (a run stops early
        once every run has converged or diverged)."""
        from linreg_tui.engine.errors import EngineError

        from ..session import SessionFrame

        session = view.session
        try:
            for index, choice in enumerate(choices):
                session.replace(index, choice)
            if not choices:
                session.reset()
            session.step(updates)
            note = t("lesson.ran", lang, updates=session.ticks)
        except EngineError as err:
            note = t("lesson.view_failed", lang, error=str(err))
        view.post_message(SessionFrame(session.snapshot(), note))
