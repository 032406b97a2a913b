"""The bundled course: valid, bilingual, shaped as promised, and completable.

The automated learner walks every lesson's items in each language, answers
every question from its literal or engine-computed answer, meets every goal
by applying its solution to a live Run, and records progress as it goes.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from linreg_tui.lessons.answers import check_solution, expected_answer, make_run
from linreg_tui.lessons.checkpoints import CORRECT, LETTERS, CheckpointSession
from linreg_tui.lessons.checks import PAGE_ROWS, display_width, wrapped_rows
from linreg_tui.lessons.goals import check_goal
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Checkpoint, Course, Lesson, Page
from linreg_tui.lessons.progress import ProgressStore
from linreg_tui.lessons.templates import rendered_lesson
from linreg_tui.lessons.validate import validate_course

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("en", "zh")


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


@pytest.fixture(scope="module")
def answers(course: Course) -> dict[tuple[str, str], float | int | None]:
    """The right answer of every question, computed once (the engine is deterministic)."""
    return {
        (lesson.id, cp.id): expected_answer(lesson, cp)
        for lesson in course.lessons
        for cp in lesson.checkpoints
        if cp.kind != "goal"
    }


def cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) == "W" and ch.isalpha() for ch in text)


# Numbers in lesson text still typed by hand (the validator's warnings): a ratchet. Each one
# turned into an engine template ({{ expr }}) lowers it; a new hand-typed number fails here.
HAND_TYPED_NUMBERS_LEFT = 0


def test_bundled_course_validates_fully() -> None:
    """Structure, both languages, every computed answer and every goal's solution; no more
    hand-typed numbers than the ratchet allows."""
    findings = validate_course()
    assert [str(f) for f in findings if f.severity != "warning"] == []
    warnings = [f for f in findings if f.severity == "warning"]
    assert all("typed by hand" in f.message for f in warnings)
    assert len(warnings) <= HAND_TYPED_NUMBERS_LEFT


def test_docs_example_validates(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "lessons.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", docs, re.S)
    assert example is not None
    (tmp_path / "01-example.toml").write_text(example.group(1), encoding="utf-8")
    assert validate_course(tmp_path) == []
    from linreg_tui.lessons import schema

    keys = (
        *schema.LESSON_KEYS,
        *schema.CHECKPOINT_KEYS,
        *schema.GOAL_KEYS,
        *schema.PRESET_SETTINGS,
        *schema.PRESET_VIEW_KEYS,
        *schema.RUN_VARIANT_EXTRA,
    )
    undocumented = [k for k in keys if not re.search(rf"`[^`]*\b{k}\b[^`]*`", docs)]
    assert undocumented == []


def test_course_shape(course: Course) -> None:
    lessons = course.lessons
    assert len(lessons) >= 13 and lessons[-1].id == "challenge"
    assert [lesson.order for lesson in lessons] == sorted({lesson.order for lesson in lessons})
    for lesson in lessons:
        assert 2 <= len(lesson.pages) <= 5, lesson.id
        assert 2 <= len(lesson.checkpoints) <= 6, lesson.id  # room for a fix-it
        assert any(cp.compute for cp in lesson.checkpoints), f"{lesson.id}: no engine answer"
    kinds = {cp.kind for lesson in lessons for cp in lesson.checkpoints}
    assert kinds == {"choice", "numeric", "predict", "goal", "fixit"}
    fixits = [cp for lesson in lessons for cp in lesson.checkpoints if cp.kind == "fixit"]
    assert len(fixits) >= 3
    assert {"overwrite-grad", "forget-zero-grad"} <= {cp.mistake for cp in fixits}
    goals = {cp.goal.kind for lesson in lessons for cp in lesson.checkpoints if cp.goal}
    assert goals == {"loss_below", "diverge", "converge", "lr_within_stable", "hold_below"}
    datasets = {le.preset_for(item).dataset_name for le in lessons for item in le.items()}
    assert {"hours", "tutorial15", "synthetic", "stream", "data.csv", "diabetes", "housing"} <= (
        datasets
    )
    assert any(le.preset_for(item).view == "compare" for le in lessons for item in le.items())


def test_both_languages_everywhere(course: Course) -> None:
    for lesson in course.lessons:
        texts = [lesson.title, *(p.text for p in lesson.pages)]
        for cp in lesson.checkpoints:
            texts += [cp.prompt, cp.hint, cp.explain, *cp.options]
        for t in texts:
            assert t.en.strip() and t.zh.strip(), lesson.id
            assert not cjk(t.en), f"{lesson.id}: Chinese in the English text {t.en[:40]!r}"
        assert all(cjk(p.text.zh) for p in lesson.pages), lesson.id
        assert all(cjk(cp.prompt.zh) for cp in lesson.checkpoints), lesson.id


def test_pages_fit_80x24(course: Course) -> None:
    """As the learner sees them: with every ``{{ … }}`` template computed."""
    for lesson in course.lessons:
        for page in rendered_lesson(lesson).pages:
            for lang in LANGS:
                body = page.text.get(lang)
                assert wrapped_rows(body) <= PAGE_ROWS, (lesson.id, page.number, lang)
                widest = max(display_width(line) for line in body.splitlines())
                assert widest <= 70, (lesson.id, page.number, lang, widest)


def test_tutorial_numbers_in_the_course(answers: dict) -> None:
    """Spot checks that the lessons reproduce the tutorials' printed values."""
    assert answers[("gradient", "first-grad")] == pytest.approx(-2.0)  # T4's first gradient
    assert answers[("bias", "b-after-1")] == pytest.approx(0.069313, abs=1e-5)  # T1, b: −6.9313
    assert answers[("descent", "predict-100")] == pytest.approx(8.0, abs=0.001)  # T2
    assert answers[("learning-rate", "eta-max")] == pytest.approx(3 / 14)


def solve_goal(lesson: Lesson, cp: Checkpoint) -> bool:
    """Play the goal like a learner following the solution: change settings, step, and let
    a GoalTracker check after every update (reading the History, as the live view does)."""
    assert cp.goal is not None and cp.solution is not None
    from functools import partial

    from linreg_tui.lessons.answers import stable_lr
    from linreg_tui.lessons.goals import COLUMNS, MET, GoalTracker, GoalView

    preset = lesson.preset_for(cp).with_overrides(cp.solution.settings)
    run, best = make_run(preset), stable_lr(preset)
    tracker, optimum = GoalTracker(cp.goal), run.optimum()[2]
    read = partial(run.history_window, COLUMNS)
    for _ in range(cp.solution.updates + 1):
        if tracker.check(GoalView(run.summary(), best, read, run.per_epoch, optimum)) == MET:
            assert check_goal(cp.goal, run.summary(), best) or cp.goal.windowed
            return True
        if run.status == "diverged":
            return False
        run.step()
    return False


def answer_for(cp: Checkpoint, expected: float | int | None, lang: str) -> str:
    """What a careful learner types: an option letter, or the number to the tolerance."""
    if cp.is_choice:
        return LETTERS[int(expected or 0)] if lang == "en" else str(int(expected or 0) + 1)
    return f"{float(expected or 0.0):.10g}"


@pytest.mark.parametrize("lang", LANGS)
def test_automated_learner_completes_the_course(
    course: Course, answers: dict, lang: str, tmp_path: Path
) -> None:
    store = ProgressStore(tmp_path)
    goals_met: dict[tuple[str, str], bool] = {}
    for lesson in course.lessons:
        for index, item in enumerate(lesson.items()):
            store.update(lambda p, i=index, le=lesson: p.course(course.key).set_position(le.id, i))
            if isinstance(item, Page):
                assert item.text.get(lang)
                continue
            session = CheckpointSession(item, answers.get((lesson.id, item.id)), lang)
            if item.kind == "goal":
                key = (lesson.id, item.id)
                if key not in goals_met:
                    goals_met[key] = solve_goal(lesson, item)
                outcome = session.report(goals_met[key])
                assert outcome is not None, f"{lesson.id}/{item.id}: goal not met"
            elif item.kind == "fixit":  # the line by its number, then the fix
                assert session.attempt(str(item.bug_line)).status == "line"
                outcome = session.attempt(LETTERS[int(session.expected or 0)])
            else:
                outcome = session.attempt(answer_for(item, session.expected, lang))
            assert outcome.status == CORRECT, (lesson.id, item.id, lang, outcome)
            assert outcome.explain == item.explain.get(lang)
            store.update(
                lambda p, le=lesson, c=item, t=outcome.tries: p.course(course.key).record(
                    le.id, c.id, "correct", t
                )
            )
        store.update(lambda p, le=lesson: p.course(course.key).mark_done(le.id))
    progress, notice = store.load()
    assert notice is None
    done = progress.course(course.key)
    assert done.fraction(course) == 1.0
    assert len(done.checkpoints) == sum(len(lesson.checkpoints) for lesson in course.lessons)


def test_goals_need_the_learner(course: Course) -> None:
    """No goal is met by the untouched preset, and every solution meets its goal."""
    for lesson in course.lessons:
        for cp in lesson.checkpoints:
            if cp.kind == "goal":
                assert check_solution(lesson, cp) is None, (lesson.id, cp.id)


def test_wrong_answers_are_refused(course: Course, answers: dict) -> None:
    """A wrong number or option never counts as correct (answers are not accept-all)."""
    for lesson in course.lessons:
        for cp in lesson.checkpoints:
            if cp.kind == "goal":
                continue
            right = answers[(lesson.id, cp.id)]
            if cp.is_choice:
                wrong = LETTERS[(int(right) + 1) % len(cp.options)]
            else:
                bound = cp.tolerance * abs(right) if cp.relative else cp.tolerance
                wrong = f"{float(right) + 3 * bound + 1e-9:.12g}"
            out = CheckpointSession(cp, right, "zh").attempt(wrong)
            assert out.status != CORRECT, (lesson.id, cp.id)
