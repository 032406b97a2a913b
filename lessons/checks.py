"""Structural checks of one lesson file, each pointing at the offending key's line.

Used by the loader and the validator. Only the engine's config, errors and
catalogue modules are imported (no torch); a teacher's CSV file is read to
count its features. Problems are collected as (line, message, severity).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path
from typing import Any

import tomllib

from linreg_tui.engine import AXES

from . import schema
from .checkpoint_checks import check_checkpoint
from .expressions import (
    ExpressionError,
    LossAt,
    Spread,
    StateQ,
    StepQ,
    atoms,
    parse_expression,
)
from .limits import Cost, batches_per_epoch, cost_problem, expression_updates
from .locate import KeyLines
from .model import CHECKPOINT_KINDS, LANGS, VIEWS
from .text_checks import check_numbers, shown_width

ID_PATTERN = schema.ID_PATTERN
PAGE_COLUMNS = 72  # text width of a lesson page at 80 columns
PAGE_ROWS = 16  # rows of text that fit under the header and footer at 24 rows
_TOML_LINE = re.compile(r"at line (\d+)")

Key = schema.Key


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def wrapped_rows(text: str, width: int = PAGE_COLUMNS) -> int:
    """Rows ``text`` takes when each line is wrapped at ``width`` columns."""
    return sum(max(1, -(-display_width(line) // width)) for line in text.split("\n"))


class FileChecker:
    """Collects the problems of one lesson file; ``run()`` returns the parsed data."""

    def __init__(self, name: str, text: str, *, base_dir: Path | None) -> None:
        self.name = name
        self.text = text
        self.base_dir = base_dir
        self.problems: list[tuple[int, str, str]] = []
        self.lines: KeyLines | None = None
        self.dims: tuple[int, bool] | None = None  # (features d, stream?) of the preset's data
        self.rows: int | None = None  # rows of the preset's data (a stream: its reference sample)
        self.base: dict[str, Any] = {}  # the lesson preset's settings, under every override
        self.base_view = "playground"  # the lesson preset's view
        self.base_runs = 0  # and how many compare runs it has

    # -- reporting ------------------------------------------------------------------

    def report(self, key: Key, message: str, severity: str = "error") -> None:
        assert self.lines is not None
        self.problems.append((self.lines.line_of(key), message, severity))

    def unknown_keys(
        self, key: Key, table: dict, allowed: tuple[str, ...] | list[str], where: str
    ) -> None:
        for name in table:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                tip = f" (did you mean {close[0]!r}?)" if close else ""
                valid = f"; valid keys: {', '.join(allowed)}" if not close else ""
                self.report(key + (name,), f"{where}: unknown key {name!r}{tip}{valid}")

    def require(self, key: Key, table: dict, names: tuple[str, ...], where: str) -> bool:
        missing = [n for n in names if n not in table]
        for n in missing:
            self.report(key, f"{where}: missing required key {n!r}")
        return not missing

    # -- the file -------------------------------------------------------------------

    def parse(self) -> dict | None:
        """The file's TOML data, or None (a finding at the line TOML names)."""
        self.lines = KeyLines(self.text)
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as err:
            match = _TOML_LINE.search(str(err))
            line = int(match.group(1)) if match else max(1, self.text.count("\n") + 1)
            self.problems.append((line, f"not valid TOML: {str(err).split(' (at ')[0]}", "error"))
            return None

    def run(self) -> dict | None:
        data = self.parse()
        if data is None:
            return None
        where = "lesson"
        self.unknown_keys((), data, schema.LESSON_KEYS, where)
        self.require((), data, schema.LESSON_REQUIRED, where)
        if "id" in data and not (isinstance(data["id"], str) and ID_PATTERN.match(data["id"])):
            self.report(("id",), "lesson id must be lower-case letters, digits, '-' or '_'")
        if "order" in data and (type(data["order"]) is not int):
            self.report(("order",), "lesson order must be a whole number")
        self.text_value(("title",), data.get("title"), "title")
        if "summary" in data:
            self.text_value(("summary",), data["summary"], "summary")
        pages = self.table_array(data, "page", "page")
        if "page" in data and not pages:
            self.report(("page",), "a lesson needs at least one [[page]]")
        if "preset" in data:
            self.preset(data["preset"])
        for i, page in enumerate(pages):
            self.page(i, page)
        ids: dict[str, int] = {}
        for i, cp in enumerate(self.table_array(data, "checkpoint", "checkpoint")):
            self.checkpoint(i, cp, len(pages), ids)
        return data

    def table_array(self, data: dict, key: str, what: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.report((key,), f"{what}s must be written as [[{key}]] tables")
            return []
        return value

    # -- texts ----------------------------------------------------------------------

    def text_value(self, key: Key, value: Any, what: str) -> None:
        """A bilingual text: a table with a non-empty string per language."""
        if value is None:
            return
        if not isinstance(value, dict):
            self.report(key, f'{what} must give both languages: {{ en = "…", zh = "…" }}')
            return
        self.unknown_keys(key, value, LANGS, what)
        for lang in LANGS:
            text = value.get(lang)
            if text is None:
                self.report(key, f"{what}: missing the {_lang_name(lang)} text ({lang})")
            elif not isinstance(text, str) or not text.strip():
                self.report(key + (lang,), f"{what}.{lang} must be a non-empty string")

    def page(self, i: int, page: dict) -> None:
        key: Key = ("page", i)
        where = f"page {i + 1}"
        self.unknown_keys(key, page, schema.PAGE_KEYS, where)
        if self.require(key, page, ("text",), where):
            self.text_value(key + ("text",), page["text"], f"{where} text")
            self.page_size(key, page["text"], where)
            override = page.get("preset")
            settings = {**self.base, **(override if isinstance(override, dict) else {})}
            self.numbers(key + ("text",), page["text"], f"{where} text", settings)
        if "preset" in page:
            self.preset(page["preset"], key + ("preset",), f"{where} preset")

    def page_size(self, key: Key, text: Any, where: str) -> None:
        if not isinstance(text, dict):
            return
        for lang in LANGS:
            body = text.get(lang)
            if isinstance(body, str) and wrapped_rows(shown_width(body).strip("\n")) > PAGE_ROWS:
                rows = wrapped_rows(shown_width(body).strip("\n"))
                self.report(
                    key + ("text", lang),
                    f"{where} ({lang}) takes {rows} rows at {PAGE_COLUMNS} columns; "
                    f"at most {PAGE_ROWS} fit on an 80×24 screen",
                    "warning",
                )

    def numbers(
        self, key: Key, value: Any, where: str, settings: dict[str, Any], compute: Any = None
    ) -> None:
        """A text's ``{{ … }}`` templates (each a valid, bounded expression and format) and
        its hand-typed numbers (a warning; the rule is ``templates.typed_numbers``; the
        item's settings and ``compute`` literals count as inputs)."""
        check_numbers(self, key, value, where, settings, compute)

    # -- presets --------------------------------------------------------------------

    def preset(self, preset: Any, key: Key = ("preset",), where: str = "preset") -> None:
        """The lesson's [preset] (key ("preset",)) or an item's override table.

        Both take settings and view, axis, [[…runs]]; only the lesson's needs a dataset.
        """
        lesson = key == ("preset",)
        if not isinstance(preset, dict):
            self.report(key, f"{where} must be a table of settings")
            return
        allowed = tuple(schema.PRESET_SETTINGS) + schema.PRESET_VIEW_KEYS
        self.unknown_keys(key, preset, allowed, where)
        if lesson:
            self.require(key, preset, ("dataset",), where)
        view = preset.get("view", "playground" if lesson else self.base_view)
        if view not in VIEWS:
            self.report(key + ("view",), f"{where}: view must be one of: {', '.join(VIEWS)}")
        if preset.get("axis", "updates") not in AXES:
            self.report(key + ("axis",), f"{where}: axis must be one of: {', '.join(AXES)}")
        settings = {k: v for k, v in preset.items() if k in schema.PRESET_SETTINGS}
        self.settings(key, settings, where, base=None if lesson else self.base)
        effective = settings if lesson else {**self.base, **settings}
        if lesson:
            self.base, self.base_view = settings, view
        runs = preset.get("runs", [] if lesson else None)
        if runs is None:  # an override that keeps the lesson's runs
            count = self.base_runs
        elif not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
            self.report(key + ("runs",), f"{where}: runs must be written as [[….runs]] tables")
            return
        else:
            count = len(runs)
        if lesson:
            self.base_runs = count
        if view == "compare" and count < 2:
            self.report(key, f"{where}: a compare view needs at least two runs ([[….runs]])")
        if view != "compare" and runs:
            self.report(key + ("runs",), f'{where}: runs only apply to view = "compare"')
        for j, run in enumerate(runs or []):
            self.run_variant(key + ("runs", j), run, f"{where} run {j + 1}", effective)

    def run_variant(self, key: Key, run: dict, where: str, base: dict) -> None:
        """One run of a compare view: settings and an optional bilingual label."""
        body = {k: v for k, v in run.items() if k != "label"}
        if "dataset" in body:
            self.report(key + ("dataset",), f"{where}: compared runs share the preset's data")
            body.pop("dataset")
        if "label" in run:
            self.text_value(key + ("label",), run["label"], f"{where} label")
        self.settings(key, body, where, base=base)

    def settings(self, key: Key, table: Any, where: str, *, base: dict | None = None) -> None:
        """Preset settings: known keys, right types, values the engine accepts."""
        if not isinstance(table, dict):
            self.report(key, f"{where} must be a table of settings")
            return
        known = tuple(schema.PRESET_SETTINGS)
        good: dict[str, Any] = {}
        for name, value in table.items():
            if name not in known:
                self.unknown_keys(key, {name: value}, known, where)
                continue
            kind = schema.PRESET_SETTINGS[name]
            if not schema.type_ok(kind, value):
                self.report(key + (name,), f"{where}: {name} must be {schema.TYPE_WORDS[kind]}")
                continue
            if name != "dataset":
                message = _config_error({name: value})
                if message:
                    self.report(key + (name,), f"{where}: {message}")
                    continue
            good[name] = value
        if "dataset" in good:
            self.dataset(key + ("dataset",), good["dataset"], where)
        merged = {**(base or {}), **{k: v for k, v in good.items() if k != "dataset"}}
        merged.pop("dataset", None)
        if len(good) == len(table):
            message = _config_error(merged)
            if message:
                self.report(key, f"{where}: {message}")
        same_data = "dataset" not in table or key == ("preset",)
        if same_data and self.dims and "init_w" in good and len(good["init_w"]) != self.dims[0]:
            self.report(
                key + ("init_w",),
                f"{where}: init_w needs {self.dims[0]} value(s), one per feature of the data",
            )
        if same_data and "batch" in good:
            self.batch_fits(key + ("batch",), str(good["batch"]), where)

    def batch_fits(self, key: Key, batch: str, where: str) -> None:
        """A minibatch no larger than the data (the engine refuses it when the run starts)."""
        mode, _, size = batch.strip().lower().partition(":")
        if self.rows is None or mode != "minibatch" or not size.strip().isdigit():
            return
        if int(size) > self.rows:
            self.report(
                key,
                f"{where}: batch size {int(size)} is larger than the data ({self.rows} rows)",
            )

    def dataset(self, key: Key, name: str, where: str) -> None:
        """A catalogue name (or alias), or a CSV file next to the lesson file."""
        from linreg_tui.engine import list_datasets

        infos = list_datasets()
        spellings = {s.lower(): info for info in infos for s in (info.name, *info.aliases)}
        info = spellings.get(name.strip().lower())
        dims: tuple[int, bool] | None
        rows: int | None
        if info is not None:
            dims = (len(info.features), info.kind == "stream")
            rows = info.rows if info.rows is not None else int(info.generator.get("size", 1))
        elif name.lower().endswith(".csv"):
            shape = _csv_shape(self.base_dir, name)
            if isinstance(shape, str):
                self.report(key, f"{where}: data file {name!r} {shape}")
                return
            dims, rows = (shape[0], False), shape[1]
        else:
            valid = ", ".join(i.name for i in infos)
            self.report(
                key,
                f"{where}: unknown dataset {name!r}; choose one of: {valid}"
                " (or a CSV file next to the lesson)",
            )
            return
        if key == ("preset", "dataset"):
            self.dims, self.rows = dims, rows

    # -- checkpoints ----------------------------------------------------------------

    def checkpoint(self, i: int, cp: dict, pages: int, ids: dict[str, int]) -> None:
        check_checkpoint(self, i, cp, pages, ids)

    def cost(self, key: Key, updates: int, where: str) -> None:
        """A computation of ``updates`` updates within the limits of lessons/limits.py."""
        problem = cost_problem(Cost(updates, self.rows or 1))
        if problem:
            self.report(key, f"{where}: {problem}")

    def expression(
        self, key: Key, source: Any, where: str, bias: bool, settings: dict[str, Any]
    ) -> None:
        """A compute expression: parses, its indices fit the data, its cost is bounded.

        ``settings`` are the checkpoint's effective preset settings (for batches per epoch).
        """
        if not isinstance(source, str):
            self.report(key, f"{where}: compute must be a string expression")
            return
        try:
            expr = parse_expression(source)
        except ExpressionError as err:
            self.report(key, f"{where}: {err}")
            return
        for atom in atoms(expr):
            self.atom(key, atom, where, bias)
        per_epoch = batches_per_epoch(self.rows or 1, settings)
        self.cost(key, expression_updates(expr, per_epoch, self.rows), where)

    def atom(self, key: Key, atom: Any, where: str, bias: bool) -> None:
        uses_b = (isinstance(atom, StepQ) and atom.field in ("grad.b", "b_before", "b_after")) or (
            isinstance(atom, StateQ) and atom.field == "b"
        )
        if uses_b and not bias:
            self.report(key, f"{where}: the model has no bias (bias = false), so b is undefined")
        if isinstance(atom, Spread) and self.rows is not None and atom.batch > self.rows:
            what = f"grad_spread({atom.batch}) is larger than the data ({self.rows} rows)"
            self.report(key, f"{where}: {what}")
        if self.dims is None:
            return
        d = self.dims[0]
        index = getattr(atom, "index", None)
        row = isinstance(atom, StateQ) and atom.field == "residual"
        if row and self.rows is not None and index is not None and index >= self.rows:
            self.report(key, f"{where}: residual[{index}] is out of range; {self.rows} rows")
        if index is not None and index >= d and not row:
            self.report(key, f"{where}: w[{index}] is out of range; the data has {d} feature(s)")
        if isinstance(atom, StateQ) and atom.field == "predict" and len(atom.args) != d:
            self.report(key, f"{where}: predict needs {d} input value(s), one per feature")
        if isinstance(atom, LossAt) and len(atom.theta) != d + int(bias):
            self.report(key, f"{where}: loss_at needs {d + int(bias)} value(s): weights then bias")


def _lang_name(lang: str) -> str:
    return {"en": "English", "zh": "Chinese"}[lang]


def _config_error(settings: dict[str, Any]) -> str | None:
    """The engine's message for invalid settings, or None."""
    from linreg_tui.engine import EngineError

    from .model import settings_to_config

    try:
        settings_to_config(settings)
    except EngineError as err:
        return str(err)
    except (TypeError, ValueError) as err:
        return f"invalid setting: {err}"
    return None


def _csv_shape(base_dir: Path | None, name: str) -> tuple[int, int] | str:
    """(features, rows) of a teacher's CSV file, or what is wrong with it (a phrase that
    follows "data file 'x.csv'"): missing, unreadable, or the loader's own message."""
    from linreg_tui.engine import EngineError, load_csv

    path = base_dir / name if base_dir is not None else None
    if path is None or not path.is_file():
        return "not found next to the lesson file"
    try:
        data = load_csv(path)
    except OSError as err:
        return f"cannot be read: {err.strerror or err}"
    except EngineError as err:
        return f"cannot be used: {err}"
    return data.d, data.n


__all__ = ["FileChecker", "CHECKPOINT_KINDS", "display_width", "wrapped_rows"]
