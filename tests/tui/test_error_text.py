"""Engine errors shown in the app's language: keyed ones translated, others left English."""

from __future__ import annotations

import string

from linreg_tui.engine.errors import MESSAGES, ConfigError, EngineError
from linreg_tui.tui.i18n import ERROR_PREFIX, catalogue, error_text


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_engine_message_key_has_a_chinese_template_with_the_same_fields() -> None:
    zh = catalogue().texts["zh"]
    for key, template in MESSAGES.items():
        assert f"{ERROR_PREFIX}{key}" in zh, key
        assert _fields(zh[f"{ERROR_PREFIX}{key}"]) == _fields(template), key
    assert catalogue().texts["en"][f"{ERROR_PREFIX}batch.too_large"] == MESSAGES["batch.too_large"]


def test_a_keyed_error_renders_in_chinese_and_stays_english_in_english() -> None:
    err = ConfigError("batch.too_large", size=9, n=3)
    assert error_text(err, "en") == str(err)
    zh = error_text(err, "zh")
    assert zh == "批量大小 9 超过了数据的行数（3 行）"


def test_keyless_errors_and_other_exceptions_fall_back_to_english() -> None:
    assert error_text(EngineError("plain words"), "zh") == "plain words"
    assert error_text(OSError("disk gone"), "zh") == "disk gone"
