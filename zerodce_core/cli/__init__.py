"""The `zerodce` command: one subcommand per module, each with `register(subparsers)`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import ZeroDCEError
from . import enhance, info, train


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zerodce", description="Zero-DCE low-light photo enhancement (no reference needed)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (enhance, info, train):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        return int(args.func(args))
    except ZeroDCEError as exc:
        print(f"zerodce: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zerodce: interrupted", file=sys.stderr)
        return 130
