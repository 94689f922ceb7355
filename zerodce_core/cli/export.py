"""`zerodce export --onnx FILE`: the model as an ONNX file for other tools."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import get_args

from ..defaults import COLOUR, Colour
from .enhance import COLOUR_HELP


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="export the model as ONNX (ONNX Runtime, OpenVINO, chaiNNer)",
        description="Export a model as an ONNX file (opset 18, fp32, any image size). See "
                    "docs/onnx.md for using it in ONNX Runtime, OpenVINO and chaiNNer.")
    parser.add_argument("--onnx", type=Path, required=True, metavar="FILE",
                        help="the .onnx file to write (replaced atomically if it exists)")
    parser.add_argument("--model", type=Path, help="checkpoint (default: the bundled model)")
    parser.add_argument("--mode", choices=("fast", "full"), default="fast",
                        help="fast: the whole fast-mode pipeline, image in, enhanced image out "
                             "(the same result as `zerodce enhance --denoise 0`); full: the "
                             "curve network alone, image in, curve maps out, for tiling")
    parser.add_argument("--strength", type=float,
                        help="default of the graph's strength input (default: automatic, as "
                             "`zerodce enhance`: all iterations, or fitted with the exposure "
                             "for exposure-conditioned models)")
    parser.add_argument("--exposure", type=float,
                        help="default mean level of the output for exposure-conditioned "
                             "models, 0.05-0.95 (default: automatic from each photo)")
    parser.add_argument("--colour", choices=get_args(Colour), default=COLOUR,
                        help=f"{COLOUR_HELP}; as `zerodce enhance --colour`, recorded in the "
                             "file's metadata")
    parser.add_argument("--image-only", action="store_true",
                        help="fix strength and exposure at their defaults: the image is the "
                             "only input, as chaiNNer and other image-to-image tools expect")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..engine import Engine
    from ..export import export_onnx

    engine = Engine(args.model, device="cpu", precision="fp32", colour=args.colour)
    path = export_onnx(engine, args.onnx, mode=args.mode, strength=args.strength,
                       exposure=args.exposure, image_only=args.image_only)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, {args.mode} variant of "
          f"{engine.info.arch}, {engine.iterations} iterations, colour {engine.colour})")
    print(describe_file(path))
    return 0


def describe_file(path: Path) -> str:
    """The interface text stored in the file's metadata, one clause per line."""
    import onnx

    props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    return "\n".join(f"  {clause}" for clause in props["interface"].split("; "))
