"""The dialogs driven by Pilot: what they dismiss with, and the engine's messages inline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, OptionList, Static, TabbedContent, TextArea

from linreg_tui.engine.config import RunConfig, parse_batch, parse_schedule
from linreg_tui.tui.choices import DatasetChoice, RunChoice
from linreg_tui.tui.screens.dialogs import (
    CodeScreen,
    DatasetDialog,
    ExportDialog,
    Marked,
    SettingsDialog,
    config_from_form,
    form_values,
)
from linreg_tui.tui.textlog import export_of

NOTHING = object()  # "the dialog has not dismissed yet"


class Host(App[None]):
    """A bare app that opens one dialog and records what it dismisses with."""

    CSS_PATH = sorted((Path(__file__).parents[2] / "tui" / "styles").glob("*.tcss"))

    def __init__(self, dialog, engine_ready: bool = True) -> None:
        super().__init__()
        self.dialog = dialog
        self.engine_ready = engine_ready
        self.result: object = NOTHING

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, value: object) -> None:
        self.result = value


async def set_field(pilot, dialog, name: str, value) -> None:
    widget = dialog.query_one(f"#f-{name}")
    widget.value = value
    await pilot.pause()


# -- settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_the_form_round_trips_every_setting(bias: bool) -> None:
    config = RunConfig(
        lr=0.5,
        loss="half_sse",
        grad="module",
        batch=parse_batch("minibatch:4"),
        shuffle=False,
        drop_last=True,
        optimizer="adam",
        momentum=0.5,
        betas=(0.8, 0.99),
        alpha=0.9,
        eps=1e-6,
        schedule=parse_schedule("step:10:0.5"),
        bias=bias,
        init_w=(1.0, -2.5),
        init_b=3.0,
        init_random=True,
        seed=7,
        dtype="float32",
        device="auto",
        standardize=bias,  # standardizing needs a bias
        mistake="overwrite-grad",
    )
    assert config_from_form(form_values(config), RunConfig(), "en") == config


async def test_settings_apply_returns_the_new_choice() -> None:
    choice = RunChoice(label="mine")
    dialog = SettingsDialog(choice)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, dialog, "lr", "0.05")
        await set_field(pilot, dialog, "batch", "minibatch:2")
        await set_field(pilot, dialog, "optimizer", "momentum")
        await set_field(pilot, dialog, "momentum", "0.5")
        await set_field(pilot, dialog, "schedule", "exp:0.9")
        await set_field(pilot, dialog, "init_w", "1.5")
        await set_field(pilot, dialog, "mistake", "forget-zero-grad")
        dialog.query_one("#f-shuffle", Marked).focus()
        await pilot.press("space")  # a checkbox toggles from the keyboard
        dialog.query_one("#f-lr", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
    config = app.result.config
    assert app.result.label == "mine" and app.result.data == choice.data
    assert config.lr == 0.05 and config.batch == parse_batch("minibatch:2")
    assert config.optimizer == "momentum" and config.momentum == 0.5
    assert config.schedule == parse_schedule("exp:0.9") and config.init_w == (1.5,)
    assert config.mistake == "forget-zero-grad" and config.shuffle is False


BAD_SETTINGS = [  # (field, value, what the engine says)
    ("lr", "0", "learning rate must be a positive number"),
    ("lr", "-1", "learning rate must be a positive number"),
    ("lr", "fast", "'fast' is not a number"),
    ("batch", "minibatch:0", "batch size must be at least 1, got 0"),
    ("batch", "huge", "unknown batch mode"),
    ("schedule", "step:0:0.5", "step schedule needs N >= 1"),
    ("momentum", "1.5", "momentum must be in [0, 1)"),
    ("betas", "0.9", "betas need two numbers"),
    ("seed", "1.5", "is not a whole number"),
    ("batch", "minibatch:9", "batch size 9 is larger than the data (3 rows)"),
    ("init_w", "1, 2", "needs 1 value(s), one per feature"),
]


async def test_settings_show_the_engine_message_and_keep_the_old_settings() -> None:
    """One dialog, each bad value in turn: message inline, nothing applied; then fixed."""
    dialog = SettingsDialog(RunChoice())
    app = Host(dialog)
    good = form_values(RunConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        for field, value, message in BAD_SETTINGS:
            await set_field(pilot, dialog, field, value)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.result is NOTHING and app.screen is dialog, (field, value)
            assert message in dialog.message_text, (field, value, dialog.message_text)
            assert dialog.message_text.startswith("✗ Not applied: ")
            assert not dialog.query_one("#message").has_class("-hidden")
            await set_field(pilot, dialog, field, good[field])
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result == RunChoice()  # every field fixed: applies


async def test_settings_cancel_returns_none() -> None:
    dialog = SettingsDialog(RunChoice())
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, dialog, "lr", "0.9")
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_settings_speak_chinese() -> None:
    dialog = SettingsDialog(RunChoice(), "zh")
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "训练设置" in str(dialog.query_one("#dialog-title", Static).render())
        await set_field(pilot, dialog, "lr", "abc")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "未应用" in dialog.message_text and "学习率 η" in dialog.message_text


async def test_engine_errors_with_a_message_key_are_shown_in_chinese() -> None:
    dialog = SettingsDialog(RunChoice(), "zh")
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, dialog, "batch", "minibatch:9")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "批量大小 9 超过了数据的行数（3 行）" in dialog.message_text
        assert "larger than the data" not in dialog.message_text
    data = DatasetDialog(DatasetChoice("hours"), lang="zh")
    app = Host(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, data, "size", "20")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "只有合成数据和数据流可以设置点数，'hours' 不行" in data.message_text


# -- data -------------------------------------------------------------------------------


async def test_dataset_pick_a_built_in_set_with_the_keyboard() -> None:
    dialog = DatasetDialog(DatasetChoice("hours"))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        assert dialog.query_one("#catalogue", OptionList).highlighted_option.id == "hours"
        await pilot.press("down")
        assert "Fifteen scattered" in str(dialog.query_one("#catalogue-about", Static).render())
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == DatasetChoice("tutorial15")


async def test_dataset_synthetic_size_and_seed() -> None:
    dialog = DatasetDialog(DatasetChoice("synthetic"))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, dialog, "size", "20")
        await set_field(pilot, dialog, "seed", "4")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result == DatasetChoice("synthetic", size=20, seed=4)


async def test_dataset_size_on_fixed_data_is_refused_inline() -> None:
    dialog = DatasetDialog(DatasetChoice("hours"))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await set_field(pilot, dialog, "size", "20")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.result is NOTHING
        assert "size applies only to synthetic and stream data" in dialog.message_text


async def test_dataset_csv_file_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text("hours,noise,score\n1,9,2\n2,8,4\n3,7,6\n", encoding="utf-8")
    dialog = DatasetDialog()
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # let the catalogue take focus first (it activates its tab)
        dialog.query_one(TabbedContent).active = "csv"
        await set_field(pilot, dialog, "path", str(path))
        await set_field(pilot, dialog, "x", "hours")
        await set_field(pilot, dialog, "y", "score")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result == DatasetChoice(name=None, csv_path=str(path), x=("hours",), y="score")
    assert app.result.load().X.tolist() == [[1.0], [2.0], [3.0]]


BAD_CSV = [  # (file content or None for a missing file, feature columns, message)
    ("x,y\n1,2\n2,oops\n", "", "line 3, column 'y': 'oops' is not a number"),
    ("x,y\n1,2\n2\n", "", "line 3: 1 cells, but line 1 has 2"),
    ("x,y\n1,2\n2,3\n", "z", "no column 'z'"),
    (None, "", "no such file"),
]


async def test_dataset_a_broken_csv_is_explained_inline(tmp_path: Path) -> None:
    dialog = DatasetDialog(DatasetChoice("hours"))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # let the catalogue take focus first (it activates its tab)
        dialog.query_one(TabbedContent).active = "csv"
        for number, (content, columns, message) in enumerate(BAD_CSV):
            path = tmp_path / f"bad{number}.csv"
            if content is not None:
                path.write_text(content, encoding="utf-8")
            await set_field(pilot, dialog, "path", str(path))
            await set_field(pilot, dialog, "x", columns)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.result is NOTHING and app.screen is dialog
            assert message in dialog.message_text, (content, dialog.message_text)
            assert dialog.message_text.startswith("✗ Not loaded: ")
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_dataset_needs_a_path() -> None:
    dialog = DatasetDialog(lang="zh")
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # let the catalogue take focus first (it activates its tab)
        dialog.query_one(TabbedContent).active = "csv"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "请填写 CSV 文件的路径" in dialog.message_text


# -- the program ------------------------------------------------------------------------


async def test_code_styles_copy_and_save(tmp_path: Path) -> None:
    choice = RunChoice(config=RunConfig(bias=False, init_w=(1.0,)))
    dialog = CodeScreen(choice, updates=30)
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        text = dialog.query_one("#code-text", TextArea)
        assert "UPDATES = 30" in text.text and "g_w = 2 * c * (Xb.T @ r)" in text.text
        await pilot.press("2")
        assert "loss.backward()" in text.text and dialog.style == "autograd"
        await pilot.press("3")
        assert "torch.optim.SGD(model.parameters(), lr=LR)" in text.text
        assert dialog.query_one("#style-module").has_class("-current")
        await pilot.press("y")
        assert app.clipboard == text.text == dialog.source
        assert "Copied" in dialog.message_text
        target = tmp_path / "prog.py"
        await set_field(pilot, dialog, "path", str(target))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == dialog.source
        assert "Saved to" in dialog.message_text and dialog.message_text.startswith("✓")
        await set_field(pilot, dialog, "path", str(tmp_path / "missing" / "prog.py"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert dialog.message_text.startswith("✗ Could not save")
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_code_for_bad_settings_says_why() -> None:
    choice = RunChoice(config=RunConfig(batch=parse_batch("minibatch:10")))
    dialog = CodeScreen(choice, lang="zh")
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert (
            "无法生成程序" in dialog.message_text and "larger than the data" in dialog.message_text
        )
        assert dialog.query_one("#code-text", TextArea).text == ""


# -- export -----------------------------------------------------------------------------


@pytest.fixture
def run():
    from linreg_tui.engine.run import Run

    run = Run(DatasetChoice("hours").load(), RunConfig(bias=False, init_w=(1.0,)))
    run.run_until(update=4)
    return run


async def test_export_csv(tmp_path: Path, run) -> None:
    target = tmp_path / "history.csv"
    dialog = ExportDialog(export_of(run), path=str(target))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result == str(target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("update,epoch,w_hours,loss")
    assert len(lines) == 1 + 4
    assert float(lines[-1].split(",")[2]) == pytest.approx(run.params()[0][0])


async def test_export_json_switches_the_extension(tmp_path: Path, run) -> None:
    dialog = ExportDialog(export_of(run), path=str(tmp_path / "history.csv"))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog.query_one("#fmt-json").value = True
        await pilot.pause()
        assert dialog.query_one("#f-path", Input).value.endswith("history.json")
        await pilot.press("ctrl+s")
        await pilot.pause()
    records = json.loads((tmp_path / "history.json").read_text(encoding="utf-8"))
    assert [r["update"] for r in records] == [1, 2, 3, 4]
    assert records[-1]["w"] == pytest.approx(run.params()[0])


async def test_export_to_a_bad_path_is_explained_inline(tmp_path: Path, run) -> None:
    dialog = ExportDialog(export_of(run), lang="zh", path=str(tmp_path / "no" / "such" / "dir.csv"))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.result is NOTHING and dialog.message_text.startswith("✗ 无法写入")


async def test_enter_on_the_first_field_writes_and_one_update_is_singular(tmp_path: Path) -> None:
    from linreg_tui.engine.run import Run

    one = Run(DatasetChoice("hours").load(), RunConfig(bias=False, init_w=(1.0,)))
    one.run_until(update=1)
    target = tmp_path / "one.csv"
    dialog = ExportDialog(export_of(one), path=str(target))
    app = Host(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        assert dialog.focused is dialog.query_one("#export-format")  # the first field
        await pilot.press("enter")  # the hint says "Enter write"
        await pilot.pause()
        notes = [n.message for n in app._notifications]  # noqa: SLF001
    assert app.result == str(target) and target.exists()
    assert any("Wrote 1 update to" in n for n in notes)
