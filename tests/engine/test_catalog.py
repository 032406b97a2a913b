"""The bundled catalogue: every entry loads, with the tutorials' exact numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files

import numpy as np
import pytest

from linreg_tui.engine.catalog import (
    KINDS,
    TABLE_HEADER,
    DatasetInfo,
    dataset_info,
    datasets_as_json,
    datasets_table,
    list_datasets,
    load_dataset,
)
from linreg_tui.engine.config import RunConfig
from linreg_tui.engine.data import Standardizer, StreamSpec, load_csv
from linreg_tui.engine.errors import ConfigError

T1_X = [3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167, 7.042, 10.791, 5.313, 7.997]
T1_X += [3.1]
T1_Y = [1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221, 2.827, 3.465, 1.65, 2.904]
T1_Y += [1.3]
NAMES = [info.name for info in list_datasets()]
DATASETS = files("linreg_tui.datasets")


def test_catalogue_has_the_required_entries() -> None:
    for name in ("hours", "tutorial15", "synthetic", "stream", "datacsv", "diabetes", "housing"):
        assert name in NAMES
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_entry_loads_with_its_declared_shape(name: str) -> None:
    info = dataset_info(name)
    ds = load_dataset(name)
    assert info.kind in KINDS
    assert info.title and info.description and info.source and info.licence
    assert ds.name == info.name
    assert ds.feature_names == info.features and ds.target_name == info.target
    assert ds.d == len(info.features) and ds.X.shape == (ds.n, ds.d) and ds.y.shape == (ds.n,)
    if info.kind == "stream":
        assert info.rows is None and ds.n == int(info.generator["size"])
    else:
        assert ds.n == info.rows
    assert (ds.stream is not None) == (info.kind == "stream")
    assert ds.description == info.description


@pytest.mark.parametrize("name", NAMES)
def test_defaults_name_real_run_settings(name: str) -> None:
    defaults = dict(dataset_info(name).defaults)
    defaults.pop("epochs", None)
    defaults.pop("updates", None)
    batch = defaults.pop("batch", None)
    if "init_w" in defaults:
        defaults["init_w"] = tuple(defaults["init_w"])
    RunConfig(**defaults).validate()  # unknown keys raise TypeError, bad values ConfigError
    assert batch is None or batch.split(":")[0] in ("full", "sgd", "minibatch", "stream")


def test_hours_exact_values() -> None:
    ds = load_dataset("hours")
    np.testing.assert_array_equal(ds.X, [[1.0], [2.0], [3.0]])
    np.testing.assert_array_equal(ds.y, [2.0, 4.0, 6.0])
    assert ds.feature_names == ("hours",) and ds.target_name == "score"
    assert dataset_info("hours").defaults["bias"] is False


def test_tutorial15_exact_values_and_float32_agreement() -> None:
    ds = load_dataset("tutorial15")
    assert ds.X[:, 0].tolist() == T1_X and ds.y.tolist() == T1_Y
    # Casting the stored float64 to float32 gives what T1 builds from its literals.
    literal32 = np.array([np.float32(str(v)) for v in T1_X])
    np.testing.assert_array_equal(ds.X[:, 0].astype(np.float32), literal32)
    assert dataset_info("tutorial15").defaults["dtype"] == "float32"


def test_datacsv_is_the_shared_file_under_both_names() -> None:
    a, b = load_dataset("datacsv"), load_dataset("data.csv")
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X[0, 0] == 32.50234527 and a.y[0] == 31.70700585
    assert 25 < a.X.min() and a.X.max() < 71
    raw = np.loadtxt(str(DATASETS.joinpath("data.csv")), delimiter=",")
    np.testing.assert_array_equal(np.c_[a.X, a.y], raw)


def test_diabetes_matches_the_published_data() -> None:
    ds = load_dataset("diabetes")
    assert (ds.n, ds.d) == (442, 10)
    assert ds.feature_names[:4] == ("age", "sex", "bmi", "bp")
    np.testing.assert_array_equal(ds.X[0, :4], [59, 2, 32.1, 101])
    assert ds.y[0] == 151 and ds.y[-1] == 57
    assert ds.y.min() == 25 and ds.y.max() == 346  # progression's range in Efron et al.
    assert set(np.unique(ds.X[:, 1])) == {1.0, 2.0}  # sex is coded 1/2 in the raw file


def hessian_condition(X: np.ndarray) -> float:
    """cond(H) for the mse with bias: H = 2/n·AᵀA, A = [X, 1]."""
    A = np.c_[X, np.ones(len(X))]
    return float(np.linalg.cond(2.0 / len(X) * A.T @ A))


def test_housing_is_ill_conditioned_until_standardized() -> None:
    ds = load_dataset("housing")
    assert 30 <= ds.X[:, 0].min() and ds.X[:, 0].max() <= 250
    assert set(np.unique(ds.X[:, 1])) <= {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}
    assert hessian_condition(ds.X) > 1e3
    assert hessian_condition(Standardizer.fit(ds.X).transform(ds.X)) < 20


def test_housing_recipe_in_the_catalogue_reproduces_the_file() -> None:
    notes = dataset_info("housing").notes
    code = notes[notes.index("import numpy") :].split("\n\n")[0]
    scope: dict[str, object] = {}
    exec(code, scope)  # noqa: S102 - our own catalogue text
    made = np.c_[scope["area"], scope["rooms"], scope["price"]]
    ds = load_dataset("housing")
    np.testing.assert_array_equal(made, np.c_[ds.X, ds.y])


def test_housing_suggested_lr_is_stable_on_raw_features() -> None:
    ds = load_dataset("housing")
    A = np.c_[ds.X, np.ones(ds.n)]
    largest = np.linalg.eigvalsh(2.0 / ds.n * A.T @ A).max()
    assert dataset_info("housing").defaults["lr"] < 2.0 / largest


def test_builtin_csvs_load_through_load_csv() -> None:
    direct = load_csv(DATASETS.joinpath("housing.csv"), x=["area", "rooms"], y="price")
    np.testing.assert_array_equal(direct.X, load_dataset("housing").X)


def test_synthetic_is_deterministic_from_the_seed() -> None:
    a, b = load_dataset("synthetic", seed=5), load_dataset("synthetic", seed=5)
    c = load_dataset("synthetic", seed=6)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.n == 100 and load_dataset("synthetic", size=7).n == 7
    assert 0.0 <= a.X.min() and a.X.max() < 5.0


def test_synthetic_fit_recovers_slope_and_intercept() -> None:
    ds = load_dataset("synthetic", size=2000, seed=3)
    slope, intercept = np.polyfit(ds.X[:, 0], ds.y, 1)
    assert slope == pytest.approx(2.0, abs=0.1)
    assert intercept == pytest.approx(3.0, abs=0.2)
    residual_std = np.std(ds.y - (slope * ds.X[:, 0] + intercept))
    assert residual_std == pytest.approx(1.0, abs=0.1)


def test_synthetic_parameters_are_used() -> None:
    ds = load_dataset("synthetic", size=50, slope=-1.0, intercept=0.5, noise=0.0)
    np.testing.assert_allclose(ds.y, -1.0 * ds.X[:, 0] + 0.5)


def test_stream_reference_sample_and_spec() -> None:
    ds = load_dataset("stream", seed=1000)
    gen = dataset_info("stream").generator
    assert ds.stream == StreamSpec(2.0, 3.0, 1.0, gen["low"], gen["high"])
    x, y = ds.stream.draw(100, 1000)
    np.testing.assert_array_equal(ds.X, x.numpy())  # the reference sample is draw(size, seed)
    np.testing.assert_array_equal(ds.y, y.numpy())
    a, _ = ds.stream.draw(4, 1)
    b, _ = ds.stream.draw(4, 2)
    assert not a.equal(b)


def test_load_dataset_signature_defaults_match_the_catalogue() -> None:
    for name in ("synthetic", "stream"):
        gen = dataset_info(name).generator
        assert (gen["slope"], gen["intercept"], gen["noise"]) == (2.0, 3.0, 1.0)


@pytest.mark.parametrize("size", [1, 0, -3, 2.5, True])
def test_bad_sizes(size: object) -> None:
    with pytest.raises(ConfigError, match="size"):
        load_dataset("synthetic", size=size)  # type: ignore[arg-type]


def test_bad_generator_parameters_and_size_on_fixed_data() -> None:
    with pytest.raises(ConfigError, match="noise"):
        load_dataset("stream", noise=-1.0)
    with pytest.raises(ConfigError, match="slope"):
        load_dataset("synthetic", slope=float("nan"))
    with pytest.raises(ConfigError, match="size"):
        load_dataset("hours", size=10)


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ConfigError) as info:
        load_dataset("irises")
    message = str(info.value)
    assert "'irises'" in message
    for name in NAMES:
        assert name in message
    with pytest.raises(ConfigError):
        dataset_info("")


def test_lookup_is_case_insensitive() -> None:
    assert dataset_info(" Hours ").name == "hours"
    assert dataset_info("DATA.CSV").name == "datacsv"


def test_info_defaults_are_a_fresh_copy() -> None:
    info = dataset_info("hours")
    assert isinstance(info, DatasetInfo)
    info.defaults["lr"] = 99.0
    assert dataset_info("hours").defaults["lr"] == 0.01


def test_json_and_table_views() -> None:
    entries = json.loads(json.dumps(datasets_as_json()))
    assert [e["name"] for e in entries] == NAMES
    hours = entries[NAMES.index("hours")]
    assert hours["features"] == ["hours"] and hours["rows"] == 3
    assert hours["tutorials"] == ["T2", "T4"] and hours["defaults"]["lr"] == 0.01
    table = datasets_table()
    assert table[0] == TABLE_HEADER
    assert [row[0] for row in table[1:]] == NAMES
    assert all(len(row) == len(TABLE_HEADER) for row in table)
    assert "(10)" in table[1 + NAMES.index("diabetes")][3]
    assert table[1 + NAMES.index("stream")][2] == "∞"


def test_licences_are_shipped() -> None:
    text = DATASETS.joinpath("LICENSES.md").read_text(encoding="utf-8")
    assert "Copyright (c) 2015 Matt Nedrich" in text
    assert "BSD 3-Clause" in text and "Least Angle Regression" in text
    for info in list_datasets():
        if info.file:
            assert f"`{info.file}`" in text


def test_loading_fixed_data_does_not_import_torch() -> None:
    code = (
        "import sys; from linreg_tui.engine.catalog import load_dataset; "
        "load_dataset('housing'); load_dataset('hours'); assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_entry_has_a_chinese_title_and_description() -> None:
    from linreg_tui.engine.catalog import list_datasets

    for info in list_datasets():
        assert info.title_in("zh") != info.title, info.name
        assert info.description_in("zh") != info.description, info.name
        assert info.title_in("en") == info.title
