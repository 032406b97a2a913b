"""The catalogue of bundled data sets (datasets/catalog.toml) and how to load each one.

Files are read through ``importlib.resources`` so the catalogue works from an
installed wheel as well as from the source tree. Built-in CSVs go through the
same :func:`~linreg_tui.engine.data.load_csv` as a learner's own files.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the tomli backport has the same API
    import tomli as tomllib  # type: ignore[no-redef]

from .config import check_seed
from .data import Dataset, StreamSpec, load_csv
from .errors import ConfigError, unknown_choice
from .memory import check_rows

KINDS = ("inline", "csv", "synthetic", "stream")
_PACKAGE = "linreg_tui.datasets"
_REQUIRED = ("name", "title", "description", "kind", "source", "licence", "features", "target")


@dataclass(frozen=True)
class DatasetInfo:
    """What the catalogue says about one data set (nothing is loaded)."""

    name: str  # what load_dataset() and `--data` accept
    title: str  # short label for lists and charts
    description: str  # one or two sentences for the learner
    kind: str  # inline | csv | synthetic | stream
    features: tuple[str, ...]  # feature names in column order
    target: str  # name of y
    rows: int | None  # rows (synthetic: default size; stream: None, it never ends)
    source: str  # where the numbers come from
    licence: str  # terms they are shipped under (see datasets/LICENSES.md)
    defaults: dict[str, Any]  # suggested RunConfig fields (+ epochs/updates); a fresh copy
    tutorials: tuple[str, ...] = ()  # source tutorials that use it (T1..T5)
    aliases: tuple[str, ...] = ()  # other spellings load_dataset() accepts
    file: str | None = None  # CSV file name inside linreg_tui.datasets (csv kind)
    notes: str = ""  # how the data were made or converted
    generator: dict[str, float] = field(default_factory=dict)  # synthetic/stream parameters
    title_zh: str = ""  # the title in Simplified Chinese ("" falls back to English)
    description_zh: str = ""  # the description in Simplified Chinese

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` ("en" or "zh"), English when no translation exists."""
        return (self.title_zh if lang == "zh" else "") or self.title

    def description_in(self, lang: str) -> str:
        """The description in ``lang``, English when no translation exists."""
        return (self.description_zh if lang == "zh" else "") or self.description


@lru_cache(maxsize=1)
def _entries() -> tuple[dict[str, Any], ...]:
    """The parsed [[dataset]] tables, checked once."""
    text = files(_PACKAGE).joinpath("catalog.toml").read_text(encoding="utf-8")
    entries = tuple(tomllib.loads(text)["dataset"])
    for entry in entries:
        missing = [key for key in _REQUIRED if key not in entry]
        if missing or entry["kind"] not in KINDS:
            # A packaging bug, not the learner's input: fail loudly.
            raise RuntimeError(f"catalog.toml entry {entry.get('name')!r} is malformed: {missing}")
    return entries


def _info(entry: dict[str, Any]) -> DatasetInfo:
    rows = entry.get("rows")
    if entry["kind"] == "synthetic":
        rows = int(entry["generator"]["size"])
    return DatasetInfo(
        name=entry["name"],
        title=entry["title"],
        description=entry["description"],
        title_zh=entry.get("title_zh", ""),
        description_zh=entry.get("description_zh", ""),
        kind=entry["kind"],
        features=tuple(entry["features"]),
        target=entry["target"],
        rows=None if entry["kind"] == "stream" else rows,
        source=entry["source"],
        licence=entry["licence"],
        defaults=copy.deepcopy(entry.get("defaults", {})),
        tutorials=tuple(entry.get("tutorials", ())),
        aliases=tuple(entry.get("aliases", ())),
        file=entry.get("file"),
        notes=entry.get("notes", "").strip(),
        generator=dict(entry.get("generator", {})),
    )


def list_datasets() -> list[DatasetInfo]:
    """Every catalogue entry, in catalogue order."""
    return [_info(entry) for entry in _entries()]


def _entry(name: str) -> dict[str, Any]:
    key = str(name).strip().lower()
    for entry in _entries():
        spellings = [entry["name"], *entry.get("aliases", ())]
        if key in (s.lower() for s in spellings):
            return entry
    raise unknown_choice("data set", name, [e["name"] for e in _entries()])


def dataset_info(name: str) -> DatasetInfo:
    """The entry called ``name`` (or one of its aliases, any case); ConfigError if none."""
    return _info(_entry(name))


def _check_generated(size: int, slope: float, intercept: float, noise: float) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 2:
        raise ConfigError("data.size", size=size)
    for label, value in (("slope", slope), ("intercept", intercept), ("noise", noise)):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError("data.not_finite", label=label, value=value)
    if noise < 0:
        raise ConfigError("data.noise", noise=noise)


def load_dataset(
    name: str,
    *,
    size: int | None = None,
    seed: int = 0,
    slope: float = 2.0,
    intercept: float = 3.0,
    noise: float = 1.0,
) -> Dataset:
    """Load a catalogue entry as a :class:`Dataset`.

    ``size``, ``seed``, ``slope``, ``intercept`` and ``noise`` shape the
    generated kinds: synthetic draws ``size`` points (default from the
    catalogue, 100) once with ``seed``; stream gives a reference sample drawn
    the same way plus a StreamSpec for fresh batches. Fixed data sets ignore
    all but ``size``, which they refuse.
    """
    entry = _entry(name)
    info = _info(entry)
    if info.kind in ("inline", "csv") and size is not None:
        raise ConfigError("data.size_fixed", name=info.name)
    if info.kind == "inline":
        columns = entry["columns"]
        rows = [[columns[f][i] for f in info.features] for i in range(len(columns[info.target]))]
        return Dataset(
            info.name,
            np.asarray(rows, dtype=np.float64),
            np.asarray(columns[info.target], dtype=np.float64),
            info.features,
            info.target,
            None,
            info.description,
        )
    if info.kind == "csv":
        resource = files(_PACKAGE).joinpath(str(info.file))
        if entry.get("header", True):
            data = load_csv(resource, x=list(info.features), y=info.target, name=info.name)
        else:
            data = load_csv(resource, x=list(range(len(info.features))), name=info.name)
        return Dataset(
            info.name, data.X, data.y, info.features, info.target, None, info.description
        )
    gen = info.generator
    size = int(gen["size"]) if size is None else size
    _check_generated(size, slope, intercept, noise)
    check_seed(seed)
    check_rows(size, len(info.features) + 1, f"size {size}", "choose a smaller size")
    spec = StreamSpec(float(slope), float(intercept), float(noise), gen["low"], gen["high"])
    X, y = spec.sample(size, seed)
    stream = spec if info.kind == "stream" else None
    return Dataset(info.name, X, y, info.features, info.target, stream, info.description)


def _jsonable(info: DatasetInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "title": info.title,
        "description": info.description,
        "kind": info.kind,
        "features": list(info.features),
        "target": info.target,
        "rows": info.rows,
        "tutorials": list(info.tutorials),
        "aliases": list(info.aliases),
        "source": info.source,
        "licence": info.licence,
        "defaults": info.defaults,
    }


def datasets_as_json() -> list[dict[str, Any]]:
    """What ``linreg-tui datasets --format json`` prints: one plain dict per entry."""
    return [_jsonable(info) for info in list_datasets()]


TABLE_HEADER = ("name", "kind", "rows", "features", "target", "tutorials")


def _features_cell(features: tuple[str, ...]) -> str:
    """Up to three names, then the count, so the table fits 80 columns."""
    if len(features) <= 3:
        return ", ".join(features)
    return f"{', '.join(features[:3])}, … ({len(features)})"


def datasets_table() -> list[tuple[str, ...]]:
    """Rows of strings for a text table; the first row is :data:`TABLE_HEADER`."""
    table: list[tuple[str, ...]] = [TABLE_HEADER]
    for info in list_datasets():
        rows = "∞" if info.kind == "stream" else str(info.rows)
        table.append(
            (
                info.name,
                info.kind,
                rows,
                _features_cell(info.features),
                info.target,
                " ".join(info.tutorials) or "-",
            )
        )
    return table
