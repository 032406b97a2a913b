"""The config parser and validation: property-based (hypothesis) and regression tests.

Valid batch and schedule specs round-trip through ``str``; any other text raises
ConfigError and never another exception; seeds are checked against 0 … 2⁶⁴ − 1.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine import memory
from linreg_tui.engine.config import (
    SEED_MAX,
    BatchSpec,
    RunConfig,
    ScheduleSpec,
    check_seed,
    parse_batch,
    parse_schedule,
)
from linreg_tui.engine.errors import ConfigError

FAST = settings(max_examples=300, deadline=None)

sizes = st.integers(min_value=1, max_value=10**6)
batch_specs = st.one_of(
    st.sampled_from([BatchSpec("full"), BatchSpec("sgd")]),
    st.builds(BatchSpec, st.sampled_from(["minibatch", "stream"]), sizes),
)
unit = st.floats(min_value=0, max_value=1, exclude_min=True)
schedule_specs = st.one_of(
    st.just(ScheduleSpec()),
    st.builds(ScheduleSpec, st.just("step"), st.integers(1, 10**9), unit),
    st.builds(ScheduleSpec, st.just("exp"), st.just(1), unit),
    st.builds(ScheduleSpec, st.just("inv"), st.just(1), st.floats(0, allow_infinity=False)),
)
# Text that looks like a spec, to reach the parsers' inner branches, and text that does not.
pieces = st.sampled_from(
    ["full", "sgd", "minibatch", "stream", "constant", "step", "exp", "inv", ":", "0", "1",
     "-1", "0.5", "1e309", "inf", "nan", "1_000", " ", "+", "e", ".", "[a=b", "١", "\x00"]
)  # fmt: skip
spec_like = st.one_of(st.lists(pieces, max_size=6).map("".join), st.text(max_size=30))


@FAST
@given(batch_specs, st.sampled_from(["", " ", "\t"]))
def test_valid_batch_specs_round_trip(spec: BatchSpec, pad: str) -> None:
    assert parse_batch(pad + str(spec) + pad) == spec


@FAST
@given(schedule_specs)
def test_valid_schedules_round_trip(spec: ScheduleSpec) -> None:
    assert parse_schedule(str(spec)) == spec


@FAST
@given(spec_like)
def test_any_batch_text_parses_or_raises_config_error(text: str) -> None:
    try:
        spec = parse_batch(text)
    except ConfigError as err:
        assert "\n" not in str(err)
        return
    assert spec.mode in ("full", "sgd") or (spec.size is not None and spec.size >= 1)
    assert parse_batch(str(spec)) == spec


@FAST
@given(spec_like)
def test_any_schedule_text_parses_or_raises_config_error(text: str) -> None:
    try:
        spec = parse_schedule(text)
    except ConfigError:
        return
    assert spec.kind in ("constant", "step", "exp", "inv")
    assert math.isfinite(spec.gamma) and spec.gamma >= 0
    assert parse_schedule(str(spec)) == spec


@FAST
@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_seeds_are_0_to_2_pow_64_minus_1(seed: int) -> None:
    if 0 <= seed <= SEED_MAX:
        assert check_seed(seed) == seed
        assert RunConfig(seed=seed).validate().seed == seed
    else:
        with pytest.raises(ConfigError, match="2\\^64 - 1"):
            RunConfig(seed=seed).validate()


@pytest.mark.parametrize("seed", [True, 1.5, "3", None])
def test_a_seed_must_be_a_whole_number(seed: object) -> None:
    with pytest.raises(ConfigError, match="whole number"):
        check_seed(seed)


def test_numpy_integer_seeds_are_accepted() -> None:
    np = pytest.importorskip("numpy")
    assert check_seed(np.uint64(SEED_MAX)) == SEED_MAX


numbers = st.one_of(st.floats(), st.integers(-5, 5))


@FAST
@given(
    lr=numbers, momentum=numbers, alpha=numbers, eps=numbers, init_b=numbers,
    betas=st.tuples(numbers, numbers), bias=st.booleans(), standardize=st.booleans(),
    batch=batch_specs, schedule=schedule_specs,
)  # fmt: skip
def test_validate_accepts_or_raises_config_error(**fields: object) -> None:
    try:
        config = RunConfig(**fields).validate()  # type: ignore[arg-type]
    except ConfigError:
        return
    assert config.lr > 0 and math.isfinite(config.lr) and 0 <= config.momentum < 1


# -- regressions (issue 9) --------------------------------------------------------------


def test_inv_schedule_says_k_must_be_finite() -> None:
    with pytest.raises(ConfigError, match="finite K"):
        parse_schedule("inv:inf")
    with pytest.raises(ConfigError, match="K >= 0"):
        parse_schedule("inv:-2")


@pytest.mark.parametrize("text", ["minibatch:1_000", "stream:+4", "step:1_0:0.5", "exp:0_5"])
def test_digit_separators_and_signs_are_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        (parse_batch if text.startswith(("mini", "stream")) else parse_schedule)(text)


def test_schedule_text_keeps_every_digit() -> None:
    assert str(parse_schedule("step:100:0.123456789")) == "step:100:0.123456789"
    assert str(parse_schedule("exp:0.5")) == "exp:0.5"
    assert str(parse_schedule("inv:3")) == "inv:3" and str(parse_schedule("exp:1")) == "exp:1"


def test_a_batch_beyond_memory_is_refused_before_allocating(monkeypatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: 8 * 2**30)
    with pytest.raises(ConfigError, match=r"batch stream:99999999999: .* GiB is available"):
        RunConfig(batch=BatchSpec("stream", 99_999_999_999)).validate()
    RunConfig(batch=BatchSpec("stream", 1_000_000)).validate()  # ~144 MB: fits in 8 GiB
