"""The preset gallery: the bundled presets load and build runs; a teacher's file is checked
like a lesson's preset, with one finding per problem at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from linreg_tui.lessons.gallery import GalleryError, flow, load_gallery
from linreg_tui.lessons.model import LANGS

GOOD = """id = "{id}"
order = 1
title = {{ en = "Mine", zh = "我的" }}
about = {{ en = "Two or three lines about it.", zh = "关于它的两三行。" }}
try = {{ en = "Press n.", zh = "按 n。" }}

[preset]
dataset = "{dataset}"
lr = 0.05
"""


def test_bundled_gallery_covers_what_the_issue_lists() -> None:
    gallery = load_gallery()
    ids = [e.id for e in gallery.entries]
    for wanted in (
        "t1-autograd", "t2-full-batch", "t3-stream", "t4-sgd", "t5-datacsv",
        "lr-too-large", "ill-conditioned", "ill-conditioned-scaled", "overwrite-bug",
        "forget-zero-grad", "sgd-schedule", "momentum-ravine", "adam-sign",
    ):  # fmt: skip
        assert wanted in ids
    assert len(set(ids)) == len(ids)
    assert [e.order for e in gallery.entries] == sorted(e.order for e in gallery.entries)
    assert not any(e.own for e in gallery.entries)


@pytest.mark.parametrize("lang", LANGS)
def test_every_bundled_preset_has_commentary_and_valid_runs(lang: str) -> None:
    for entry in load_gallery().entries:
        assert entry.title.get(lang) and entry.try_.get(lang)
        assert "\n" not in entry.about.get(lang)  # flowed into one paragraph
        configs = entry.preset.run_configs()  # raises ConfigError for a bad setting
        assert len(configs) == (len(entry.preset.runs) if entry.preset.view == "compare" else 1)


def test_bundled_presets_show_what_their_commentary_claims() -> None:
    gallery = load_gallery()
    compare = gallery.entry("overwrite-bug").preset.run_configs()
    assert [c.mistake for _, c in compare] == [None, "overwrite-grad"]
    zero = gallery.entry("forget-zero-grad").preset.run_configs()
    assert [c.mistake for _, c in zero] == [None, "forget-zero-grad"]
    assert gallery.entry("lr-too-large").preset.to_config().lr > 2 / (28 / 3)  # above 2/L″
    adam = gallery.entry("adam-sign").preset.run_configs()
    assert [c.optimizer for _, c in adam] == ["sgd", "adam"]
    assert gallery.entry("ill-conditioned-scaled").preset.to_config().standardize


def test_the_adam_preset_moves_every_parameter_by_eta_on_its_first_update() -> None:
    from linreg_tui.engine import Run, load_dataset

    preset = load_gallery().entry("adam-sign").preset
    _, config = preset.run_configs()[1]
    step = Run(load_dataset(preset.dataset), config).step()
    moved = abs(step.params_after - step.params_before)
    assert list(moved) == pytest.approx([config.lr] * len(moved), rel=1e-6)


def test_a_teachers_folder_is_added_after_the_bundled_presets(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(GOOD.format(id="mine", dataset="hours"), "utf-8")
    gallery = load_gallery(tmp_path)
    assert gallery.entries[-1].id == "mine" and gallery.entries[-1].own
    assert gallery.entry("mine").preset.to_config().lr == 0.05


def test_a_teachers_csv_is_found_next_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "pts.csv").write_text("x,y\n1,2\n2,4\n3,6.5\n", "utf-8")
    (tmp_path / "mine.toml").write_text(GOOD.format(id="mine", dataset="pts.csv"), "utf-8")
    entry = load_gallery(tmp_path / "mine.toml").entry("mine")
    assert entry.preset.dataset == str(tmp_path / "pts.csv")


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (lambda s: s.replace("lr = 0.05", "lr = -1"), "learning rate must be a positive", 9),
        (lambda s: s.replace("lr = 0.05", "l_r = 1"), "unknown key 'l_r'", 9),
        (lambda s: s.replace('"hours"', '"nope"'), "unknown dataset 'nope'", 8),
        (lambda s: s.replace("try = ", "tries = "), "unknown key 'tries'", 5),
        (lambda s: s.replace('id = "mine"', 'id = "Mine!"'), "id must be lower-case", 1),
        (lambda s: s.replace("Two or three lines about it.", "word " * 60), "at most 3", 4),
        (lambda s: s.replace("[preset]", '[preset]\nview = "compare"'), "two runs", 7),
        (lambda s: s.replace("order = 1", "order = 1\norder = 2"), "not valid TOML", 3),
    ],
)
def test_a_bad_teachers_file_is_one_finding_at_its_line(
    tmp_path: Path, change, message: str, line: int
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(change(GOOD.format(id="mine", dataset="hours")), "utf-8")
    with pytest.raises(GalleryError) as caught:
        load_gallery(path)
    found = [p for p in caught.value.problems if message in p.message]
    assert found and found[0].file == str(path) and found[0].line == line
    assert "\n" not in caught.value.one_line()


def test_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD.format(id="t4-sgd", dataset="hours"), "utf-8")
    with pytest.raises(GalleryError, match="already used"):
        load_gallery(tmp_path)


def test_an_empty_folder_or_missing_path_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no .toml preset files"):
        load_gallery(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_gallery(tmp_path / "missing.toml")


def test_flow_joins_lines_with_a_space_but_not_between_chinese() -> None:
    assert flow("\nA line\nand the next.\n") == "A line and the next."
    assert flow("第一行\n第二行") == "第一行第二行"
    assert flow("w = 2。\nThen") == "w = 2。Then"


def test_the_docs_example_loads(tmp_path: Path) -> None:
    import re

    docs = (Path(__file__).resolve().parents[2] / "docs" / "lessons.md").read_text("utf-8")
    section = docs.split("## Gallery presets", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S)
    assert example is not None
    (tmp_path / "points.csv").write_text("x,y\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n", "utf-8")
    (tmp_path / "mine.toml").write_text(example.group(1), "utf-8")
    entry = load_gallery(tmp_path).entry("my-ravine")
    assert [c.optimizer for _, c in entry.preset.run_configs()] == ["sgd", "momentum"]
