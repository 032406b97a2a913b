"""The expression functions that the numbers of lessons 9–17 need: mean_loss/max_loss,
x_min/x_max, converged_at, using(E, k=v); the ``.N,`` thousands format; and the course
shown from its shipped values without running the engine."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from linreg_tui.lessons import answers
from linreg_tui.lessons.answers import AnswerError, compute_answer, make_run
from linreg_tui.lessons.expressions import ExpressionError, Using, Window, parse_expression
from linreg_tui.lessons.limits import expression_updates
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.model import Preset
from linreg_tui.lessons.templates import rendered_lesson

LESSON = textwrap.dedent(
    """\
    id = "demo"
    order = 1
    title = { en = "Demo", zh = "演示" }

    [preset]
    dataset = "hours"
    bias = false
    init_w = [1.0]
    lr = 0.01
    batch = "sgd"
    shuffle = false

    [[page]]
    text.en = '''
    From w = 1.0933 (a start we chose) the mean loss is {{ mean_loss(2, 5) | 4 }}.
    '''
    text.zh = '''
    平均损失为 {{ mean_loss(2, 5) | 4 }}，最大 {{ using(max_loss(1, 3), lr=0.02) | 4 }}。
    '''

    [page.preset]
    init_w = [1.0933]
    """
)


def write(tmp_path: Path, text: str = LESSON) -> Path:
    (tmp_path / "01-demo.toml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def hours(tmp_path_factory: pytest.TempPathFactory) -> Preset:
    """The demo lesson's preset: the hours data, SGD in file order from w = 1."""
    return load_course(write(tmp_path_factory.mktemp("course"))).lessons[0].preset


def test_new_functions_parse_and_refuse_what_is_outside_the_grammar() -> None:
    assert parse_expression("mean_loss(2, 5)") == Window("mean", 2, 5)
    using = parse_expression("using(after(epochs=2).loss, batch='sgd', seed=3, mistake=None)")
    assert isinstance(using, Using)
    assert using.settings == (("batch", "sgd"), ("seed", 3), ("mistake", None))
    for bad in (
        "max_loss(5, 2)",
        "mean_loss(0, 2)",
        "converged_at(0)",
        "using(start.loss)",
        "using(start.loss, colour=1)",
        "using(start.loss, dataset='x')",
        "x_min[-1]",
        "using(start.loss, lr=open)",
    ):
        with pytest.raises(ExpressionError):
            parse_expression(bad)


def test_windows_are_the_mean_and_max_of_the_full_loss_after_each_update(hours) -> None:
    run = make_run(hours)
    losses = []
    for _ in range(5):
        run.step()
        losses.append(run.loss)
    assert compute_answer("mean_loss(2, 5)", hours) == pytest.approx(np.mean(losses[1:]))
    assert compute_answer("max_loss(1, 3)", hours) == pytest.approx(max(losses[:3]))


def test_data_range_and_using(hours) -> None:
    data = answers.load_preset_dataset(hours)
    assert compute_answer("x_min[0]", hours) == data.X[:, 0].min()
    assert compute_answer("x_max[0] - x_min[0]", hours) == np.ptp(data.X[:, 0])
    faster = hours.with_overrides({"lr": 0.02, "batch": "full"})
    assert compute_answer("using(step(1).w_after[0], lr=0.02, batch='full')", hours) == (
        compute_answer("step(1).w_after[0]", faster)
    )
    for bad in ("x_max[1]", "using(start.loss, optimizer='nope')"):
        with pytest.raises(AnswerError):
            compute_answer(bad, hours)


def test_the_cost_of_windows_and_of_using_a_batch_mode() -> None:
    assert expression_updates(parse_expression("max_loss(10, 300) - start.loss"), 1) == 300
    epochs = parse_expression("using(after(epochs=50).loss, batch='sgd')")
    assert expression_updates(epochs, 7, rows=100) == 5000  # 100 rows: 100 updates an epoch
    assert expression_updates(parse_expression("-using(after(epochs=3).loss, lr=0.1)"), 7) == 21


def test_a_lesson_shows_precomputed_values_without_the_engine(monkeypatch) -> None:
    """The bundled course's values file holds every template: rendering all lessons runs no
    engine computation and takes well under the 50 ms a lesson may wait for."""

    def computed(*_: object, **__: object) -> float:
        raise AssertionError("a template was computed while rendering")

    course = load_course()
    monkeypatch.setattr(answers, "compute_answer", computed)
    started = time.perf_counter()
    shown = [rendered_lesson(lesson) for lesson in course.lessons]
    elapsed = time.perf_counter() - started
    texts = [p.text.en + p.text.zh for le in shown for p in le.pages]
    texts += [
        c.explain.en + c.explain.zh + c.prompt.en + c.prompt.zh
        for le in shown
        for c in le.checkpoints
    ]
    assert not any("{{" in text for text in texts)
    assert elapsed < 0.5, f"rendering the course took {elapsed:.3f} s"
    noise = next(le for le in shown if le.id == "sgd-noise")
    assert "loss 0.4872, where the best is 0.4869" in noise.pages[0].text.en


def test_converged_at_is_the_first_update_below_the_tolerance() -> None:
    """Lesson 16's count, by stepping: plain descent on T1's data converges at update 8274;
    the fast-forwarding expression finds the same update."""
    preset = load_course().lesson("conditioning").preset
    run = make_run(preset)
    while run.summary().status != "converged":
        run.step()
    assert run.updates == 8274
    assert compute_answer("converged_at(9000)", preset) == run.updates
    with pytest.raises(AnswerError, match="not converged within 8273"):
        compute_answer("converged_at(8273)", preset)
    assert expression_updates(parse_expression("converged_at(9000)"), 1) == 9000


def test_grouped_thousands_format() -> None:
    from linreg_tui.lessons.templates import format_value, parse_template

    assert format_value(8274.0, parse_template("{{ converged_at(9000) | .0, }}")) == "8,274"
    assert format_value(1234.5, parse_template("{{ start.loss | .1 }}")) == "1234.5"
    with pytest.raises(ExpressionError):
        parse_template("{{ start.loss | 3, }}")
