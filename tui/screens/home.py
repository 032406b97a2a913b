"""Home: the title, the lessons with their progress, and the tools (Playground, Compare,
Gallery, Help).

Attributes down, messages up: the screen mirrors the app's ``lang``,
``engine_ready``, ``engine_error`` and ``lessons`` into reactives of its own
and binds them into its widgets with ``data_bind``; choosing a row posts
:class:`OpenView` or :class:`OpenLesson`, which the app (owner of the screen
stack) handles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from ..i18n import localize_bindings, t
from ..plain import plain, visible
from ..widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from linreg_tui.lessons.model import Course, Lesson
    from linreg_tui.lessons.progress_model import CourseProgress

TITLE_CELLS = 46  # lesson titles are cut or padded to this many cells so percentages line up


@dataclass
class OpenView(Message):
    """The learner asked for a tool from Home."""

    view: str
    """Which one: "playground", "compare", "gallery" or "help"."""


@dataclass
class OpenLesson(Message):
    """The learner picked a lesson on Home."""

    lesson_id: str
    """The id of the lesson in the loaded course."""


@dataclass(frozen=True)
class LessonsState:
    """The course and the learner's progress in it, as Home shows them."""

    course: Course | None = None  # None when no course could be loaded
    progress: CourseProgress | None = None
    notice: str | None = None  # one line about the progress file (moved aside, unsaved)
    error: str | None = None  # why there is no course


def load_lessons(
    path: str | Path | None = None, progress_dir: str | Path | None = None, lang: str = "en"
) -> LessonsState:
    """Load the course at ``path`` (None: the bundled one) and the saved progress in it.

    Never raises for a missing or broken course: the reason is returned in ``error``.
    """
    from linreg_tui.lessons.loader import CourseError, load_course
    from linreg_tui.lessons.progress import ProgressStore

    try:
        course = load_course(path)
    except CourseError as err:
        return LessonsState(error=str(err).splitlines()[0] if str(err) else "invalid course")
    except OSError as err:
        return LessonsState(error=f"{err.strerror or err}: {err.filename or path or ''}".strip())
    progress, notice = ProgressStore(progress_dir, lang).load()
    return LessonsState(course, progress.course(course.key), notice)


def lesson_mark(fraction: float) -> str:
    """✓ done, ◐ started, ○ not started: the same cue with or without colour."""
    if fraction >= 1.0:
        return "✓"
    return "◐" if fraction > 0 else "○"


def lesson_prompt(lesson: Lesson, number: int, fraction: float, lang: str, resume: bool) -> Text:
    """``✓  1. Title ……… 100%``: titles padded by terminal cells, so Chinese lines up."""
    full = visible(lesson.title.get(lang))  # a teacher's file: controls made visible
    title = set_cell_size(full, TITLE_CELLS)
    if cell_len(full) > TITLE_CELLS:
        title = set_cell_size(full, TITLE_CELLS - 1) + "…"
    text = Text(f"{lesson_mark(fraction)} {number:>2}. ")
    text.append(title)
    text.append(f" {round(fraction * 100):>3}%", style="bold" if fraction >= 1 else "")
    if resume:
        text.append(f"  {t('home.resume', lang)}", style="italic")
    return text


class EngineStatus(Static):
    """One line: loading the engine…, ready, or why it failed."""

    lang: reactive[str] = reactive("en")
    ready: reactive[bool] = reactive(False)
    error: reactive[str] = reactive("")

    def render(self) -> Content:
        self.set_class(self.ready, "-ready")
        self.set_class(bool(self.error), "-failed")
        if self.error:  # an exception's text: shown as written, never as markup
            return plain(t("home.failed", self.lang, error=self.error))
        return plain(t("home.ready" if self.ready else "home.loading", self.lang))


class HomeMenu(OptionList):
    """Lessons (with marks and percentages), then the tools; ids say what each row opens."""

    lang: reactive[str] = reactive("en", init=False)
    lessons: reactive[LessonsState | None] = reactive(None, init=False)

    def on_mount(self) -> None:
        self.refill(resume=True)

    def watch_lang(self) -> None:
        self.refill()

    def watch_lessons(self) -> None:
        self.refill(resume=True)

    def refill(self, resume: bool = False) -> None:
        """Replace every row, keeping the highlighted one (or moving to the lesson to resume)."""
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        self.clear_options()
        self.add_options(self._menu_rows())
        ids = [self.get_option_at_index(i).id for i in range(self.option_count)]
        target = self._resume_id() if resume else None
        target = target or highlighted
        if target in ids:
            self.highlighted = ids.index(target)
        elif self.option_count:
            self.action_first()

    def _resume_id(self) -> str | None:
        state = self.lessons
        if state is None or state.course is None or state.progress is None:
            return None
        place = state.progress.resume(state.course)
        return f"lesson:{place[0].id}" if place else None

    def _menu_rows(self) -> list[Option | None]:
        """The tools first (always in sight at 80×24), then the lessons."""
        lang = self.lang
        rows: list[Option | None] = [
            Option(Text(t("home.tools", lang), style="bold"), id="heading:tools", disabled=True)
        ]
        for view, key in (("playground", "p"), ("compare", "c"), ("gallery", "g"), ("help", "?")):
            rows.append(Option(f"▶ {t(f'home.{view}', lang)}  [{key}]", id=f"view:{view}"))
        rows.append(None)
        return rows + self._lesson_rows()

    def _lesson_rows(self) -> list[Option | None]:
        lang, state = self.lang, self.lessons
        if state is None:
            return [Option(t("home.lessons_loading", lang), id="heading:lessons", disabled=True)]
        if state.course is None or not state.course.lessons:
            text = t("home.no_lessons", lang, reason=state.error or "0")
            return [Option(Text(visible(text)), id="heading:lessons", disabled=True)]
        course, progress = state.course, state.progress
        done = sum(progress.lesson_fraction(x) >= 1 for x in course.lessons) if progress else 0
        heading = t("home.lessons_done", lang, done=done, total=len(course.lessons))
        rows: list[Option | None] = [
            Option(Text(heading, style="bold"), id="heading:lessons", disabled=True)
        ]
        resume = self._resume_id()
        for number, lesson in enumerate(course.lessons, start=1):
            fraction = progress.lesson_fraction(lesson) if progress else 0.0
            here = resume == f"lesson:{lesson.id}"
            prompt = lesson_prompt(lesson, number, fraction, lang, here)
            rows.append(Option(prompt, id=f"lesson:{lesson.id}"))
        return rows


class HomeScreen(Screen[None]):
    """What ``linreg-tui`` opens: lessons, Playground, Compare, Help."""

    BINDINGS = [
        Binding("p", "playground", "Playground"),
        Binding("c", "compare", "Compare"),
        Binding("g", "gallery", "Gallery"),
        Binding("l", "app.toggle_lang", "Language", show=False),
    ]

    lang: reactive[str] = reactive("en")
    engine_ready: reactive[bool] = reactive(False)
    engine_error: reactive[str] = reactive("")
    lessons: reactive[LessonsState | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="home"):
            yield Static(id="tagline")
            yield EngineStatus(id="engine-status").data_bind(
                HomeScreen.lang, ready=HomeScreen.engine_ready, error=HomeScreen.engine_error
            )
            yield HomeMenu(id="home-menu", markup=False).data_bind(
                HomeScreen.lang, HomeScreen.lessons
            )
            yield Static(id="home-marks")
        yield KeyFooter()

    def on_mount(self) -> None:
        for name in ("lang", "engine_ready", "engine_error", "lessons"):
            self.watch(self.app, name, self._mirror(name))
        self.query_one(HomeMenu).focus()

    def _mirror(self, name: str) -> Callable[[object], None]:
        """A watcher that copies the app's attribute ``name`` onto this screen."""

        def copy(value: object) -> None:
            setattr(self, name, value)

        return copy

    def on_screen_resume(self) -> None:
        """Back from a lesson or a view: the progress may have moved on."""
        self.app.reload_lessons()  # type: ignore[attr-defined]

    def watch_lang(self, lang: str) -> None:
        localize_bindings(self, lang)
        self.query_one("#tagline", Static).update(t("home.tagline", lang))
        self.query_one("#home-marks", Static).update(t("home.marks", lang))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, _, name = (event.option.id or "").partition(":")
        if kind == "view":
            self._open(name)
        elif kind == "lesson":
            self.post_message(OpenLesson(name))

    def action_playground(self) -> None:
        self._open("playground")

    def action_compare(self) -> None:
        self._open("compare")

    def action_gallery(self) -> None:
        self._open("gallery")

    def _open(self, view: str) -> None:
        """Open ``view`` now, while this key is handled: a posted message would reach the app
        after the keys typed behind this one, and the new view would never see them."""
        open_view = getattr(self.app, "open_view", None)
        if callable(open_view):
            open_view(view)
        else:  # an app without views (tests of Home alone) hears the request
            self.post_message(OpenView(view))
