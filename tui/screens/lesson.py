"""The lesson screen: a lesson's pages and checkpoints beside its live Playground or Compare view.

A lesson is a sequence of items (``Lesson.items()``): pages of plain text and checkpoints.
One item shows at a time, with the live view preset for it (an item's own ``preset``
overrides the lesson's). Past the last item an end card says how it went and offers the
next lesson. Layout is a CSS class on the screen (styles/lesson.tcss):

    (none)   80×24: the text, or the live view (``t`` toggles)
    -live    80×24 showing the live view
    -stacked e.g. 120×40: text above, live view below at full width (``t`` moves focus)
    -wide    from 150×30: text on the left, live view on the right (``t`` moves focus)

(At 120×40 a side-by-side live view would get 44 columns, too few for the step panel's
formulas and the charts, so it goes below the text.)

Keys (chosen not to clash with the views'): ``>``/``<`` next/back (also →/← and n/b while
the text has focus, and ``>``/``<`` from inside an answer box), ``t`` text/live, ``h`` hint,
``S`` skip (a goal: give up and see the solution), ``R`` run what a prediction, a revealed
solution or a fix-it (its buggy and repaired loops, side by side) asks for, ``h`` shows one
hint level more, ``esc`` back to the text from the live view, else to the menu (``m`` too).

A checkpoint always starts from a live run that is exactly its preset at update 0 (rebuilt
unless the view already is that), so a question's numbers are the numbers on screen and a
goal's ``within_updates`` counts from a fresh run; a page keeps whatever the learner did
while the preset stays the same. Goals are checked on every ``RunChanged`` the view posts
(``lessons.goals.GoalTracker``, fed the snapshot's summaries and History columns). Progress
is saved on every move and answer; the lesson is marked done at its end card.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header
from textual.worker import get_current_worker

from linreg_tui.lessons.model import Checkpoint, Course, Lesson, Page
from linreg_tui.lessons.progress_model import CourseProgress
from linreg_tui.lessons.templates import rendered_lesson
from linreg_tui.lessons.tracking import CheckpointState, Expected, LessonCheckpoints, LessonProgress

from ..i18n import localize_bindings, t
from ..plain import visible
from ..render.lesson_text import bar_lines, end_lines, where_texts
from ..session import RunChanged
from ..stylesheets import LESSON_TCSS, VIEWS_TCSS
from ..widgets.key_footer import KeyFooter
from ..widgets.lesson_checkpoint import Answered, AnswerInput, styled
from ..widgets.lesson_edit import Edited
from ..widgets.lesson_live import LivePane
from ..widgets.lesson_side import LessonSide
from .lesson_view import LIVE_VIEWS

WIDE_MIN = (150, 30)  # from this many columns × rows text and live view sit side by side
STACKED_MIN = (100, 36)  # … or, if not that wide, one above the other


def layout_for(width: int, height: int) -> str:
    """ "wide" (side by side), "stacked" (text above the view) or "narrow" (one at a time)."""
    if width >= WIDE_MIN[0] and height >= WIDE_MIN[1]:
        return "wide"
    if width >= STACKED_MIN[0] and height >= STACKED_MIN[1]:
        return "stacked"
    return "narrow"


NO_SKIP_ENV = "LINREG_TUI_NO_SKIP"  # set by `linreg-tui serve --no-skip`: no skip key


class AnswerReady(Message):
    """A worker computed a checkpoint's expected answer (or could not)."""

    def __init__(self, key: tuple[str, str], value: float | int | None, error: str | None):
        super().__init__()
        self.key = key  # (lesson id, checkpoint id)
        self.value = value  # the right answer
        self.error = error  # why there is none


class FixitReady(Message):
    """A worker ran a fix-it's buggy and repaired loops (or could not)."""

    def __init__(self, key: tuple[str, str], result: Any, error: str | None):
        super().__init__()
        self.key = key  # (lesson id, checkpoint id)
        self.result = result  # lessons.answers.FixitResult, None on error
        self.error = error


class EditRan(Message):
    """A worker ran the loop a learner's fix-it edit makes (or could not)."""

    def __init__(self, key: tuple[str, str], text: str, result: Any):
        super().__init__()
        self.key = key  # (lesson id, checkpoint id)
        self.text = text  # the edit as typed
        self.result = result  # lessons.answers.LoopResult, None on error


class LessonScreen(Screen[None]):
    """One lesson of ``course``, starting at ``item`` (None: where the learner left it)."""

    CSS_PATH = [VIEWS_TCSS, LESSON_TCSS]  # the live view is a Playground view
    BINDINGS = [
        Binding("greater_than_sign", "lesson_next", "Next", key_display=">"),
        Binding("less_than_sign", "lesson_prev", "Back", key_display="<"),
        Binding("right,n", "lesson_next", "Next", show=False),
        Binding("left,b", "lesson_prev", "Back", show=False),
        Binding("t", "lesson_live", "Text/Live"),
        Binding("h", "lesson_hint", "Hint", show=False),  # listed under each question
        Binding("S", "lesson_skip", "Skip", show=False),
        Binding("R", "lesson_run", "Run it"),
        Binding("escape,m", "lesson_menu", "Menu", key_display="esc"),
    ]

    lang: reactive[str] = reactive("en", init=False)

    def __init__(
        self,
        course: Course,
        lesson: Lesson | str,
        item: int | None = None,
        *,
        lang: str | None = None,
        progress: LessonProgress | None = None,
    ) -> None:
        super().__init__()
        self.course = course
        self.lesson = rendered_lesson(course.lesson(lesson) if isinstance(lesson, str) else lesson)
        self._start = item
        self._lang = lang
        self._progress = progress
        self.index = 0  # the item shown; len(items) is the end card
        self._runnable = False  # R is offered (see _sync_bindings)
        self.answers: dict[tuple[str, str], Expected] = {}  # computed, by (lesson, checkpoint)
        self.fixits: dict[tuple[str, str], FixitReady] = {}  # both loops run, by the same key

    # -- building ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="lesson-body"):
            yield LessonSide(id="lesson-side")
            yield LivePane(LIVE_VIEWS, id="lesson-live")
        yield KeyFooter()

    def on_mount(self) -> None:
        app = self.app
        self.set_reactive(LessonScreen.lang, self._lang or getattr(app, "lang", "en"))
        if self._progress is None:
            directory = getattr(app, "progress_dir", None)
            self._progress = LessonProgress(self.course, directory, self.lang)
            self._progress.load()
        self.progress = self._progress
        self.checkpoints = self._checkpoints()
        if self.progress.notice:
            self.notify(self.progress.notice, severity="warning")
        localize_bindings(self, self.lang)
        if hasattr(app, "lang") and self._lang is None:
            self.watch(app, "lang", self._app_lang, init=False)
        self._layout()
        start = self._start if self._start is not None else self.progress.start_item(self.lesson)
        self.go(start)

    def _app_lang(self, lang: str) -> None:
        self.lang = lang

    def watch_lang(self, lang: str) -> None:
        localize_bindings(self, lang)
        self.progress.store.lang = lang
        self.checkpoints.lang = lang
        self.render_item()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        layout = layout_for(self.size.width, self.size.height)
        self.set_class(layout == "wide", "-wide")
        self.set_class(layout == "stacked", "-stacked")
        if layout != "narrow":
            self.remove_class("-live")
        self._where()

    @property
    def both(self) -> bool:
        """Text and live view are both on screen (wide or stacked)."""
        return self.has_class("-wide") or self.has_class("-stacked")

    @property
    def live(self) -> LivePane:
        return self.query_one(LivePane)

    @property
    def side(self) -> LessonSide:
        return self.query_one(LessonSide)

    @property
    def items(self) -> tuple[Page | Checkpoint, ...]:
        return self.lesson.items()

    @property
    def item(self) -> Page | Checkpoint | None:
        """The item shown, None on the end card."""
        return self.items[self.index] if self.index < len(self.items) else None

    @property
    def state(self) -> CheckpointState | None:
        """The shown checkpoint's state, None on a page or the end card."""
        item = self.item
        checkpoints = getattr(self, "checkpoints", None)  # set by on_mount
        if not isinstance(item, Checkpoint) or checkpoints is None:
            return None
        return checkpoints.states.get(item.id)

    # -- moving -----------------------------------------------------------------------

    def go(self, index: int) -> None:
        """Show item ``index`` (``len(items)``: the end card), save the position, and
        rebuild the live view when the item needs a fresh one."""
        count = len(self.items)
        self.index = max(0, min(index, count))
        item = self.item
        if item is None:
            self._publish(self.progress.finished(self.lesson.id))
        else:
            self._publish(self.progress.moved(self.lesson.id, self.index))
        if isinstance(item, Checkpoint):
            self._enter_checkpoint(item)
            self.side.panel.reset_input()
        in_view = self.focused is not None and self.live in self.focused.ancestors_with_self
        self.remove_class("-live")  # a new item: its text first (80×24)
        self._live_for(item)
        self.side.scroll.scroll_home(animate=False)
        self.render_item()
        if in_view and self.both and self.side.answer_widget() is None:
            self.call_after_refresh(self._focus_view)  # side by side: stay in the view
        else:
            self._focus()
        self._sync_bindings()

    def _focus_view(self) -> None:
        if self.live.view is not None:
            self.live.view.focus()

    def _live_for(self, item: Page | Checkpoint | None) -> None:
        """The live view ``item`` needs: its preset, fresh (at update 0, as preset) for a
        checkpoint; a page keeps what the learner did while the preset stays the same."""
        live = self.live
        if item is None:
            if live.preset is None:
                live.load(self.lesson.preset, self.lang)
            return
        preset = self.lesson.preset_for(item)
        fresh = isinstance(item, Checkpoint)
        if preset != live.preset or (fresh and not live.pristine(self.lang)):
            live.load(preset, self.lang)
        elif fresh and item.goal is not None and live.ready and self.state is not None:
            self.checkpoints.check_goal(self.state, live.goal_views())  # no frame will come

    def open_lesson(self, lesson: Lesson, item: int = 0) -> None:
        """Switch this screen to another lesson of the course."""
        self.lesson = rendered_lesson(lesson)
        self.checkpoints = self._checkpoints()
        self.live.preset = None
        self.go(item)

    def _checkpoints(self) -> LessonCheckpoints:
        lesson_id = self.lesson.id

        def record(cp_id: str, result: str, tries: int) -> None:
            self.progress.answered(lesson_id, cp_id, result, tries)

        return LessonCheckpoints(
            self.lesson, self.lang, record, lambda cp_id: self.progress.result(lesson_id, cp_id)
        )

    def _enter_checkpoint(self, cp: Checkpoint) -> None:
        key = (self.lesson.id, cp.id)
        if not self.checkpoints.enter(cp, self.answers.get(key)):
            return
        if cp.kind != "fixit":
            self._compute(self.lesson, cp)
        elif key in self.fixits:
            self.checkpoints.fixit_done(cp.id, self.fixits[key].result, self.fixits[key].error)
        else:
            self._run_fixit(self.lesson, cp)

    @work(thread=True, group="answers", exit_on_error=False)
    def _run_fixit(self, lesson: Lesson, cp: Checkpoint) -> None:
        """Both loops of a fix-it, run by the engine off the UI thread."""
        from linreg_tui.lessons.answers import fixit_result

        try:
            result, error = fixit_result(lesson, cp), None
        except Exception as err:  # any failure (engine, data, import) is shown, not raised
            result, error = None, str(err) or type(err).__name__
        self.post_message(FixitReady((lesson.id, cp.id), result, error))

    def on_fixit_ready(self, message: FixitReady) -> None:
        self.fixits[message.key] = message
        lesson_id, cp_id = message.key
        if lesson_id == self.lesson.id:
            self.checkpoints.fixit_done(cp_id, message.result, message.error)
            self.render_item()

    @work(thread=True, group="answers", exit_on_error=False)
    def _compute(self, lesson: Lesson, cp: Checkpoint) -> None:
        """The expected answer of ``cp``, computed by the engine off the UI thread."""
        from linreg_tui.engine import Cancelled
        from linreg_tui.lessons.answers import expected_answer
        from linreg_tui.lessons.limits import check_cost

        worker = get_current_worker()
        refused = check_cost(lesson, cp)  # over the documented limits: never started
        if refused is not None:
            self.post_message(AnswerReady((lesson.id, cp.id), None, refused))
            return
        try:
            value, error = expected_answer(lesson, cp, lambda: worker.is_cancelled), None
        except Cancelled:  # the lesson closed or the app is quitting: nobody waits for it
            return
        except Exception as err:  # any failure (engine, data, import) is shown, not raised
            value, error = None, str(err) or type(err).__name__
        self.post_message(AnswerReady((lesson.id, cp.id), value, error))

    def on_answer_ready(self, message: AnswerReady) -> None:
        self.answers[message.key] = (message.value, message.error)
        lesson_id, cp_id = message.key
        if lesson_id == self.lesson.id:
            self.checkpoints.expected(cp_id, message.value, message.error)
            self._after_answer()

    def on_answered(self, message: Answered) -> None:
        message.stop()
        state = self.state
        if state is not None:
            self.checkpoints.answer(state, message.value)
            if state.outcome is not None and state.outcome.status == "wrong":
                self.side.panel.query_one(AnswerInput).value = ""  # ready for the next try
            self._after_answer()
            if state.checkpoint.kind == "fixit" and state.outcome is not None:
                if state.outcome.status == "line":  # found: over to the line's editor
                    self._focus()
                self._repaired(state)

    def _repaired(self, state: CheckpointState) -> None:
        """A fix-it just repaired: see both loops run side by side in the live view."""
        if state.outcome is not None and state.outcome.status == "correct":
            plan = self.checkpoints.run_plan(state)
            if plan is not None:
                self.run_in_view(*plan)

    def on_edited(self, message: Edited) -> None:
        """The learner edited a fix-it's line: judge it, run its loop in the engine."""
        message.stop()
        state = self.state
        if state is None:
            return
        verdict = self.checkpoints.edit(state, message.text)
        if verdict is not None and verdict.runnable:
            self._run_edit(self.lesson, state.checkpoint, message.text, verdict)
        self._after_answer()
        self._repaired(state)

    @work(thread=True, group="answers", exit_on_error=False)
    def _run_edit(self, lesson: Lesson, cp: Checkpoint, text: str, verdict: Any) -> None:
        """The learner's loop, run by the engine off the UI thread."""
        from linreg_tui.lessons.fixit_edit import edit_result

        try:
            result = edit_result(lesson, cp, verdict)
        except Exception:  # shown as not computed; the verdict stands on its own
            result = None
        self.post_message(EditRan((lesson.id, cp.id), text, result))

    def on_edit_ran(self, message: EditRan) -> None:
        lesson_id, cp_id = message.key
        if lesson_id == self.lesson.id:
            self.checkpoints.edit_done(cp_id, message.text, message.result)
            self.render_item()

    def on_run_changed(self, message: RunChanged) -> None:
        """Check the shown goal against the live run (every frame the view reports)."""
        state = self.state
        if message.index != 0:  # one frame posts one message per run; one check covers all
            return
        if state is not None and state.checkpoint.goal is not None:
            self.checkpoints.check_goal(state, self.live.goal_views())
            self._after_answer()

    def _after_answer(self) -> None:
        """Redraw; once the shown checkpoint is finished, focus leaves the answer box (and
        only the answer box: a learner busy in the live view keeps it)."""
        self.render_item()
        if self.state is not None and self.state.finished:
            focused, panel = self.focused, self.side.panel
            if focused is None or panel in focused.ancestors_with_self:
                self._focus()
        self._sync_bindings()

    def _sync_bindings(self) -> None:
        """Redraw the footer only when ``R`` comes or goes (a footer redraw rebuilds all of
        its keys, too slow to do on every frame of the live run)."""
        runnable = self.checkpoints.run_plan(self.state) is not None
        if runnable != self._runnable:
            self._runnable = runnable
            self.refresh_bindings()

    # -- showing ----------------------------------------------------------------------

    def render_item(self) -> None:
        """Draw the shown item, the where line and the live bar in ``lang``."""
        item, lang, side = self.item, self.lang, self.side
        self.sub_title = visible(self.lesson.title.get(lang))
        if isinstance(item, Checkpoint):
            side.show_checkpoint(self.checkpoints.states[item.id], lang)
        else:
            side.show_text(Text(item.text.get(lang)) if item is not None else self._end_text())
        self._where()
        self.live.set_bar(self._bar())

    def _where(self) -> None:
        self.side.set_where(
            *where_texts(self.course, self.lesson, self.index, self.lang, self.both)
        )

    def _bar(self) -> Text:
        return styled(bar_lines(self.state, self.lang, self.both))

    def _end_text(self) -> Text:
        lesson_id = self.lesson.id
        results = {cp.id: self.progress.result(lesson_id, cp.id) for cp in self.lesson.checkpoints}
        return styled(end_lines(self.course, self.lesson, results, self.lang))

    def _focus(self) -> None:
        """Focus the live view (narrow, live), else the answer widget or the text."""
        if self.has_class("-live") and self.live.view is not None:
            self.live.view.focus()
            return
        widget = self.side.answer_widget()
        if isinstance(self.item, Checkpoint) and widget is not None:
            widget.focus()
        else:
            self.side.scroll.focus()

    def _publish(self, progress: CourseProgress) -> None:
        """Let Home show the new completion (the app keeps the course and its progress);
        the notice about the file, if any, was shown once already."""
        state = getattr(self.app, "lessons", None)
        if state is not None and getattr(state, "course", None) is self.course:
            new = replace(state, progress=progress, notice=None)
            self.app.lessons = new  # type: ignore[attr-defined]

    # -- keys -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        state = self.state
        if action == "lesson_skip" and os.environ.get(NO_SKIP_ENV):
            return False  # the teacher's `linreg-tui serve --no-skip`
        if action in ("lesson_hint", "lesson_skip"):
            return state is not None and not state.finished
        if action == "lesson_run":
            return self.checkpoints.run_plan(state) is not None
        return True

    def action_lesson_next(self) -> None:
        if self.item is not None:
            self.go(self.index + 1)
            return
        nxt = self.course.next_lesson(self.lesson.id)
        if nxt is None:
            self.notify(t("lesson.course_done", self.lang))
        else:
            self.open_lesson(nxt, 0)

    def action_lesson_prev(self) -> None:
        if self.index == 0:
            self.notify(t("lesson.first", self.lang), timeout=2)
            return
        self.go(self.index - 1)

    def action_lesson_live(self) -> None:
        if self.both:
            side = self.side
            view = self.live.view
            if view is not None and (self.focused is None or side in self.focused.ancestors):
                view.focus()
            else:
                self._focus()
            return
        self.toggle_class("-live")
        self._focus()

    def action_lesson_hint(self) -> None:
        if self.state is not None:
            self.checkpoints.more_hint(self.state)
            self.render_item()

    def action_lesson_skip(self) -> None:
        if self.state is not None:
            self.checkpoints.skip(self.state)
            self._after_answer()

    def action_lesson_menu(self) -> None:
        """Back to the text from the live view (80×24), else back to the menu."""
        if self.has_class("-live"):
            self.action_lesson_live()
            return
        if self.live.view is not None:
            self.live.view.pause()
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # -- running things in the live view ----------------------------------------------

    def action_lesson_run(self) -> None:
        plan = self.checkpoints.run_plan(self.state)
        if plan is None:
            self.notify(t("lesson.nothing_to_run", self.lang), timeout=3)
            return
        settings, updates = plan
        self.run_in_view(settings, updates)
        if not self.both:
            self.add_class("-live")
            self._focus()

    def run_in_view(self, settings: Mapping[str, Any] | None, updates: int) -> bool:
        """From a fresh start (``settings`` applied, if any) run ``updates`` updates in the
        live view; False (and a note) when the view is not ready yet."""
        if not self.live.run(settings, updates, self.lang):
            self.notify(t("lesson.not_ready", self.lang), timeout=3)
            return False
        return True

    def apply_settings(self, settings: Mapping[str, Any]) -> bool:
        """Change the live run's settings as the learner would in the settings dialog: the
        item's preset with ``settings`` replaced; the run restarts at update 0."""
        return self.live.apply_settings(settings, self.lang)


def open_lesson(app, lesson_id: str | None) -> None:
    """Push the lesson screen for ``lesson_id`` (None: resume where the progress file says;
    a lesson id opens that lesson where the learner left it, see ``start_item``).

    Uses the course the app has loaded (``app.lessons``), or loads it now from
    ``app.lessons_path`` if the background load has not finished. Every problem is a
    one-line notification, never an exception.
    """
    from .home import load_lessons

    lang = getattr(app, "lang", "en")
    state = getattr(app, "lessons", None)
    course = state.course if state is not None else None
    if course is None:
        loaded = load_lessons(
            getattr(app, "lessons_path", None), getattr(app, "progress_dir", None), lang
        )
        if loaded.course is None or not loaded.course.lessons:
            app.notify(t("lesson.no_course", lang, reason=loaded.error or "0"), severity="warning")
            return
        course = loaded.course
    progress = LessonProgress(course, getattr(app, "progress_dir", None), lang)
    progress.load()
    if lesson_id is None:  # where the learner was; everything done and no place: the start
        lesson, item = progress.resume() or (course.lessons[0], 0)
    else:
        try:
            lesson, item = course.lesson(lesson_id), None
        except KeyError:
            app.notify(t("lesson.no_course", lang, reason=lesson_id), severity="warning")
            return
    app.push_screen(LessonScreen(course, lesson, item, progress=progress))
