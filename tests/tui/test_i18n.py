"""Every UI string exists in English and Chinese, with the same {fields}; lookups behave."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding

from linreg_tui.tui import i18n
from linreg_tui.tui.i18n import catalogue, load_catalogue, localize_bindings, t

TUI = Path(i18n.__file__).parent


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_string_files_parse_and_define_no_key_twice() -> None:
    cat = load_catalogue()
    assert cat.problems == []
    assert cat.duplicates == []
    assert len(cat.texts["en"]) > 100


def test_every_key_exists_in_both_languages() -> None:
    texts = load_catalogue().texts
    assert sorted(set(texts["en"]) - set(texts["zh"])) == []
    assert sorted(set(texts["zh"]) - set(texts["en"])) == []


def test_translations_use_the_same_format_fields() -> None:
    texts = load_catalogue().texts
    mismatched = [k for k, v in texts["en"].items() if fields(v) != fields(texts["zh"].get(k, ""))]
    assert mismatched == []


def test_chinese_strings_are_chinese() -> None:
    zh = load_catalogue().texts["zh"]
    assert re.search(r"[\u4e00-\u9fff]", zh["home.tagline"])
    assert zh["home.tagline"] != load_catalogue().texts["en"]["home.tagline"]


def test_every_literal_key_used_in_the_app_is_defined() -> None:
    """``t("some.key", …)`` anywhere under tui/ names a key that exists."""
    used: dict[str, str] = {}
    for path in TUI.rglob("*.py"):
        for key in re.findall(r"\bt\(\s*\"([a-z0-9_.]+)\"", path.read_text(encoding="utf-8")):
            used.setdefault(key, path.name)
    assert used, "no t(...) calls found"
    missing = {key: where for key, where in used.items() if key not in catalogue().texts["en"]}
    assert missing == {}


def test_lookup_formats_and_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.toml").write_text(
        '[en]\ngreet = "Hello {name}"\nonly_en = "English"\n[en.home]\ntitle = "Home"\n'
        '[zh]\ngreet = "你好 {name}"\n[zh.home]\ntitle = "主页"\n',
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text('[en]\ngreet = "again"\n[zh]\n', encoding="utf-8")
    cat = load_catalogue(tmp_path)
    assert cat.duplicates == ["greet: a.toml, b.toml"]
    monkeypatch.setattr(i18n, "catalogue", lambda: cat)
    monkeypatch.setattr(i18n, "_first_file", dict)  # no app.toml read ahead of it
    assert t("greet", "zh", name="小明") == "你好 小明"
    assert t("greet", "en", name="Ann") == "Hello Ann"
    assert t("home.title", "zh") == "主页"  # dotted tables nest
    assert t("only_en", "zh") == "English"  # a gap falls back to English…
    assert t("nowhere", "zh") == "nowhere"  # …then to the key itself
    assert t("greet", "en") == "Hello {name}"  # no fields given: the raw text


def test_a_broken_file_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[en\nx = 1", encoding="utf-8")
    cat = load_catalogue(tmp_path)
    assert len(cat.problems) == 1 and cat.problems[0].startswith("bad.toml")


class _Bound(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("x", "unknown_action", "Stays")]


async def test_localize_bindings_relabels_the_footer() -> None:
    app = _Bound()
    async with app.run_test():
        localize_bindings(app, "zh")
        labels = {
            b.action: b.description for bs in app._bindings.key_to_bindings.values() for b in bs
        }
        assert labels["quit"] == t("key.quit", "zh") == "退出"
        assert labels["unknown_action"] == "Stays"  # no key.unknown_action: unchanged
        localize_bindings(app, "en")
        labels = {
            b.action: b.description for bs in app._bindings.key_to_bindings.values() for b in bs
        }
        assert labels["quit"] == "Quit"


def test_the_shell_screens_have_footer_labels_in_both_languages() -> None:
    from linreg_tui.tui.app import LinregApp
    from linreg_tui.tui.screens import dialogs, help, home, too_small

    classes = [
        LinregApp,
        home.HomeScreen,
        help.HelpScreen,
        too_small.TooSmallScreen,
        dialogs.SettingsDialog,
        dialogs.DatasetDialog,
        dialogs.CodeScreen,
        dialogs.ExportDialog,
    ]
    texts = catalogue().texts
    for cls in classes:
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.show:
                key = f"key.{binding.action.removeprefix('app.')}"
                assert key in texts["en"] and key in texts["zh"], (cls.__name__, key)


def test_home_strings_read_first_are_the_catalogues() -> None:
    """Home's strings are read from app.toml alone before the rest; each must be the text the
    whole catalogue gives (app.toml sorts first and defines no ``error.`` key)."""
    first = i18n._first_file()
    whole = load_catalogue().texts
    assert first["en"] and first["zh"]
    for lang in i18n.LANGS:
        assert not [k for k in first[lang] if k.startswith(i18n.ERROR_PREFIX)]
        assert {k: whole[lang][k] for k in first[lang]} == first[lang]
        elsewhere = [
            k for k in whole[lang] if k.startswith(i18n.FIRST_ONLY) and k not in first[lang]
        ]
        assert not elsewhere, f"define these in {i18n.FIRST_FILE}: {elsewhere}"
