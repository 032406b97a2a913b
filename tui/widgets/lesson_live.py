"""The live half of the lesson screen: a bar of lesson notes over a Playground or Compare view.

The view is built by the functions the screen hands down (:class:`LiveViews`, from
``screens.lesson_view``), so this widget imports no screen. Goals read the view through
:meth:`LivePane.goal_views`: the summaries of its latest snapshot, and the History columns
between frames copied out under the session's lock (no gradient is recomputed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from linreg_tui.lessons.goals import COLUMNS, GoalView

from ..choices import RunChoice
from ..i18n import error_text, t
from ..plain import safe, visible

if TYPE_CHECKING:
    from linreg_tui.lessons.model import Preset

    from ..session import Session
    from ..snapshot import SessionSnapshot


class LiveView(Protocol):
    """What the pane uses of a run view (a PlaygroundView or CompareView widget)."""

    session: Session
    snapshot: SessionSnapshot | None

    def pause(self) -> None: ...
    def rebuild(self, index: int, choice: RunChoice, note: str) -> None: ...
    def focus(self, scroll_visible: bool = True) -> Any: ...
    def remove(self) -> Any: ...
    def add_class(self, *class_names: str, update: bool = True) -> Any: ...
    def post_message(self, message: Message) -> bool: ...


@dataclass(frozen=True)
class LiveViews:
    """How a preset becomes a live view and its runs (given by the screen that owns both)."""

    make: Callable[[Preset, str], LiveView]  # a fresh view of the preset, labels in lang
    choices: Callable[[Preset, str], list[RunChoice]]  # the preset's runs, labels in lang


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

    DEFAULT_CSS = """
    LivePane {
        width: 1fr;
        height: 1fr;
    }

    LivePane #lesson-live-bar {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $boost;
    }

    LivePane #lesson-view-wait {
        height: 1fr;
        padding: 1 1;
        color: $text-muted;
    }
    """

    def __init__(self, views: LiveViews, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.views = views
        self.view: LiveView | None = None
        self.preset: Preset | None = None  # what the view was built from

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-live-bar", markup=False)
        yield Static(id="lesson-view-wait", markup=False)

    def load(self, preset: Preset, lang: str) -> None:
        """Show a fresh live view of ``preset`` (the old one, if any, is removed)."""
        from linreg_tui.engine import EngineError

        if self.view is not None:
            self.view.pause()
            self.view.remove()
            self.view = None
        self.preset = preset
        wait = self.query_one("#lesson-view-wait", Static)
        try:
            view = self.views.make(preset, lang)
        except (EngineError, OSError) as err:
            wait.update(visible(t("lesson.view_failed", lang, error=error_text(err, lang))))
            wait.display = True
            return
        view.add_class("lesson-view")
        self.view = view
        wait.display = False
        self.mount(cast(Widget, view))

    def set_bar(self, text: Text) -> None:
        self.query_one("#lesson-live-bar", Static).update(safe(text))

    def pristine(self, lang: str) -> bool:
        """The view still shows its preset untouched: same runs, same axis, no update yet."""
        view, preset = self.view, self.preset
        if view is None or preset is None:
            return False
        session = view.session
        axis = preset.axis if preset.view == "compare" else "updates"
        with session.lock:
            if not session.untouched() or session.alignment != axis:
                return False
            return session.choices == self.views.choices(preset, lang)

    def goal_views(self) -> list[GoalView]:
        """What goals see of each run now: its summary in the view's latest snapshot, its
        largest stable rate, a reader of its loss and gradient-norm columns, its updates
        per epoch, its optimum's loss (for windowed goals) and which attempt this is."""
        view = self.view
        if view is None or view.snapshot is None or not view.session.ready:
            return []
        session = view.session
        return [
            GoalView(
                run.summary,
                run.facts.max_stable_lr,
                partial(_columns, session, run.index),
                run.facts.per_epoch,
                run.facts.optimum_loss,
                session.starts,
            )
            for run in view.snapshot.runs
        ]

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
        for index, choice in enumerate(
            self.views.choices(with_settings(self.preset, settings), lang)
        ):
            self.view.rebuild(index, choice, note)
        return True

    def run(self, settings: Mapping[str, Any] | None, updates: int, lang: str) -> bool:
        """From a fresh start (``settings`` applied, if any) run ``updates`` ticks of the
        view's clock (updates, in a playground); False when the view is not ready."""
        if not self.ready:
            return False
        assert self.view is not None and self.preset is not None
        self.view.pause()
        choices = self.views.choices(with_settings(self.preset, settings), lang) if settings else []
        self._run(self.view, choices, updates, lang)
        return True

    @work(thread=True, group="lesson-run", exit_on_error=False)
    def _run(self, view: LiveView, choices: list[RunChoice], updates: int, lang: str) -> None:
        """Rebuild or reset, then step; the note says how far it got (a run stops early
        once every run has converged or diverged)."""
        from textual.worker import get_current_worker

        from linreg_tui.engine import Cancelled, EngineError

        from ..session import SessionFrame

        session, worker = view.session, get_current_worker()
        try:
            for index, choice in enumerate(choices):
                session.replace(index, choice)
            if not choices:
                session.reset()
            ticks = session.step(updates, lambda: worker.is_cancelled)
            note = t("lesson.ran", lang, updates=ticks)
        except Cancelled:  # the lesson closed or the app is quitting
            return
        except EngineError as err:
            note = t("lesson.view_failed", lang, error=error_text(err, lang))
        view.post_message(SessionFrame(session.snapshot(), note))


def _columns(session: Session, index: int, start: int, stop: int) -> dict[str, np.ndarray]:
    return session.history_window(index, COLUMNS, start, stop)
