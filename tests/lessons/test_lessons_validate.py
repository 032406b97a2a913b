"""The validator names the file and the line of each problem in a broken lesson."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from linreg_tui.lessons.cli import lessons_list, lessons_validate
from linreg_tui.lessons.loader import CourseError, load_course
from linreg_tui.lessons.validate import format_problems, validate_course

GOOD = textwrap.dedent(
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
    A page.
    '''
    text.zh = '''
    一页。
    '''

    [[checkpoint]]
    id = "grad"
    kind = "numeric"
    after_page = 1
    prompt = { en = "First gradient?", zh = "第一个梯度？" }
    compute = "step(1).grad.w[0]"
    tolerance = 0.01
    hints = { en = ["2·x·(x·w − y)", "2·x·(x·w − y)"], zh = ["2·x·(x·w − y)", "2·x·(x·w − y)"] }
    explain = { en = "−2", zh = "−2" }

    [[checkpoint]]
    id = "pick"
    kind = "choice"
    after_page = 1
    prompt = { en = "Which way?", zh = "哪个方向？" }
    options.en = ["up", "down"]
    options.zh = ["增大", "减小"]
    answer = 0
    hints = { en = ["Against the slope.", "Against the slope."], zh = ["逆着斜率。", "逆着斜率。"] }
    explain = { en = "Up.", zh = "增大。" }
    """
)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def problems_for(tmp_path: Path, text: str, name: str = "01-demo.toml", evaluate: bool = False):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return validate_course(tmp_path, evaluate=evaluate), path


def test_good_lesson_is_valid_and_loads(tmp_path: Path) -> None:
    problems, _ = problems_for(tmp_path, GOOD, evaluate=True)
    assert problems == []
    lesson = load_course(tmp_path).lessons[0]
    assert [getattr(i, "id", "page") for i in lesson.items()] == ["page", "grad", "pick"]


def test_bad_toml_reports_the_parsers_line(tmp_path: Path) -> None:
    text = GOOD.replace("lr = 0.01", "lr = = 0.01")
    problems, path = problems_for(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].file == str(path)
    assert problems[0].line == line_of(text, "lr = = 0.01")
    assert "not valid TOML" in problems[0].message


def test_missing_chinese_text_points_at_the_key(tmp_path: Path) -> None:
    text = GOOD.replace(
        'prompt = { en = "First gradient?", zh = "第一个梯度？" }',
        'prompt = { en = "First gradient?" }',
    )
    problems, _ = problems_for(tmp_path, text)
    assert [(p.line, "Chinese" in p.message) for p in problems] == [
        (line_of(text, 'prompt = { en = "First gradient?" }'), True)
    ]


def test_missing_chinese_page_text(tmp_path: Path) -> None:
    text = GOOD.replace("text.zh = '''\n一页。\n'''\n", "")
    problems, _ = problems_for(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "text.en")
    assert "page 1 text: missing the Chinese text (zh)" in problems[0].message


def test_unknown_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("tolerance = 0.01", "tolerence = 0.01")
    problems, _ = problems_for(tmp_path, text)
    lines = {p.line for p in problems}
    assert line_of(text, "tolerence") in lines
    messages = format_problems(problems)
    assert "unknown key 'tolerence' (did you mean 'tolerance'?)" in messages
    assert "missing required key 'tolerance'" in messages


def test_choice_answer_out_of_range(tmp_path: Path) -> None:
    text = GOOD.replace("answer = 0", "answer = 2")
    problems, path = problems_for(tmp_path, text)
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"{path}:{line_of(text, 'answer = 2')}: ")
    assert "out of range" in problems[0].message and "0–1" in problems[0].message


def test_choice_options_must_match_in_count(tmp_path: Path) -> None:
    text = GOOD.replace('options.zh = ["增大", "减小"]', 'options.zh = ["增大"]')
    problems, _ = problems_for(tmp_path, text)
    assert any(
        p.line == line_of(text, "options.zh") and "same options" in p.message for p in problems
    )


def test_bad_preset_batch(tmp_path: Path) -> None:
    text = GOOD.replace('batch = "sgd"', 'batch = "minibatch"')
    problems, _ = problems_for(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, 'batch = "minibatch"')
    assert "needs a size" in problems[0].message


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ('dataset = "hours"', 'dataset = "houses"', "dataset =", "unknown dataset 'houses'"),
        ("init_w = [1.0]", "init_w = [1.0, 2.0]", "init_w", "init_w needs 1 value"),
        ("lr = 0.01", "lr = -1", "lr = -1", "learning rate must be a positive number"),
        ("shuffle = false", 'shuffle = "no"', "shuffle", "shuffle must be true or false"),
        ('compute = "step(1).grad.w[0]"', 'compute = "step(1).grad.b"', "compute", "no bias"),
        (
            'compute = "step(1).grad.w[0]"',
            'compute = "step(1).grad.w[1]"',
            "compute",
            "w[1] is out of range",
        ),
        ('compute = "step(1).grad.w[0]"', 'compute = "__import__(1)"', "compute", "unknown"),
        ('kind = "numeric"', 'kind = "essay"', "essay", "unknown kind 'essay'"),
        (
            'after_page = 1\nprompt = { en = "Which',
            'after_page = 7\nprompt = { en = "Which',
            "after_page = 7",
            "after_page must be a page number 0–1",
        ),
        ('id = "pick"', 'id = "grad"', 'id = "grad"', "also used by checkpoint 1"),
    ],
)
def test_problem_lines(tmp_path: Path, old: str, new: str, needle: str, message: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new)
    problems, _ = problems_for(tmp_path, text)
    found = [(p.line, p.message) for p in problems]
    target = line_of(text, needle, nth=2 if needle == 'id = "grad"' else 1)
    assert any(line == target and message in msg for line, msg in found), found


def test_goal_checks(tmp_path: Path) -> None:
    goal = textwrap.dedent(
        """
        [[checkpoint]]
        id = "go"
        kind = "goal"
        prompt = { en = "Go", zh = "走" }
        hints = { en = ["h", "h"], zh = ["提示", "提示"] }
        explain = { en = "e", zh = "解释" }
        goal = { loss_above = 3 }
        solution = { lr = 0.1, updates = 5 }
        """
    )
    text = GOOD + goal
    problems, _ = problems_for(tmp_path, text)
    messages = [p.message for p in problems if p.line == line_of(text, "loss_above")]
    assert any("unknown key 'loss_above'" in m for m in messages)
    assert any("exactly one of" in m for m in messages)


def test_goal_solution_is_run(tmp_path: Path) -> None:
    goal = textwrap.dedent(
        """
        [[checkpoint]]
        id = "go"
        kind = "goal"
        prompt = { en = "Diverge", zh = "发散" }
        hints = { en = ["h", "h"], zh = ["提示", "提示"] }
        explain = { en = "e", zh = "解释" }
        goal = { diverge = true }
        solution = { lr = 0.05, updates = 30 }
        """
    )
    text = GOOD + goal
    problems, _ = problems_for(tmp_path, text, evaluate=True)
    assert [p.line for p in problems] == [line_of(text, "solution =")]
    assert "does not meet the goal" in problems[0].message


def test_compute_that_cannot_be_evaluated(tmp_path: Path) -> None:
    text = GOOD.replace("lr = 0.01", "lr = 0.5").replace('batch = "sgd"', 'batch = "full"')
    text = text.replace('"step(1).grad.w[0]"', '"step(200).grad.w[0]"')
    problems, _ = problems_for(tmp_path, text, evaluate=True)
    assert [p.line for p in problems] == [line_of(text, "compute =")]
    assert "diverged" in problems[0].message


def test_duplicate_lesson_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "02-other.toml").write_text(GOOD.replace("order = 1", "order = 2"), "utf-8")
    problems, _ = problems_for(tmp_path, GOOD)
    assert [(Path(p.file).name, p.line) for p in problems] == [("02-other.toml", 1)]
    assert "also used by" in problems[0].message


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "01-bad.toml").write_bytes(GOOD.encode("utf-8") + b"# \xff\n")
    problems = validate_course(tmp_path, evaluate=False)
    assert [(p.line, "UTF-8" in p.message) for p in problems] == [(GOOD.count("\n") + 1, True)]


def test_multiline_strings_do_not_confuse_line_lookup(tmp_path: Path) -> None:
    tricky = GOOD.replace("A page.", "[[checkpoint]]\nanswer = 9\nid = 3")
    text = tricky.replace("answer = 0", "answer = 5")
    problems, _ = problems_for(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, "answer = 5")]


def test_load_course_raises_with_problems(tmp_path: Path) -> None:
    (tmp_path / "01-demo.toml").write_text(GOOD.replace("answer = 0", "answer = 9"), "utf-8")
    with pytest.raises(CourseError) as info:
        load_course(tmp_path)
    assert "answer 9 is out of range" in str(info.value)
    assert info.value.problems[0].line == line_of(GOOD, "answer = 0")


def test_cli_validate_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "01-demo.toml").write_text(GOOD, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert lessons_validate(tmp_path, out, err) == 0
    assert "valid" in out.getvalue()
    (tmp_path / "01-demo.toml").write_text(GOOD.replace('"sgd"', '"sgd:2"'), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert lessons_validate(tmp_path, out, err) == 1
    assert f"{tmp_path / '01-demo.toml'}:{line_of(GOOD, 'batch =')}:" in out.getvalue()
    assert lessons_validate(tmp_path / "missing", io.StringIO(), err) == 2
    assert "cannot read" in err.getvalue()


def test_cli_list_json(tmp_path: Path) -> None:
    (tmp_path / "01-demo.toml").write_text(GOOD, "utf-8")
    out = io.StringIO()
    assert lessons_list(tmp_path, "json", out) == 0
    assert json.loads(out.getvalue()) == [
        {"id": "demo", "order": 1, "title": {"en": "Demo", "zh": "演示"}, "checkpoints": 2}
    ]
    out = io.StringIO()
    assert lessons_list(tmp_path, "text", out) == 0
    assert "demo" in out.getvalue() and "演示" in out.getvalue()


def test_nested_tables_are_located(tmp_path: Path) -> None:
    """Errors inside [[page.preset.runs]] and [checkpoint.goal] point at their own lines."""
    nested = textwrap.dedent(
        """
        [[page]]
        text = { en = "Two", zh = "二" }

        [page.preset]
        view = "compare"

        [[page.preset.runs]]
        lr = 0.1

        [[page.preset.runs]]
        mistake = "forgot-zero-grad"

        [[checkpoint]]
        id = "go"
        kind = "goal"
        prompt = { en = "Go", zh = "走" }
        hints = { en = ["h", "h"], zh = ["提示", "提示"] }
        explain = { en = "e", zh = "解释" }
        solution = { lr = 0.3, updates = 40 }

        [checkpoint.goal]
        diverge = "yes"
        """
    )
    text = GOOD + nested
    problems, _ = problems_for(tmp_path, text)
    found = {(p.line, p.message.split(":")[0]) for p in problems}
    assert found == {
        (line_of(text, "forgot-zero-grad"), "page 2 preset run 2"),
        (line_of(text, 'diverge = "yes"'), "checkpoint 'go'"),
    }, problems


def test_compare_view_needs_runs(tmp_path: Path) -> None:
    text = GOOD.replace("shuffle = false\n", 'shuffle = false\nview = "compare"\n', 1)
    problems, _ = problems_for(tmp_path, text)
    assert [(p.line, "at least two runs" in p.message) for p in problems] == [
        (line_of(text, "[preset]"), True)
    ]
