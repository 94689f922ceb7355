"""The `zerodce` command: one subcommand per module, each with `register(subparsers)`.

`main` is an entry point, so it sets the process up (`configure_runtime`) before the
subcommand modules load torch, and turns SIGTERM into the same clean stop as Ctrl-C: the
output guard then removes the temporary file of whatever was being written.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from types import FrameType

from .. import __version__
from ..errors import ZeroDCEError
from ..runtime import configure_runtime


def build_parser() -> argparse.ArgumentParser:
    from . import enhance, export, info, train  # here, not at import: they load torch

    parser = argparse.ArgumentParser(
        prog="zerodce", description="Zero-DCE low-light photo enhancement (no reference needed)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (enhance, info, train, export):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_runtime()  # first: torch and numba read part of it when they load
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        with _sigterm_as_interrupt():
            if getattr(args, "threads", None) is not None:
                configure_runtime(args.threads)
            return int(args.func(args))
    except ZeroDCEError as exc:
        print(f"zerodce: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zerodce: interrupted", file=sys.stderr)
        return 130


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
