"""The PyTorch program equivalent to a run's settings, as text ("show code" in the app).

``program(data, config, style, epochs=…, updates=…)`` returns a self-contained
Python program that needs only torch. It embeds the data (or regenerates a
synthetic set or stream with the same seeds, or reads a large CSV from its
path), visits the rows in the engine's order — epoch e shuffles with
``torch.randperm(n, generator=Generator().manual_seed(epoch_seed(seed, e)))``
as :mod:`.batching` does — applies the same learning-rate schedule and update
rule, and prints the final ``w = [...]`` and ``b = ...`` in the data's
original units. Three styles show the three ways to get a gradient:

    hand      ∂L/∂w = 2c·Xᵀr, ∂L/∂b = 2c·Σr, and the update rule, written out
    autograd  loss.backward() fills w.grad and b.grad; the update rule written out
    module    nn.Linear + nn.MSELoss + a torch.optim optimizer

Text generation only: nothing is trained here (loading a synthetic data set
to embed or check it may import torch). This module lays the program out;
:mod:`.codegen_data` writes its data section, :mod:`.codegen_rules` the loss,
schedule, order and per-style update templates.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .codegen_data import DataSource, csv_lines, data_lines, lit, stream_batch_lines
from .codegen_rules import (
    BODIES,
    STYLE_TEXT,
    module_setup,
    optimizer_constants,
    order_lines,
    schedule_expr,
    state_init,
)
from .config import RunConfig
from .errors import ConfigError, unknown_choice
from .losses import get_loss

if TYPE_CHECKING:
    from .data import Dataset

__all__ = ["EMBED_LIMIT", "STYLES", "DataSource", "program", "updates_per_epoch"]

STYLES = ("hand", "autograd", "module")
EMBED_LIMIT = 20_000  # numbers embedded in a program; a bigger user CSV is read from its path


def updates_per_epoch(n: int, config: RunConfig) -> int:
    """Updates in one pass over n rows, as engine.batching.Batcher counts them."""
    size, mode = config.batch.rows_per_update(n), config.batch.mode
    if mode == "minibatch" and size > n:
        raise ConfigError(f"batch size {size} is larger than the data ({n} rows)")
    if mode == "minibatch" and config.drop_last:
        return n // size
    return max(1, math.ceil(n / size))


def program(
    data: DataSource,
    config: RunConfig,
    style: str = "hand",
    *,
    epochs: int | None = None,
    updates: int | None = None,
) -> str:
    """A runnable program reproducing the engine's run of ``config`` on ``data`` for
    ``updates`` updates (else ``epochs`` epochs, default 100).

    Raises ConfigError for an unknown style or invalid settings, DataError when the
    data cannot be loaded.
    """
    if style not in STYLES:
        raise unknown_choice("code style", style, STYLES)
    config.validate()
    dataset = data.load()
    per_epoch = updates_per_epoch(dataset.n, config)
    if updates is None:
        updates = (100 if epochs is None else epochs) * per_epoch
    if updates < 0:
        raise ConfigError(f"the number of updates must be 0 or more, got {updates}")
    return "\n".join(_Program(data, dataset, config, style, per_epoch, updates).lines()) + "\n"


class _Program:
    """The program's text, section by section, top to bottom as it will read."""

    def __init__(
        self, data: DataSource, ds: Dataset, cfg: RunConfig, style: str, per_epoch: int, total: int
    ) -> None:
        self.data, self.ds, self.cfg, self.style = data, ds, cfg, style
        self.per_epoch, self.total = per_epoch, total
        self.mode = cfg.batch.mode
        self.params = ["w", "b"] if cfg.bias else ["w"]

    def lines(self) -> list[str]:
        reads_csv = bool(self.data.csv_path) and self.ds.n * (self.ds.d + 1) > EMBED_LIMIT
        return [
            *self.header(reads_csv),
            *self.settings(),
            "# -- the data " + "-" * 66,
            *(csv_lines(self.data) if reads_csv else data_lines(self.data, self.ds)),
            *self.prepare(),
            *self.helpers(),
            "# -- the starting point " + "-" * 56,
            *self.start(),
            *self.setup(),
            "# -- gradient descent " + "-" * 58,
            *self.loop(),
            "# -- the result, in the data's original units " + "-" * 33,
            *self.report(),
        ]

    def header(self, reads_csv: bool) -> list[str]:
        cfg, ds = self.cfg, self.ds
        label = self.data.csv_path or self.data.name or ds.name
        return [
            '"""Linear regression by gradient descent, as linreg-tui runs it.',
            "",
            f"Gradients: {STYLE_TEXT[self.style]}.",
            f"Data: {label} ({ds.n} rows, {ds.d} feature(s)).",
            f"Model: ŷ = X·w{' + b' if cfg.bias else ''};  {get_loss(cfg.loss).text()}.",
            f"Batches: {cfg.batch} (shuffle={cfg.shuffle}, drop_last={cfg.drop_last}).",
            f"Optimizer: {cfg.optimizer}; learning rate {cfg.lr:g} ({cfg.schedule}).",
            f"Runs {self.total} updates and prints the final w and b. Needs only torch.",
            '"""',
            "",
            *(["import csv"] if reads_csv else []),
            "import math",
            "",
            "import torch",
            "",
        ]

    def settings(self) -> list[str]:
        cfg = self.cfg
        dev = '"cuda" if torch.cuda.is_available() else "cpu"'
        if cfg.device != "auto":
            dev = f'"{cfg.device}"'
        out = [
            f"DTYPE = torch.{cfg.dtype}  # the number type of the run",
            f"DEVICE = {dev}",
            f"LR = {lit(cfg.lr)}  # η, the learning rate",
            f"UPDATES = {self.total}",
            f"SEED = {cfg.seed}  # seeds the shuffling, the stream and a random start",
        ]
        if self.mode != "full":
            out.append(f"BATCH = {cfg.batch.rows_per_update(self.ds.n)}  # rows per update")
        if self.mode in ("sgd", "minibatch"):
            out.append(f"PER_EPOCH = {self.per_epoch}  # updates per pass over the data")
        return [*out, *optimizer_constants(cfg), ""]

    def prepare(self) -> list[str]:
        out = ["N, D = X.shape"]
        if self.cfg.standardize:
            out += [
                "# Standardize: z = (x − μ)/σ per feature (σ of the population, like numpy's std).",
                "MEAN, STD = X.mean(0), X.std(0, correction=0)",
                "X = (X - MEAN) / STD",
            ]
        return [*out, "X, y = X.to(DEVICE, DTYPE), y.to(DEVICE, DTYPE)", "", ""]

    def helpers(self) -> list[str]:
        entry = get_loss(self.cfg.loss)
        scale, formula = entry.code_scale, entry.text()
        model = "model(X).squeeze(1)" if self.style == "module" else "X @ w"
        if self.style != "module" and self.cfg.bias:
            model += " + b"
        out = [
            "def scale(rows):",
            f'    """c in L = c·Σr² for a batch of `rows` rows: {formula}."""',
            f"    return {scale}",
            "",
            "",
            "def lr_at(t):",
            '    """η_t, the learning rate of update t (0-based)."""',
            f"    return {schedule_expr(self.cfg)}",
            "",
            "",
            "def full_loss():",
            '    """L over every row with the current parameters."""',
            "    with torch.no_grad():",
            f"        r = {model} - y",
            "        return float(scale(N) * (r**2).sum())",
            "",
            "",
        ]
        if self.mode in ("sgd", "minibatch"):
            out += order_lines(self.cfg.shuffle)
        if self.mode == "stream":
            out += stream_batch_lines(self.cfg.standardize)
        return out

    def start(self) -> list[str]:
        cfg = self.cfg
        if cfg.init_w is not None:
            out = [
                f"w = torch.tensor([{', '.join(lit(v) for v in cfg.init_w)}], dtype=torch.float64)"
            ]
        elif cfg.init_random:
            gen = "torch.Generator().manual_seed(SEED)"
            out = [f"w = torch.rand(D, generator={gen}, dtype=torch.float64)  # U[0, 1)"]
        else:
            out = ["w = torch.zeros(D, dtype=torch.float64)"]
        if cfg.bias:
            out.append(f"b = torch.tensor({lit(cfg.init_b)}, dtype=torch.float64)")
        if cfg.standardize:
            out.append("# The same line for standardized features: w_z = w·σ, b_z = b + Σ w·μ.")
            out += ["b = b + (w * MEAN).sum()"] if cfg.bias else []
            out.append("w = w * STD")
        return [*out, *(f"{p} = {p}.to(DEVICE, DTYPE)" for p in self.params)]

    def setup(self) -> list[str]:
        if self.style == "module":
            return module_setup(self.cfg)
        out = []
        if self.style == "autograd":
            out += [
                f"{p}.requires_grad_(True)  # autograd records what {p} takes part in"
                for p in self.params
            ]
        if self.style == "hand" and self.cfg.mistake == "forget-zero-grad":
            out += [f"g_{p} = torch.zeros_like({p})" for p in self.params]
        return [*out, *state_init(self.cfg.optimizer, self.params), ""]

    def loop(self) -> list[str]:
        if self.mode == "full":
            batch = ["Xb, yb = X, y  # full batch: every row, every update"]
        elif self.mode == "stream":
            batch = ["Xb, yb = draw_batch(t)  # a fresh batch from the stream"]
        else:
            batch = [
                "epoch, k = divmod(t, PER_EPOCH)",
                "rows = epoch_order(epoch)[k * BATCH : (k + 1) * BATCH]",
                "Xb, yb = X[rows], y[rows]",
            ]
        body = BODIES[self.style]
        limit = lit(self.cfg.divergence_factor)
        return [
            "loss0 = full_loss()",
            'print(f"start: loss = {loss0:.6g}")',
            "for t in range(UPDATES):",
            *("    " + line for line in [*batch, *body(self.cfg, self.params)]),
            "    loss = full_loss()",
            f"    if not math.isfinite(loss) or loss > {limit} * max(loss0, 1e-12):",
            '        print(f"diverged at update {t + 1}: loss = {loss:.6g}")',
            "        break",
            "    if (t + 1) % max(1, UPDATES // 10) == 0:",
            '        print(f"update {t + 1}: loss = {loss:.6g}")',
            "",
        ]

    def report(self) -> list[str]:
        bias = self.cfg.bias
        if self.style == "module":
            out = ["w = model.weight.detach().reshape(-1).double().cpu()"]
            out += ["b = model.bias.detach().reshape(()).double().cpu()"] if bias else []
        else:
            out = [f"{p} = {p}.detach().double().cpu()" for p in self.params]
        if self.cfg.standardize:
            out.append("w = w / STD  # back to the original units: w = w_z/σ, b = b_z − Σ w·μ")
            out += ["b = b - (w * MEAN).sum()"] if bias else []
        out.append('print("w =", [float(v) for v in w])')
        return out + (['print("b =", float(b))'] if bias else [])
