"""``linreg-tui run`` with what-if branches, share codes, metrics, stop rules, describe.

Used when one of --branch-at/--then, --share, --code, --metrics, --holdout, --stop or
--describe is given (``wants_extras``); the plain path stays in tui/headless.py, whose
helpers this module reuses. Like it, this imports the engine inside functions only.

Output: text prints the log of each run under a label ("run 1: original", "run 2: branch
at update K: …"); JSON one document, or ``{"branch_at": K, "then": …, "runs": [{…}, {…}]}``
with a branch; CSV the history (a leading ``run`` column with a branch). Metrics (MSE,
RMSE, MAE, R²) join the history records and the text log's update lines.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import IO, Any

from linreg_tui.tui import headless

EXTRA_DESTS = ("branch_at", "then", "share", "code", "metrics", "holdout", "stop", "describe")
# what a share code carries: giving one of these beside --code is refused
SETTING_DESTS = (
    "dataset", "x", "y", "size", "slope", "intercept", "noise", "standardize", "no_bias",
    "init_w", "init_b", "init", "lr", "batch", "no_shuffle", "drop_last", "seed", "loss",
    "grad", "optimizer", "momentum", "betas", "alpha", "eps", "schedule", "dtype", "device",
    "mistake",
)  # fmt: skip
THEN_KEYS = ("lr", "batch", "optimizer", "loss", "mistake", "schedule", "momentum", "grad")


def add_run_extras(run: argparse.ArgumentParser) -> None:
    """The options of this module, as one --help group."""
    g = run.add_argument_group("branches, share codes, metrics, stop rules")
    g.add_argument(
        "--branch-at",
        type=int,
        metavar="K",
        help="fork the run after update K into a second run (needs --then)",
    )
    g.add_argument(
        "--then",
        metavar="KEY=V,...",
        help=f"the branch's changed settings; keys: {', '.join(THEN_KEYS)}",
    )
    g.add_argument("--share", action="store_true", help="print the run's share code and stop")
    g.add_argument("--code", metavar="CODE", help="rerun a shared run from its share code")
    g.add_argument("--metrics", action="store_true", help="MSE, RMSE, MAE, R² per update")
    g.add_argument(
        "--holdout",
        type=float,
        metavar="F",
        help="hold out a seeded fraction 0 < F < 0.5 of the rows; metrics on it",
    )
    g.add_argument(
        "--stop",
        action="append",
        default=[],
        metavar="RULE",
        help="grad-norm:TOL | loss-change:TOL:PATIENCE | holdout-rise:PATIENCE "
        "(repeatable; the first that fires stops the run)",
    )
    g.add_argument("--describe", nargs="?", const="en", choices=("en", "zh"),
                   help="write each update as a sentence (text log; en or zh)")  # fmt: skip
    # --code refuses settings given beside it: keep their defaults to tell them apart
    run.set_defaults(setting_defaults={d: run.get_default(d) for d in SETTING_DESTS})


def wants_extras(args: argparse.Namespace) -> bool:
    """Whether any option of this module was given."""
    return any(_given(getattr(args, name, None)) for name in EXTRA_DESTS)


def _given(value: Any) -> bool:
    """An option was given: not None, False or [] (but 0 and 0.0 were given)."""
    return value is not None and value is not False and value != []


@dataclass
class Setup:
    """The data and settings a run starts from, wherever they came from."""

    data: Any  # Dataset (the training part under --holdout)
    source: str  # label for the log
    note: str | None
    config: Any  # RunConfig
    shared: Any  # engine.share.DataSource, or None until --share asks for it
    held: tuple[Any, Any] | None = None  # held-out (X, y) in original units


def _check_options(args: argparse.Namespace) -> None:
    from linreg_tui.engine import ConfigError

    if (args.branch_at is None) != (args.then is None):
        raise ConfigError("--branch-at K and --then SETTINGS go together; give both")
    in_loop = [f for f, v in (("--stop", args.stop), ("--describe", args.describe),
               ("--branch-at", args.branch_at), ("--metrics", args.metrics),
               ("--holdout", args.holdout)) if _given(v)]  # fmt: skip
    if args.fast and in_loop:
        raise ConfigError(f"--fast jumps whole epochs; it cannot be combined with {in_loop[0]}")
    if args.describe and args.format != "text":
        raise ConfigError("--describe writes sentences in the text log; use --format text")
    if args.share and args.branch_at is not None:
        raise ConfigError("--share encodes one run; drop --branch-at to share the original")


def _from_code(args: argparse.Namespace) -> Setup:
    """The Setup a share code describes; refuses settings given beside it."""
    from linreg_tui.engine import ConfigError
    from linreg_tui.engine import decode_share as decode

    defaults = args.setting_defaults
    given = [f"--{d.replace('_', '-')}" for d in SETTING_DESTS
             if getattr(args, d) != defaults[d]]  # fmt: skip
    if given:
        raise ConfigError(f"--code carries the data and every setting; drop {', '.join(given)}")
    shared = decode(args.code)
    if shared.length is not None and args.updates is None and args.epochs is None:
        kind, count = shared.length
        if kind not in ("updates", "epochs") or count < 0:
            raise ConfigError("this share code is damaged (its run length cannot be read)")
        setattr(args, kind, count)
    data, label = _load_source(shared.source, shared.config.seed, args.csv)
    return Setup(data, label, None, shared.config, shared.source)


def _load_source(source: Any, seed: int, csv_path: str | None) -> tuple[Any, str]:
    """(Dataset, label) of a share code's data source; a CSV must be the very file."""
    from pathlib import Path

    from linreg_tui.engine import ConfigError, file_digest, load_csv, load_dataset

    if source.kind == "builtin":
        if csv_path is not None:
            raise ConfigError(f"this code uses the built-in data set {source.name!r}; drop --csv")
        generated = {"seed": seed, **dict(source.generated)}  # a data seed of its own wins
        return load_dataset(source.name, **generated), source.name
    need = f"the CSV file {source.name!r} (SHA-256 {source.sha256}…)"
    path = Path(csv_path) if csv_path is not None else Path(source.name)
    if not path.is_file():
        raise ConfigError(f"this code needs {need}; pass it with --csv PATH")
    digest = file_digest(path)
    if digest != source.sha256:
        raise ConfigError(f"{str(path)!r} is not the file this code was made with: it needs "
                          f"{need}, this file's SHA-256 is {digest}…")  # fmt: skip
    x = list(source.x) if source.x is not None else None
    return load_csv(str(path), x, source.y), str(path)


def _from_args(args: argparse.Namespace) -> Setup:
    data, source, note = headless.load_data(args)
    return Setup(data, source, note, headless.build_config(args, data), None)


def _share_source(args: argparse.Namespace) -> Any:
    """The DataSource of a run given by options (hashing a --csv file)."""
    from pathlib import Path

    from linreg_tui.engine import ShareSource as DataSource
    from linreg_tui.engine import file_digest, parse_columns

    if args.csv is None:
        gen = tuple((k, v) for k in ("size", "slope", "intercept", "noise")
                    if (v := getattr(args, k)) is not None)  # fmt: skip
        return DataSource("builtin", args.dataset or "hours", gen)
    x = tuple(parse_columns(args.x)) if args.x is not None else None
    return DataSource("csv", Path(args.csv).name, (), file_digest(args.csv), x, args.y)


def share_code(args: argparse.Namespace, setup: Setup) -> str:
    """The share code of the run the options (or --code) describe."""
    from linreg_tui.engine import Shared
    from linreg_tui.engine import encode_share as encode

    source = setup.shared if setup.shared is not None else _share_source(args)
    length = None
    if args.updates is not None:
        length = ("updates", args.updates)
    elif args.epochs is not None:
        length = ("epochs", args.epochs)
    return encode(Shared(source, setup.config, length))


def _hold_out(setup: Setup, fraction: float | None) -> Setup:
    """Split off the held-out rows (--holdout), seeded by the run's seed."""
    from linreg_tui.engine import ConfigError, Dataset, holdout_split

    if fraction is None:
        return setup
    data = setup.data
    if data.stream is not None:
        raise ConfigError("--holdout needs fixed data; a stream draws fresh points")
    train, held = holdout_split(data.n, fraction, setup.config.seed)
    part = Dataset(data.name, data.X[train], data.y[train], data.feature_names,
                   data.target_name, None, data.description)  # fmt: skip
    setup.data, setup.held = part, (data.X[held], data.y[held])
    return setup


def parse_then(text: str) -> dict[str, Any]:
    """``lr=0.05,batch=sgd,optimizer=momentum,mistake=none`` as RunConfig changes."""
    from linreg_tui.engine import ConfigError, parse_batch, parse_schedule

    changes: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(",")):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in THEN_KEYS:
            raise ConfigError(f"--then: cannot read {part!r}; use KEY=VALUE with KEY one of: "
                              f"{', '.join(THEN_KEYS)}")  # fmt: skip
        if key in ("lr", "momentum"):
            changes[key] = headless._floats(value, f"--then {key}")[0] if value else None
            if changes[key] is None:
                raise ConfigError(f"--then {key} needs a number")
        elif key == "batch":
            changes[key] = parse_batch(value)
        elif key == "schedule":
            changes[key] = parse_schedule(value)
        elif key == "mistake":
            changes[key] = None if value in ("", "none") else value
        else:
            changes[key] = value
    return changes


def cmd_run_extra(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``run`` with this module's options; exit 3 when a run diverged."""
    from linreg_tui.engine import parse_stop
    from linreg_tui.tui import headless_report as report

    _check_options(args)
    setup = _from_code(args) if args.code is not None else _from_args(args)
    if args.share:
        out.write(share_code(args, setup) + "\n")
        return 0
    setup = _hold_out(setup, args.holdout)
    rules = [parse_stop(text) for text in args.stop]
    changes = parse_then(args.then) if args.then is not None else None
    return report.run_all(args, setup, rules, changes, out, err)
