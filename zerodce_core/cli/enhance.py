"""`zerodce enhance INPUT... [-o OUTDIR]`: batch enhancement of photos and videos.

Existing outputs are kept unless `--overwrite` is given (see the README for why), and every
file kept that way is named with the reason and that flag, on the terminal and in the report:
a re-run with new settings must never look like it did something it did not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from ..defaults import (
    COLOUR,
    CRF_RANGE,
    DENOISE_RANGE,
    EXPOSURE_RANGE,
    FPS_RANGE,
    MODE,
    QUALITY,
    QUALITY_RANGE,
    SMOOTHING,
    SMOOTHING_RANGE,
    SUFFIX,
    VIDEO_DENOISER,
    Colour,
    Mode,
    VideoDenoiser,
)
from ..errors import OutputError
from ..formats import WRITE_NAMES, image_format
from ..validate import OptionError
from .arguments import number

if TYPE_CHECKING:
    from ..batch import BatchItem, BatchOptions, ItemEvent
    from ..engine import Engine
    from ..output import OutputGuard

CONTACT_SHEET = "comparison.pdf"
OVERWRITE_HINT = "--overwrite replaces it"
#: `--colour` (`defaults.Colour`), for `zerodce enhance` and `zerodce export` alike.
COLOUR_HELP = ("keep: one curve per pixel for all three channels, no colour cast (default); "
               "model: the model's own curve per channel, as the paper")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "enhance", help="enhance photos and videos (files and folders)",
        description="Enhance low-light photos and videos (MP4, MOV, MKV, AVI, WebM). Inputs "
                    "are never modified; outputs are written atomically, so an interrupted "
                    "run leaves no partial file. Outputs that exist already are kept, and "
                    "named, unless --overwrite is given.")
    add = parser.add_argument
    add("inputs", nargs="+", metavar="INPUT", help="image or video files, or folders")
    add("-o", "--output", type=Path, metavar="OUTDIR",
        help="output folder (default: next to each input)")
    add("-r", "--recursive", action="store_true",
        help="descend into sub-folders and mirror the tree under OUTDIR")
    add("--format", type=_format_name, choices=WRITE_NAMES,
        help="output format (default: same as the input when writable, else png; jpg, tif and "
             "upper case work too)")
    add("--quality", type=number("quality", *QUALITY_RANGE, integer=True),
        help=f"JPEG/WebP quality, {QUALITY_RANGE[0]} to {QUALITY_RANGE[1]} (default {QUALITY})")
    add("--bit-depth", type=int, choices=(8, 16),
        help="output bit depth for PNG/TIFF (default: same as the input)")
    add("--suffix", default=SUFFIX, help=f"appended to output file names (default: {SUFFIX})")
    look = parser.add_argument_group("look")
    look.add_argument("--strength", type=number("strength", 0.0), metavar="ITERATIONS",
                      help="how far the curves go, in iterations: 0 (the original) to the "
                           "model's count (default: automatic)")
    look.add_argument("--exposure", type=number("exposure", *EXPOSURE_RANGE), metavar="LEVEL",
                      help=f"target mean level, {EXPOSURE_RANGE[0]} (dark) to "
                           f"{EXPOSURE_RANGE[1]} (bright), for exposure-conditioned models "
                           "(default: automatic, fitted to each photo: dark photos are lifted, "
                           "well-exposed ones keep their level)")
    look.add_argument("--denoise", type=number("denoise", *DENOISE_RANGE), metavar="STRENGTH",
                      help="noise reduction, 0 (off) to 1 (full); automatic by default: "
                           "0.85, which follows the noise the curves amplified, so "
                           "clean photos stay as they are. Photos: a learned network; video: "
                           "an average over frames where nothing moves (--video-denoiser)")
    look.add_argument("--colour", choices=get_args(Colour), default=COLOUR,
                      help=COLOUR_HELP)
    add("--mode", choices=get_args(Mode), default=MODE,
        help="fast: curves from a 512 px copy; full: from every pixel (slower)")
    add("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    add("--threads", type=number("threads", 1, integer=True),
        help="CPU threads (default: all cores)")
    add("--model", type=Path, help="checkpoint (default: the bundled model)")
    add("--strip-metadata", action="store_true",
        help="do not copy EXIF and the ICC profile to the outputs")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--overwrite", dest="existing", action="store_const", const="overwrite",
                          help="replace existing outputs, e.g. to redo them with new settings "
                               "(inputs are never replaced)")
    existing.add_argument("--skip-existing", dest="existing", action="store_const", const="skip",
                          help="keep existing outputs and name each one kept (the default)")
    parser.set_defaults(func=run)
    add("--report", type=Path, metavar="FILE.json",
        help="write a JSON report of every file's outcome")
    add("--compare-gamma", action="store_true",
        help=f"also write input | gamma | Zero-DCE sheets beside the outputs and a "
             f"{CONTACT_SHEET} of all of them")
    video = parser.add_argument_group("video")
    video.add_argument("--video-codec", metavar="ENCODER",
                       help="e.g. libx264, libx265, libvpx-vp9 (default: the input's codec)")
    video.add_argument("--crf", type=number("crf", *CRF_RANGE, integer=True),
                       help="constant quality, lower is better (default: 18 for libx264, 20 "
                            "libx265, 30 VP9/AV1)")
    video.add_argument("--fps", type=number("frame rate", *FPS_RANGE),
                       help="output frame rate (default: the input's)")
    video.add_argument("--video-denoiser", choices=get_args(VideoDenoiser),
                       default=VIDEO_DENOISER,
                       help="what --denoise runs on video: temporal, an average of each pixel "
                            "over the frames before while it does not move (a few ms a "
                            "frame; moving areas keep their noise), or learned, the photos' "
                            "network on every frame (5-10x slower; also cleans motion and "
                            f"pans) (default {VIDEO_DENOISER})")
    video.add_argument("--smoothing", type=number("smoothing", *SMOOTHING_RANGE),
                       default=SMOOTHING, metavar="SECONDS",
                       help="time constant of the curve smoothing that stops flicker; 0 = frame "
                            f"by frame (default {SMOOTHING})")
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
    return parser


def options_from_args(args: argparse.Namespace) -> BatchOptions:
    """The batch options; OptionError (a clear message, exit code 2) for out-of-range values."""
    from ..batch import BatchOptions
    from ..pipeline import EncodeOptions, Look
    from ..video import VideoOptions

    given = {"quality": args.quality} if args.quality is not None else {}
    encode = EncodeOptions(format=args.format, bit_depth=args.bit_depth,
                           keep_metadata=not args.strip_metadata, **given)
    video = VideoOptions(codec=args.video_codec, crf=args.crf, fps=args.fps,
                         smoothing=args.smoothing, denoiser=args.video_denoiser)
    look = Look(strength=args.strength, denoise=args.denoise, exposure=args.exposure)
    existing = {"existing": args.existing} if args.existing else {}
    return BatchOptions(out_dir=args.output, suffix=args.suffix, encode=encode, look=look,
                        mode=args.mode, recursive=args.recursive,
                        compare_gamma=args.compare_gamma, video=video, **existing)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..batch import Status, batch_guard, plan_batch, summarize, write_report
    from ..engine import Engine
    from ..output import check_folder

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
    engine = Engine(args.model, device="cpu" if args.ray else args.device, mode=args.mode,
                    colour=args.colour)
    _check_look_fits(engine, args)
    events, where = _events(args, engine, items, options)
    final = list(items)
    bar = tqdm(total=len(items), unit="file", dynamic_ncols=True, disable=None)
    failed_writes = 0
    try:
        for event in events:
            item = _explained(event.item)
            final[event.index] = item
            if item.status is Status.RUNNING:
                bar.set_postfix_str(_activity(item), refresh=item.frame > 0)
                continue
            bar.update(1)
            if item.status is Status.FAILED:
                bar.write(f"failed: {item.source}: {item.reason}", file=sys.stderr)
            elif item.status is Status.SKIPPED:
                bar.write(f"skipped: {item.source}: {item.reason}")
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
        from ..batch import run_batch

        return run_batch(engine, items, options), f"device {engine.device}"
    from ..distributed.cluster import RayOptions, enhance_on_ray  # only now: it imports Ray

    ray = RayOptions(args.ray, args.ray_workers, args.ray_cpus_per_worker,
                     args.ray_gpus_per_worker)
    return (enhance_on_ray(items, options, ray, model=args.model, device=args.device,
                           threads=args.threads, colour=args.colour),
            f"on Ray, {'GPU' if ray.gpus_per_worker else 'CPU'} workers")


def _check_look_fits(engine: Engine, args: argparse.Namespace) -> None:
    """What only the model can tell: how many iterations it has, whether it takes a level."""
    if args.strength is not None and args.strength > engine.iterations:
        raise OptionError(f"strength must be a number from 0 to {engine.iterations} (this "
                          f"model's curve iterations), not {args.strength}")
    if args.exposure is not None and not engine.takes_exposure:
        raise OptionError(f"--exposure needs an exposure-conditioned model (zerodce-exposure); "
                          f"{engine.info.path.name if engine.info.path else 'this model'} is "
                          f"{engine.info.arch}, trained for one fixed level")


def _explained(item: BatchItem) -> BatchItem:
    """A skipped item's reason with the flag that changes it, for the terminal and the report
    (the batch's own reason stays neutral: the app has a control, not a flag)."""
    from ..batch import Status

    if item.status is Status.SKIPPED and OVERWRITE_HINT not in item.reason:
        return replace(item, reason=f"{item.reason} ({OVERWRITE_HINT})")
    return item


def _check_report(path: Path, guard: OutputGuard) -> None:
    """Before any work: a report path that would be refused at the end must not waste a run,
    and a photo or video name is a slip (`--report *.jpg` takes the first photo), not a
    request to turn that file into JSON."""
    from ..imageio import is_image_file
    from ..video import is_video_file

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
    from ..progress import format_duration

    name = item.source.name[-40:]
    if not item.frame:
        return name
    eta = "" if item.eta is None else f", {format_duration(item.eta)} left"
    return f"{name} frame {item.frame}/{item.frames}{eta}"


def _write_contact_sheet(items: list[BatchItem], options: BatchOptions,
                         guard: OutputGuard) -> int:
    """Gather this run's comparison sheets (new or kept from before) into one PDF; 1 if that
    failed. An existing PDF is kept unless the run may replace outputs."""
    from ..batch import Status, comparison_path
    from ..gamma import write_contact_pdf

    sheets = [comparison_path(i.target) for i in items
              if i.status in (Status.DONE, Status.SKIPPED) and comparison_path(i.target).is_file()]
    if not sheets:
        return 0
    path = (options.out_dir or items[0].target.parent) / CONTACT_SHEET
    if path.exists() and not guard.replace:
        print(f"comparison sheets: kept the existing {path} ({OVERWRITE_HINT})")
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
