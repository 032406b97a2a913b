"""An automated learner takes the whole bundled course in the real app, in each language.

It opens the first lesson from Home, then for every item of every lesson: reads a page and
moves on with ``>``; answers each question with the value the engine computes for it
(``expected_answer``), typed or picked with the keys a learner would press; and meets each
live goal by putting the goal's ``solution`` settings into the live run (the lesson screen's
``apply_settings``, the settings dialog's path) and running the updates with the live view's
own keys (``f`` fast-forward, ``e`` epoch, ``n`` one update); repairs each fix-it's line by
typing the fix into the line's editor. At the end of each lesson it
checks the lesson is marked done, and at the end that every checkpoint was saved correct.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_wait import until
from textual.pilot import Pilot

from linreg_tui.lessons.answers import expected_answer
from linreg_tui.lessons.checkpoints import LETTERS, format_number
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Checkpoint, Lesson
from linreg_tui.lessons.progress import ProgressStore
from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens.home import HomeMenu
from linreg_tui.tui.screens.lesson import LessonScreen
from linreg_tui.tui.widgets.lesson_checkpoint import AnswerInput, ChoiceList
from linreg_tui.tui.widgets.lesson_edit import FixitEditor

COURSE = load_course()
FF_LENGTHS = (1, 10, 100, 1000)  # the view's fast-forward lengths, cycled with F


def idle(screen: LessonScreen) -> bool:
    """The live view is built and none of its engine work is running."""
    view = screen.live.view
    if view is None or view.snapshot is None or view.playing:
        return False
    busy = [w for w in (*view.workers, *screen.live.workers) if w.is_running]
    return not busy


async def read_hints(pilot: Pilot, screen: LessonScreen, cp: Checkpoint) -> None:
    """Graded hints: ``h`` shows one level more each time, up to the last (no try used)."""
    if len(cp.levels) < 2:
        return
    await until(pilot, lambda: screen.state.ready, what=f"{cp.id} ready")
    for level in range(1, len(cp.levels) + 1):
        await pilot.press("h")
        await until(pilot, lambda n=level: screen.state.hint_level == n, what=f"hint {level}")
    await pilot.press("h")  # past the last level nothing more comes
    assert screen.state.hint_level == len(cp.levels) and screen.state.outcome is None


async def repair_loop(pilot: Pilot, screen: LessonScreen, lesson: Lesson, cp: Checkpoint):
    """A fix-it: pick the wrong line by its number, then rewrite it in the line's editor
    (the right fix, typed key by key); the live view then runs the buggy and the repaired
    loop side by side."""
    assert cp.bug_line <= 6 and cp.answer is not None
    await until(pilot, lambda: isinstance(screen.focused, ChoiceList), what="the lines")
    await pilot.press(str(cp.bug_line))
    await until(pilot, lambda: screen.state.line_found, what=f"{lesson.id}/{cp.id} line")
    await until(pilot, lambda: isinstance(screen.focused, FixitEditor), what="the editor")
    fix = cp.options[int(cp.answer)].get(screen.lang).strip()
    await pilot.press("ctrl+u", *["space" if c == " " else c for c in fix], "enter")
    await until(pilot, lambda: screen.state.finished, what=f"{lesson.id}/{cp.id} judged")
    assert screen.state.outcome.status == "correct", (lesson.id, cp.id, screen.state.outcome)
    await until(pilot, lambda: screen.state.fixit is not None, what="both loops' results")
    runs = cp.run_updates or 100
    await until(
        pilot,
        lambda: idle(screen) and all(r.updates == runs for r in screen.live.view.snapshot.runs),
        what="both loops run live",
        timeout=60,
    )
    live = [r.summary.loss for r in screen.live.view.snapshot.runs]
    result = screen.state.fixit
    assert live == pytest.approx([result.buggy.loss, result.fixed.loss], rel=1e-9)


async def answer_question(pilot: Pilot, screen: LessonScreen, lesson: Lesson, cp: Checkpoint):
    expected = expected_answer(lesson, cp)
    assert expected is not None
    if cp.is_choice:
        await until(pilot, lambda: isinstance(screen.focused, ChoiceList), what="the options")
        await pilot.press(LETTERS[int(expected)])
    else:
        await until(pilot, lambda: isinstance(screen.focused, AnswerInput), what="the box")
        await pilot.press(*format_number(float(expected)), "enter")
    await until(pilot, lambda: screen.state.finished, what=f"{lesson.id}/{cp.id} judged")
    outcome = screen.state.outcome
    assert outcome.status == "correct", (lesson.id, cp.id, expected, outcome)


async def run_updates(pilot: Pilot, screen: LessonScreen, updates: int) -> None:
    """Run ``updates`` updates with the view's keys, as few presses as possible."""
    view = screen.live.view
    state = screen.state
    while not state.finished:
        run = view.snapshot.runs[0]
        left = updates - run.updates
        if left <= 0 or run.status == "diverged":
            break
        per_epoch = run.facts.per_epoch
        fits = [k for k in FF_LENGTHS if k * per_epoch <= left]
        if not fits:
            key = "n"
        elif fits[-1] == 1:
            key = "e"
        else:
            while view.ff_epochs != fits[-1]:
                await pilot.press("F")
            key = "f"
        version = view.snapshot.version
        await pilot.press(key)
        await until(pilot, lambda v=version: idle(screen) and view.snapshot.version != v)
        await pilot.pause()


async def meet_goal(pilot: Pilot, screen: LessonScreen, lesson: Lesson, cp: Checkpoint):
    assert cp.solution is not None
    await until(pilot, lambda: idle(screen), what="the live view")
    await pilot.press("t")  # 80×24: over to the live view
    assert screen.has_class("-live")
    settings = dict(cp.solution.settings)
    if settings:
        version = screen.live.view.snapshot.version
        assert screen.apply_settings(settings)
        await until(pilot, lambda: idle(screen) and screen.live.view.snapshot.version != version)
        config = screen.live.view.snapshot.runs[0].choice.config
        assert config.lr == pytest.approx(float(settings.get("lr", config.lr)))
    await run_updates(pilot, screen, cp.solution.updates)
    await until(pilot, lambda: screen.state.finished, what=f"goal {lesson.id}/{cp.id}")
    assert screen.state.outcome.status == "correct", (lesson.id, cp.id, screen.state.outcome)
    await pilot.press("t")  # back to the text
    assert not screen.has_class("-live")


async def take_lesson(pilot: Pilot, screen: LessonScreen, lesson: Lesson, data: Path) -> None:
    assert screen.lesson.id == lesson.id and screen.index == 0
    for index, item in enumerate(lesson.items()):
        assert screen.index == index
        if isinstance(item, Checkpoint):
            await until(pilot, lambda: screen.state is not None)
            await read_hints(pilot, screen, item)
            if item.kind == "fixit":
                await repair_loop(pilot, screen, lesson, item)
            elif item.kind == "goal":
                await meet_goal(pilot, screen, lesson, item)
            else:
                await answer_question(pilot, screen, lesson, item)
        await pilot.press("greater_than_sign")
    assert screen.item is None  # the end card
    progress, _ = ProgressStore(data).load()
    assert lesson.id in progress.course(COURSE.key).done


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_automated_learner_finishes_the_course(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(data))
    app = LinregApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.engine_ready and app.lessons is not None, timeout=120)
        menu = app.screen.query_one(HomeMenu)
        assert menu.highlighted_option.id == f"lesson:{COURSE.lessons[0].id}"  # resume row
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
        screen = app.screen
        assert screen.lang == lang
        for number, lesson in enumerate(COURSE.lessons):
            await take_lesson(pilot, screen, lesson, data)
            if number + 1 < len(COURSE.lessons):
                await pilot.press("greater_than_sign")  # the end card's "next lesson"
        await pilot.press("escape")
        assert not isinstance(app.screen, LessonScreen)
    progress = ProgressStore(data).load()[0].course(COURSE.key)
    assert progress.done == {lesson.id for lesson in COURSE.lessons}
    expected = {f"{lesson.id}/{cp.id}" for lesson in COURSE.lessons for cp in lesson.checkpoints}
    assert set(progress.checkpoints) == expected
    goals = {f"{x.id}/{c.id}" for x in COURSE.lessons for c in x.checkpoints if c.kind == "goal"}
    fixits = {f"{x.id}/{c.id}" for x in COURSE.lessons for c in x.checkpoints if c.kind == "fixit"}
    for key, result in progress.checkpoints.items():
        tries = 0 if key in goals else 2 if key in fixits else 1  # goals are met on the run
        assert (result.result, result.tries) == ("correct", tries), key
