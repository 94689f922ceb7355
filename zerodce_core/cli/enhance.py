"""`zerodce enhance INPUT... [-o OUTDIR]`: batch enhancement of photos and videos."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import get_args

from tqdm import tqdm

from ..batch import (
    DEFAULT_SUFFIX,
    BatchItem,
    BatchOptions,
    ItemEvent,
    Status,
    batch_guard,
    comparison_path,
    plan_batch,
    run_batch,
    summarize,
    write_report,
)
from ..engine import Engine, Mode
from ..errors import OutputError
from ..formats import WRITE_NAMES, image_format
from ..gamma import write_contact_pdf
from ..imageio import is_image_file
from ..output import OutputGuard, check_folder
from ..pipeline import EncodeOptions, Look
from ..progress import format_duration
from ..video import VideoOptions, is_video_file

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
    parser.add_argument("--format", type=_format_name, choices=WRITE_NAMES,
                        help="output format (default: same as the input when writable, else "
                        "png; jpg and tif work too)")
    parser.add_argument("--quality", type=int, default=EncodeOptions.quality,
                        help=f"JPEG/WebP quality, 1 to 100 (default {EncodeOptions.quality})")
    parser.add_argument("--bit-depth", type=int, choices=(8, 16),
                        help="output bit depth for PNG/TIFF (default: same as the input)")
    parser.add_argument("--suffix", default=DEFAULT_SUFFIX,
                        help=f"appended to output file names (default: {DEFAULT_SUFFIX})")
    parser.add_argument("--strength", type=float,
                        help="curve iterations, 0 (original) to the model's count (default: all)")
    parser.add_argument("--mode", choices=get_args(Mode), default=BatchOptions.mode,
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
    parser.set_defaults(existing=BatchOptions.existing, func=run)
    parser.add_argument("--report", type=Path, metavar="FILE.json",
                        help="write a JSON report of every file's outcome")
    parser.add_argument("--denoise", type=float, metavar="STRENGTH",
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
    cluster = parser.add_argument_group("Ray (pip install zerodce[ray]; inputs, outputs and "
                                        "--model on a file system every node sees)")
    cluster.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                         help="run the batch as a Ray Data job: on a new local Ray instance "
                         "(the whole machine), or on the cluster at ADDRESS (auto, "
                         "ray://HOST:10001)")
    cluster.add_argument("--ray-workers", type=int, metavar="N",
                         help="workers, each loading the model once (default: as many as "
                         "the cluster has room for)")
    cluster.add_argument("--ray-cpus-per-worker", type=float, default=1.0, metavar="N",
                         help="CPUs each worker takes (default 1)")
    cluster.add_argument("--ray-gpus-per-worker", type=float, default=0.0, metavar="N",
                         help="GPUs each worker takes; above 0 the workers run on GPUs "
                         "(0.5: two share one; default 0: CPU workers)")


def options_from_args(args: argparse.Namespace) -> BatchOptions:
    """The batch options; OptionError (a clear message, exit code 2) for out-of-range values."""
    encode = EncodeOptions(format=args.format, quality=args.quality, bit_depth=args.bit_depth,
                           keep_metadata=not args.strip_metadata)
    video = VideoOptions(codec=args.video_codec, crf=args.crf, fps=args.fps,
                         smoothing=args.smoothing)
    return BatchOptions(out_dir=args.output, suffix=args.suffix, encode=encode,
                        look=Look(strength=args.strength, denoise=args.denoise),
                        mode=args.mode, existing=args.existing, recursive=args.recursive,
                        compare_gamma=args.compare_gamma, video=video)


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    if options.out_dir is not None:
        check_folder(options.out_dir)  # said once, not once per photo
    items = plan_batch(args.inputs, options)
    if not items:
        print("zerodce: no images or videos found in the given inputs", file=sys.stderr)
        return 1
    guard = batch_guard(items, options)
    if args.report:
        _check_report(args.report, guard)
    # With --ray the workers load the model; here it is only checked, before any work.
    engine = Engine(args.model, device="cpu" if args.ray else args.device, mode=args.mode)
    events, where = _events(args, engine, items, options)
    final = list(items)
    bar = tqdm(total=len(items), unit="img", dynamic_ncols=True, disable=None)
    failed_writes = 0
    try:
        for event in events:
            final[event.index] = item = event.item
            if item.status is Status.RUNNING:
                bar.set_postfix_str(_activity(item), refresh=item.frame > 0)
                continue
            bar.update(1)
            if item.status is Status.FAILED:
                bar.write(f"failed: {item.source}: {item.reason}", file=sys.stderr)
            for warning in item.warnings:
                bar.write(f"warning: {item.source}: {warning}", file=sys.stderr)
    finally:
        bar.close()
        events.close()  # a stopped Ray job leaves Ray here
        if args.report:
            failed_writes += _try(write_report, args.report, final, options, guard)
    if options.compare_gamma:
        failed_writes += _write_contact_sheet(final, options, guard)
    counts = summarize(final)
    print(f"{counts['done']} enhanced, {counts['skipped']} skipped, {counts['failed']} failed "
          f"({where}, mode {options.mode})")
    if counts["skipped"] and not counts["done"] + counts["failed"]:
        print("Nothing to do: every output exists already (--overwrite replaces them).")
    return 1 if counts["failed"] or failed_writes else 0


def _events(args: argparse.Namespace, engine: Engine, items: list[BatchItem],
            options: BatchOptions) -> tuple[Generator[ItemEvent, None, None], str]:
    """The batch's events, from this process or from Ray workers, and where they run."""
    if args.ray is None:
        return run_batch(engine, items, options), f"device {engine.device}"
    from ..distributed.cluster import RayOptions, enhance_on_ray  # only now: it imports Ray

    ray = RayOptions(args.ray, args.ray_workers, args.ray_cpus_per_worker,
                     args.ray_gpus_per_worker)
    return (enhance_on_ray(items, options, ray, model=args.model, device=args.device,
                           threads=args.threads),
            f"on Ray, {'GPU' if ray.gpus_per_worker else 'CPU'} workers")


def _check_report(path: Path, guard: OutputGuard) -> None:
    """Before any work: a report path that would be refused at the end must not waste a run,
    and a photo or video name is a slip (`--report *.jpg` takes the first photo), not a
    request to turn that file into JSON."""
    if is_image_file(path) or is_video_file(path):
        raise OutputError(path, "is a photo or video name; the report is JSON (FILE.json)")
    guard.ready(path)


def _format_name(text: str) -> str:
    """`--format` accepts any case and the aliases jpg and tif."""
    try:
        return image_format(text).name
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _activity(item: BatchItem) -> str:
    """The file being worked on; for a video also the frame count and time left."""
    name = item.source.name[-40:]
    if not item.frame:
        return name
    eta = "" if item.eta is None else f", {format_duration(item.eta)} left"
    return f"{name} frame {item.frame}/{item.frames}{eta}"


def _write_contact_sheet(items: list[BatchItem], options: BatchOptions,
                         guard: OutputGuard) -> int:
    """Gather this run's comparison sheets (new or kept from before) into one PDF; 1 if that
    failed. An existing PDF is kept unless the run may replace outputs."""
    sheets = [comparison_path(i.target) for i in items
              if i.status in (Status.DONE, Status.SKIPPED) and comparison_path(i.target).is_file()]
    if not sheets:
        return 0
    path = (options.out_dir or items[0].target.parent) / CONTACT_SHEET
    if path.exists() and not guard.replace:
        print(f"comparison sheets: kept the existing {path} (--overwrite replaces it)")
        return 0
    if _try(write_contact_pdf, path, sheets, guard):
        return 1
    print(f"comparison sheets: {path}")
    return 0


def _try(write: Callable[..., object], path: Path, *args: object) -> int:
    """Write one summary file; on failure say why (the batch's results stand) and return 1."""
    try:
        write(path, *args)
    except OutputError as exc:
        print(f"zerodce: could not write {exc}", file=sys.stderr)
        return 1
    return 0
