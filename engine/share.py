"""Share codes: a run (data source, RunConfig, seed, length) in one checksummed line.

    code    = "lr" VERSION "-" base32(zlib(json) ‖ crc32(zlib(json)))   (lower case, no '=')
    json    = {"d": source, "c": {config fields that differ from RunConfig()}, "n": length}
    source  = {"k": "builtin", "name": …, "gen": {size, slope, …}}  or
              {"k": "csv", "file": NAME, "sha256": first 32 hex digits, "x": …, "y": …}

The config's seed is the seed; a decoded code rebuilds the RunConfig field by field on
top of this version's defaults, so the same code replays the same History.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .config import BatchSpec, RunConfig, ScheduleSpec, parse_batch, parse_schedule
from .errors import ConfigError

PREFIX = "lr"
VERSION = 1
HASH_DIGITS = 32  # hex digits of a CSV's SHA-256 kept in a code


@dataclass(frozen=True)
class DataSource:
    """Where a run's data come from: a catalogue set (with its generator's settings) or a
    CSV file known by its name, content hash and column choice."""

    kind: str  # builtin | csv
    name: str  # catalogue name, or the CSV's file name (no folder)
    generated: tuple[tuple[str, float], ...] = ()  # (size|slope|intercept|noise, value)
    sha256: str = ""  # CSV: the first HASH_DIGITS hex digits of the file's SHA-256
    x: tuple[str | int, ...] | None = None  # CSV: feature columns (None: the default)
    y: str | int | None = None  # CSV: target column (None: the last)


@dataclass(frozen=True)
class Shared:
    """What a share code holds."""

    source: DataSource
    config: RunConfig
    length: tuple[str, int] | None  # ("updates" | "epochs", count), None: the default


def file_digest(path: str | Path) -> str:
    """The first HASH_DIGITS hex digits of the SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:HASH_DIGITS]


def _config_json(config: RunConfig) -> dict[str, Any]:
    """The fields of ``config`` that differ from RunConfig()'s, as JSON values."""
    default = RunConfig()
    out: dict[str, Any] = {}
    for f in fields(RunConfig):
        value = getattr(config, f.name)
        if value == getattr(default, f.name):
            continue
        if isinstance(value, (BatchSpec, ScheduleSpec)):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _config_from(values: dict[str, Any]) -> RunConfig:
    """RunConfig() with ``values`` (from _config_json) applied, validated."""
    known = {f.name for f in fields(RunConfig)}
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            raise ValueError(f"unknown setting {name!r}")
        if name == "batch":
            value = parse_batch(value)
        elif name == "schedule":
            value = parse_schedule(value)
        elif name in ("betas", "init_w"):
            value = tuple(float(v) for v in value)
        changes[name] = value
    return RunConfig(**changes).validate()


def _source_json(source: DataSource) -> dict[str, Any]:
    if source.kind == "builtin":
        return {"k": "builtin", "name": source.name, "gen": dict(source.generated)}
    return {"k": "csv", "file": source.name, "sha256": source.sha256,
            "x": list(source.x) if source.x is not None else None, "y": source.y}  # fmt: skip


def _source_from(doc: dict[str, Any]) -> DataSource:
    if doc["k"] == "builtin":
        gen = tuple((str(k), v) for k, v in doc.get("gen", {}).items())
        return DataSource("builtin", str(doc["name"]), gen)
    if doc["k"] == "csv":
        x = tuple(doc["x"]) if doc.get("x") is not None else None
        return DataSource("csv", str(doc["file"]), (), str(doc["sha256"]), x, doc.get("y"))
    raise ValueError(f"unknown data source {doc['k']!r}")


def encode(shared: Shared) -> str:
    """The share code of ``shared``."""
    doc: dict[str, Any] = {"d": _source_json(shared.source), "c": _config_json(shared.config)}
    if shared.length is not None:
        doc["n"] = list(shared.length)
    payload = zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 9)
    blob = payload + zlib.crc32(payload).to_bytes(4, "big")
    text = base64.b32encode(blob).decode().rstrip("=").lower()
    return f"{PREFIX}{VERSION}-{text}"


def decode(code: str) -> Shared:
    """The Shared a code holds; ConfigError for a foreign, newer or damaged code."""
    code = code.strip()
    head, sep, body = code.partition("-")
    if not sep or not head.startswith(PREFIX) or not head[len(PREFIX) :].isdigit():
        raise ConfigError("this is not a linreg-tui share code (they start with 'lr1-')")
    version = int(head[len(PREFIX) :])
    if version != VERSION:
        raise ConfigError(
            f"this share code has format {version}; this version of linreg-tui reads format "
            f"{VERSION}"
        )
    damaged = ConfigError("this share code is damaged (its checksum does not match); copy it whole")
    try:
        blob = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
    except ValueError:
        raise damaged from None
    payload, crc = blob[:-4], blob[-4:]
    if len(blob) < 5 or zlib.crc32(payload).to_bytes(4, "big") != crc:
        raise damaged
    # The last base32 letter carries a few padding bits that decoding ignores: only the
    # canonical spelling of these bytes is accepted, so no changed letter slips through.
    if base64.b32encode(blob).decode().rstrip("=").lower() != body.lower():
        raise damaged
    try:
        doc = json.loads(zlib.decompress(payload))
        source = _source_from(doc["d"])
        length = doc.get("n")
        length = (str(length[0]), int(length[1])) if length is not None else None
        config = _config_from(doc["c"])
    except ConfigError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, zlib.error):
        raise ConfigError("this share code is damaged (its content cannot be read)") from None
    return Shared(source, config, length)
