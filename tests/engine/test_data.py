"""CSV loading, Dataset invariants, Standardizer algebra and stream draws (engine/data.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg_tui.engine.data import (
    Dataset,
    Standardizer,
    StreamSpec,
    load_csv,
    parse_columns,
)
from linreg_tui.engine.errors import ConfigError, DataError


def write(tmp_path: Path, text: str | bytes, name: str = "d.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- reading good files -----------------------------------------------------------------


def test_header_and_default_columns(tmp_path: Path) -> None:
    ds = load_csv(write(tmp_path, "a,b,c\n1,2,3\n4,5,6.5\n"))
    assert ds.name == "d"
    assert ds.feature_names == ("a", "b")
    assert ds.target_name == "c"
    np.testing.assert_array_equal(ds.X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(ds.y, [3, 6.5])
    assert (ds.n, ds.d) == (2, 2)
    assert ds.X.dtype == np.float64 and ds.y.shape == (2,)


def test_no_header_two_columns_named_x_y(tmp_path: Path) -> None:
    ds = load_csv(write(tmp_path, "1.5,2\n3,4e1\n-1,0\n"))
    assert ds.feature_names == ("x",) and ds.target_name == "y"
    np.testing.assert_array_equal(ds.X[:, 0], [1.5, 3, -1])
    np.testing.assert_array_equal(ds.y, [2, 40, 0])


def test_no_header_wide_file_selected_by_index(tmp_path: Path) -> None:
    path = write(tmp_path, "1,2,3,4\n5,6,7,8\n9,10,11,12\n")
    ds = load_csv(path, x=[2, "0"], y=1)
    assert ds.feature_names == ("col2", "col0") and ds.target_name == "col1"
    np.testing.assert_array_equal(ds.X, [[3, 1], [7, 5], [11, 9]])
    np.testing.assert_array_equal(ds.y, [2, 6, 10])


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = ["h1", "h2", "t"], ["1", "2", "3"], ["4", "5", "6"]
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ("h1", "h2")
    np.testing.assert_array_equal(ds.y, [3, 6])


def test_bom_crlf_blank_lines_and_quotes(tmp_path: Path) -> None:
    text = '\ufeff"x","y"\r\n1,2\r\n\r\n3,4\r\n\r\n'
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ("x",)  # the BOM is not part of the first name
    np.testing.assert_array_equal(ds.y, [2, 4])


def test_chinese_header_selected_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "学习时间,睡眠,成绩\n1,8,2\n2,7,4\n3,6,6\n")
    ds = load_csv(path, x=["学习时间"], y="成绩", name="分数")
    assert ds.name == "分数"
    assert ds.feature_names == ("学习时间",) and ds.target_name == "成绩"
    np.testing.assert_array_equal(ds.X[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(ds.y, [2, 4, 6])


def test_y_alone_makes_every_other_column_a_feature(tmp_path: Path) -> None:
    ds = load_csv(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n"), y="a")
    assert ds.feature_names == ("b", "c") and ds.target_name == "a"


def test_digits_prefer_a_header_name_over_an_index(tmp_path: Path) -> None:
    path = write(tmp_path, "year,0,2\n10,20,30\n11,21,31\n")
    ds = load_csv(path, x=["2"], y="0")  # the columns *named* "2" and "0"
    np.testing.assert_array_equal(ds.X[:, 0], [30, 31])
    np.testing.assert_array_equal(ds.y, [20, 21])
    ds = load_csv(path, x=["1"], y="year")  # no column named "1": index 1
    np.testing.assert_array_equal(ds.X[:, 0], [20, 21])


def test_unselected_text_column_is_allowed(tmp_path: Path) -> None:
    ds = load_csv(write(tmp_path, "who,x,y\nann,1,2\nbob,3,4\n"), x=["x"], y="y")
    np.testing.assert_array_equal(ds.X[:, 0], [1, 3])


def test_text_column_under_a_number_row_is_not_a_header(tmp_path: Path) -> None:
    # Line 1 mixes text and numbers and line 2 has text in the same place: it is data.
    ds = load_csv(write(tmp_path, "id7,1,2\nann,3,4\nbob,5,6\n"), x=[1], y=2)
    assert ds.n == 3 and ds.feature_names == ("col1",)
    np.testing.assert_array_equal(ds.X[:, 0], [1, 3, 5])


def test_all_text_first_line_is_a_header_even_above_a_units_row(tmp_path: Path) -> None:
    path = write(tmp_path, "area,price\nm2,k€\n1,2\n3,4\n")
    expect_error(path, "line 2", "'area'", "'m2'", "not a number")


def test_trailing_delimiter_on_every_line_is_ignored(tmp_path: Path) -> None:
    ds = load_csv(write(tmp_path, "x,y,\n1,2,\n3,4,\n"))
    assert ds.feature_names == ("x",) and ds.target_name == "y"


def test_parse_columns() -> None:
    assert parse_columns(" a, b ,3") == ["a", "b", "3"]
    assert parse_columns("学习时间") == ["学习时间"]
    with pytest.raises(DataError, match="commas"):
        parse_columns("a,,b")
    with pytest.raises(DataError):
        parse_columns("  ")


# -- bad files: one clear line naming file, line and column ------------------------------


def expect_error(path: Path, *fragments: str, **kwargs: object) -> str:
    with pytest.raises(DataError) as info:
        load_csv(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_file(tmp_path: Path) -> None:
    expect_error(tmp_path / "nope.csv", "no such file")


def test_directory(tmp_path: Path) -> None:
    expect_error(tmp_path, "directory")


def test_empty_and_blank_files(tmp_path: Path) -> None:
    expect_error(write(tmp_path, ""), "is empty")
    expect_error(write(tmp_path, "\n  \n\n", "blank.csv"), "is empty")


def test_header_only(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "x,y\n"), "header but no data rows")


def test_one_data_row(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "x,y\n1,2\n"), "only 1 data row")


def test_single_column(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "1\n2\n3\n"), "only 1 column")


def test_non_numeric_cell_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "hours,score\n1,2\n\n2,abc\n3,6\n")
    expect_error(path, "line 4", "'score'", "'abc'", "not a number")


def test_empty_cell(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "a,b\n1,2\n,4\n"), "line 3", "'a'", "empty cell")


def test_decimal_comma_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "a;b\n1,5;2\n2,5;3\n")
    expect_error(path, "line 2", "'a'", "'1,5'", "decimal mark")


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity"])
def test_nan_and_inf(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, f"x,y\n1,2\n3,4\n5,{bad}\n")
    expect_error(path, "line 4", "'y'", "not a finite number")


def test_ragged_row(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "x,y\n1,2\n3,4,5\n6,7\n"), "line 3", "3 cells", "has 2")


def test_unknown_column_lists_the_available_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "area,rooms,price\n1,2,3\n4,5,6\n")
    expect_error(path, "'size'", "area, rooms, price", x=["size"])
    expect_error(path, "no column 7", "0-2", x=[7])
    expect_error(path, "no column 9", y="9")


def test_unknown_column_without_header(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "1,2\n3,4\n"), "no header", "x, y", x=["hours"])


def test_duplicate_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n")
    expect_error(path, "'a'", "twice", x=["a", "0"], y="c")
    expect_error(path, "'b'", "both a feature and the target", x=["a", "b"], y="b")
    expect_error(path, "'c'", "both a feature and the target", x=["a", "c"])


def test_duplicate_header_names(tmp_path: Path) -> None:
    path = write(tmp_path, "a,a,y\n1,2,3\n4,5,6\n")
    expect_error(path, "'a'", "(0, 1)", x=["a"])


def test_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "面积,价格\n1,2\n3,4\n".encode("gbk"))
    expect_error(path, "not UTF-8")


# -- Dataset ---------------------------------------------------------------------------------


def test_dataset_is_read_only_and_copies_its_input() -> None:
    X = np.array([[1.0], [2.0]])
    ds = Dataset("t", X, [3, 4], ("x",), "y")
    X[0, 0] = 99.0
    assert ds.X[0, 0] == 1.0
    with pytest.raises(ValueError):
        ds.X[0, 0] = 5.0
    assert ds.y.dtype == np.float64


def test_dataset_rejects_mismatched_shapes() -> None:
    with pytest.raises(DataError, match="rows"):
        Dataset("t", [[1.0], [2.0]], [1.0], ("x",), "y")
    with pytest.raises(DataError, match="names"):
        Dataset("t", [[1.0, 2.0], [2.0, 3.0]], [1.0, 2.0], ("x",), "y")
    with pytest.raises(DataError, match="NaN"):
        Dataset("t", [[1.0], [np.nan]], [1.0, 2.0], ("x",), "y")


# -- Standardizer -----------------------------------------------------------------------------


def test_standardizer_transform_has_zero_mean_unit_std() -> None:
    X = np.array([[30.0, 1.0], [250.0, 6.0], [100.0, 3.0], [75.0, 2.0]])
    s = Standardizer.fit(X)
    Z = s.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)


def test_standardizer_formula_on_a_hand_example() -> None:
    s = Standardizer(mean=[10.0, 2.0], std=[5.0, 0.5])
    w, b = s.to_original([2.0, 1.0], 3.0)
    # w = w_std/σ = (0.4, 2); b = 3 − (2·10/5 + 1·2/0.5) = 3 − 8 = −5
    np.testing.assert_allclose(w, [0.4, 2.0])
    assert b == pytest.approx(-5.0)


def test_constant_column_is_named() -> None:
    X = np.array([[1.0, 4.0], [2.0, 4.0], [3.0, 4.0]])
    with pytest.raises(DataError, match="'rooms' is constant"):
        Standardizer.fit(X, names=("area", "rooms"))
    with pytest.raises(DataError, match="column 1"):
        Standardizer.fit(X)
    with pytest.raises(DataError, match="constant"):  # 0.1 sums inexactly; still constant
        Standardizer.fit(np.full((7, 1), 0.1))


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(
    d=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    w=st.lists(finite, min_size=4, max_size=4),
    b=finite,
)
def test_standardizer_round_trip_and_same_predictions(
    d: int, seed: int, w: list[float], b: float
) -> None:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-50, 300, size=(8, d)) * rng.uniform(0.01, 100, size=d)
    s = Standardizer.fit(X)
    w = np.array(w[:d])
    w_std, b_std = s.to_standardized(w, b)
    w_back, b_back = s.to_original(w_std, b_std)
    np.testing.assert_allclose(w_back, w, rtol=1e-9, atol=1e-9)
    assert b_back == pytest.approx(b, rel=1e-9, abs=1e-6)
    # The same model in both unit systems: x·w + b == z·w_std + b_std.
    np.testing.assert_allclose(X @ w + b, s.transform(X) @ w_std + b_std, rtol=1e-9, atol=1e-6)


# -- StreamSpec --------------------------------------------------------------------------------


def test_stream_draw_is_a_pure_function_of_count_and_seed() -> None:
    spec = StreamSpec(slope=2.0, intercept=3.0, noise=1.0)
    x1, y1 = spec.draw(4, 7)
    x2, y2 = StreamSpec(2.0, 3.0, 1.0).draw(4, 7)
    assert x1.shape == (4, 1) and y1.shape == (4,)
    assert x1.equal(x2) and y1.equal(y2)
    x3, _ = spec.draw(4, 8)
    assert not x1.equal(x3)
    assert float(x1.min()) >= 0.0 and float(x1.max()) < 5.0


def test_stream_draw_follows_the_documented_recipe() -> None:
    import torch

    spec = StreamSpec(slope=-1.5, intercept=0.5, noise=0.25, low=1.0, high=3.0)
    g = torch.Generator().manual_seed(11)
    x = torch.rand(6, 1, generator=g, dtype=torch.float64) * 2.0 + 1.0
    y = -1.5 * x + 0.5 + 0.25 * torch.randn(6, 1, generator=g, dtype=torch.float64)
    xs, ys = spec.draw(6, 11)
    assert xs.equal(x) and ys.equal(y.reshape(6))


def test_stream_draw_casts_dtype_and_noise_free_points_lie_on_the_line() -> None:
    import torch

    x, y = StreamSpec(2.0, 3.0, 0.0).draw(5, 1, dtype="float32")
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    np.testing.assert_allclose(y.numpy(), 2.0 * x.numpy()[:, 0] + 3.0, rtol=1e-6)
    with pytest.raises(ConfigError):
        StreamSpec(2.0, 3.0, 1.0).draw(0, 1)
    with pytest.raises(ConfigError, match="dtype"):
        StreamSpec(2.0, 3.0, 1.0).draw(2, 1, dtype="float16")


# -- what NumPy's parser and the exact pass both refuse (issue 9 item 9) ----------------------


@pytest.mark.parametrize("bad", ["1_000", "١٢", "１２"])
def test_underscores_and_non_ascii_digits_are_not_numbers(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, f"x,y\n1,2\n{bad},4\n5,6\n")
    expect_error(path, "line 3", "'x'", repr(bad), "not a number")


def test_old_mac_line_ends_and_whitespace_lines(tmp_path: Path) -> None:
    ds = load_csv(write(tmp_path, "x,y\r1,2\r  \r3,4\r"))
    np.testing.assert_array_equal(ds.y, [2, 4])
    expect_error(write(tmp_path, "x,y\r1,2\r3,z\r", "mac.csv"), "line 3", "'z'")


# -- streaming: blocks, progress, cancel ------------------------------------------------------


def test_a_bad_cell_deep_in_a_big_file_names_its_line(tmp_path: Path) -> None:
    rows = [f"{i},{2 * i}" for i in range(200_000)]
    rows[150_000] = "150000,oops"
    path = write(tmp_path, "x,y\n" + "\n".join(rows) + "\n")
    expect_error(path, "line 150002", "'y'", "'oops'")


def test_unselected_columns_are_still_counted_in_every_block(tmp_path: Path) -> None:
    from linreg_tui.engine import csv_loader

    rows = [f"n{i},{i},{2 * i}" for i in range(2000)]
    rows[1500] = "n,1500,3000,extra"
    path = write(tmp_path, "who,x,y\n" + "\n".join(rows) + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_loader, "BLOCK_BYTES", 256)
        expect_error(path, "line 1502", "4 cells", "has 3", x=["x"], y="y")
        rows[1500] = "n,1500,3000"
        ds = load_csv(write(tmp_path, "who,x,y\n" + "\n".join(rows) + "\n", "ok.csv"), y="y", x="x")
    assert ds.n == 2000 and ds.y[-1] == 3998


def test_progress_reports_bytes_and_cancel_stops(tmp_path: Path) -> None:
    from linreg_tui.engine import csv_loader
    from linreg_tui.engine.data import LoadCancelled

    path = write(tmp_path, "x,y\n" + "".join(f"{i},{i}\n" for i in range(5000)))
    size = path.stat().st_size
    seen: list[tuple[int, int]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_loader, "BLOCK_BYTES", 4096)
        load_csv(path, progress=lambda done, total: seen.append((done, total)))
        assert len(seen) > 5 and seen[-1] == (size, size)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        calls = iter(range(100))
        with pytest.raises(LoadCancelled, match="cancelled"):
            load_csv(path, cancelled=lambda: next(calls) >= 3)


def test_packaged_resource_loads_like_a_file() -> None:
    from importlib.resources import files

    ds = load_csv(files("linreg_tui.datasets").joinpath("data.csv"))
    assert ds.n > 10 and ds.name == "data"
