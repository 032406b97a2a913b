"""The lesson screen driven by Pilot in the real app: moving, every checkpoint kind, hints,
revealing, skipping, goals on the live run, progress across restarts, language, layouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_wait import until
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from linreg_tui.lessons.answers import compute_answer, expected_answer, make_run
from linreg_tui.lessons.checkpoints import asked_decimals, format_number
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.progress import ProgressStore
from linreg_tui.tui.app import LinregApp
from linreg_tui.tui.screens.compare import CompareView
from linreg_tui.tui.screens.home import HomeMenu
from linreg_tui.tui.screens.lesson import LessonScreen, layout_for, open_lesson
from linreg_tui.tui.screens.playground import PlaygroundView
from linreg_tui.tui.widgets.lesson_checkpoint import AnswerInput, ChoiceList
from linreg_tui.tui.widgets.lesson_edit import FixitEditor

COURSE = load_course()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own progress folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("LINREG_TUI_DATA_DIR", str(folder))
    return folder


async def start(pilot: Pilot, lesson_id: str | None, item: int | None = None) -> LessonScreen:
    """Wait for the app, open a lesson (at ``item``, or where progress says) and its view."""
    app = pilot.app
    await until(pilot, lambda: app.engine_ready and app.lessons is not None, timeout=120)
    if item is None:
        open_lesson(app, lesson_id)
    else:
        app.push_screen(LessonScreen(app.lessons.course, lesson_id, item))
    await until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.is_mounted)
    screen = app.screen
    await until(pilot, lambda: screen.live.ready and screen.live.view.snapshot is not None)
    await until(pilot, lambda: screen.state is None or screen.state.ready or screen.state.error)
    return screen


def at(lesson_id: str, item: str | int) -> int:
    """The index in ``lesson_id``'s items of checkpoint ``item`` (an id) or page ``item``
    (a number): tests name what they open, so reordering a lesson does not break them."""
    for index, it in enumerate(COURSE.lesson(lesson_id).items()):
        if getattr(it, "id", None) == item or getattr(it, "number", None) == item:
            return index
    raise KeyError((lesson_id, item))


def number_of(lesson_id: str) -> int:
    return [lesson.id for lesson in COURSE.lessons].index(lesson_id) + 1


def text_of(screen: LessonScreen, selector: str) -> str:
    content = screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def saved(data: Path):
    return ProgressStore(data).load()[0].course(COURSE.key)


# -- moving ------------------------------------------------------------------------------


async def test_keys_move_through_a_lesson_and_every_move_is_saved(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "loss", 0)
        lesson = COURSE.lesson("loss")
        assert text_of(screen, "#lesson-page") == lesson.pages[0].text.en
        moves = [(">", 1), ("n", 2), ("<", 1), ("left", 0), ("right", 1), ("b", 0), ("<", 0)]
        for key, index in moves:
            await pilot.press(key)
            assert screen.index == index, key
            assert (saved(data).lesson, saved(data).item) == ("loss", index), key
        assert "1/8" in text_of(screen, "#where-left")
        assert saved(data).reached["loss"] == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, LessonScreen)


async def test_page_text_is_shown_as_written_not_as_markup(data: Path, tmp_path: Path) -> None:
    course_dir = tmp_path / "course"
    course_dir.mkdir()
    (course_dir / "01-x.toml").write_text(
        'id = "x"\norder = 1\ntitle = { en = "X", zh = "X" }\n[preset]\ndataset = "hours"\n'
        "[[page]]\ntext.en = '''a[0] = [bold]w[/bold] \\\\[x]'''\ntext.zh = '''[red]页[/red]'''\n",
        encoding="utf-8",
    )
    app = LinregApp(lessons_path=course_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "x", 0)
        assert text_of(screen, "#lesson-page") == "a[0] = [bold]w[/bold] \\\\[x]"
        await pilot.press("ctrl+l")
        assert text_of(screen, "#lesson-page") == "[red]页[/red]"


# -- questions ---------------------------------------------------------------------------


async def test_choice_hint_after_a_wrong_answer_and_the_answer_after_three(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "minibatch", at("minibatch", "per-epoch"))  # answer b
        assert isinstance(screen.focused, ChoiceList)
        cp = screen.state.checkpoint
        await pilot.press("a")
        feedback = text_of(screen, "#cp-feedback")
        assert "try 1 of 3" in feedback and cp.hint.en in feedback
        assert screen.state.outcome.status == "wrong"
        await pilot.press("3")  # c, by its number
        assert screen.state.outcome.tries == 2
        await pilot.press("d")
        assert screen.state.outcome.status == "revealed"
        feedback = text_of(screen, "#cp-feedback")
        assert f"b) {cp.options[1].en}" in feedback and cp.explain.en in feedback
        marks = [str(o.prompt)[:2] for o in screen.query_one(ChoiceList)._options]
        assert marks == ["✗ ", "✓ ", "✗ ", "✗ "]
        result = saved(data).result("minibatch", cp.id)
        assert (result.result, result.tries) == ("revealed", 3)
        assert not isinstance(screen.focused, ChoiceList)  # b now moves back again
        await pilot.press("b")
        assert screen.index == at("minibatch", "per-epoch") - 1


async def test_numeric_answer_is_judged_against_the_engine(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "gradient", 3)  # first-grad: step(1).grad.w[0]
        lesson = COURSE.lesson("gradient")
        expected = expected_answer(lesson, screen.state.checkpoint)
        assert expected == pytest.approx(-2.0)  # T4's first gradient
        assert isinstance(screen.focused, AnswerInput)
        await pilot.press("1", "enter")
        assert screen.state.outcome.status == "wrong"
        assert screen.query_one(AnswerInput).value == ""  # cleared for the next try
        await pilot.press("x", "y", "enter")  # unreadable: no try used
        assert screen.state.outcome.status == "invalid" and screen.state.outcome.tries == 1
        assert "number" in text_of(screen, "#cp-feedback")
        await pilot.press("ctrl+u", "-", "2", "enter")
        assert screen.state.outcome.status == "correct"
        assert "✓ Correct" in text_of(screen, "#cp-feedback")
        result = saved(data).result("gradient", "first-grad")
        assert (result.result, result.tries) == ("correct", 2)


async def test_hint_key_and_skip_from_inside_the_answer_box(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "descent", 1)  # second-w, numeric
        assert isinstance(screen.focused, AnswerInput)
        await pilot.press("h")
        assert screen.state.checkpoint.hint.en in text_of(screen, "#cp-feedback")
        assert screen.state.outcome is None  # a hint is not a try
        assert screen.query_one(AnswerInput).value == ""
        await pilot.press("S")
        assert screen.state.outcome.status == "skipped"
        expected = compute_answer("step(2).w_after[0]", COURSE.lesson("descent").preset)
        asked = asked_decimals(screen.state.checkpoint.prompt.en)  # "(4 decimals)"
        assert format_number(expected, asked) in text_of(screen, "#cp-feedback")
        assert saved(data).result("descent", "second-w").result == "skipped"
        assert screen.check_action("lesson_run", ()) is False  # nothing to run after a skip


async def test_predict_is_asked_once_then_run_in_the_live_view(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "learning-rate", 2)  # predict-025: c, lr 0.25, 30 updates
        await pilot.press("a")
        outcome = screen.state.outcome
        assert outcome.status == "revealed" and not outcome.was_correct and outcome.tries == 1
        assert "c) " in text_of(screen, "#cp-feedback")
        assert not screen.has_class("-live")
        await pilot.press("R")
        assert screen.has_class("-live") and isinstance(screen.focused, PlaygroundView)
        view = screen.live.view
        await until(pilot, lambda: view.snapshot.runs[0].updates > 0)
        run = view.snapshot.runs[0]
        reference = make_run(COURSE.lesson("learning-rate").preset_for(screen.state.checkpoint))
        reference.run_until(update=30)
        assert run.status == reference.status == "diverged"
        assert run.updates == reference.updates and run.lr == pytest.approx(0.25)


# -- goals -------------------------------------------------------------------------------


async def test_a_goal_is_missed_then_met_with_the_learners_own_keys(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "learning-rate", 1)  # fast: loss < 0.01 within 20
        view = screen.live.view
        await pilot.press("t")
        assert isinstance(screen.focused, PlaygroundView)
        for _ in range(3):  # lr 0.01: 30 updates, still above 0.01
            version = view.snapshot.version
            await pilot.press("f")
            await until(pilot, lambda v=version: view.snapshot.version != v)
        await pilot.pause()
        assert screen.state.goal_status == "missed"
        assert screen.state.outcome.status == "wrong" and screen.state.outcome.tries == 1
        await pilot.press("r")  # a fresh attempt
        await pilot.pause()
        assert screen.state.goal_status == "pending"
        for _ in range(3):  # ] doubles η: 0.08
            version = view.snapshot.version
            await pilot.press("right_square_bracket")
            await until(pilot, lambda v=version: view.snapshot.version != v)
        assert view.snapshot.runs[0].choice.config.lr == pytest.approx(0.08)
        await pilot.press("f")  # ten updates in one frame: the goal was met between frames
        await until(pilot, lambda: screen.state.finished)
        reference = make_run(COURSE.lesson("learning-rate").preset.with_overrides({"lr": 0.08}))
        reference.run_until(loss=0.01)
        assert screen.state.tracker.met_at == reference.updates < 10
        assert screen.state.outcome.status == "correct"
        assert f"update {reference.updates}" in text_of(screen, "#lesson-live-bar")
        assert saved(data).result("learning-rate", "fast").result == "correct"


async def test_giving_up_shows_the_solution_and_r_runs_it(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "learning-rate", at("learning-rate", "diverge"))  # lr 0.3
        await pilot.press("S")
        assert screen.state.outcome.status == "revealed"
        assert "lr = 0.3" in text_of(screen, "#cp-feedback")
        assert screen.check_action("lesson_run", ()) is True
        await pilot.press("R")
        view = screen.live.view
        await until(pilot, lambda: view.snapshot.runs[0].status == "diverged")
        assert view.snapshot.runs[0].choice.config.lr == pytest.approx(0.3)
        await pilot.pause()
        assert screen.state.goal_status == "met"
        assert saved(data).result("learning-rate", "diverge").result == "revealed"


async def test_a_rate_goal_is_met_by_applying_settings(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(pilot, "challenge", 1)  # edge: η within 10 % of η_max
        assert screen.state.goal_status == "pending"
        assert screen.apply_settings({"lr": 4.3e-05})
        await until(pilot, lambda: screen.state.finished)
        assert screen.state.outcome.status == "correct"


# -- the live view -------------------------------------------------------------------------


CHECKS = [  # (lesson, checkpoint, updates to run, what to read from the live run)
    ("gradient", "first-grad", 1, lambda run: run.step.grad_w[0]),
    ("bias", "b-after-1", 1, lambda run: run.step.b_after),
    ("autograd", "accumulated", 2, lambda run: run.step.grad_w[0]),
    ("scaling", "bug-grad", 1, lambda run: run.step.grad_w[0]),
    ("minibatch", "stream-b", 500, lambda run: run.b),
    ("features", "loss-100", 100, lambda run: run.loss),
]


@pytest.mark.parametrize("lesson_id, cp_id, updates, read", CHECKS, ids=[c[1] for c in CHECKS])
async def test_the_live_view_shows_the_numbers_the_answers_come_from(
    data: Path, lesson_id: str, cp_id: str, updates: int, read
) -> None:
    lesson = COURSE.lesson(lesson_id)
    index = [getattr(i, "id", None) for i in lesson.items()].index(cp_id)
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, lesson_id, index)
        assert screen.run_in_view(None, updates)
        view = screen.live.view
        await until(pilot, lambda: view.snapshot.runs[0].updates == updates)
        expected = expected_answer(lesson, lesson.checkpoint(cp_id))
        assert read(view.snapshot.runs[0]) == pytest.approx(expected, rel=1e-6, abs=1e-9)


async def test_a_compare_preset_opens_the_compare_view(data: Path) -> None:
    app = LinregApp(lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "minibatch", at("minibatch", 2))  # the race page
        view = screen.live.view
        assert isinstance(view, CompareView)
        assert [c.label for c in view.session.choices] == ["全批量", "小批量 B = 4", "SGD，B = 1"]
        assert view.session.alignment == "epochs"
        stream_b = at("minibatch", "stream-b")
        await pilot.press(*[">"] * (stream_b - at("minibatch", 2)))  # on to stream-b
        assert screen.index == stream_b
        await until(pilot, lambda: isinstance(screen.live.view, PlaygroundView))


# -- layouts -------------------------------------------------------------------------------


def test_layout_for_sizes() -> None:
    assert layout_for(80, 24) == "narrow"
    assert layout_for(120, 40) == "stacked"
    assert layout_for(160, 40) == "wide"
    assert layout_for(160, 24) == "narrow"


@pytest.mark.parametrize("size, both", [((80, 24), False), ((120, 40), True), ((160, 40), True)])
async def test_t_switches_between_text_and_live_view(data: Path, size, both: bool) -> None:
    app = LinregApp()
    async with app.run_test(size=size) as pilot:
        screen = await start(pilot, "loss", 0)
        side, live = screen.query_one("#lesson-side"), screen.query_one("#lesson-live")
        assert side.region.width > 0 and (live.region.width > 0) == both
        await pilot.press("t")
        assert isinstance(screen.focused, PlaygroundView)
        assert (side.region.width > 0) == both and live.region.width > 0
        await pilot.press("n")  # the view's key: one update, not the next page
        assert screen.index == 0 and screen.live.view.snapshot.runs[0].updates == 1
        await pilot.press("greater_than_sign")  # the lesson's key still works
        assert screen.index == 1
        # the next page's text comes first at 80×24; side by side the view keeps the focus
        assert isinstance(screen.focused, PlaygroundView) == both
        assert side.region.width > 0
        await pilot.press("t")
        assert isinstance(screen.focused, PlaygroundView) != both


# -- progress and language -----------------------------------------------------------------


async def test_progress_is_resumed_after_restarting_the_app(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "loss", at("loss", "same-loss"))
        await pilot.press("c")  # right
        await pilot.press(">")
        assert screen.index == at("loss", "same-loss") + 1
    again = LinregApp()
    async with again.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: again.lessons is not None)
        menu = again.screen.query_one(HomeMenu)
        assert menu.highlighted_option.id == "lesson:loss"  # Home offers to continue
        screen = await start(pilot, None)  # resume
        assert (screen.lesson.id, screen.index) == ("loss", at("loss", "same-loss") + 1)
        await pilot.press("<")
        assert "Earlier result: correct" in text_of(screen, "#cp-feedback")


async def test_the_end_card_marks_the_lesson_done_and_opens_the_next(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "sgd", len(COURSE.lesson("sgd").items()) - 1)
        await pilot.press(">")
        assert screen.item is None
        assert f"Next lesson: {number_of('minibatch')}. Mini-batches" in text_of(
            screen, "#lesson-page"
        )
        assert "sgd" in saved(data).done  # the end was reached…
        sgd = COURSE.lesson("sgd")
        progress = app.lessons.progress
        # …but paging past checkpoints is not answering them: not done yet (Home's view)
        assert progress.open_checkpoints(sgd) and progress.lesson_fraction(sgd) < 1.0
        assert "not answered" in text_of(screen, "#lesson-page")
        await pilot.press(">")
        assert (screen.lesson.id, screen.index) == ("minibatch", 0)
        where = f"Lesson {number_of('minibatch')} of {len(COURSE.lessons)}"
        assert where in text_of(screen, "#where-left")


async def test_switching_language_redraws_the_lesson(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "minibatch", at("minibatch", "per-epoch"))
        await pilot.press("a")
        assert "Not quite" in text_of(screen, "#cp-feedback")
        await pilot.press("ctrl+l")
        assert screen.lang == "zh"
        cp = screen.state.checkpoint
        assert cp.prompt.zh in text_of(screen, "#cp-prompt")
        feedback = text_of(screen, "#cp-feedback")
        assert "不太对" in feedback and cp.hint.zh in feedback
        assert f"第 {number_of('minibatch')} 课" in text_of(screen, "#where-left")
        first = screen.query_one(ChoiceList).get_option_at_index(0).prompt.plain
        assert first.endswith(cp.options[0].zh)
        assert screen.live.view.lang == "zh"


async def test_a_teachers_course_with_its_own_csv(data: Path, tmp_path: Path) -> None:
    """``--lessons PATH``: the lesson's data is a CSV next to the lesson file."""
    course_dir = tmp_path / "teacher"
    course_dir.mkdir()
    (course_dir / "marks.csv").write_text("hours,mark\n1,3\n2,5\n3,8\n4,9\n", encoding="utf-8")
    (course_dir / "01-marks.toml").write_text(
        'id = "marks"\norder = 1\ntitle = { en = "Marks", zh = "分数" }\n'
        '[preset]\ndataset = "marks.csv"\nbias = true\nlr = 0.05\n'
        "[[page]]\ntext.en = 'p'\ntext.zh = '页'\n"
        '[[checkpoint]]\nid = "l0"\nkind = "numeric"\ncompute = "start.loss"\ntolerance = 0.01\n'
        'prompt = { en = "L?", zh = "L？" }\nhint = { en = "h", zh = "提示" }\n'
        'explain = { en = "e", zh = "解释" }\n',
        encoding="utf-8",
    )
    app = LinregApp(lessons_path=course_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "marks", 1)
        mean_square = (9 + 25 + 64 + 81) / 4  # w = b = 0: the loss is the mean of y²
        assert screen.live.view.snapshot.runs[0].loss == pytest.approx(mean_square)
        await pilot.press(*"44.75", "enter")
        assert screen.state.outcome.status == "correct"
    assert "marks" in ProgressStore(data).load()[0].courses[app.lessons.course.key].reached


async def test_escape_leaves_the_live_view_first_then_the_lesson(data: Path) -> None:
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, None)  # nothing saved yet: the course's start
        assert (screen.lesson.id, screen.index) == (COURSE.lessons[0].id, 0)
        await pilot.press("t")
        assert screen.has_class("-live")
        await pilot.press("escape")
        assert not screen.has_class("-live") and app.screen is screen
        await pilot.press("escape")
        assert app.screen is not screen


def test_the_live_view_loads_the_data_the_answers_were_computed_on() -> None:
    """The lesson's live view and its computed answers read a preset's data by one rule."""
    from linreg_tui.lessons.answers import load_preset_dataset
    from linreg_tui.lessons.model import Preset, frozen_map
    from linreg_tui.tui.screens.lesson_view import dataset_choice

    for name in ("hours", "synthetic"):
        preset = Preset(name, frozen_map({"seed": 5, "bias": True}))
        live, answers = dataset_choice(preset).load(), load_preset_dataset(preset)
        assert (live.X == answers.X).all() and (live.y == answers.y).all()


# -- fix-its and graded hints ------------------------------------------------------------


async def test_a_fixit_picks_the_line_then_the_fix_and_runs_both_loops(data: Path) -> None:
    lesson = COURSE.lesson("descent")
    index = next(i for i, it in enumerate(lesson.items()) if getattr(it, "kind", "") == "fixit")
    cp = lesson.items()[index]
    app = LinregApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, "descent", index)
        assert isinstance(screen.live.view, CompareView)  # buggy and repaired, side by side
        await until(pilot, lambda: isinstance(screen.focused, ChoiceList), what="the lines")
        lines = screen.query_one(ChoiceList)
        assert lines.option_count == len(cp.code)
        assert lines.get_option_at_index(4).prompt.plain.endswith(cp.code[4])
        await pilot.press("h")  # graded hints: one level per press, no try used
        assert cp.levels[0].en in text_of(screen, "#cp-feedback")
        assert "h: one more hint (1 of 3 shown)" in text_of(screen, "#cp-feedback")
        await pilot.press("2")  # a wrong line: a miss and the next hint level
        assert "try 1 of 3" in text_of(screen, "#cp-feedback")
        assert cp.levels[1].en in text_of(screen, "#cp-feedback")
        await pilot.press(str(cp.bug_line))
        await until(pilot, lambda: screen.state.line_found, what="the line")
        assert "Right line: line 5" in text_of(screen, "#cp-feedback")
        assert lines.option_count == len(cp.options)  # now the fixes
        assert isinstance(screen.focused, FixitEditor)  # the line's editor comes first
        await pilot.press("tab")  # the fallback: pick a fix from the list
        assert screen.focused is lines
        await pilot.press("b")
        await until(pilot, lambda: screen.state.finished and screen.state.fixit is not None)
        assert screen.state.outcome.status == "correct"
        feedback = text_of(screen, "#cp-feedback")
        result = screen.state.fixit
        assert f"buggy loop: loss {result.buggy.loss:.6g}" in feedback
        assert f"repaired loop: loss {result.fixed.loss:.6g}" in feedback
        view = screen.live.view
        await until(
            pilot,
            lambda: all(r.updates == cp.run_updates for r in view.snapshot.runs),
            what="both loops run live",
            timeout=60,
        )
        live = [r.summary.loss for r in view.snapshot.runs]
        assert live == pytest.approx([result.buggy.loss, result.fixed.loss], rel=1e-9)
    assert saved(data).checkpoints[f"descent/{cp.id}"].tries == 3
