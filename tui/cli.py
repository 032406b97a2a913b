"""The ``linreg-tui`` command: the app, or a headless run, the catalogue, the lessons.

Only argparse, os and sys are imported at start: the ``run`` path loads the
engine (numpy, then torch on first use) and never Textual, Rich or plotext,
so a headless run costs little more than importing torch. The app is
imported only when it is launched.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, Any

from linreg_tui.tui import __version__

NO_TERMINAL = (
    "linreg-tui: no terminal here; run it in a terminal, "
    "or use 'linreg-tui run --help' for the headless mode"
)

EXIT_CODES = """exit codes:
  0    done
  1    'lessons validate' found problems, or --reset-progress was declined
  2    bad arguments or data (one line on stderr says what)
  3    the run diverged (stderr names the update)
  130  interrupted (Ctrl-C)"""

DEFAULT_EPOCHS = 100


class _Parser(argparse.ArgumentParser):
    """argparse with its message on one line (no usage block), still exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _run_options(run: argparse.ArgumentParser) -> None:
    """The options of ``linreg-tui run``."""
    from linreg_tui.engine import config as c

    data = run.add_argument_group("data")
    data.add_argument("--dataset", metavar="NAME", help="a catalogue data set (default: hours)")
    data.add_argument("--csv", metavar="PATH", help="your own CSV file")
    data.add_argument("--x", metavar="COLS", help="feature columns of --csv: names or indexes")
    data.add_argument("--y", metavar="COL", help="target column of --csv (default: the last)")
    data.add_argument("--size", type=int, help="points of synthetic/stream data")
    data.add_argument("--slope", type=float, help="true slope of synthetic/stream data")
    data.add_argument("--intercept", type=float, help="true intercept of synthetic/stream data")
    data.add_argument("--noise", type=float, help="noise σ of synthetic/stream data")
    data.add_argument("--standardize", action="store_true", help="z-score the features")

    model = run.add_argument_group("model and start")
    model.add_argument("--no-bias", action="store_true", help="fit ŷ = X·w (no b)")
    model.add_argument("--init-w", nargs="+", metavar="V", help="starting weights (default 0)")
    model.add_argument("--init-b", type=float, default=0.0, metavar="V", help="starting bias")
    model.add_argument("--init", choices=("zeros", "random"), default="zeros",
                       help="random: weights from U[0, 1) with --seed (T3)")  # fmt: skip

    how = run.add_argument_group("descent")
    how.add_argument("--lr", type=float, default=0.01, help="learning rate η (default 0.01)")
    length = how.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int, help=f"epochs to run (default {DEFAULT_EPOCHS})")
    length.add_argument("--updates", type=int, help="updates to run")
    how.add_argument("--batch", metavar="full|sgd|minibatch:K|stream:K",
                     help="rows per update (default full; stream:4 for stream data)")  # fmt: skip
    how.add_argument("--no-shuffle", action="store_true", help="visit rows in file order")
    how.add_argument("--drop-last", action="store_true", help="drop a short last mini-batch")
    how.add_argument("--seed", type=int, default=0, help="seeds shuffling, data, random starts")
    how.add_argument("--loss", choices=c.LOSSES, default="mse")
    how.add_argument("--grad", choices=c.GRAD_METHODS, default="analytic")
    how.add_argument("--optimizer", choices=c.OPTIMIZERS, default="sgd")
    how.add_argument("--momentum", type=float, default=0.9, help="μ of momentum/nesterov")
    how.add_argument("--betas", default="0.9,0.999", metavar="B1,B2", help="Adam's β1,β2")
    how.add_argument("--alpha", type=float, default=0.99, help="RMSprop's α")
    how.add_argument("--eps", type=float, default=1e-8, help="ε of the adaptive rules")
    how.add_argument("--schedule", default="constant",
                     metavar="constant|step:N:GAMMA|exp:GAMMA|inv:K")  # fmt: skip
    how.add_argument("--dtype", choices=c.DTYPES, default="float64")
    how.add_argument("--device", choices=c.DEVICES, default="cpu")
    how.add_argument("--mistake", choices=c.MISTAKES, help="make a classic mistake on purpose")
    how.add_argument("--fast", action="store_true",
                     help="jump whole epochs by the fast-forward where possible")  # fmt: skip

    out = run.add_argument_group("output")
    out.add_argument("--predict", nargs="+", action="extend", default=[], metavar="X[,X2...]",
                     help="points to predict, one per argument (original units)")  # fmt: skip
    out.add_argument("--trace", action="store_true", help="print each sample's gradient term")
    out.add_argument("--format", choices=("text", "json", "csv"), default="text")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = _Parser(
        prog="linreg-tui",
        description="Watch gradient descent fit a linear regression, one step at a time.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"linreg-tui {__version__}")
    parser.add_argument("--lang", choices=("en", "zh"), help="language of the app")
    parser.add_argument("--no-mouse", action="store_true", help="keyboard only")
    parser.add_argument("--lessons", metavar="PATH", help="a folder of lessons to use")
    parser.add_argument("--reset-progress", action="store_true",
                        help="erase saved lesson progress (asks first)")  # fmt: skip
    raw = {"epilog": EXIT_CODES, "formatter_class": argparse.RawDescriptionHelpFormatter}
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = sub.add_parser(
        "run",
        help="fit headless and print a log, JSON or CSV",
        description="Fit a linear model by gradient descent without the app.",
        **raw,
    )
    _run_options(run)
    ds = sub.add_parser("datasets", help="list the bundled data sets", **raw)
    ds.add_argument("--format", choices=("text", "json"), default="text")
    lessons = sub.add_parser("lessons", help="check or list lessons", **raw)
    lsub = lessons.add_subparsers(dest="lessons_command", metavar="ACTION", parser_class=_Parser)
    lsub.required = True
    validate = lsub.add_parser("validate", help="check lesson files")
    validate.add_argument("path", nargs="?", help="a lesson folder or file (default: built-in)")
    listing = lsub.add_parser("list", help="list the lessons")
    listing.add_argument("path", nargs="?", help="a lesson folder (default: built-in)")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    return parser


# -- the app ----------------------------------------------------------------------------


def _reset_progress(err: IO[str]) -> int:
    """Ask on stdin; erase only on y/yes. No answer (EOF, no stdin) erases nothing: exit 1."""
    err.write("Erase all saved lesson progress? [y/N] ")
    err.flush()
    answer = sys.stdin.readline() if sys.stdin is not None else ""
    if answer.strip().lower() not in ("y", "yes"):
        err.write("\n" if not answer else "")
        err.write("linreg-tui: nothing erased\n")
        return 1
    from linreg_tui.lessons.progress import reset_progress

    try:
        reset_progress()
    except OSError as exc:
        err.write(f"linreg-tui: could not erase the lesson progress: {exc}\n")
        return 2
    err.write("linreg-tui: lesson progress erased\n")
    return 0


def _is_tty(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def launch_app(args: argparse.Namespace) -> int:
    """Start the Textual app, or explain why not (no terminal), or smoke-test it under CI."""
    from linreg_tui.lessons.i18n import pick_language

    if args.reset_progress:
        return _reset_progress(sys.stderr)
    kwargs = {
        "lang": pick_language(args.lang),
        "mouse": not args.no_mouse,
        "lessons_path": args.lessons,
    }
    if not (_is_tty(sys.stdin) and _is_tty(sys.stdout)):
        if not os.environ.get("CI"):
            print(NO_TERMINAL, file=sys.stderr)
            return 2
        kwargs["headless_smoke"] = True
    from linreg_tui.tui.app import run_app

    return int(run_app(**kwargs) or 0)


# -- the other subcommands --------------------------------------------------------------


def cmd_datasets(args: argparse.Namespace, out: IO[str]) -> int:
    """Print the catalogue as a table or as JSON."""
    from linreg_tui.engine.catalog import datasets_as_json, datasets_table

    if args.format == "json":
        import json

        out.write(json.dumps(datasets_as_json(), ensure_ascii=False, indent=2) + "\n")
        return 0
    table = datasets_table()
    widths = [max(len(row[j]) for row in table) for j in range(len(table[0]))]
    for row in table:
        cells = (cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")
    return 0


def cmd_lessons(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Delegate to the lessons package."""
    from linreg_tui.lessons import cli as lessons_cli

    if args.lessons_command == "validate":
        return int(lessons_cli.lessons_validate(args.path, out, err))
    return int(lessons_cli.lessons_list(args.path, args.format, out, err))


def _floats(text: str, what: str) -> list[float]:
    """Comma-separated numbers, or a ConfigError naming ``what``."""
    from linreg_tui.engine.errors import ConfigError

    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{what}: cannot read {text!r} as numbers separated by commas") from None


def load_data(args: argparse.Namespace) -> tuple[Any, str, str | None]:
    """(Dataset, a label for the log, a note when the source was chosen for the learner)."""
    from linreg_tui.engine.catalog import load_dataset
    from linreg_tui.engine.data import load_csv, parse_columns
    from linreg_tui.engine.errors import ConfigError

    generated = {
        k: v for k in ("size", "slope", "intercept", "noise") if (v := getattr(args, k)) is not None
    }
    if args.csv is not None:
        if args.dataset is not None:
            raise ConfigError("give either --dataset or --csv, not both")
        if generated:
            raise ConfigError("--size, --slope, --intercept and --noise shape generated data, "
                              "not a --csv file")  # fmt: skip
        x = parse_columns(args.x) if args.x is not None else None
        return load_csv(args.csv, x, args.y), args.csv, None
    if args.x is not None or args.y is not None:
        raise ConfigError("--x and --y choose the columns of a --csv file")
    if args.dataset is None:
        note = "no --dataset or --csv given: using the built-in 'hours'"
        return load_dataset("hours", seed=args.seed, **generated), "hours", note
    data = load_dataset(args.dataset, seed=args.seed, **generated)
    return data, data.name, None


def build_config(args: argparse.Namespace, data: Any) -> Any:
    """A validated RunConfig from the options."""
    from linreg_tui.engine.config import RunConfig, parse_batch, parse_schedule
    from linreg_tui.engine.errors import ConfigError

    init_w = None
    if args.init_w:
        init_w = tuple(v for text in args.init_w for v in _floats(text, "--init-w"))
        if args.init == "random":
            raise ConfigError("give either --init-w or --init random, not both")
    betas = _floats(args.betas, "--betas")
    if len(betas) != 2:
        raise ConfigError(f"--betas takes two numbers B1,B2, got {args.betas!r}")
    batch = args.batch or ("stream:4" if data.stream is not None else "full")
    same = ("lr", "loss", "grad", "drop_last", "optimizer", "momentum", "alpha", "eps", "seed")
    same += ("dtype", "device", "standardize", "mistake")
    return RunConfig(
        **{name: getattr(args, name) for name in same},
        batch=parse_batch(batch),
        shuffle=not args.no_shuffle,
        betas=(betas[0], betas[1]),
        schedule=parse_schedule(args.schedule),
        bias=not args.no_bias,
        init_w=init_w,
        init_b=args.init_b,
        init_random=args.init == "random",
    ).validate()


def plan_length(args: argparse.Namespace, per_epoch: int) -> tuple[int, str]:
    """(updates to run, the plan in words)."""
    from linreg_tui.engine.errors import ConfigError

    for flag, value in (("--epochs", args.epochs), ("--updates", args.updates)):
        if value is not None and value < 0:
            raise ConfigError(f"{flag} must be 0 or more, got {value}")
    if args.updates is not None:
        epochs = args.updates / per_epoch
        return args.updates, f"{args.updates} updates ({epochs:g} epochs)"
    epochs = DEFAULT_EPOCHS if args.epochs is None else args.epochs
    total = epochs * per_epoch
    return total, f"{epochs} epochs = {total} updates"


def parse_points(texts: list[str], features: tuple[str, ...]) -> list[list[float]]:
    """``--predict`` arguments as rows of d numbers each."""
    from linreg_tui.engine.errors import ConfigError

    points = []
    for text in texts:
        row = _floats(text, "--predict")
        if len(row) != len(features):
            raise ConfigError(
                f"--predict {text!r}: give {len(features)} value(s) per point, one per feature "
                f"({', '.join(features)}), separated by commas"
            )
        points.append(row)
    return points


def _shown(total: int, per_epoch: int, every: bool) -> Any:
    """Which updates the text log prints: all of a short run (or with --trace), else about
    20 evenly spaced ones at epoch ends, plus the first and the last."""
    if every or total <= 100:
        return lambda u: True
    stride = -(-total // 20)
    if per_epoch <= stride:
        stride = -(-stride // per_epoch) * per_epoch
    return lambda u: u == 1 or u == total or u % stride == 0


def reference(run: Any) -> tuple[tuple[list[float], float | None, float] | None, float]:
    """The closed-form optimum (w, b, loss) in original units, and the largest stable
    full-batch rate 2/λmax; the optimum is None if the solver fails."""
    from linreg_tui.engine import analysis

    optimum = None
    try:
        theta, loss = analysis.closed_form(run.problem)
        w, b = run.to_original(theta)
        optimum = (w, b, float(loss))
    except (ArithmeticError, ValueError):  # numpy's LinAlgError is a ValueError
        pass
    return optimum, analysis.max_stable_lr(run.problem)


def advance(run: Any, args: argparse.Namespace, total: int, out: IO[str]) -> int | None:
    """Do the run's updates (stepping, or fast-forwarding whole epochs with --fast), writing
    the text log's update lines as they come; returns the update where it converged."""
    from linreg_tui.tui import textlog

    text = args.format == "text"
    per_epoch = run.batcher.per_epoch
    show = _shown(total, per_epoch, args.trace)
    converged_at = None
    if args.fast:
        run.fast_forward(total // per_epoch)
        if run.status == "converged":
            converged_at = run.updates
        if text:
            for u in range(1, run.updates + 1):
                if show(u) or u == run.diverged_at:
                    out.write(textlog.update_line(run, u) + "\n")
    while run.updates < total and run.status != "diverged":
        step = run.step()
        if step.status == "converged" and converged_at is None:
            converged_at = step.update
        if not text:
            continue
        if args.trace:
            out.write("\n".join(textlog.trace_lines(step)) + "\n")
        if show(step.update) or step.status == "diverged":
            out.write(textlog.update_line(run, step.update) + "\n")
            if per_epoch > 1 and step.batch_index == per_epoch - 1:
                out.write(textlog.epoch_line(run, step) + "\n")
    return converged_at


def cmd_run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Fit headless; print the log, JSON or CSV. Exit 3 when the run diverged."""
    from linreg_tui.engine.errors import ConfigError
    from linreg_tui.engine.run import Run
    from linreg_tui.tui import textlog

    if args.trace and args.fast:
        raise ConfigError("--trace shows every update, so it cannot be combined with --fast")
    data, source, note = load_data(args)
    config = build_config(args, data)
    points = parse_points(args.predict, data.feature_names)
    run = Run(data, config)
    total, plan = plan_length(args, run.batcher.per_epoch)
    if args.format == "text":
        lines = textlog.header_lines(run, source=source, note=note, plan=plan)
        lines += ["", *textlog.legend_lines(run.batcher.per_epoch, config.standardize)]
        out.write("\n".join(lines) + "\n")
    converged_at = advance(run, args, total, out)
    predictions = [float(v) for v in run.predict(points)] if points else []
    optimum, lr_max = reference(run)
    verdict = textlog.diagnosis(
        run,
        converged_at=converged_at,
        optimum_loss=optimum[2] if optimum else None,
        lr_max=lr_max,
    )
    if args.format == "text":
        lines = textlog.summary_lines(
            run, optimum=optimum, points=points, predictions=predictions, verdict=verdict
        )
        out.write("\n".join(lines) + "\n")
    elif args.format == "json":
        import json

        doc = textlog.run_document(
            run,
            source=source,
            plan={"updates": total, "epochs": args.epochs, "fast": args.fast},
            points=points,
            predictions=predictions,
            optimum=optimum,
            lr_max=lr_max,
            converged_at=converged_at,
        )
        out.write(json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")
    else:
        textlog.write_history_csv(run, out)
    if run.diverged_at is not None:
        out.flush()
        err.write(f"linreg-tui: {verdict}\n")
        return 3
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: sys.argv[1:]) and run the command; returns the exit code."""
    out, err = sys.stdout, sys.stderr
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # --help, --version, or an argparse error (exit 2)
            return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
        if args.command is None:
            return launch_app(args)
        from linreg_tui.engine.errors import EngineError

        try:
            if args.command == "run":
                return cmd_run(args, out, err)
            if args.command == "datasets":
                return cmd_datasets(args, out)
            return cmd_lessons(args, out, err)
        except EngineError as problem:
            out.flush()
            print(f"linreg-tui: {problem}", file=err)
            return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, without a traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
