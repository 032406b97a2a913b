"""The ``linreg-tui`` command: the app, or a headless run, the catalogue, the lessons.

Only the standard library is imported at start: the ``run`` path loads the
engine (numpy, then torch on first use) and never Textual, Rich or plotext,
so a headless run costs little more than importing torch. The app is
imported only when it is launched.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from linreg_tui.tui import __version__

# The subcommands; build_parser fills in only the options of those named on the command line,
# so that launching the app (no subcommand) does not pay for building them all.
COMMANDS = ("run", "datasets", "lessons", "noise", "serve", "class")

NO_TERMINAL = (
    "linreg-tui: no terminal here; run it in a terminal, "
    "or use 'linreg-tui run --help' for the headless mode"
)

EXIT_CODES = """exit codes:
  0    done
  1    'lessons validate' found problems, --reset-progress was declined, or an internal
       error (a bug: one line on stderr; --debug shows the traceback)
  2    bad arguments or data (one line on stderr says what)
  3    the run diverged (stderr names the update)
  130  interrupted (Ctrl-C)"""


class _Parser(argparse.ArgumentParser):
    """argparse with its message on one line (no usage block), still exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _run_options(run: argparse.ArgumentParser) -> None:
    """The options of ``linreg-tui run``, in four groups (as --help lists them)."""
    _data_options(run.add_argument_group("data"))
    _model_options(run.add_argument_group("model and start"))
    _descent_options(run.add_argument_group("descent"))
    _output_options(run.add_argument_group("output"))
    from linreg_tui.tui.headless_extras import add_run_extras

    add_run_extras(run)


def _data_options(data: Any) -> None:
    """Where the data come from: a catalogue set (and how to generate it) or a CSV file."""
    data.add_argument("--dataset", metavar="NAME", help="a catalogue data set (default: hours)")
    data.add_argument("--csv", metavar="PATH", help="your own CSV file")
    data.add_argument("--x", metavar="COLS", help="feature columns of --csv: names or indexes")
    data.add_argument("--y", metavar="COL", help="target column of --csv (default: the last)")
    data.add_argument("--size", type=int, help="points of synthetic/stream data")
    data.add_argument("--slope", type=float, help="true slope of synthetic/stream data")
    data.add_argument("--intercept", type=float, help="true intercept of synthetic/stream data")
    data.add_argument("--noise", type=float, help="noise σ of synthetic/stream data")
    data.add_argument("--standardize", action="store_true", help="z-score the features")


def _model_options(model: Any) -> None:
    """The model's form and its starting point."""
    model.add_argument("--no-bias", action="store_true", help="fit ŷ = X·w (no b)")
    model.add_argument("--init-w", nargs="+", metavar="V", help="starting weights (default 0)")
    model.add_argument("--init-b", type=float, metavar="V", help="starting bias (default 0)")
    model.add_argument("--init", choices=("zeros", "random"), default="zeros",
                       help="random: weights from U[0, 1) with --seed (T3)")  # fmt: skip


def _descent_options(how: Any) -> None:
    """The run's length, batches, loss, optimizer, schedule, dtype, device, mistake."""
    from linreg_tui.engine import DEVICES, DTYPES, GRAD_METHODS, LOSS_NAMES, MISTAKES, OPTIMIZERS
    from linreg_tui.tui.headless import DEFAULT_EPOCHS

    how.add_argument("--lr", type=float, default=0.01, help="learning rate η (default 0.01)")
    length = how.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int, help=f"epochs to run (default {DEFAULT_EPOCHS})")
    length.add_argument("--updates", type=int, help="updates to run")
    how.add_argument("--batch", metavar="full|sgd|minibatch:K|stream:K",
                     help="rows per update (default full; stream:4 for stream data)")  # fmt: skip
    how.add_argument("--no-shuffle", action="store_true", help="visit rows in file order")
    how.add_argument("--drop-last", action="store_true", help="drop a short last mini-batch")
    how.add_argument("--seed", type=int, default=0, help="seeds shuffling, data, random starts")
    how.add_argument("--loss", choices=LOSS_NAMES, default="mse")
    how.add_argument("--grad", choices=GRAD_METHODS, default="analytic")
    how.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    how.add_argument("--momentum", type=float, default=0.9, help="μ of momentum/nesterov")
    how.add_argument("--betas", default="0.9,0.999", metavar="B1,B2", help="Adam's β1,β2")
    how.add_argument("--alpha", type=float, default=0.99, help="RMSprop's α")
    how.add_argument("--eps", type=float, default=1e-8, help="ε of the adaptive rules")
    how.add_argument("--schedule", default="constant",
                     metavar="constant|step:N:GAMMA|exp:GAMMA|inv:K")  # fmt: skip
    how.add_argument("--dtype", choices=DTYPES, default="float64")
    how.add_argument("--device", choices=DEVICES, default="cpu")
    how.add_argument("--mistake", choices=MISTAKES, help="make a classic mistake on purpose")
    how.add_argument("--fast", action="store_true",
                     help="jump whole epochs by the fast-forward where possible")  # fmt: skip


def _output_options(out: Any) -> None:
    """Predictions, --trace, and the output format."""
    out.add_argument("--predict", nargs="+", action="extend", default=[], metavar="X[,X2...]",
                     help="points to predict, one per argument (original units)")  # fmt: skip
    out.add_argument("--trace", action="store_true", help="print each sample's gradient term")
    out.add_argument("--format", choices=("text", "json", "csv"), default="text")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given ``argv``, only the subcommands named in it get their
    options (the others are listed, with their help line, but left empty)."""
    wanted = set(COMMANDS) if argv is None else set(argv)
    parser = _Parser(
        prog="linreg-tui",
        description="Watch gradient descent fit a linear regression, one step at a time.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"linreg-tui {__version__}")
    _debug_option(parser, False)
    parser.add_argument("--lang", choices=("en", "zh"), help="language of the app")
    parser.add_argument("--no-mouse", action="store_true", help="keyboard only")
    parser.add_argument("--lessons", metavar="PATH", help="a folder of lessons to use")
    parser.add_argument("--open", metavar="CODE",
                        help="open the Playground on a share code's run (lr1-…)")  # fmt: skip
    parser.add_argument("--reset-progress", action="store_true",
                        help="erase saved lesson progress (asks first)")  # fmt: skip
    parser.add_argument("--gallery", metavar="PATH",
                        help="add a teacher's presets (a .toml file or folder) to the gallery")  # noqa: E501 # fmt: skip
    parser.add_argument("--describe", action="store_true",
                        help="describe mode: each update told as one sentence on the status "
                        "line (for screen readers)")  # fmt: skip
    parser.add_argument("--record", metavar="FILE.cast",
                        help="record the session as an asciicast v2 file (asciinema)")  # fmt: skip
    raw: dict[str, Any] = {
        "epilog": EXIT_CODES,
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    filled: list[argparse.ArgumentParser] = []
    run = sub.add_parser(
        "run",
        help="fit headless and print a log, JSON or CSV",
        description="Fit a linear model by gradient descent without the app.",
        **raw,
    )
    if "run" in wanted:
        _run_options(run)
        filled.append(run)
    ds = sub.add_parser("datasets", help="list the bundled data sets", **raw)
    ds.add_argument("--format", choices=("text", "json"), default="text")
    filled.append(ds)
    lessons = sub.add_parser("lessons", help="check or list lessons", **raw)
    if "lessons" in wanted:
        filled.extend(_lessons_parser(lessons))
    noise = sub.add_parser(
        "noise",
        help="measure the noise of mini-batch gradients",
        description="How far mini-batch gradients scatter around the full gradient.",
        **raw,
    )
    if "noise" in wanted:
        from linreg_tui.tui.headless_noise import add_noise_options

        filled.append(add_noise_options(noise))
    serve = sub.add_parser("serve", help="serve the app to a class over SSH", **raw)
    if "serve" in wanted:
        filled.append(_serve_parser(serve))
    klass = sub.add_parser("class", help="a classroom's report; roster passwords", **raw)
    if "class" in wanted:
        filled.extend(_class_parser(klass))
    for each in filled:
        _debug_option(each, argparse.SUPPRESS)  # SUPPRESS: keep the top-level value
    return parser


def _debug_option(parser: argparse.ArgumentParser, default: Any) -> None:
    """``--debug``, accepted before or after the subcommand."""
    parser.add_argument("--debug", action="store_true", default=default,
                        help="on an internal error, show the Python traceback")  # fmt: skip


def _lessons_parser(lessons: argparse.ArgumentParser) -> tuple[argparse.ArgumentParser, ...]:
    """``linreg-tui lessons validate|list``; returns the two parsers."""
    lsub = lessons.add_subparsers(dest="lessons_command", metavar="ACTION", parser_class=_Parser)
    lsub.required = True
    validate = lsub.add_parser("validate", help="check lesson files")
    validate.add_argument("path", nargs="?", help="a lesson folder or file (default: built-in)")
    listing = lsub.add_parser("list", help="list the lessons")
    listing.add_argument("path", nargs="?", help="a lesson folder (default: built-in)")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    return validate, listing


def _serve_parser(serve: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``linreg-tui serve``: the classroom server (docs/classroom.md)."""
    add = serve.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=2222, help="SSH port (default 2222; 0: any free port)")
    add("--data-root", required=True, metavar="DIR", help="learners' folders, log, host key")
    add("--token-file", required=True, metavar="FILE", help="the class token (made if missing)")
    add("--roster", metavar="FILE", help="only these learners, each with their own secret")
    add("--max-sessions", type=int, default=40, help="sessions at once (default 40)")
    add("--idle-timeout", type=float, default=900, help="seconds without a key (default 900)")
    add("--host-key", metavar="PATH", help="SSH host key (default: made in the data root)")
    add("--web-port", type=int, metavar="PORT", help="also serve the app in a browser")
    add("--course", metavar="PATH", help="a folder of lessons for the class")
    add("--gallery", metavar="PATH", help="a teacher's presets added to the class's gallery")
    add("--no-skip", action="store_true", help="learners cannot skip checkpoints")
    return serve


def _class_parser(klass: argparse.ArgumentParser) -> tuple[argparse.ArgumentParser, ...]:
    """``linreg-tui class report|passwd``."""
    csub = klass.add_subparsers(dest="class_command", metavar="ACTION", parser_class=_Parser)
    csub.required = True
    report = csub.add_parser("report", help="every learner's progress")
    report.add_argument("--data-root", required=True, metavar="DIR")
    report.add_argument("--course", metavar="PATH", help="the class's course (default: built-in)")
    report.add_argument("--format", choices=("text", "csv", "json"), default="text")
    passwd = csub.add_parser("passwd", help="print a roster line for a learner's password")
    passwd.add_argument("user", help="the learner id")
    return report, passwd


def cmd_class(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``class report`` (reads the data root) or ``class passwd`` (password from stdin)."""
    from pathlib import Path

    from linreg_tui.tui.classroom import auth, report

    if args.class_command == "passwd":
        if not auth.valid_user(args.user):
            err.write(f"linreg-tui: not a valid learner id: {args.user[:40]!r}\n")
            return 2
        password = sys.stdin.readline().rstrip("\n") if sys.stdin is not None else ""
        if len(password) < 8:
            err.write("linreg-tui: give a password of 8 or more characters on stdin\n")
            return 2
        out.write(f"{args.user} {auth.hash_password(password)}\n")
        return 0
    root = Path(args.data_root).expanduser()
    if not root.is_dir():
        err.write(f"linreg-tui: no such folder: {root}\n")
        return 2
    report.write_report(report.class_rows(root, args.course), args.format, out)
    return 0


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
    opened = None
    if args.open is not None:
        from linreg_tui.engine import EngineError
        from linreg_tui.tui.open_code import open_code

        try:
            opened = open_code(args.open)
        except EngineError as bad_code:
            print(f"linreg-tui: {one_line(str(bad_code))}", file=sys.stderr)
            return 2
    kwargs: dict[str, Any] = {
        "lang": pick_language(args.lang),
        "mouse": not args.no_mouse,
        "lessons_path": args.lessons,
    }
    if opened is not None:
        kwargs["opened"] = opened
    if args.describe:
        kwargs["describe"] = True
    if args.gallery is not None:
        problem = check_gallery(args.gallery)
        if problem:
            print(f"linreg-tui: {problem}", file=sys.stderr)
            return 2
        kwargs["gallery_path"] = args.gallery
    if not (_is_tty(sys.stdin) and _is_tty(sys.stdout)):
        if not os.environ.get("CI"):
            print(NO_TERMINAL, file=sys.stderr)
            return 2
        kwargs["headless_smoke"] = True
    if args.record is not None:
        recorder = open_recording(args.record, sys.stderr)
        if recorder is None:
            return 2
        kwargs["recorder"] = recorder
    from linreg_tui.tui.app import run_app

    return int(run_app(**kwargs) or 0)


def check_gallery(path: str) -> str | None:
    """What is wrong with a teacher's gallery at ``path``, on one line, or None."""
    from linreg_tui.lessons.gallery import gallery_problem

    problem = gallery_problem(path)
    return one_line(problem) if problem else None


def open_recording(path: str, err: IO[str]) -> Any:
    """A CastRecorder writing ``path`` at the terminal's size, or None (the reason on
    ``err``) when the file cannot be written."""
    from linreg_tui.tui.recording import CastRecorder

    size = os.get_terminal_size(sys.stdout.fileno()) if _is_tty(sys.stdout) else None
    width, height = (size.columns, size.lines) if size else (80, 24)
    try:
        return CastRecorder(path, width, height)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        err.write(f"linreg-tui: cannot write the recording {path!r}: {reason}\n")
        return None


# -- the other subcommands --------------------------------------------------------------


def cmd_datasets(args: argparse.Namespace, out: IO[str]) -> int:
    """Print the catalogue as a table or as JSON."""
    from linreg_tui.engine import datasets_as_json, datasets_table

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


def _dispatch(argv: list[str], out: IO[str], err: IO[str]) -> int:
    """Parse and run one command; EngineError (bad input) is one line and exit 2."""
    try:
        args = build_parser(argv).parse_args(argv)
    except SystemExit as stop:  # --help, --version, or an argparse error (exit 2)
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    if args.command is None:
        return launch_app(args)
    from linreg_tui.engine import EngineError

    try:
        with numeric_warnings(err):
            if args.command == "run":
                from linreg_tui.tui.headless import cmd_run
                from linreg_tui.tui.headless_extras import cmd_run_extra, wants_extras

                return (cmd_run_extra if wants_extras(args) else cmd_run)(args, out, err)
            if args.command == "noise":
                from linreg_tui.tui.headless_noise import cmd_noise

                return cmd_noise(args, out)
            if args.command == "datasets":
                return cmd_datasets(args, out)
            if args.command == "serve":
                from linreg_tui.tui.classroom.serve import cmd_serve

                return cmd_serve(args, out, err)
            if args.command == "class":
                return cmd_class(args, out, err)
            return cmd_lessons(args, out, err)
    except EngineError as problem:
        out.flush()
        print(f"linreg-tui: {one_line(str(problem))}", file=err)
        return 2


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line (newlines folded), at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@contextmanager
def numeric_warnings(err: IO[str]) -> Iterator[None]:
    """Record the warnings numpy and torch raise (overflow, invalid value, …) instead of
    letting Python print them with source paths; afterwards, one line per distinct warning."""
    with warnings.catch_warnings(record=True) as caught:  # the filters stay as they are
        try:
            yield
        finally:
            counts: dict[tuple[str, str], int] = {}
            for w in caught:
                key = (w.category.__name__, one_line(str(w.message), 200))
                counts[key] = counts.get(key, 0) + 1
            for (category, message), n in counts.items():
                times = f" ({n} times)" if n > 1 else ""
                hint = "; some numbers may be inf or nan" if category == "RuntimeWarning" else ""
                print(f"linreg-tui: warning: {message}{times}{hint}", file=err)


def internal_error(exc: BaseException, debug: bool, err: IO[str]) -> int:
    """An exception nobody expected (a bug): one line and exit 1; the traceback only with
    ``--debug``."""
    if debug:
        import traceback  # here: the app's start does not pay for it

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=err)
    what = one_line(f"{type(exc).__name__}: {exc}", 200)
    hint = "" if debug else "; rerun with --debug to see the traceback"
    err.write(
        f"linreg-tui: internal error ({what}). This is a bug: please report it with the "
        f"command you ran{hint}\n"
    )
    return 1


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: sys.argv[1:]) and run the command; returns the exit code.
    Never lets a traceback out: bad input exits 2, a bug exits 1 with one line."""
    argv = sys.argv[1:] if argv is None else list(argv)
    out, err = sys.stdout, sys.stderr
    try:
        return _dispatch(argv, out, err)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, without a traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except MemoryError:
        out.flush()
        err.write("linreg-tui: not enough memory for this run; choose a smaller size or batch\n")
        return 2
    except Exception as exc:  # the last line of defence: whatever it is, no traceback
        return internal_error(exc, "--debug" in argv, err)


if __name__ == "__main__":
    sys.exit(main())
