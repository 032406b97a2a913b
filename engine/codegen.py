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
to embed or check it may import torch).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

from .batching import _EPOCH_SEED_STRIDE
from .config import RunConfig
from .errors import ConfigError, unknown_choice

if TYPE_CHECKING:
    from .data import Dataset

STYLES = ("hand", "autograd", "module")
EMBED_LIMIT = 20_000  # numbers embedded in a program; a bigger user CSV is read from its path
_STREAM_STRIDE = 7_919  # engine.batching.Batcher.stream_seed: (seed·S + 7919·(t+1)) mod 2⁶³−1
_LOSS = {  # c in L = c·Σr² for a batch of `rows` rows, and the formula for the docstring
    "mse": ("1.0 / rows", "L = 1/n·Σ(ŷ − y)²  (mean squared error)"),
    "half_mse": ("0.5 / rows", "L = 1/(2n)·Σ(ŷ − y)²  (half mean squared error)"),
    "sse": ("1.0", "L = Σ(ŷ − y)²  (sum of squared errors)"),
    "half_sse": ("0.5", "L = ½·Σ(ŷ − y)²  (half sum of squared errors)"),
}
_STYLE_TEXT = {
    "hand": "gradients derived by hand",
    "autograd": "gradients from autograd (loss.backward())",
    "module": "nn.Linear, nn.MSELoss and a torch.optim optimizer",
}


class DataSource(Protocol):
    """What the program needs to know about the data (tui.choices.DatasetChoice fits)."""

    name: str | None
    csv_path: str | None
    x: tuple[str | int, ...] | None
    y: str | int | None
    size: int | None
    seed: int

    def load(self) -> Dataset: ...


def _f(value: float) -> str:
    """A float literal that reads back to the same double."""
    return repr(float(value))


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
            *(_csv_lines(self.data) if reads_csv else _data_lines(self.data, self.ds)),
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
            f"Gradients: {_STYLE_TEXT[self.style]}.",
            f"Data: {label} ({ds.n} rows, {ds.d} feature(s)).",
            f"Model: ŷ = X·w{' + b' if cfg.bias else ''};  {_LOSS[cfg.loss][1]}.",
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
            f"LR = {_f(cfg.lr)}  # η, the learning rate",
            f"UPDATES = {self.total}",
            f"SEED = {cfg.seed}  # seeds the shuffling, the stream and a random start",
        ]
        if self.mode != "full":
            out.append(f"BATCH = {cfg.batch.rows_per_update(self.ds.n)}  # rows per update")
        if self.mode in ("sgd", "minibatch"):
            out.append(f"PER_EPOCH = {self.per_epoch}  # updates per pass over the data")
        consts = {
            "momentum": [("MU", cfg.momentum)],
            "nesterov": [("MU", cfg.momentum)],
            "adagrad": [("EPS", cfg.eps)],
            "rmsprop": [("ALPHA", cfg.alpha), ("EPS", cfg.eps)],
            "adam": [("BETA1", cfg.betas[0]), ("BETA2", cfg.betas[1]), ("EPS", cfg.eps)],
        }.get(cfg.optimizer, [])
        return [*out, *(f"{name} = {_f(value)}" for name, value in consts), ""]

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
        scale, formula = _LOSS[self.cfg.loss]
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
            f"    return {_schedule_expr(self.cfg)}",
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
            out += _order_lines(self.cfg.shuffle)
        if self.mode == "stream":
            out += _stream_batch_lines(self.cfg.standardize)
        return out

    def start(self) -> list[str]:
        cfg = self.cfg
        if cfg.init_w is not None:
            out = [
                f"w = torch.tensor([{', '.join(_f(v) for v in cfg.init_w)}], dtype=torch.float64)"
            ]
        elif cfg.init_random:
            gen = "torch.Generator().manual_seed(SEED)"
            out = [f"w = torch.rand(D, generator={gen}, dtype=torch.float64)  # U[0, 1)"]
        else:
            out = ["w = torch.zeros(D, dtype=torch.float64)"]
        if cfg.bias:
            out.append(f"b = torch.tensor({_f(cfg.init_b)}, dtype=torch.float64)")
        if cfg.standardize:
            out.append("# The same line for standardized features: w_z = w·σ, b_z = b + Σ w·μ.")
            out += ["b = b + (w * MEAN).sum()"] if cfg.bias else []
            out.append("w = w * STD")
        return [*out, *(f"{p} = {p}.to(DEVICE, DTYPE)" for p in self.params)]

    def setup(self) -> list[str]:
        if self.style == "module":
            return _module_setup(self.cfg)
        out = []
        if self.style == "autograd":
            out += [
                f"{p}.requires_grad_(True)  # autograd records what {p} takes part in"
                for p in self.params
            ]
        if self.style == "hand" and self.cfg.mistake == "forget-zero-grad":
            out += [f"g_{p} = torch.zeros_like({p})" for p in self.params]
        return [*out, *_state_init(self.cfg.optimizer, self.params), ""]

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
        body = {"hand": _hand_body, "autograd": _autograd_body, "module": _module_body}[self.style]
        limit = _f(self.cfg.divergence_factor)
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


# -- the data ---------------------------------------------------------------------


def _wrap(items: list[str], indent: str, width: int = 96) -> list[str]:
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


def _data_lines(data: DataSource, ds: Dataset) -> list[str]:
    """The data as literals, or regenerated from its seed (synthetic sets and streams)."""
    generated = _generator_of(data, ds)
    if generated is not None:
        spec, seed = generated
        return [
            f"SLOPE, INTERCEPT, NOISE = {_f(spec.slope)}, {_f(spec.intercept)}, {_f(spec.noise)}",
            f"LOW, HIGH = {_f(spec.low)}, {_f(spec.high)}",
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
            f"X, y = draw({ds.n}, {seed})  # the data set: {ds.n} points drawn with seed {seed}",
        ]
    names = ", ".join(ds.feature_names)
    out = [f"# features: {names}; target: {ds.target_name}"]
    if ds.d == 1:
        out += ["x = ["] + _wrap([_f(v) for v in ds.X[:, 0]], "    ") + ["]"]
        out += ["X = torch.tensor(x, dtype=torch.float64).reshape(-1, 1)"]
    else:
        rows = ["[" + ", ".join(_f(v) for v in row) + "]" for row in ds.X]
        out += ["X = torch.tensor(["] + _wrap(rows, "    ") + ["], dtype=torch.float64)"]
    out += ["y = torch.tensor(["] + _wrap([_f(v) for v in ds.y], "    ")
    return out + ["], dtype=torch.float64)"]


def _generator_of(data: DataSource, ds: Dataset) -> tuple[object, int] | None:
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


def _csv_lines(data: DataSource) -> list[str]:
    """Code that reads the chosen columns of a (large) CSV file, as engine.data.load_csv does."""
    from pathlib import Path

    from .data import _default_names, _has_header, _read_text, _rows, _select, _sniff

    path = str(data.csv_path)
    text = _read_text(Path(path), path)
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    rows = _rows(text)
    header = _has_header(rows)
    names = _default_names(len(rows[0][1]))
    if header:
        names = [cell or names[j] for j, cell in enumerate(rows[0][1])]
    xi, yi = _select(path, names, header, data.x, data.y)
    features = ", ".join(names[j] for j in xi)
    return [
        f"PATH = {path!r}",
        f"DELIMITER, HEADER = {_sniff([s for s in lines if s.strip()])!r}, {header}",
        f"X_COLUMNS, Y_COLUMN = {xi}, {yi}  # 0-based: {features} → {names[yi]}",
        'with open(PATH, encoding="utf-8-sig") as f:',
        "    lines = [line for line in f.read().splitlines() if line.strip()]",
        "table = list(csv.reader(lines, delimiter=DELIMITER))[1 if HEADER else 0 :]",
        "X = torch.tensor([[float(r[j]) for j in X_COLUMNS] for r in table], dtype=torch.float64)",
        "y = torch.tensor([float(r[Y_COLUMN]) for r in table], dtype=torch.float64)",
    ]


# -- batching and schedules -------------------------------------------------------------


def _schedule_expr(cfg: RunConfig) -> str:
    """η_t as a Python expression in t: the closed forms of engine.schedules.lr_at."""
    s = cfg.schedule
    if s.kind == "constant":
        return "LR  # constant"
    if s.kind == "step":
        return f"LR * {_f(s.gamma)} ** (t // {s.every})  # × {s.gamma:g} every {s.every} updates"
    if s.kind == "exp":
        return f"LR * {_f(s.gamma)} ** t  # × {s.gamma:g} every update"
    return f"LR / (1 + {_f(s.gamma)} * t)  # inverse-time decay"


def _order_lines(shuffle: bool) -> list[str]:
    """epoch_order(epoch): the rows of an epoch in the engine's order (engine/batching.py)."""
    if not shuffle:
        body = ['    """The rows in file order, every epoch."""', "    return torch.arange(N)"]
    else:
        body = [
            '    """A fresh shuffle per epoch, seeded by (SEED, epoch): any can be replayed."""',
            f"    seed = (SEED * {_EPOCH_SEED_STRIDE} + epoch) % (2**63 - 1)",
            "    return torch.randperm(N, generator=torch.Generator().manual_seed(seed))",
        ]
    return ["def epoch_order(epoch):", *body, "", ""]


def _stream_batch_lines(standardize: bool) -> list[str]:
    """draw_batch(t): update t's fresh points, seeded by (SEED, t) like Batcher.stream_seed."""
    return [
        "def draw_batch(t):",
        '    """Update t draws BATCH fresh points with a seed of its own."""',
        f"    seed = (SEED * {_EPOCH_SEED_STRIDE} + {_STREAM_STRIDE} * (t + 1)) % (2**63 - 1)",
        "    Xb, yb = draw(BATCH, seed)",
        *(["    Xb = (Xb - MEAN) / STD"] if standardize else []),
        "    return Xb.to(DEVICE, DTYPE), yb.to(DEVICE, DTYPE)",
        "",
        "",
    ]


# -- gradients and update rules -----------------------------------------------------------

_STATE = {  # optimizer → its per-parameter state names (prefix + parameter name)
    "sgd": (),
    "momentum": ("buf",),
    "nesterov": ("buf",),
    "adagrad": ("sum",),
    "rmsprop": ("sq",),
    "adam": ("m", "v"),
}


def _state_init(optimizer: str, params: list[str]) -> list[str]:
    return [f"{s}_{p} = torch.zeros_like({p})" for p in params for s in _STATE[optimizer]]


def _rule(optimizer: str, p: str, g: str, in_place: bool) -> list[str]:
    """The update of parameter ``p`` with gradient expression ``g`` (torch.optim's formulas)."""
    state, step = {
        "sgd": ([], f"eta * {g}"),
        "momentum": ([f"buf_{p} = MU * buf_{p} + {g}"], f"eta * buf_{p}"),
        "nesterov": ([f"buf_{p} = MU * buf_{p} + {g}"], f"eta * ({g} + MU * buf_{p})"),
        "adagrad": ([f"sum_{p} = sum_{p} + {g} * {g}"], f"eta * {g} / (sum_{p}.sqrt() + EPS)"),
        "rmsprop": (
            [f"sq_{p} = ALPHA * sq_{p} + (1 - ALPHA) * {g} * {g}"],
            f"eta * {g} / (sq_{p}.sqrt() + EPS)",
        ),
        "adam": (
            [
                f"m_{p} = BETA1 * m_{p} + (1 - BETA1) * {g}",
                f"v_{p} = BETA2 * v_{p} + (1 - BETA2) * {g} * {g}",
            ],
            f"eta * (m_{p} / (1 - BETA1 ** (t + 1)))"
            f" / ((v_{p} / (1 - BETA2 ** (t + 1))).sqrt() + EPS)",
        ),
    }[optimizer]
    return [*state, f"{p} -= {step}" if in_place else f"{p} = {p} - {step}"]


def _hand_body(cfg: RunConfig, params: list[str]) -> list[str]:
    bias = cfg.bias
    out = [
        "c = scale(len(yb))",
        f"r = Xb @ w{' + b' if bias else ''} - yb  # residuals r = ŷ − y",
    ]
    if cfg.mistake == "overwrite-grad":
        out += [
            "for i in range(len(yb)):  # MISTAKE on purpose (T5): '=' where '+=' belongs,",
            "    g_w = 2 * c * r[i] * Xb[i]  # so only the batch's last row drives the update",
            *(["    g_b = 2 * c * r[i]"] if bias else []),
        ]
    elif cfg.mistake == "forget-zero-grad":
        out += [
            "g_w = g_w + 2 * c * (Xb.T @ r)  # MISTAKE on purpose: old gradients never cleared",
            *(["g_b = g_b + 2 * c * r.sum()"] if bias else []),
        ]
    else:
        out += [
            "g_w = 2 * c * (Xb.T @ r)  # ∂L/∂w = 2c·Xᵀr",
            *(["g_b = 2 * c * r.sum()  # ∂L/∂b = 2c·Σr"] if bias else []),
        ]
    out.append("eta = lr_at(t)")
    return out + [line for p in params for line in _rule(cfg.optimizer, p, f"g_{p}", False)]


def _autograd_body(cfg: RunConfig, params: list[str]) -> list[str]:
    model = "Xb[-1:] @ w" if cfg.mistake == "overwrite-grad" else "Xb @ w"
    target = "yb[-1:]" if cfg.mistake == "overwrite-grad" else "yb"
    out = ["c = scale(len(yb))"]
    if cfg.mistake == "overwrite-grad":
        out.append("# MISTAKE on purpose (T5): only the batch's last row enters the loss")
    out += [
        f"loss = c * (({model}{' + b' if cfg.bias else ''} - {target}) ** 2).sum()",
        "loss.backward()  # fills w.grad = ∂L/∂w" + (" and b.grad = ∂L/∂b" if cfg.bias else ""),
        "eta = lr_at(t)",
        "with torch.no_grad():  # the update itself must not be recorded",
    ]
    for p in params:
        out += ["    " + line for line in _rule(cfg.optimizer, p, f"{p}.grad", True)]
    if cfg.mistake == "forget-zero-grad":
        return out + ["    # MISTAKE on purpose: no .grad.zero_(), so gradients pile up"]
    return out + [f"    {p}.grad.zero_()  # backward() adds to .grad: clear it" for p in params]


def _module_setup(cfg: RunConfig) -> list[str]:
    reduction = "mean" if cfg.loss in ("mse", "half_mse") else "sum"
    opt = {
        "sgd": "torch.optim.SGD(model.parameters(), lr=LR)",
        "momentum": "torch.optim.SGD(model.parameters(), lr=LR, momentum=MU)",
        "nesterov": "torch.optim.SGD(model.parameters(), lr=LR, momentum=MU, nesterov=True)",
        "adagrad": "torch.optim.Adagrad(model.parameters(), lr=LR, eps=EPS)",
        "rmsprop": "torch.optim.RMSprop(model.parameters(), lr=LR, alpha=ALPHA, eps=EPS)",
        "adam": "torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)",
    }[cfg.optimizer]
    return [
        f"model = torch.nn.Linear(D, 1, bias={cfg.bias}).to(DEVICE, DTYPE)",
        "with torch.no_grad():  # start where the other styles start",
        "    model.weight.copy_(w.reshape(1, -1))",
        *(["    model.bias.copy_(b.reshape(1))"] if cfg.bias else []),
        f'loss_fn = torch.nn.MSELoss(reduction="{reduction}")',
        f"optimizer = {opt}",
        "",
    ]


def _module_body(cfg: RunConfig, params: list[str]) -> list[str]:
    half = "0.5 * " if cfg.loss.startswith("half") else ""
    mean = cfg.loss in ("mse", "half_mse")
    if cfg.mistake == "overwrite-grad":
        loss = [
            "# MISTAKE on purpose (T5): only the batch's last row enters the loss",
            f"loss = {half}loss_fn(model(Xb[-1:]).squeeze(1), yb[-1:])"
            + (" / len(yb)" if mean else ""),
        ]
    else:
        loss = [f"loss = {half}loss_fn(model(Xb).squeeze(1), yb)"]
    if cfg.mistake == "forget-zero-grad":
        zero = "# MISTAKE on purpose: no optimizer.zero_grad(), so gradients pile up"
    else:
        zero = "optimizer.zero_grad()  # backward() adds to .grad: clear it first"
    return [
        "for group in optimizer.param_groups:  # the schedule, as lr_scheduler would set it",
        '    group["lr"] = lr_at(t)',
        zero,
        *loss,
        "loss.backward()",
        "optimizer.step()",
    ]
