"""The linreg-tui app: owns the language, loads the engine in the background, swaps screens.

Importing this module must not import torch (a test checks ``sys.modules``):
Home paints first, then a thread worker imports torch and the engine and sets
``engine_ready``. The views (Playground, Compare, lessons) are imported only
when opened; a view opens at once, even while torch loads (it shows its frame and a
loading note, and queues the keys typed meanwhile). The Playground and Compare screens are
kept (installed) once opened, so leaving and coming back finds the same runs.

Quitting (``q``, ``ctrl+c``) never waits for work in progress: every thread worker is
cancelled, and the engine's loops ask their worker's ``is_cancelled`` between updates, so
they stop within milliseconds. Thread workers run in the app's own executor; once the
terminal is restored, work that still has not stopped after EXIT_GRACE seconds (a torch
import, a single huge tensor operation) is abandoned: the process exits anyway.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive, var
from textual.screen import Screen

from .i18n import localize_bindings, other, t
from .plain import visible
from .screens.home import HomeScreen, LessonsState, OpenLesson, OpenView, load_lessons
from .screens.too_small import TooSmallScreen, is_too_small
from .stylesheets import APP_TCSS

if TYPE_CHECKING:
    from .open_code import OpenedCode
    from .recording import CastRecorder
    from .screens.run_view import OpenFork

SMOKE_TIMEOUT = 180.0  # seconds the headless smoke run waits for the engine
FIRST_PAINT_GRACE = 0.5  # seconds after mounting when loading starts even without a paint
EXIT_GRACE = 0.5  # seconds cancelled workers get to finish once the app has closed


def _import_views() -> None:
    """Import the Playground and Compare modules (no torch in them; a quarter second), so a
    view opened while torch loads shows its frame at once instead of importing them on the
    main thread, slowed by the torch import running beside it."""
    from .screens import compare, playground  # noqa: F401


class LinregApp(App[int]):
    """Home, Help and the views over one engine; ``lang`` is "en" or "zh"."""

    TITLE = "linreg-tui"
    CSS_PATH = APP_TCSS  # the other screens bring their own (tui/stylesheets.py)
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        # Above every widget's own ctrl+c (copy in an Input): ctrl+c always quits.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+l", "toggle_lang", "中文"),
        Binding("P", "picture", "Picture", show=False),
    ]

    lang: reactive[str] = reactive("en")
    engine_ready: reactive[bool] = reactive(False)  # torch and the engine are imported
    engine_error: reactive[str] = reactive("")  # why the engine could not load
    lessons: var[LessonsState | None] = var(None)  # the course and progress, once loaded

    def __init__(
        self,
        lang: str = "en",
        lessons_path: str | Path | None = None,
        *,
        progress_dir: str | Path | None = None,
        smoke: bool = False,
        load_engine: bool = True,
        gallery_path: str | Path | None = None,
        recorder: CastRecorder | None = None,
        opened: OpenedCode | None = None,
        describe: bool = False,
    ) -> None:
        super().__init__()
        self._started = False  # the background loading has begun (see _after_first_paint)
        self.describe = describe  # --describe: each update told as a sentence (screen readers)
        self.opened = opened  # --open CODE: the Playground opens on this run, over Home
        self.recorder = recorder  # --record: what the driver writes is also recorded
        if recorder is not None:
            from .recording import recording_driver  # only with --record: not on Home's way

            self.driver_class = recording_driver(self.driver_class)
        self.lessons_path = lessons_path
        self.gallery_path = gallery_path  # a teacher's presets, added to the bundled gallery
        self.progress_dir = progress_dir
        self.smoke = smoke  # exit 0 once Home is up and the engine has loaded
        self.load_engine = load_engine  # tests may leave the engine "loading"
        self.set_reactive(LinregApp.lang, "zh" if lang == "zh" else "en")
        localize_bindings(self, self.lang)

    def get_default_screen(self) -> Screen:
        return HomeScreen()

    def on_load(self) -> None:
        # Our own executor for thread workers, so that quitting can stop waiting for it.
        import asyncio

        self._executor = ThreadPoolExecutor(thread_name_prefix="linreg-worker")
        asyncio.get_running_loop().set_default_executor(self._executor)

    def on_mount(self) -> None:
        if self.opened is not None:
            from .screens.playground import PlaygroundScreen

            opened = self.opened
            self.push_screen(
                PlaygroundScreen(opened.choice, start_at=opened.updates, start_epochs=opened.epochs)
            )
        self.call_after_refresh(self._after_first_paint)
        # A screen pushed before Home's first refresh (a key typed at once) suspends Home,
        # whose refresh would then never come: the timer starts the loading anyway.
        self.set_timer(FIRST_PAINT_GRACE, self._after_first_paint)

    # -- quitting -----------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit now: every worker is told to stop (the engine's loops check it)."""
        self.workers.cancel_all()
        self.exit()

    async def run_async(self, **kwargs: object) -> int | None:  # type: ignore[override]
        """Run the app; once it has closed (terminal restored), wait at most EXIT_GRACE
        seconds for cancelled workers, then end the process rather than wait longer."""
        result = await super().run_async(**kwargs)  # type: ignore[arg-type]
        executor = getattr(self, "_executor", None)
        if executor is not None and not _shut_down(executor, EXIT_GRACE):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.return_code or 0)  # only a stuck worker is left to lose
        return result

    def _after_first_paint(self) -> None:
        """Start the slow work only once Home is on screen (once, whichever comes first)."""
        if self._started:
            return
        self._started = True
        self._check_size()
        self._load_lessons()
        if self.load_engine:
            self._load_engine()
        if self.smoke:
            self.set_timer(SMOKE_TIMEOUT, self._smoke_timeout)

    # -- background loading ---------------------------------------------------------

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def _load_engine(self) -> None:
        """Import torch and the engine off the main thread (the views' modules first)."""
        try:
            _import_views()
            import torch  # noqa: F401

            # what building a run imports: engine.run, engine.data, engine.analysis
            from linreg_tui.engine import Run, Standardizer, closed_form  # noqa: F401

            from .widgets.plot_canvas import warm_up

            warm_up()  # plotext's import (~0.3 s) would otherwise delay a view's first frame
        except Exception as err:  # any import failure is shown on Home, not raised
            self._from_thread("engine_error", f"{type(err).__name__}: {err}")
            return
        self._from_thread("engine_ready", True)
        # numba's import and the cached compiled fast-forward (~1 s; compiled, ~2–5 s, the
        # first time on a machine) load here, so the first large fast-forward starts at once.
        # LINREG_TUI_WARM=0 skips it (the tests do: a second of CPU per app they start).
        if not self.smoke and os.environ.get("LINREG_TUI_WARM", "1") != "0":
            from linreg_tui.engine import warm_fast_forward

            try:
                warm_fast_forward()
            except Exception:  # the first large fast-forward loads it itself, or falls back
                pass

    @work(thread=True, exclusive=True, group="lessons", exit_on_error=False)
    def _load_lessons(self) -> None:
        try:
            state = load_lessons(self.lessons_path, self.progress_dir, self.lang)
        except Exception as err:  # a bug must not leave Home at "Loading the lessons…"
            state = LessonsState(error=f"{type(err).__name__}: {err}".splitlines()[0])
        self._from_thread("lessons", state)

    def _from_thread(self, name: str, value: object) -> None:
        try:
            self.call_from_thread(setattr, self, name, value)
        except RuntimeError:  # the app closed while we were loading
            pass

    def watch_engine_ready(self, ready: bool) -> None:
        self._smoke_check()

    def watch_engine_error(self, error: str) -> None:
        if error and self.smoke:
            self.exit(return_code=1, message=t("app.engine_failed", "en", error=error))

    def watch_lessons(self, state: LessonsState | None) -> None:
        if state is not None and state.notice:  # e.g. a corrupt progress file moved aside
            self.notify(state.notice, severity="warning", timeout=10)
        self._smoke_check()

    def reload_lessons(self) -> None:
        """Read the course and progress again (Home calls this when it comes back on top)."""
        if self.lessons is not None:
            self._load_lessons()

    def _smoke_check(self) -> None:
        if self.smoke and self.engine_ready and self.lessons is not None:
            if isinstance(self.screen_stack[0], HomeScreen) and self.screen_stack[0].is_mounted:
                self.exit(0)

    def _smoke_timeout(self) -> None:
        self.exit(return_code=1, message=t("app.smoke_timeout", "en", seconds=int(SMOKE_TIMEOUT)))

    # -- language and size ----------------------------------------------------------

    def watch_lang(self, lang: str) -> None:
        localize_bindings(self, lang)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast whose text is shown exactly as written: never markup, whoever calls.

        Notices quote paths, files and engine messages (a progress file's reason, a course
        folder, an export path), so ``markup`` is ignored: no caller's text is parsed."""
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    def action_picture(self) -> None:
        """Save an SVG picture of the screen in the learner's folder and say where."""
        from .picture import picture_folder, save_picture

        folder = picture_folder()
        try:
            svg = self.export_screenshot(title=f"linreg-tui · {self.screen.sub_title}")
            path = save_picture(svg)
        except OSError as err:
            where = err.filename or folder
            reason = err.strerror or str(err)
            self.notify(t("picture.failed", self.lang, path=where, error=reason), severity="error")
        else:
            self.notify(t("picture.saved", self.lang, path=path), timeout=6)

    def action_toggle_lang(self) -> None:
        # No toast: every label changes at once, which says it; a toast covered Home's legend.
        self.lang = other(self.lang)

    def on_resize(self, event: events.Resize) -> None:
        if self.recorder is not None:
            self.recorder.resize(event.size.width, event.size.height)
        self.call_after_refresh(self._check_size)

    def _check_size(self) -> None:
        """Show the too-small message below 80×24, and take it away above."""
        small, showing = is_too_small(self.size), isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen())
        elif showing and not small:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "quit" and isinstance(self.screen, TooSmallScreen):
            return False
        return True

    # -- opening screens ------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # on first use: not on the way to Home's first paint

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_gallery(self) -> None:
        """The preset gallery (bundled presets, then the teacher's from ``--gallery``)."""
        from .screens.gallery import GalleryScreen  # on first use, like Help

        self.push_screen(GalleryScreen(self.gallery_path))

    def on_open_view(self, message: OpenView) -> None:
        self.open_view(message.view)

    def on_open_fork(self, message: OpenFork) -> None:
        """A what-if fork: a Compare of the original and the branch, over the Playground."""
        from .screens.compare import CompareScreen

        screen = CompareScreen(message.choices, start_at=message.at)
        screen.note = message.note
        self.push_screen(screen)

    def on_open_lesson(self, message: OpenLesson) -> None:
        self.open_lesson(message.lesson_id)

    def open_view(self, name: str) -> None:
        """Open "playground", "compare" or "help" at once. A view built earlier comes back as
        it was left (its runs, settings and updates); a new one builds its runs when the
        engine is ready and queues the keys typed meanwhile."""
        if name == "help":
            self.action_help()
            return
        if name == "gallery":
            self.action_gallery()
            return
        if not self.is_screen_installed(name):
            self.install_screen(self._new_view(name), name)
        if self.get_screen(name) not in self.screen_stack:
            self.push_screen(name)

    def _new_view(self, name: str) -> Screen:
        # Imported here, not at start-up: the views pull in numpy and the engine's config.
        if name == "playground":
            from .screens.playground import PlaygroundScreen

            return PlaygroundScreen()
        from .screens.compare import CompareScreen

        return CompareScreen()

    def open_lesson(self, lesson_id: str | None) -> None:
        """Open a lesson by id (None: resume where the progress file says)."""
        from .screens.lesson import open_lesson

        open_lesson(self, lesson_id)


def _shut_down(executor: ThreadPoolExecutor, timeout: float) -> bool:
    """Shut ``executor`` down, waiting at most ``timeout`` s; False if work is still running."""
    waiter = threading.Thread(target=executor.shutdown, kwargs={"wait": True}, daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


def run_app(
    lang: str = "en",
    mouse: bool = True,
    lessons_path: str | Path | None = None,
    headless_smoke: bool = False,
    gallery_path: str | Path | None = None,
    recorder: CastRecorder | None = None,
    opened: OpenedCode | None = None,
    describe: bool = False,
) -> int:
    """Run the app; returns the exit status. ``headless_smoke`` runs without a terminal,
    waits for Home and the engine, and exits (0 on success) — for CI. ``recorder`` (from
    ``--record``) is closed when the app ends."""
    app = LinregApp(
        lang=lang,
        lessons_path=lessons_path,
        smoke=headless_smoke,
        gallery_path=gallery_path,
        recorder=recorder,
        opened=opened,
        describe=describe,
    )
    try:
        app.run(mouse=mouse, headless=headless_smoke)
    finally:
        if recorder is not None:
            recorder.close()
    if recorder is not None and recorder.error:
        print(
            f"linreg-tui: the recording {str(recorder.path)!r} stopped early: {recorder.error}",
            file=sys.stderr,
        )
    return int(app.return_code or 0)
