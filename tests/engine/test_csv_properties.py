"""Property-based tests of the CSV loader (engine/csv_loader.py): round trips, bad cells found
where they are, the fast and exact paths agreeing, and only DataError ever escaping."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linreg_tui.engine import csv_loader
from linreg_tui.engine.data import Dataset, load_csv
from linreg_tui.engine.errors import DataError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
finite = st.floats(allow_nan=False, allow_infinity=False)
names = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(
    lambda s: s not in ("nan", "inf", "infinity") and not s.startswith("e")
)


@contextmanager
def csv_file(data: str | bytes) -> Iterator[Path]:
    """A temporary CSV file holding ``data`` (hypothesis cannot use tmp_path per example)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.csv"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        yield path


def load(path: Path, block: int, **kwargs: object) -> Dataset:
    with mock.patch.object(csv_loader, "BLOCK_BYTES", block):
        return load_csv(path, **kwargs)  # type: ignore[arg-type]


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, list[str] | None, str]:
    """(values (n, w), header names or None, delimiter)."""
    width = draw(st.integers(2, 5))
    rows = draw(st.integers(2, 30))
    flat = draw(st.lists(finite, min_size=rows * width, max_size=rows * width))
    header = draw(st.none() | st.lists(names, min_size=width, max_size=width, unique=True))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    return np.array(flat).reshape(rows, width), header, delimiter


def render(values: np.ndarray, header: list[str] | None, delimiter: str, newline: str) -> str:
    lines = [delimiter.join(header)] if header else []
    lines += [delimiter.join(repr(float(v)) for v in row) for row in values]
    return newline.join(lines) + newline


@SETTINGS
@given(
    table=tables(),
    newline=st.sampled_from(["\n", "\r\n"]),
    block=st.sampled_from([16, 64, 1 << 22]),
    data=st.data(),
)
def test_round_trip_with_column_selection(table, newline: str, block: int, data) -> None:
    values, header, delimiter = table
    width = values.shape[1]
    order = data.draw(st.permutations(range(width)))
    k = data.draw(st.integers(1, width - 1))
    xi, yi = list(order[:k]), order[k]
    by_name = header is not None and data.draw(st.booleans())
    x = [header[j] for j in xi] if by_name else xi  # type: ignore[index]
    y = header[yi] if by_name else yi  # type: ignore[index]
    with csv_file(render(values, header, delimiter, newline)) as path:
        ds = load(path, block, x=x, y=y)
    np.testing.assert_array_equal(ds.X, values[:, xi])
    np.testing.assert_array_equal(ds.y, values[:, yi])
    if header:
        assert ds.feature_names == tuple(header[j] for j in xi)


BAD = ["abc", "1_000", "١٢", "0x10", "1.2.3", "--1", "", "nan", "-inf", "1e999", "1 2", "Ⅻ"]


@SETTINGS
@given(
    table=tables(), bad=st.sampled_from(BAD), block=st.sampled_from([16, 1 << 22]), data=st.data()
)
def test_a_bad_cell_is_reported_at_its_line_and_column(table, bad: str, block: int, data) -> None:
    values, header, delimiter = table
    rows, width = values.shape
    header = header or [f"c{j}" for j in range(width)]  # a header keeps row 1 data
    i = data.draw(st.integers(0, rows - 1))
    j = data.draw(st.integers(0, width - 1))
    cells = [[repr(float(v)) for v in row] for row in values]
    cells[i][j] = bad
    text = "\n".join(delimiter.join(r) for r in [header, *cells]) + "\n"
    with csv_file(text) as path, pytest.raises(DataError) as info:
        load(path, block)
    message = str(info.value)
    assert f"line {i + 2}, column {header[j]!r}" in message, message
    assert (repr(bad) in message) if bad else ("empty cell" in message)


@contextmanager
def exact_only() -> Iterator[None]:
    """Every block through the exact pass, as if NumPy had refused it."""
    with mock.patch.object(csv_loader, "_fast_block", lambda *args: None):
        yield


def outcome(path: Path, block: int) -> tuple[str, object]:
    try:
        ds = load(path, block)
    except DataError as err:
        return "error", str(err)
    return "data", (ds.X.tolist(), ds.y.tolist(), ds.feature_names, ds.target_name)


messy = st.text(alphabet='0123456789.,;\t\n\r -+eE_"aé', max_size=120)


@SETTINGS
@given(text=messy, block=st.sampled_from([8, 1 << 22]))
def test_fast_and_exact_paths_agree(text: str, block: int) -> None:
    with csv_file(text) as path:
        fast = outcome(path, block)
        with exact_only():
            exact = outcome(path, block)
    assert fast == exact


@SETTINGS
@given(
    raw=st.binary(max_size=200) | messy.map(lambda s: s.encode("utf-8")),
    x=st.none() | st.lists(st.integers(-1, 4) | names, max_size=3),
    y=st.none() | st.integers(-1, 4) | names,
    block=st.sampled_from([8, 1 << 22]),
)
def test_only_data_errors_escape(raw: bytes, x, y, block: int) -> None:
    with csv_file(raw) as path:
        try:
            ds = load(path, block, x=x, y=y)
        except DataError as err:
            assert "\n" not in str(err) and str(path) in str(err)
        else:
            assert ds.n >= 2 and np.isfinite(ds.X).all()
