"""What the Playground and Compare views share: a Session, its workers, and the keys.

Attributes down, messages up: the view owns a :class:`~linreg_tui.tui.session.Session`,
turns each :class:`SessionSnapshot` into calls on its child widgets (``show(...)``), and
posts :class:`RunChanged` upwards for whoever embeds it (a lesson). Quick moves (one update,
one back, reset) run on the UI thread under the session's lock; slow ones (building a run,
which imports torch; an epoch; a fast-forward; playing) run in thread workers, which post
:class:`SessionFrame` messages. Until ``app.engine_ready`` is True the view says it is
loading and builds nothing.

Type-ahead: every key of the view is an action marked :func:`queued`. While the view is
*busy* (its runs are not built yet, or an engine worker is still changing them) a queued
action is not run but appended to the view's queue; when the engine worker finishes (its
frame has been shown by then) the queue is replayed in order, stopping again as soon as a
replayed action starts another engine worker. So ``c`` ``space`` plays, ``p`` ``n n n``
shows update 3, and ``] ]`` doubles the rate twice, however fast the keys come.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial, wraps
from types import ModuleType
from typing import Any, TypeVar

from textual import work
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from linreg_tui.engine import GRAD_METHODS, OPTIMIZERS, Cancelled, EngineError

from ..choices import DatasetChoice, Fork, RunChoice
from ..format import num
from ..i18n import error_text, localize_bindings, t
from ..session import FF_EPOCHS, PLAY_SPEEDS, RunChanged, Session, SessionFrame
from ..snapshot import SessionSnapshot
from .run_choices import (  # noqa: F401 - label_for re-exported
    adapt_to_data,
    batch_cycle,
    label_for,
    relabelled,
)

# Actions that need built runs; check_action greys them out until then.
ENGINE_ACTIONS = {
    "play", "step", "step_back", "epoch", "fast_forward", "reset", "lr_half", "lr_double",
    "batch_mode", "optimizer", "grad_method", "dataset", "settings", "code", "export",
    "add_run", "remove_run", "axis", "new_run", "share", "fork", "describe", "noise",
}  # fmt: skip


RUN_BINDINGS = [
    Binding("space", "play", "Play/pause"),
    Binding("right,n", "step", "Next", key_display="→"),
    Binding("left", "step_back", "Back one", key_display="←"),
    Binding("e", "epoch", "Epoch"),
    Binding("f", "fast_forward", "Fast-forward"),
    Binding("F", "ff_length", "FF length", show=False),
    Binding("r", "reset", "Reset"),
    Binding("N", "new_run", "New run", show=False),
    Binding("plus,equals_sign", "faster", "Faster", show=False, key_display="+"),
    Binding("minus", "slower", "Slower", show=False, key_display="-"),
    Binding("left_square_bracket", "lr_half", "lr ÷2", key_display="["),
    Binding("right_square_bracket", "lr_double", "lr ×2", key_display="]"),
    Binding("b", "batch_mode", "Batch", show=False),
    Binding("m", "optimizer", "Optimizer", show=False),
    Binding("g", "grad_method", "Gradient", show=False),
    Binding("d", "dataset", "Data", show=False),
    Binding("s", "settings", "Settings"),
    Binding("k", "code", "Code", show=False),
    Binding("K", "share", "Share code", show=False),
    Binding("o", "export", "Export", show=False),
    Binding("y", "log_scale", "Log scale", show=False),
    Binding("p", "land_pair", "Landscape axes", show=False),
    Binding("w", "fork", "What-if", show=False),
    Binding("i", "describe", "Describe", show=False),
]


ActionT = TypeVar("ActionT", bound=Callable[..., Any])


def queued(method: ActionT) -> ActionT:
    """Mark a view action as type-ahead safe: while the view is busy, the call waits its turn
    in the view's queue (see :meth:`RunView.defer`) instead of acting on stale runs."""

    @wraps(method)
    def action(self: RunView, *args: Any) -> Any:
        if self.defer(method, args):
            return None
        return method(self, *args)

    return action  # type: ignore[return-value]


@dataclass
class OpenFork(Message):
    """A Playground forked its run: show the original and the branch side by side (the
    app opens a Compare on them; messages up, so screens never import each other)."""

    choices: list[RunChoice]  # the original, then the branch (its ``fork`` says where)
    at: int  # the update it forked at: where the Compare's clock opens
    note: str  # the Compare's first status message


@dataclass
class EngineFailed(Message):
    """A worker could not build or change a run; the previous runs are kept."""

    error: str  # the engine's one-line message


def dialogs() -> ModuleType:
    """The dialogs module, imported on first use (it is not needed to paint a view).

    An ImportError here is a bug and propagates: it must not pass for "no dialog".
    """
    from . import dialogs as module

    return module


# From this many columns × rows of the view itself a view shows every panel at once: a
# 100×30 terminal, less the header and the footer (the README's promise).
ALL_PANELS_MIN = (100, 28)


class RunView(Widget, can_focus=True):
    """Base of PlaygroundView and CompareView: subclasses compose widgets and ``show``."""

    BINDINGS = RUN_BINDINGS
    lang: reactive[str] = reactive("en", init=False)
    playing: reactive[bool] = reactive(False, init=False)
    message: reactive[str] = reactive("", init=False)
    MAX_FPS = 15.0

    def __init__(
        self,
        choices: list[RunChoice],
        *,
        lang: str = "en",
        speed: int = 5,
        with_fit: bool = True,
        start_at: int = 0,
        start_epochs: int = 0,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.session = Session(
            choices, speed=speed, with_fit=with_fit, start_at=start_at, start_epochs=start_epochs
        )
        self._start_choices = list(choices)  # what "new run" (N) goes back to
        self.snapshot: SessionSnapshot | None = None
        self.selected = 0
        self._narrated: tuple[int, int, str] | None = None  # describe mode: the update told
        self.ff_epochs = 10
        self._building = False
        self._failed = False  # the runs could not be built (the engine or the data failed)
        self._queue: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []  # typed ahead
        self.set_reactive(RunView.lang, lang)

    # -- life cycle ---------------------------------------------------------------------

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        if hasattr(self.app, "engine_ready"):
            self.watch(self.app, "engine_ready", self._engine_ready, init=True)
        else:
            self._engine_ready(True)
        if hasattr(self.app, "engine_error"):
            self.watch(self.app, "engine_error", self._engine_error, init=True)
        if hasattr(self.app, "lang"):
            self.watch(self.app, "lang", self._app_lang, init=True)
        self.call_later(self.refresh_view)  # once mounted: the loading text

    def _app_lang(self, lang: str) -> None:
        self.lang = lang

    def on_resize(self) -> None:
        width, height = self.size
        self.set_class(width >= ALL_PANELS_MIN[0] and height >= ALL_PANELS_MIN[1], "-wide")

    def watch_lang(self, lang: str) -> None:
        localize_bindings(self, lang)
        relabel = [(i, relabelled(c, lang)) for i, c in enumerate(self.session.choices)]
        relabel = [(i, label) for i, label in relabel if label != self.session.choices[i].label]
        for index, label in relabel:  # legends follow the language
            self.session.relabel(index, label)
        if relabel and self.session.ready and self.is_mounted:
            self.apply(self.session.snapshot())  # the labels live in the snapshot
        else:
            self.refresh_view()

    def _engine_ready(self, ready: bool) -> None:
        if ready and not self.session.ready and not self._building:
            self._building = True
            self._build()

    def _engine_error(self, error: str) -> None:
        if error:
            self._failed = True
            self._queue.clear()
            self.refresh_bindings()
            self.message = t("view.msg.failed", self.lang, error=error)

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def _build(self) -> None:
        from ..widgets.plot_canvas import warm_up

        try:
            self.session.build()
            warm_up()  # plotext loads here, in the worker, not on the first frame
        except (EngineError, OSError) as err:
            self.post_message(EngineFailed(error_text(err, self.lang)))
            return
        self.post_message(SessionFrame(self.session.snapshot()))

    @property
    def ready(self) -> bool:
        return self.session.ready and self.snapshot is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ENGINE_ACTIONS and self._failed and not self.ready:
            return None  # greyed out: there are no runs and none are coming
        return True  # while loading, a key is taken and queued (see ``queued``)

    # -- type-ahead -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """No runs to act on yet, or an engine worker (build, rebuild, epoch…) still running."""
        if not self.ready:
            return True
        return any(
            worker.node is self and worker.group == "engine" and not worker.is_finished
            for worker in self.workers
        )

    def defer(self, method: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        """Queue ``method(*args)`` if the view is busy or earlier keys still wait (order is
        kept); True when queued. Nothing is queued once the runs failed to build."""
        if self._failed and not self.ready:
            return False
        if self.busy or self._queue:
            self._queue.append((method, args))
            return True
        return False

    def drop_typed_ahead(self) -> None:
        """Forget the queued actions (the learner left the view)."""
        self._queue.clear()

    def _drain(self) -> None:
        """Replay queued actions in order until one makes the view busy again."""
        while self._queue and not self.busy:
            method, args = self._queue.pop(0)
            method(self, *args)

    # -- pictures -----------------------------------------------------------------------

    def on_session_frame(self, message: SessionFrame) -> None:
        message.stop()
        snap = message.snapshot
        if self.snapshot is not None and snap.version < self.snapshot.version:
            return  # a play frame overtaken by a key press
        if message.note and not any(run.diverged_at for run in snap.runs):
            # A divergence outranks the note: the status line must name its update.
            self.set_reactive(RunView.message, message.note)  # shown by apply() below
        elif message.note:
            self.set_reactive(RunView.message, "")
        self.apply(snap)  # the keys were enabled all along (queued while loading)

    def on_engine_failed(self, message: EngineFailed) -> None:
        message.stop()
        self._queue.clear()  # keys typed after a failure would act on runs the learner
        if not self.session.ready:  # did not expect: they read the error first
            self._failed = True
            self.refresh_bindings()  # no runs are coming: grey the run keys out
        self.message = t("view.msg.failed", self.lang, error=message.error)

    def apply(self, snap: SessionSnapshot) -> None:
        """Show ``snap`` in every widget and tell the embedder what changed."""
        self.snapshot = snap
        self.selected = min(self.selected, max(0, len(snap.runs) - 1))
        self.show(snap)
        for run in snap.runs:
            self.post_message(RunChanged(run.index, run.updates))
        self._narrate()

    def _narrate(self) -> None:
        """Describe mode (``--describe``): when the view stands still on a new update, the
        selected run's latest update as one sentence on the status line (screen readers)."""
        snap = self.snapshot
        if not getattr(self.app, "describe", False) or self.playing or snap is None:
            return
        if not snap.runs or not self.session.ready:
            return
        index = min(self.selected, len(snap.runs) - 1)
        told = (index, snap.runs[index].updates, self.lang)
        if told == self._narrated:
            return
        self._narrated = told
        from ..describe_view import latest_sentence

        with self.session.lock:
            run = self.session.runs[index]
            sentence = latest_sentence(run, snap.runs[index].facts, self.lang)
        if sentence:
            self.message = sentence

    def show(self, snap: SessionSnapshot) -> None:
        """Draw ``snap`` (subclasses)."""

    def refresh_view(self) -> None:
        """Redraw from the last snapshot (after lang or message changes)."""
        if self.snapshot is not None and self.is_mounted:
            self.show(self.snapshot)

    def refresh_status(self) -> None:
        """Redraw what the message and the play state change (subclasses may draw less than
        the whole view: a key's notice must not cost a replot of every chart)."""
        self.refresh_view()

    def watch_message(self) -> None:
        self.refresh_status()

    def watch_playing(self) -> None:
        self.refresh_status()
        self._narrate()

    def moved(self, note: str = "") -> None:
        """After a quick move on the UI thread: show the new state."""
        self.message = note
        self.apply(self.session.snapshot())

    # -- playing ------------------------------------------------------------------------

    @queued
    def action_play(self) -> None:
        if self.playing:
            self.pause()
        elif not self.session.finished:
            self.message = ""
            self.playing = True
            self._play()

    def pause(self) -> None:
        self.workers.cancel_group(self, "play")
        self.playing = False

    @work(thread=True, exclusive=True, group="play", exit_on_error=False)
    def _play(self) -> None:
        worker = get_current_worker()
        self.session.play(
            lambda snap: self.post_message(SessionFrame(snap)),
            lambda: worker.is_cancelled,
            max_fps=self.MAX_FPS,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state not in (WorkerState.SUCCESS, WorkerState.CANCELLED, WorkerState.ERROR):
            return
        if event.worker.group == "play":
            self.playing = False
            if self.session.noise and self.session.ready:
                self.apply(self.session.snapshot())  # the cloud a big data set left out
        elif event.worker.group == "engine":
            # The worker posted its frame before it finished, so the frame is shown by now.
            self._drain()

    @queued
    def action_faster(self) -> None:
        self._speed(+1)

    @queued
    def action_slower(self) -> None:
        self._speed(-1)

    def _speed(self, delta: int) -> None:
        speeds = PLAY_SPEEDS
        now = min(range(len(speeds)), key=lambda k: abs(speeds[k] - self.session.speed))
        self.session.speed = speeds[max(0, min(len(speeds) - 1, now + delta))]
        self.message = t("view.msg.speed", self.lang, speed=self.session.speed)

    # -- moving ---------------------------------------------------------------------------

    @queued
    def action_step(self) -> None:
        self.pause()
        self.session.step()
        self.moved()

    @queued
    def action_step_back(self) -> None:
        self.pause()
        self.session.back()
        self.moved()

    @queued
    def action_reset(self) -> None:
        self.pause()
        self.session.reset()
        self.moved(t("view.msg.reset", self.lang))

    @queued
    def action_new_run(self) -> None:
        """Back to the runs the view opened with, at update 0 (leaving the view keeps them)."""
        self.pause()
        self.selected = 0
        self._new_run(list(self._start_choices))

    @work(thread=True, group="engine", exit_on_error=False)
    def _new_run(self, choices: list[RunChoice]) -> None:
        session = self.session
        try:
            while len(session.choices) > len(choices):
                session.remove(len(session.choices) - 1)
            for index, choice in enumerate(choices):
                if index < len(session.choices):
                    session.replace(index, choice)
                else:
                    session.add(choice)
            session.set_alignment("updates")
            session.reset()
        except EngineError as err:
            self.post_message(EngineFailed(str(err)))
            return
        self.post_message(SessionFrame(session.snapshot(), t("view.msg.new_run", self.lang)))

    @queued
    def action_epoch(self) -> None:
        self.pause()
        self._slow(self.session.next_epoch, "")

    @queued
    def action_fast_forward(self) -> None:
        self.pause()
        epochs = self.ff_epochs
        self._slow(
            lambda cancelled: self.session.fast_forward(epochs, cancelled),
            t("view.msg.ff", self.lang, epochs=epochs),
        )

    @queued
    def action_ff_length(self) -> None:
        k = FF_EPOCHS.index(self.ff_epochs) if self.ff_epochs in FF_EPOCHS else 0
        self.ff_epochs = FF_EPOCHS[(k + 1) % len(FF_EPOCHS)]
        self.message = t("view.msg.ff_length", self.lang, epochs=self.ff_epochs)

    @work(thread=True, group="engine", exit_on_error=False)
    def _slow(self, move: Callable[[Callable[[], bool]], None], note: str) -> None:
        """``move(cancelled)`` off the UI thread; it stops once this worker is cancelled
        (the view closes, the app quits)."""
        worker = get_current_worker()
        try:
            move(lambda: worker.is_cancelled)
        except Cancelled:
            return
        except EngineError as err:
            self.post_message(EngineFailed(error_text(err, self.lang)))
            return
        self.post_message(SessionFrame(self.session.snapshot(), note))

    # -- changing runs ------------------------------------------------------------------

    def rebuild(self, index: int, choice: RunChoice, note: str) -> None:
        """Replace run ``index`` (in a worker: it may load data); keep the old on error."""
        self.pause()
        self._rebuild(index, choice, note)

    @work(thread=True, group="engine", exit_on_error=False)
    def _rebuild(self, index: int, choice: RunChoice, note: str) -> None:
        try:
            self.session.replace(index, choice)
        except EngineError as err:
            self.post_message(EngineFailed(error_text(err, self.lang)))
            return
        self.post_message(SessionFrame(self.session.snapshot(), note))

    def _changed(self, note_key: str, **changes: object) -> None:
        index = self.selected
        try:
            choice = self.session.with_config(index, **changes)
        except EngineError as err:
            self.message = t("view.msg.failed", self.lang, error=error_text(err, self.lang))
            return
        if self.snapshot and len(self.snapshot.runs) > 1:
            choice = replace(choice, label=label_for(choice.config, self.lang))
        self.rebuild(
            index, choice, t(note_key, self.lang, **{k: str(v) for k, v in changes.items()})
        )

    def _lr(self, factor: float) -> None:
        snap = self.snapshot.runs[self.selected]  # type: ignore[union-attr]
        lr = snap.choice.config.lr * factor
        facts = snap.facts
        note = t("view.msg.lr", self.lang, lr=num(lr))
        if lr >= facts.max_stable_lr:
            key = "view.msg.lr_too_large" if facts.stable_lr_applies else "view.msg.lr_above_bound"
            note += " " + t(key, self.lang, max=num(facts.max_stable_lr))
        self.rebuild(self.selected, self.session.with_config(self.selected, lr=lr), note)

    @queued
    def action_lr_half(self) -> None:
        self._lr(0.5)

    @queued
    def action_lr_double(self) -> None:
        self._lr(2.0)

    @queued
    def action_batch_mode(self) -> None:
        snap = self.snapshot.runs[self.selected]  # type: ignore[union-attr]
        batch = batch_cycle(snap.choice.config.batch, snap.facts.n)
        self._changed("view.msg.batch", batch=batch)

    @queued
    def action_optimizer(self) -> None:
        now = self.session.choices[self.selected].config.optimizer
        self._changed("view.msg.optimizer", optimizer=OPTIMIZERS[(OPTIMIZERS.index(now) + 1) % 6])

    @queued
    def action_grad_method(self) -> None:
        now = self.session.choices[self.selected].config.grad
        nxt = GRAD_METHODS[(GRAD_METHODS.index(now) + 1) % len(GRAD_METHODS)]
        self._changed("view.msg.grad", grad=nxt)

    # -- dialogs --------------------------------------------------------------------------

    def _dialog(self, name: str) -> Any:
        """The dialog class ``name``, after pausing the view's play (a dialog is modal)."""
        factory = getattr(dialogs(), name)
        self.pause()
        return factory

    @queued
    def action_settings(self) -> None:
        factory = self._dialog("SettingsDialog")
        if factory is not None:
            index = self.selected
            self.app.push_screen(
                factory(self.session.choices[index], self.lang),
                lambda choice: self._settings_done(index, choice),
            )

    def _settings_done(self, index: int, choice: RunChoice | None) -> None:
        if choice is None:
            return
        if self.snapshot and len(self.snapshot.runs) > 1:
            choice = replace(choice, label=label_for(choice.config, self.lang))
        self.rebuild(index, choice, t("view.msg.settings", self.lang))

    @queued
    def action_dataset(self) -> None:
        factory = self._dialog("DatasetDialog")
        if factory is not None:
            current = self.session.choices[self.selected].data
            self.app.push_screen(factory(current, self.lang), self._dataset_done)

    def _dataset_done(self, data: DatasetChoice | None) -> None:
        if data is not None:
            self.pause()
            self._switch_data(data)

    @work(thread=True, group="engine", exit_on_error=False)
    def _switch_data(self, data: DatasetChoice) -> None:
        """Every run onto ``data`` at once (all or none: a comparison keeps one data set)."""
        suggested = []

        several = len(self.session.choices) > 1

        def adapt(choice: RunChoice, rows: int) -> RunChoice:
            config, changed = adapt_to_data(choice.config, data, rows, keep_batch=several)
            suggested.append(changed)
            label = label_for(config, self.lang) if several else ""
            # new data: a what-if branch becomes a run of its own (fork=None)
            return replace(choice, data=data, config=config, label=label or choice.label, fork=None)

        try:
            self.session.switch_data(data, adapt)
        except EngineError as err:
            self.post_message(EngineFailed(error_text(err, self.lang)))
            return
        key = "view.msg.data_defaults" if any(suggested) else "view.msg.data"
        lr = num(self.session.choices[0].config.lr)
        self.post_message(
            SessionFrame(self.session.snapshot(), t(key, self.lang, data=data.label, lr=lr))
        )

    @queued
    def action_code(self) -> None:
        factory = self._dialog("CodeScreen")
        if factory is not None:
            self.app.push_screen(factory(self.session.choices[self.selected], self.lang))

    @queued
    def action_share(self) -> None:
        factory = self._dialog("ShareScreen")
        if factory is not None:
            run = self.session.runs[self.selected]
            self.app.push_screen(
                factory(self.session.choices[self.selected], run.updates, self.lang)
            )

    @queued
    def action_export(self) -> None:
        factory = self._dialog("ExportDialog")
        if factory is not None:
            self.app.push_screen(factory(self.session.history_export(self.selected), self.lang))

    # -- what-if branches and describe mode -------------------------------------------

    @queued
    def action_fork(self) -> None:
        """Fork the selected run at its current update: the settings dialog gives the
        branch's settings; the branch shares updates 1…k with it exactly (engine.branch)."""
        run = self.snapshot.runs[self.selected]  # type: ignore[union-attr]
        if run.diverged_at is not None and run.updates >= run.diverged_at:
            self.message = t("view.msg.fork_diverged", self.lang, k=run.diverged_at)
            return
        factory = self._dialog("SettingsDialog")
        index, at = self.selected, run.updates
        title = t("view.fork.title", self.lang, k=at)
        self.app.push_screen(
            factory(self.session.choices[index], self.lang, title=title),
            lambda choice: self._fork_done(index, at, choice),
        )

    def _fork_done(self, index: int, at: int, choice: RunChoice | None) -> None:
        if choice is None:
            return
        parent = self.session.choices[index]
        if choice.data != parent.data:
            self.message = t("view.msg.fork_data", self.lang)
            return
        label = t("view.fork.label", self.lang, k=at, label=label_for(choice.config, self.lang))
        self.forked(index, at, replace(choice, fork=Fork(parent, at), label=label))

    def forked(self, index: int, at: int, branch: RunChoice) -> None:
        """Show ``branch`` (forked from run ``index`` at update ``at``): subclasses."""

    @queued
    def action_describe(self) -> None:
        """The current run in words (plain text): the describe sentences and the charts."""
        from ..describe_view import describe_text

        factory = self._dialog("DescribeScreen")  # pauses: the text is of one moment
        index = self.selected
        with self.session.lock:
            snap = self.session.snapshot()  # the runs as they are now, not the last frame
            text = describe_text(self.session.runs[index], snap, index, self.lang)
        self.app.push_screen(factory(text, self.lang))


class RunCommands(Provider):
    """The command palette lists every key of the screen's run view (and runs it)."""

    def _items(self) -> list[tuple[str, str, object]]:
        views = self.screen.query(RunView)
        if not views:
            return []
        view = views.first()
        items = []
        for key, bindings in view._bindings.key_to_bindings.items():  # noqa: SLF001
            for binding in bindings:
                if not binding.description:
                    continue
                if view.check_action(binding.action, ()) is not True:
                    continue
                label = f"{binding.description}  [{binding.key_display or key}]"
                items.append((label, binding.action, partial(view.run_action, binding.action)))
        return items

    async def discover(self) -> Hits:
        for label, action, command in self._items():
            yield DiscoveryHit(label, command, help=action)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, action, command in self._items():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), command, help=action)
