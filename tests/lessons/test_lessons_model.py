"""The course model: item order, presets and overrides, loading one file or the bundle."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from linreg_tui.engine.config import BatchSpec
from linreg_tui.lessons.loader import load_course

LESSON = textwrap.dedent(
    """\
    id = "order-demo"
    order = 3
    title = { en = "Order", zh = "顺序" }

    [preset]
    dataset = "hours"
    bias = false
    batch = "minibatch:2"
    lr = 0.05

    [[page]]
    text = { en = "one", zh = "一" }

    [[page]]
    text = { en = "two", zh = "二" }
    preset = { view = "compare", runs = [{ batch = "full" }, { batch = "sgd" }] }

    [[checkpoint]]
    id = "last"
    kind = "numeric"
    answer = 1
    tolerance = 0.5
    prompt = { en = "p", zh = "问" }
    hint = { en = "h", zh = "提示" }
    explain = { en = "e", zh = "解释" }

    [[checkpoint]]
    id = "first"
    kind = "choice"
    after_page = 0
    options = { en = ["x", "y"], zh = ["甲", "乙"] }
    answer = 1
    prompt = { en = "p", zh = "问" }
    hint = { en = "h", zh = "提示" }
    explain = { en = "e", zh = "解释" }
    preset = { lr = 0.2, dataset = "tutorial15", bias = true }

    [[checkpoint]]
    id = "middle"
    kind = "numeric"
    after_page = 1
    answer = 2
    tolerance = 0.5
    prompt = { en = "p", zh = "问" }
    hint = { en = "h", zh = "提示" }
    explain = { en = "e", zh = "解释" }
    """
)


def test_items_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "lesson.toml"
    path.write_text(LESSON, encoding="utf-8")
    course = load_course(path)  # a single file is a course too
    lesson = course.lessons[0]
    order = [getattr(i, "id", None) or f"page{i.number}" for i in lesson.items()]
    assert order == ["first", "page1", "middle", "page2", "last"]
    assert lesson.title("zh") == "顺序" and lesson.title.get("en") == "Order"
    first = lesson.checkpoint("first")
    assert first.options_for("zh") == ("甲", "乙") and first.is_choice
    cfg = lesson.preset.to_config()
    assert cfg.batch == BatchSpec("minibatch", 2) and cfg.lr == 0.05 and cfg.bias is False
    changed = lesson.preset_for(first)
    assert changed.dataset == "tutorial15" and changed.to_config().lr == 0.2
    assert lesson.preset.to_config().lr == 0.05  # the lesson preset is untouched
    page2 = lesson.preset_for(lesson.pages[1])
    assert page2.view == "compare"
    assert [c.batch.mode for _, c in page2.run_configs()] == ["full", "sgd"]
    assert [c.lr for _, c in page2.run_configs()] == [0.05, 0.05]
    assert len(lesson.preset.run_configs()) == 1
    assert course.key.startswith("path-") and course.next_lesson("order-demo") is None


def test_bundled_course_loads_without_torch_or_textual() -> None:
    code = (
        "import sys; from linreg_tui.lessons.loader import load_course; c = load_course(); "
        "assert len(c.lessons) >= 13; "
        "assert 'torch' not in sys.modules and 'textual' not in sys.modules, "
        "[m for m in sys.modules if m.startswith(('torch', 'textual'))][:3]"
    )
    import subprocess

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
