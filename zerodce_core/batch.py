"""Batch jobs: plan input -> output paths, then enhance file by file.

The data path of one photo is one function per step:
`read_image` -> `Engine.estimate` -> `Engine.render` -> `denoise` -> `write_image`
(plus a gamma comparison sheet on request). Videos go through `video.enhance_video`, which
yields after every frame; run_batch passes that on as RUNNING items with frame counts.

`run_batch` is a generator that yields each item as its state changes, so the
CLI's progress bar and the app's queue are thin loops over it, and a caller
stops or pauses it simply by not asking for the next item. One bad file never
stops the batch: it is marked failed with its reason and the rest goes on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np

from .atomic import atomic_path
from .denoise import denoise
from .engine import Engine, Mode, Progress
from .errors import Cancelled, ImageWriteError, ZeroDCEError
from .gamma import comparison_sheet
from .imageio import WRITE_FORMATS, format_for_path, is_image_file, read_image, write_image
from .video import VideoOptions, VideoProgress, enhance_video, is_video_file

COMPARISON_SUFFIX = "_vs_gamma.jpg"

Existing = Literal["skip", "overwrite"]


class Status(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclasses.dataclass
class BatchOptions:
    """How outputs are named and encoded; the same options drive the CLI and the app."""

    out_dir: Path | None = None  # None: next to each input
    format: str | None = None  # "jpeg", "png", "tiff", "webp"; None keeps the input's
    quality: int = 95
    suffix: str = "_enhanced"
    bit_depth: int | None = None  # None keeps the input's
    keep_metadata: bool = True
    strength: float | None = None  # None: the model's full iteration count
    mode: Mode = "fast"
    existing: Existing = "skip"
    recursive: bool = False
    denoise: float = 0.0  # 0..1, noise reduction after enhancement (0 = off)
    compare_gamma: bool = False  # photos: also write input | gamma | Zero-DCE sheets
    video: VideoOptions = dataclasses.field(default_factory=VideoOptions)


@dataclasses.dataclass
class BatchItem:
    source: Path
    target: Path
    status: Status = Status.QUEUED
    reason: str = ""
    seconds: float = 0.0
    frame: int = 0  # videos: frames written so far, of `frames` expected
    frames: int = 0
    eta: float | None = None  # videos: seconds left for this file


def collect_inputs(
    inputs: Iterable[str | Path], recursive: bool = False
) -> list[tuple[Path, Path]]:
    """(file, path relative to its root) for every image and video among files and folders."""
    found: list[tuple[Path, Path]] = []
    for entry in map(Path, inputs):
        if entry.is_dir():
            pattern = "**/*" if recursive else "*"
            files = sorted(p for p in entry.glob(pattern) if p.is_file() and _is_media(p))
            found += [(p, p.relative_to(entry)) for p in files]
        else:
            found.append((entry, Path(entry.name)))
    return found


def output_path(source: Path, relative: Path, options: BatchOptions) -> Path:
    """Where the enhanced copy of `source` goes, mirroring folder trees under out_dir.

    Videos keep their container; `options.format` applies to photos.
    """
    if is_video_file(source):
        extension = source.suffix.lower()
    else:
        extension = WRITE_FORMATS[options.format or _format_of(source)]
    folder = source.parent if options.out_dir is None else options.out_dir / relative.parent
    return folder / f"{source.stem}{options.suffix}{extension}"


def comparison_path(target: Path) -> Path:
    """Where `--compare-gamma` puts the sheet for the photo written to `target`."""
    return target.with_name(target.stem + COMPARISON_SUFFIX)


def plan_batch(inputs: Iterable[str | Path], options: BatchOptions) -> list[BatchItem]:
    items = [BatchItem(src, output_path(src, rel, options))
             for src, rel in collect_inputs(inputs, options.recursive)]
    sources = {_key(item.source) for item in items}
    seen: set[str] = set()
    for item in items:
        key = _key(item.target)
        if key in sources:
            item.status, item.reason = Status.FAILED, "output would replace an input file"
        elif key in seen:
            item.status, item.reason = Status.FAILED, f"another input also writes {item.target}"
        seen.add(key)
    return items


def enhance_file(engine: Engine, source: Path, target: Path, options: BatchOptions,
                 progress: Progress | None = None) -> None:
    """One photo through the whole data path; the output appears atomically or not at all."""
    _refuse_input(source, target)
    decoded = read_image(source)
    maps = engine.estimate(decoded.pixels, mode=options.mode, progress=progress)
    rendered = engine.render(maps, options.strength)
    rendered = denoise(rendered, decoded.pixels, options.denoise)
    target.parent.mkdir(parents=True, exist_ok=True)
    keep = options.keep_metadata
    write_image(target, rendered, format=options.format or _format_of(source),
                quality=options.quality, bit_depth=options.bit_depth,
                icc_profile=decoded.icc_profile if keep else None,
                exif=decoded.exif if keep else None)
    if options.compare_gamma:
        sheet = comparison_sheet(decoded.pixels, rendered, title=source.name)
        write_image(comparison_path(target), np.asarray(sheet), format="jpeg", quality=90)


def enhance_media(engine: Engine, source: Path, target: Path, options: BatchOptions,
                  progress: Progress | None = None) -> Iterator[VideoProgress]:
    """Any supported file: videos yield progress per frame, photos finish without yielding."""
    if not is_video_file(source):
        enhance_file(engine, source, target, options, progress)
        return
    _refuse_input(source, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    yield from enhance_video(engine, source, target, options.video, strength=options.strength,
                             denoise_strength=options.denoise)


def run_batch(engine: Engine, items: list[BatchItem], options: BatchOptions,
              progress: Progress | None = None) -> Iterator[BatchItem]:
    """Process queued items, yielding each when it starts, after each video frame, and at the end.

    Closing the generator mid-video stops between frames and leaves no partial output.
    `progress(done, total)` reaches the network tile by tile; if it raises Cancelled the
    batch stops inside that file, which stays queued with no output written.
    """
    for item in items:
        if item.status is not Status.QUEUED:
            yield item
            continue
        if item.target.exists() and options.existing == "skip":
            item.status, item.reason = Status.SKIPPED, "output exists"
            yield item
            continue
        item.status = Status.RUNNING
        yield item
        started = time.perf_counter()
        try:
            with contextlib.closing(enhance_media(engine, item.source, item.target,
                                                  options, progress)) as steps:
                for step in steps:
                    item.frame, item.frames, item.eta = step.frame, step.total, step.eta
                    yield item
        except Cancelled:
            item.status = Status.QUEUED  # stopped inside this file: nothing was written
            raise
        except (ZeroDCEError, OSError, MemoryError, ValueError, RuntimeError) as exc:
            item.status, item.reason = Status.FAILED, _reason(exc, item.source)
        else:
            item.status = Status.DONE
        item.seconds = time.perf_counter() - started
        yield item


def summarize(items: list[BatchItem]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    for item in items:
        counts[item.status.value] += 1
    return counts


def write_report(path: str | Path, items: list[BatchItem], options: BatchOptions) -> None:
    report = {
        "summary": summarize(items),
        "options": {k: (str(v) if isinstance(v, Path) else v)
                    for k, v in dataclasses.asdict(options).items()},
        "items": [{"source": str(i.source), "target": str(i.target), "status": i.status.value,
                   "reason": i.reason, "seconds": round(i.seconds, 3)} for i in items],
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2), encoding="utf-8")


def _format_of(source: Path) -> str:
    """Keep the input's format where we can write it; otherwise PNG (lossless)."""
    try:
        return format_for_path(source)
    except ImageWriteError:
        return "png"


def _is_media(path: Path) -> bool:
    return is_image_file(path) or is_video_file(path)


def _refuse_input(source: Path, target: Path) -> None:
    if _key(source) == _key(target):
        raise ZeroDCEError(f"{target}: refusing to overwrite the input file")


def _key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def _reason(exc: BaseException, source: Path) -> str:
    if isinstance(exc, MemoryError):
        return "out of memory"
    text = str(exc) or type(exc).__name__
    prefix = f"{source}: "
    return text[len(prefix):] if text.startswith(prefix) else text

