"""Share codes: round trips (catalogue and CSV sources), and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine.config import (
    LOSSES,
    OPTIMIZERS,
    SEED_MAX,
    BatchSpec,
    RunConfig,
    ScheduleSpec,
)
from linreg_tui.engine.errors import ConfigError
from linreg_tui.engine.share import DataSource, Shared, decode, encode, file_digest

FINITE = st.floats(1e-6, 10, allow_nan=False)
CONFIGS = st.builds(
    RunConfig,
    lr=FINITE,
    loss=st.sampled_from(LOSSES),
    batch=st.sampled_from([BatchSpec(), BatchSpec("sgd"), BatchSpec("minibatch", 7)]),
    shuffle=st.booleans(),
    optimizer=st.sampled_from(OPTIMIZERS),
    momentum=st.floats(0, 0.99),
    schedule=st.sampled_from(
        [ScheduleSpec(), ScheduleSpec("step", 3, 0.5), ScheduleSpec("inv", 1, 0.25)]
    ),
    init_w=st.none() | st.tuples(st.floats(-1e6, 1e6)),
    init_b=st.floats(-1e6, 1e6),
    seed=st.integers(0, SEED_MAX),
    dtype=st.sampled_from(["float64", "float32"]),
    mistake=st.sampled_from([None, "forget-zero-grad", "overwrite-grad"]),
)
SOURCES = st.one_of(
    st.builds(DataSource, kind=st.just("builtin"), name=st.sampled_from(["hours", "synthetic"]),
              generated=st.sampled_from([(), (("size", 30), ("noise", 0.5))])),
    st.builds(DataSource, kind=st.just("csv"), name=st.text(min_size=1, max_size=20),
              sha256=st.text("0123456789abcdef", min_size=32, max_size=32),
              x=st.none() | st.tuples(st.integers(0, 5) | st.text(max_size=5)),
              y=st.none() | st.integers(0, 5) | st.text(max_size=5)),
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(config=CONFIGS, source=SOURCES, length=st.none() | st.tuples(
    st.sampled_from(["updates", "epochs"]), st.integers(0, 10**6)))  # fmt: skip
def test_round_trip(config, source, length):
    shared = Shared(source, config.validate(), length)
    code = encode(shared)
    assert code.startswith("lr1-") and code == code.strip() and code.isascii()
    assert decode(code) == shared


@settings(max_examples=60, deadline=None)
@given(
    config=CONFIGS, where=st.floats(0, 1), char=st.sampled_from("abcdefghijklmnopqrstuvwxyz234567")
)
def test_a_changed_character_is_refused(config, where, char):
    code = encode(Shared(DataSource("builtin", "hours"), config.validate(), None))
    i = 4 + int(where * (len(code) - 5))
    damaged = code[:i] + char + code[i + 1 :]
    if damaged == code:
        return
    with pytest.raises(ConfigError, match="damaged"):
        decode(damaged)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("hello", "not a linreg-tui share code"),
        ("https://example.com/x", "not a linreg-tui share code"),
        ("lr9-abcd", "format 9"),
        ("lr1-", "damaged"),
        ("lr1-!!!!", "damaged"),
    ],
)
def test_foreign_codes(code, message):
    with pytest.raises(ConfigError, match=message):
        decode(code)


def test_file_digest(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("x,y\n1,2\n")
    import hashlib

    assert file_digest(f) == hashlib.sha256(b"x,y\n1,2\n").hexdigest()[:32]
