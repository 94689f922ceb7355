"""`zerodce enhance INPUT... [-o OUTDIR]`: batch enhancement of photos and videos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from ..batch import (
    BatchItem,
    BatchOptions,
    Status,
    comparison_path,
    plan_batch,
    run_batch,
    summarize,
    write_report,
)
from ..engine import Engine
from ..gamma import write_contact_pdf
from ..imageio import WRITE_FORMATS
from ..video import VideoOptions

CONTACT_SHEET = "comparison.pdf"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "enhance", help="enhance photos and videos (files and folders)",
        description="Enhance low-light photos and videos (MP4, MOV, MKV, AVI, WebM). Inputs "
                    "are never modified; outputs are written atomically, so an interrupted "
                    "run leaves no partial file.")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="image or video files, or folders")
    parser.add_argument("-o", "--output", type=Path, metavar="OUTDIR",
                        help="output folder (default: next to each input)")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="descend into sub-folders and mirror the tree under OUTDIR")
    parser.add_argument("--format", choices=sorted(WRITE_FORMATS), help="output format "
                        "(default: same as the input when writable, else png)")
    parser.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default 95)")
    parser.add_argument("--bit-depth", type=int, choices=(8, 16),
                        help="output bit depth for PNG/TIFF (default: same as the input)")
    parser.add_argument("--suffix", default="_enhanced",
                        help="appended to output file names (default: _enhanced)")
    parser.add_argument("--strength", type=float,
                        help="curve iterations, 0 (original) to the model's count (default: all)")
    parser.add_argument("--mode", choices=("fast", "full"), default="fast",
                        help="fast: curves from a 512 px copy; full: from every pixel (slower)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    parser.add_argument("--model", type=Path, help="checkpoint (default: the bundled model)")
    parser.add_argument("--strip-metadata", action="store_true",
                        help="do not copy EXIF and the ICC profile to the outputs")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--overwrite", dest="existing", action="store_const", const="overwrite",
                          help="replace existing outputs (inputs are never replaced)")
    existing.add_argument("--skip-existing", dest="existing", action="store_const", const="skip",
                          help="leave existing outputs alone (the default)")
    parser.set_defaults(existing="skip", func=run)
    parser.add_argument("--report", type=Path, metavar="FILE.json",
                        help="write a JSON report of every file's outcome")
    parser.add_argument("--denoise", type=_unit_interval, default=0.0, metavar="STRENGTH",
                        help="reduce the noise the curves amplify, 0 (off, default) to 1")
    parser.add_argument("--compare-gamma", action="store_true",
                        help=f"also write input | gamma | Zero-DCE sheets beside the outputs "
                             f"and a {CONTACT_SHEET} of all of them")
    video = parser.add_argument_group("video")
    video.add_argument("--video-codec", metavar="ENCODER",
                       help="e.g. libx264, libx265, libvpx-vp9 (default: the input's codec)")
    video.add_argument("--crf", type=int, help="constant quality, lower is better "
                       "(default: 18 for libx264, 20 libx265, 30 VP9/AV1)")
    video.add_argument("--fps", type=float, help="output frame rate (default: the input's)")
    video.add_argument("--smoothing", type=float, default=VideoOptions.smoothing,
                       metavar="SECONDS", help="time constant of the curve smoothing that "
                       f"stops flicker; 0 = frame by frame (default {VideoOptions.smoothing})")


def options_from_args(args: argparse.Namespace) -> BatchOptions:
    return BatchOptions(out_dir=args.output, format=args.format, quality=args.quality,
                        suffix=args.suffix, bit_depth=args.bit_depth,
                        keep_metadata=not args.strip_metadata, strength=args.strength,
                        mode=args.mode, existing=args.existing, recursive=args.recursive,
                        denoise=args.denoise, compare_gamma=args.compare_gamma,
                        video=VideoOptions(codec=args.video_codec, crf=args.crf, fps=args.fps,
                                           smoothing=args.smoothing))


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    items = plan_batch(args.inputs, options)
    if not items:
        print("zerodce: no images or videos found in the given inputs", file=sys.stderr)
        return 1
    engine = Engine(args.model, device=args.device, mode=args.mode, threads=args.threads)
    bar = tqdm(total=len(items), unit="img", dynamic_ncols=True, disable=None)
    try:
        for item in run_batch(engine, items, options):
            if item.status is Status.RUNNING:
                bar.set_postfix_str(_activity(item), refresh=item.frame > 0)
                continue
            bar.update(1)
            if item.status is Status.FAILED:
                bar.write(f"failed: {item.source}: {item.reason}", file=sys.stderr)
    finally:
        bar.close()
        if args.report:
            write_report(args.report, items, options)
    if options.compare_gamma:
        _write_contact_sheet(items, options)
    counts = summarize(items)
    print(f"{counts['done']} enhanced, {counts['skipped']} skipped, {counts['failed']} failed "
          f"(device {engine.device}, mode {options.mode})")
    return 1 if counts["failed"] else 0


def _unit_interval(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _activity(item: BatchItem) -> str:
    """The file being worked on; for a video also the frame count and time left."""
    name = item.source.name[-40:]
    if not item.frame:
        return name
    eta = "" if item.eta is None else f", {int(item.eta) // 60}:{int(item.eta) % 60:02d} left"
    return f"{name} frame {item.frame}/{item.frames}{eta}"


def _write_contact_sheet(items: list[BatchItem], options: BatchOptions) -> None:
    """Gather this run's comparison sheets (new or kept from before) into one PDF."""
    sheets = [comparison_path(i.target) for i in items
              if i.status in (Status.DONE, Status.SKIPPED) and comparison_path(i.target).is_file()]
    if sheets:
        folder = options.out_dir or items[0].target.parent
        print(f"comparison sheets: {write_contact_pdf(folder / CONTACT_SHEET, sheets)}")
