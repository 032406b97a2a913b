"""The data section of a generated program (see :mod:`.codegen`).

The data are embedded as float literals that read back to the same doubles, or
regenerated from their seed when they are exactly a synthetic set's or a stream's
draw (``y = slope·x + intercept + noise·ε``, x ~ U[low, high)), or read from the
CSV file's path when they are too many to embed. A stream's batches are drawn
with the seeds engine.batching.Batcher.stream_seed gives them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .batching import EPOCH_SEED_STRIDE

if TYPE_CHECKING:
    from .data import Dataset, StreamSpec

STREAM_STRIDE = 7_919  # engine.batching.Batcher.stream_seed: (seed·S + 7919·(t+1)) mod 2⁶³−1


class DataSource(Protocol):
    """What the program needs to know about the data (tui.choices.DatasetChoice fits)."""

    name: str | None
    csv_path: str | None
    x: tuple[str | int, ...] | None
    y: str | int | None
    size: int | None
    seed: int

    def load(self) -> Dataset: ...


def lit(value: float) -> str:
    """A float literal that reads back to the same double."""
    return repr(float(value))


def wrap(items: list[str], indent: str, width: int = 96) -> list[str]:
    """Comma-separated items, as many per line as fit in ``width`` columns."""
    lines, current = [], indent
    for item in items:
        if len(current) + len(item) + 2 > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += item + ", "
    if current.strip():
        lines.append(current.rstrip())
    return lines


def data_lines(data: DataSource, ds: Dataset) -> list[str]:
    """The data as literals, or regenerated from its seed (synthetic sets and streams)."""
    generated = generator_of(data, ds)
    if generated is not None:
        spec, seed = generated
        return _draw_lines(spec, seed, ds.n)
    names = ", ".join(ds.feature_names)
    out = [f"# features: {names}; target: {ds.target_name}"]
    if ds.d == 1:
        out += ["x = ["] + wrap([lit(v) for v in ds.X[:, 0]], "    ") + ["]"]
        out += ["X = torch.tensor(x, dtype=torch.float64).reshape(-1, 1)"]
    else:
        rows = ["[" + ", ".join(lit(v) for v in row) + "]" for row in ds.X]
        out += ["X = torch.tensor(["] + wrap(rows, "    ") + ["], dtype=torch.float64)"]
    out += ["y = torch.tensor(["] + wrap([lit(v) for v in ds.y], "    ")
    return out + ["], dtype=torch.float64)"]


def _draw_lines(spec: StreamSpec, seed: int, n: int) -> list[str]:
    """draw(count, seed) for ``spec``, and the data set it drew: n points with ``seed``."""
    s = spec
    return [
        f"SLOPE, INTERCEPT, NOISE = {lit(s.slope)}, {lit(s.intercept)}, {lit(s.noise)}",
        f"LOW, HIGH = {lit(s.low)}, {lit(s.high)}",
        "",
        "",
        "def draw(count, seed):",
        '    """count points of y = SLOPE·x + INTERCEPT + NOISE·ε, x ~ U[LOW, HIGH)."""',
        "    g = torch.Generator().manual_seed(seed)",
        "    x = torch.rand(count, 1, generator=g, dtype=torch.float64) * (HIGH - LOW) + LOW",
        "    eps = torch.randn(count, 1, generator=g, dtype=torch.float64)",
        "    return x, (SLOPE * x + INTERCEPT + NOISE * eps).reshape(count)",
        "",
        "",
        f"X, y = draw({n}, {seed})  # the data set: {n} points drawn with seed {seed}",
    ]


def generator_of(data: DataSource, ds: Dataset) -> tuple[StreamSpec, int] | None:
    """(StreamSpec, seed) when the data are exactly the spec's draw, else None (embed them)."""
    import numpy as np

    from .catalog import dataset_info
    from .data import StreamSpec

    if ds.stream is not None:
        spec = ds.stream
    elif data.csv_path or not data.name or dataset_info(data.name).kind != "synthetic":
        return None
    else:
        gen = dataset_info(data.name).generator
        spec = StreamSpec(2.0, 3.0, 1.0, gen["low"], gen["high"])  # load_dataset's defaults
    X, y = spec.sample(ds.n, data.seed)
    if not (np.array_equal(X, ds.X) and np.array_equal(y, ds.y)):
        return None
    return spec, data.seed


def csv_lines(data: DataSource) -> list[str]:
    """Code that reads the chosen columns of a (large) CSV file, as engine.data.load_csv does."""
    from .csv_layout import select
    from .csv_loader import csv_layout

    path = str(data.csv_path)
    layout = csv_layout(path)
    names, header = list(layout.names), layout.header
    xi, yi = select(path, names, header, data.x, data.y)
    features = ", ".join(names[j] for j in xi)
    return [
        f"PATH = {path!r}",
        f"DELIMITER, HEADER = {layout.delimiter!r}, {header}",
        f"X_COLUMNS, Y_COLUMN = {xi}, {yi}  # 0-based: {features} → {names[yi]}",
        'with open(PATH, encoding="utf-8-sig") as f:',
        "    lines = [line for line in f.read().splitlines() if line.strip()]",
        "table = list(csv.reader(lines, delimiter=DELIMITER))[1 if HEADER else 0 :]",
        "X = torch.tensor([[float(r[j]) for j in X_COLUMNS] for r in table], dtype=torch.float64)",
        "y = torch.tensor([float(r[Y_COLUMN]) for r in table], dtype=torch.float64)",
    ]


def stream_batch_lines(standardize: bool) -> list[str]:
    """draw_batch(t): update t's fresh points, seeded by (SEED, t) like Batcher.stream_seed."""
    return [
        "def draw_batch(t):",
        '    """Update t draws BATCH fresh points with a seed of its own."""',
        f"    seed = (SEED * {EPOCH_SEED_STRIDE} + {STREAM_STRIDE} * (t + 1)) % (2**63 - 1)",
        "    Xb, yb = draw(BATCH, seed)",
        *(["    Xb = (Xb - MEAN) / STD"] if standardize else []),
        "    return Xb.to(DEVICE, DTYPE), yb.to(DEVICE, DTYPE)",
        "",
        "",
    ]
