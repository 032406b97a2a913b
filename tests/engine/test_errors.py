"""Engine errors: one English line, and a message key with parameters for other languages."""

from __future__ import annotations

import string

import pytest

from linreg_tui.engine.catalog import load_dataset
from linreg_tui.engine.config import BatchSpec, RunConfig
from linreg_tui.engine.data import Dataset
from linreg_tui.engine.errors import MESSAGES, ConfigError, EngineError, unknown_choice
from linreg_tui.engine.run import Run

THREE = Dataset("three", [[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0], ("x",), "y")


def test_a_keyed_error_formats_its_english_template_and_keeps_key_and_params() -> None:
    err = ConfigError("batch.too_large", size=9, n=3)
    assert str(err) == "batch size 9 is larger than the data (3 rows)"
    assert err.key == "batch.too_large" and dict(err.params) == {"size": 9, "n": 3}
    with pytest.raises(TypeError):
        err.params["size"] = 1  # type: ignore[index]


def test_a_plain_sentence_has_no_key_and_a_misspelt_key_is_a_bug() -> None:
    err = EngineError("something the learner can fix")
    assert str(err) == "something the learner can fix" and err.key is None and not err.params
    with pytest.raises(TypeError, match="unknown engine message key"):
        ConfigError("no.such.key", value=1)


def test_every_template_formats_from_its_own_fields() -> None:
    for key, template in MESSAGES.items():
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        err = EngineError(key, **{name: 1 for name in names})
        assert "{" not in str(err), key


def test_raise_sites_keep_their_english_text_and_carry_keys() -> None:
    with pytest.raises(ConfigError) as info:
        Run(THREE, RunConfig(lr=0.1, batch=BatchSpec("minibatch", 9)))
    assert str(info.value) == "batch size 9 is larger than the data (3 rows)"
    assert info.value.key == "batch.too_large"
    with pytest.raises(ConfigError) as info:
        load_dataset("synthetic", size=1)
    assert str(info.value) == "size must be a whole number of at least 2 points, got 1"
    assert info.value.key == "data.size"
    with pytest.raises(ConfigError) as info:
        Run(THREE, RunConfig(lr=0.1, init_w=(1.0, 2.0)))
    assert str(info.value) == "--init-w needs 1 value(s), one per feature; got 2"
    err = unknown_choice("schedule", "cosine", ("constant", "step"))
    assert str(err) == "unknown schedule 'cosine'; choose one of: constant, step"
    assert err.key == "choice.unknown" and err.params["value"] == "cosine"
