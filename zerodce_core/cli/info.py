"""`zerodce info MODEL`: what a checkpoint holds."""

from __future__ import annotations

import argparse

from ..bundled import default_model_path
from ..checkpoint import load_checkpoint


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("info", help="show a model's architecture and model card")
    parser.add_argument("model", nargs="?", help="checkpoint file (default: the bundled model)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = args.model or default_model_path()
    info = load_checkpoint(path).info
    print(f"file:         {info.path}")
    print(f"architecture: {info.arch}")
    print(f"iterations:   {info.iterations}")
    print(f"format:       {info.source_format}")
    print(f"parameters:   {info.parameter_count:,}")
    if info.training_config:
        print("training:     " + ", ".join(f"{k}={v}" for k, v in info.training_config.items()))
    print()
    print(info.model_card or "(no model card)")
    return 0
