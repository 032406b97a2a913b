"""Quitting never waits for work in progress: q and ctrl+c end the app within a second.

A course whose answer is ``step(1000000).grad.b`` (the most the limits allow) keeps a
worker busy for minutes; the engine's loops ask the worker's cancel flag between updates,
so quitting stops it at once.
A worker that never looks at its flag cannot hold the process either: once the terminal is
restored the app waits EXIT_GRACE seconds and ends the process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from pilot_wait import until

from linreg_tui.engine.errors import Cancelled
from linreg_tui.lessons import answers
from linreg_tui.tui.app import EXIT_GRACE, LinregApp
from linreg_tui.tui.choices import DatasetChoice, RunChoice
from linreg_tui.tui.screens.lesson import LessonScreen, open_lesson

SLOW_COURSE = """\
id = "slow"
order = 1
title = { en = "Slow", zh = "慢" }
[preset]
dataset = "hours"
[[page]]
text.en = "p"
text.zh = "页"
[[checkpoint]]
id = "g"
kind = "numeric"
compute = "step(1000000).grad.b"
tolerance = 0.01
prompt = { en = "b?", zh = "b？" }
hint = { en = "h", zh = "提示" }
explain = { en = "e", zh = "解释" }
"""


@pytest.fixture
def slow_course(tmp_path: Path) -> Path:
    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "01-slow.toml").write_text(SLOW_COURSE, encoding="utf-8")
    return folder


@pytest.fixture
def computing(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """(started, finished) of the lesson's answer computation (set from its worker)."""
    started, finished = threading.Event(), threading.Event()
    original = answers.expected_answer

    def watched(*args, **kwargs):
        started.set()
        try:
            return original(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(answers, "expected_answer", watched)
    return started, finished


def test_run_until_stops_when_cancelled() -> None:
    from linreg_tui.engine.catalog import load_dataset
    from linreg_tui.engine.run import Run

    run = Run(load_dataset("hours"))
    with pytest.raises(Cancelled):
        run.run_until(update=10**8, cancelled=lambda: run.updates >= 7)
    assert run.updates == 7 and run.last_step is not None and run.last_step.update == 7
    with pytest.raises(Cancelled):  # the fast-forward's scan stops between chunks too
        run.fast_forward(10**6, cancelled=lambda: True)
    assert run.updates == 7


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quit_during_an_expensive_answer(
    key: str, slow_course: Path, computing: tuple[threading.Event, threading.Event]
) -> None:
    started, finished = computing
    app = LinregApp(lessons_path=slow_course)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.engine_ready and app.lessons is not None, timeout=120)
        open_lesson(app, "slow")
        await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
        await pilot.press(">")  # the checkpoint: its answer starts computing
        await until(pilot, started.is_set)
        await pilot.pause(0.3)
        assert not finished.is_set()  # still computing
        pressed = time.monotonic()
        await pilot.press(key)
        await until(pilot, lambda: not app.is_running, timeout=5)
    assert finished.wait(1.0), "the computation kept running after quitting"
    assert time.monotonic() - pressed < 1.5
    assert app.return_code == 0


SCRIPT = """\
import sys, threading, time
from linreg_tui.tui.app import LinregApp

mode = sys.argv[1]

async def auto(pilot):
    app = pilot.app
    if mode == "stuck":  # a worker that never looks at its cancel flag
        app.run_worker(lambda: time.sleep(60), thread=True)
    else:
        from linreg_tui.tui.screens.lesson import LessonScreen, open_lesson
        while not (app.engine_ready and app.lessons is not None):
            await pilot.pause(0.05)
        open_lesson(app, "slow")
        while not (isinstance(app.screen, LessonScreen) and app.screen.is_mounted):
            await pilot.pause(0.05)
        await pilot.press(">")
    await pilot.pause(0.5)
    print("pressing", flush=True)
    global pressed
    pressed = time.monotonic()
    await pilot.press("q")

lessons = sys.argv[2] if len(sys.argv) > 2 else None
LinregApp(lessons_path=lessons, load_engine=mode != "stuck").run(headless=True, auto_pilot=auto)
print(f"closed {time.monotonic() - pressed:.3f}", flush=True)
"""


def quit_time(args: list[str], cwd: Path) -> tuple[float, str]:
    """Run the app headless in a fresh process: seconds from pressing q to the process end,
    and what it printed after that."""
    script = cwd / "quit_app.py"
    script.write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the app is busy and q is pressed
    pressed = time.monotonic()
    assert line.strip() == "pressing", proc.stderr.read() if proc.stderr else ""
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the process did not end after q") from None
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return time.monotonic() - pressed, proc.stdout.read()


def test_the_process_ends_after_q_during_an_expensive_answer(
    slow_course: Path, tmp_path: Path
) -> None:
    seconds, printed = quit_time(["answer", str(slow_course)], tmp_path)
    closed = float(printed.split()[1])  # app and workers done: ``run`` returned
    assert closed < 1.0
    # The rest is Python unloading torch at exit (as long as ``python -c "import torch"``
    # takes to exit); nothing of the app's is left running.
    assert seconds < 10


def test_a_worker_that_ignores_its_flag_cannot_hold_the_process(tmp_path: Path) -> None:
    seconds, printed = quit_time(["stuck"], tmp_path)
    assert printed == ""  # ended by the app after EXIT_GRACE, before ``run`` returned
    assert EXIT_GRACE <= seconds < EXIT_GRACE + 1.0


async def test_leaving_the_lesson_stops_its_computation(
    slow_course: Path, computing: tuple[threading.Event, threading.Event]
) -> None:
    """Esc back to the menu: the lesson's workers are cancelled with its screen."""
    started, finished = computing
    app = LinregApp(lessons_path=slow_course)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.engine_ready and app.lessons is not None, timeout=120)
        open_lesson(app, "slow")
        await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
        await pilot.press(">")
        await until(pilot, started.is_set)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, LessonScreen))
        await until(pilot, finished.is_set, timeout=1.0, what="the computation to stop")
        assert app.is_running


async def test_quit_during_a_long_epoch_while_keys_are_pressed() -> None:
    """An epoch of 200,000 per-sample updates holds the session's lock in its worker: quick
    moves are queued (type-ahead) instead of blocking the UI thread, so q still gets through."""
    from textual.app import ComposeResult
    from textual.screen import Screen

    from linreg_tui.engine.config import BatchSpec, RunConfig
    from linreg_tui.tui.screens.playground import PlaygroundView

    choice = RunChoice(DatasetChoice("synthetic", size=200_000), RunConfig(batch=BatchSpec("sgd")))

    class Host(Screen[None]):
        def compose(self) -> ComposeResult:
            yield PlaygroundView(choice)

    app = LinregApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.engine_ready, timeout=120)
        await app.push_screen(Host())
        view = app.screen.query_one(PlaygroundView)
        await until(pilot, lambda: view.snapshot is not None, timeout=60)
        view.focus()
        await pilot.press("e")
        await until(pilot, lambda: view.busy)
        await pilot.press("right", "left", "r")  # queued while the epoch runs
        assert view.busy and len(view._queue) == 3  # noqa: SLF001 - none ran against the lock
        pressed = time.monotonic()
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, timeout=5)
    assert time.monotonic() - pressed < 1.5
    run = view.session.runs[0]
    stopped = run.updates
    time.sleep(0.3)
    assert run.updates == stopped < 200_000  # the epoch's worker stopped with the app
