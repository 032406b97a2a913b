"""Numbers in text from the engine (``{{ expr | N }}``), the hand-typed-number warning,
graded-hint rules and fix-it checks of the validator."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from linreg_tui.lessons import templates as tpl
from linreg_tui.lessons.answers import compute_answer, fixit_result
from linreg_tui.lessons.expressions import ExpressionError
from linreg_tui.lessons.loader import load_course
from linreg_tui.lessons.templates import (
    input_numbers,
    parse_template,
    render,
    rendered_lesson,
    typed_numbers,
    value_of,
)
from linreg_tui.lessons.validate import validate_course

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
    batch = "full"

    [[page]]
    text.en = '''
    After 100 updates the loss is {{ after(updates=100).loss | 3 }}.
    T3 printed {{ "w 1.97, b 3.17" }}.
        w ← 1 − 0.01 · (−9.333) = 1.0933
    '''
    text.zh = '''
    100 次更新后损失为 {{ after(updates=100).loss | .4 }}。
    T3 打印了 {{ "w 1.97, b 3.17" }}。
    '''

    [[checkpoint]]
    id = "grad"
    kind = "numeric"
    after_page = 1
    prompt = { en = "First gradient?", zh = "第一个梯度？" }
    compute = "step(1).grad.w[0]"
    tolerance = 0.01
    hints.en = ["The slope at w = 1.", "(28/3)·(w − 2)", "It is {{ step(1).grad.w[0] | 4 }}."]
    hints.zh = ["w = 1 处的斜率。", "(28/3)·(w − 2)", "它等于 {{ step(1).grad.w[0] | 4 }}。"]
    explain = { en = "About 9.333 downhill.", zh = "约 −9.33。" }

    [[checkpoint]]
    id = "fix"
    kind = "fixit"
    after_page = 1
    prompt = { en = "Fix it.", zh = "修好它。" }
    code = ["for t in range(50):", "    w = w + lr * grad"]
    bug_line = 2
    options.en = ["    w = w - lr * grad", "    w = w + grad"]
    options.zh = ["    w = w - lr * grad", "    w = w + grad"]
    answer = 0
    mistake = "sign-flip"
    run_updates = 50
    hint = { en = "Downhill.", zh = "下坡。" }
    explain = { en = "Minus.", zh = "减号。" }
    """
)


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "01-demo.toml").write_text(text, encoding="utf-8")
    return tmp_path


def line_of(needle: str, text: str = LESSON) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_templates_are_the_engines_numbers(tmp_path: Path) -> None:
    lesson = load_course(write(tmp_path, LESSON)).lessons[0]
    shown = rendered_lesson(lesson)
    loss = compute_answer("after(updates=100).loss", lesson.preset)
    assert f"the loss is {loss:.3g}." in shown.pages[0].text.en
    assert f"损失为 {loss:.4f}。" in shown.pages[0].text.zh
    assert "T3 printed w 1.97, b 3.17." in shown.pages[0].text.en
    grad = compute_answer("step(1).grad.w[0]", lesson.preset)
    # a negative value with the minus sign of the course's text (U+2212), not a hyphen
    assert shown.checkpoints[0].levels[2].en == f"It is −{-grad:.4g}."
    assert shown.checkpoints[0].hint == shown.checkpoints[0].levels[0]


def test_a_lesson_without_templates_is_returned_as_is(tmp_path: Path) -> None:
    plain = re.sub(r"\{\{.*?\}\}", "x", LESSON)
    lesson = load_course(write(tmp_path, plain)).lessons[0]
    assert rendered_lesson(lesson) is lesson


def test_template_formats_and_errors() -> None:
    assert parse_template("{{ start.loss | 2 }}").digits == 2
    assert parse_template("{{ start.loss | .3 }}").decimals == 3
    assert parse_template('{{ "as printed" }}').quote == "as printed"
    for bad in ("{{ start.loss | x }}", "{{ open('f') }}", "{{ }}", "{{ start.loss | 0 }}"):
        with pytest.raises(ExpressionError):
            parse_template(bad)


def test_a_bad_template_shows_as_written(tmp_path: Path) -> None:
    lesson = load_course(write(tmp_path, LESSON)).lessons[0]
    assert render("x {{ step(99999999).lr }} y", lesson.preset) == "x {{ step(99999999).lr }} y"


def test_typed_numbers_rule() -> None:
    assert typed_numbers("loss 118.03, w 0.0889 and b 2.11") == ["118.03", "0.0889", "2.11"]
    assert typed_numbers("η = 0.01, 1.5 or 1000 updates; v1.2") == []
    assert typed_numbers("    w = 1.0933  (a formula line)") == []
    # a number that ends a sentence is still a number; a version string is not
    assert typed_numbers("It ends at 0.487. Then 1.0933.") == ["0.487", "1.0933"]
    assert typed_numbers("torch 2.3.1 or 10.123.4") == []
    assert typed_numbers('{{ "w 1.97, b 3.17" }} and {{ start.loss | 3 }}') == []


def test_page_size_measures_templates_as_shown() -> None:
    from linreg_tui.lessons.text_checks import shown_width

    text = 'a {{ start.loss | 3 }} b {{ "T3: 1.97" }} c {{ optimum.b | .2 }}'
    assert shown_width(text) == "a 00000 b T3: 1.97 c 000000"


def test_an_items_inputs_are_not_typed_numbers() -> None:
    """A number the item sets (its preset, its compute's literals) is an input, as written;
    the same value rounded as a result (1.00 for lr 1.0) is still a typed result."""
    inputs = input_numbers({"init_w": [-0.18818], "lr": 1.0}, "loss_at(-0.17818, 0) * 2.5")
    assert typed_numbers("from w = −0.18818 to −0.17818", inputs) == []
    assert typed_numbers("it moves by +1.00, then 0.18819", inputs) == ["1.00", "0.18819"]
    assert input_numbers({"dataset": "hours", "bias": True}, "start.loss(") == frozenset()


def test_the_bundled_course_reads_its_shipped_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored value is used as is for a bundled preset (no base_dir); a teacher's course
    (base_dir set) always computes."""
    lesson = load_course().lesson("loss")
    cp = lesson.checkpoint("loss-at-1-5")
    preset = lesson.preset_for(cp)
    template = parse_template("{{ start.loss + 0 | 3 }}")
    fake = {tpl.value_key(template.expr, preset): 12.5}
    monkeypatch.setattr(tpl, "stored_values", lambda: fake)
    monkeypatch.setattr(tpl, "_CACHE", {})  # the fake value must not outlive the test
    assert value_of(template, preset) == 12.5
    own = parse_template("{{ start.loss + 0 * 1 | 3 }}")
    assert value_of(own, preset.with_overrides({})) == pytest.approx(3.5 / 3)


def test_the_validator_reports_values_missing_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linreg_tui.lessons.validate import _templates

    lesson = load_course(write(tmp_path, LESSON)).lessons[0]
    monkeypatch.setattr(tpl, "stored_values", lambda: {})
    assert _templates(lesson, "01-demo.toml", LESSON) == []
    found = _templates(lesson, "01-demo.toml", LESSON, bundled=True)
    assert found and all(tpl.STORE in f.message for f in found)
    assert len(found) == 4  # two in the page, one in each language's hints
    assert {f.line for f in found} == {line_of("text.en"), line_of("hints.en")}


def test_the_validator_warns_at_the_line_of_a_typed_number(tmp_path: Path) -> None:
    problems = validate_course(write(tmp_path, LESSON))
    line = line_of("About 9.333")
    assert [(p.line, p.severity) for p in problems] == [(line, "warning")] * 2
    assert "explain.en: 9.333 typed by hand" in problems[0].message
    assert "explain.zh: 9.33 typed by hand" in problems[1].message


def test_bad_templates_are_reported_at_their_line(tmp_path: Path) -> None:
    text = LESSON.replace("| 3 }}", "| q }}").replace("step(1).grad.w[0] | 4 }}。", "w[0] }}。")
    problems = validate_course(write(tmp_path, text), evaluate=False)
    lines = {p.line for p in problems if p.severity == "error"}
    assert lines == {line_of("| q }}", text), line_of("它等于", text)}
    text = LESSON.replace("after(updates=100).loss | 3", "after(updates=100).w[3]")
    problems = validate_course(write(tmp_path, text), evaluate=False)
    assert any("w[3] is out of range" in p.message for p in problems)
    text = LESSON.replace("after(updates=100).loss | 3", "after(updates=2000000).loss")
    problems = validate_course(write(tmp_path, text), evaluate=False)
    assert any("updates" in p.message and p.severity == "error" for p in problems)


def test_numeric_and_goal_checkpoints_need_two_hint_levels(tmp_path: Path) -> None:
    text = LESSON.replace("hints.en = [", "hint.en = '1'\nx.en = [").replace(
        "hints.zh = [", "hint.zh = '1'\ny.zh = ["
    )
    text = "\n".join(line for line in text.splitlines() if not line.startswith(("x.", "y.")))
    problems = validate_course(write(tmp_path, text), evaluate=False)
    graded = [p for p in problems if "two hint levels" in p.message]
    assert [p.line for p in graded] == [line_of("hint.en = '1'", text)]


def test_hint_levels_must_match_across_languages(tmp_path: Path) -> None:
    text = LESSON.replace('"(28/3)·(w − 2)", "它等于', '"它等于')
    problems = validate_course(write(tmp_path, text), evaluate=False)
    assert any("hints.en has 3 levels but hints.zh has 2" in p.message for p in problems)
    both = LESSON.replace(
        'hint = { en = "Downhill."', 'hints = { en = ["a"], zh = ["b"] }\nhint = { en = "Downhill."'
    )
    problems = validate_course(write(tmp_path, both), evaluate=False)
    assert any("exactly one of 'hint'" in p.message for p in problems)


def test_fixit_checks(tmp_path: Path) -> None:
    text = LESSON.replace("bug_line = 2", "bug_line = 3").replace('"sign-flip"', '"typo"')
    problems = validate_course(write(tmp_path, text), evaluate=False)
    messages = {(p.line, p.message.split(": ", 1)[1][:30]) for p in problems}
    assert (line_of("bug_line = 3", text), "bug_line must be a line number") in messages
    assert (line_of('"typo"', text), "unknown mistake 'typo'; choose") in messages


def test_fixit_loops_run_by_the_engine(tmp_path: Path) -> None:
    lesson = load_course(write(tmp_path, LESSON)).lessons[0]
    cp = lesson.checkpoint("fix")
    result = fixit_result(lesson, cp)
    assert result.updates == 50 and result.buggy.loss > 1000 * result.fixed.loss
    preset = lesson.preset_for(cp)
    assert preset.view == "compare"
    assert [v.settings["mistake"] for v in preset.runs] == ["sign-flip", None]


def test_t5_fixit_reports_the_buggy_and_repaired_loop() -> None:
    """Lesson 10's fix-it: T5's loop ends at loss 118.03 (w 1.5248, b 0.0607), the repaired
    one at 112.61 (w 1.4777, b 0.0889), after T5's 1000 iterations."""
    lesson = load_course().lesson("scaling")
    result = fixit_result(lesson, lesson.checkpoint("fix-overwrite"))
    assert (result.buggy.loss, result.fixed.loss) == pytest.approx((118.03, 112.61), abs=0.01)
