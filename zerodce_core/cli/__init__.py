"""The `zerodce` command: one subcommand per module, each with `register(subparsers)` and `run`.

Building the parser imports nothing heavy (the subcommand modules load torch, numpy and
FFmpeg inside `run`), so help, `--version` and usage errors answer in a tenth of a second;
`benchmarks/bench_startup.py` measures it. Only when a command runs does `main` set the
process up (`configure_runtime`, before torch loads) and turn SIGTERM into the same clean
stop as Ctrl-C: the output guard then removes the temporary file of whatever was being
written. The global options (-v, --version) work before or after the subcommand.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from types import FrameType

from ..errors import ZeroDCEError
from . import enhance, export, info, train

COMMANDS = (enhance, info, train, export)


class _Version(argparse.Action):
    """`--version`, reading the installed version only when asked (the lookup takes ~50 ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from .. import __version__

        print(f"zerodce {__version__}")
        parser.exit()


def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--version", action=_Version)
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="show debug logging")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zerodce", description="Zero-DCE low-light photo enhancement (no reference needed).")
    _add_global_options(parser, False)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    for command in subparsers.choices.values():
        # SUPPRESS: given before the subcommand, -v is not reset by the subcommand's default.
        _add_global_options(command, argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in `argv` (default: the process's); the exit code, also for help,
    --version and usage errors (argparse's own exit becomes a return value)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    args.argv = list(sys.argv[1:] if argv is None else argv)  # as typed, for the record
    import logging  # here: with its dependencies it is a tenth of the time --help takes

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        with _sigterm_as_interrupt():
            if hasattr(args, "check"):  # what argparse can't say, said before torch loads
                args.check(args)
            from ..runtime import configure_runtime

            configure_runtime(getattr(args, "threads", None))  # before torch loads
            return int(args.func(args))
    except ZeroDCEError as exc:
        print(f"zerodce: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zerodce: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `zerodce info | head`: the reader has all it wanted
        _quiet_stdout()
        return 0


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush into the closed pipe is
    silent (Python's documented way of handling SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the command runs, `kill` (SIGTERM) stops it like Ctrl-C does."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
