"""Batch jobs: plan input -> output paths, then enhance file by file.

Each photo goes through the one pipeline (`pipeline.enhance_photo`: read, estimate, render,
post stages, write with metadata), plus a gamma comparison sheet on request; each video
through `video.enhance_video`, which runs every frame through the same stages.

`run_batch` is a generator of frozen `ItemEvent`s, one each time a file's state changes
(and after every video frame), so the CLI's progress bar and the app's queue are thin loops
over it, and a caller stops or pauses it simply by not asking for the next event. The items
themselves are never changed: each event carries a new snapshot. One bad file never stops
the batch: whatever goes wrong with it, planning its output included, it is marked failed
with its reason and the rest goes on. A file done with something the user should know (only
the first frame of an animation enhanced, a truncated video) carries warnings, which the
report records.

All outputs (photos, videos, sheets) go through one `OutputGuard` that protects every input
of the batch, so no output can replace an original, whatever links lie in between.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

from .defaults import MODE, SUFFIX, Mode
from .errors import Cancelled, os_reason
from .formats import output_format
from .gamma import comparison_sheet
from .imageio import DecodedImage, is_image_file, read_image, write_image
from .output import OutputGuard, is_temp_file, real_key
from .pipeline import Developed, EncodeOptions, Look, develop_photo, estimate, write_developed
from .progress import Progress
from .stages import yield_to_compute
from .validate import OptionError, one_of
from .video import VideoOptions, enhance_video, is_video_file

if TYPE_CHECKING:  # the engine imports torch (1.5-2 s): the app's window does not wait
    from .engine import Engine

log = logging.getLogger(__name__)

COMPARISON_SUFFIX = "_vs_gamma.jpg"
DEFAULT_SUFFIX = SUFFIX

Existing = Literal["skip", "overwrite"]


class Status(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclasses.dataclass(frozen=True)
class BatchOptions:
    """What a batch does; the same options drive the CLI and the app."""

    out_dir: Path | None = None  # None: next to each input
    suffix: str = DEFAULT_SUFFIX
    encode: EncodeOptions = EncodeOptions()  # photos
    look: Look = Look()
    mode: Mode = MODE
    existing: Existing = "skip"
    recursive: bool = False
    compare_gamma: bool = False  # photos: also write input | gamma | Zero-DCE sheets
    video: VideoOptions = VideoOptions()

    def __post_init__(self) -> None:
        if any(sep and sep in self.suffix for sep in (os.sep, os.altsep, "/", "\0")):
            raise OptionError(f"the suffix {self.suffix!r} must not contain a path separator: "
                              "outputs go into the output folder, not elsewhere")
        one_of("mode", self.mode, get_args(Mode))
        one_of("existing", self.existing, get_args(Existing))


@dataclasses.dataclass(frozen=True)
class BatchItem:
    """One file's state at one moment; `run_batch` yields new snapshots, never changes one."""

    source: Path
    target: Path
    status: Status = Status.QUEUED
    reason: str = ""
    seconds: float = 0.0
    frame: int = 0  # videos: frames written so far, of `frames` expected
    frames: int = 0
    eta: float | None = None  # videos: seconds left for this file
    #: Done, but the user should know: only an animation's first frame, a truncated video.
    warnings: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ItemEvent:
    """A state change of the item at `index` in the list given to `run_batch`."""

    index: int
    item: BatchItem


def collect_inputs(
    inputs: Iterable[str | Path], recursive: bool = False
) -> list[tuple[Path, Path]]:
    """(file, path relative to its root) for every image and video among files and folders."""
    return _collect(inputs, recursive)[0]


def output_path(source: Path, folder: Path | None = None, *, suffix: str = DEFAULT_SUFFIX,
                format: str | None = None) -> Path:
    """Where the enhanced copy of `source` goes: `folder` (None: beside it), the name plus
    `suffix`, the output format's extension. Videos keep their container."""
    if is_video_file(source):
        extension = source.suffix.lower()
    else:
        extension = output_format(source, format).extension
    return (source.parent if folder is None else folder) / f"{source.stem}{suffix}{extension}"


def comparison_path(target: Path) -> Path:
    """Where `--compare-gamma` puts the sheet for the photo written to `target`."""
    return target.with_name(target.stem + COMPARISON_SUFFIX)


def plan_batch(inputs: Iterable[str | Path], options: BatchOptions) -> list[BatchItem]:
    """One item per input file; failed up front where the output can't be written.

    Files this batch would itself write (the outputs of an earlier run in the same place)
    are not inputs, so running the same command twice is a no-op the second time.
    """
    found, problems = _collect(inputs, options.recursive)
    planned = [(source, _target(source, relative, options)) for source, relative in found]
    if options.suffix:  # without a suffix an output name is also an original's name
        ours = {real_key(p) for _, target in planned for p in (target, comparison_path(target))}
        planned = [(source, target) for source, target in planned if real_key(source) not in ours]
    guard = OutputGuard(source for source, _ in planned)
    items = [BatchItem(folder, folder, Status.FAILED, reason) for folder, reason in problems]
    seen: set[str] = set()
    for source, target in planned:
        key = real_key(target)
        if guard.is_protected(target):
            items.append(BatchItem(source, target, Status.FAILED,
                                   "output would replace an input file"))
        elif key in seen:
            items.append(BatchItem(source, target, Status.FAILED,
                                   f"another input also writes {target}"))
        else:
            items.append(BatchItem(source, target))
        seen.add(key)
    return items


def batch_guard(items: Iterable[BatchItem], options: BatchOptions) -> OutputGuard:
    """The output rules of a batch: no input is ever replaced; other files only with
    `existing="overwrite"`. Reports and the contact PDF follow the same rules."""
    return OutputGuard((item.source for item in items), replace=options.existing == "overwrite")


def run_batch(engine: Engine, items: list[BatchItem], options: BatchOptions,
              progress: Progress | None = None, *,
              guard: OutputGuard | None = None) -> Iterator[ItemEvent]:
    """Process queued items, yielding an event when each starts, after each video frame, and
    at its end; items not queued are passed through once.

    Photos run as a pipeline (`PhotoPipeline`): the next one is decoded and the previous one
    encoded and written while this one is computed, so a photo's final event comes once its
    file is written, after the next photo's start. Files and events are otherwise those of
    one photo at a time.

    Closing the generator mid-video stops between frames and leaves no partial output.
    `progress(done, total)` reaches the network tile by tile; if it raises Cancelled the
    batch stops inside that file, with no output written for it. `guard` (default:
    `batch_guard` of `items`) is for a batch run in parts, e.g. by Ray workers, that protects
    every input.
    """
    guard = guard or batch_guard(items, options)
    with PhotoPipeline(items, options, guard) as photos:
        try:
            for index, item in enumerate(items):
                if item.status is Status.QUEUED:
                    photos.prefetch_after(index)
                    yield from _run_item(engine, index, item, options, guard, progress, photos)
                else:
                    yield ItemEvent(index, item)
        except Cancelled:
            yield from photos.written()  # the photo before the cancelled one is complete
            raise
        yield from photos.written()


class PhotoPipeline:
    """Reading ahead and writing behind, so a photo's compute overlaps the I/O of its
    neighbours: one photo decoding, one computing, one encoding, never more (memory stays
    that of three photos). Threads do the I/O: decoders and encoders release the GIL."""

    def __init__(self, items: list[BatchItem], options: BatchOptions,
                 guard: OutputGuard) -> None:
        self.items, self.options, self.guard = items, options, guard
        self._reader = ThreadPoolExecutor(1, "zerodce-read", initializer=yield_to_compute)
        self._writer = ThreadPoolExecutor(1, "zerodce-write", initializer=yield_to_compute)
        self._reads: dict[int, Future[DecodedImage]] = {}
        self._pending: tuple[int, BatchItem, Developed, Future[None], float] | None = None

    def __enter__(self) -> PhotoPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self._reads.values():
            future.cancel()
        if self._pending is not None:  # stopped early: the write in flight still completes
            self._pending[3].exception()
        self._reader.shutdown(wait=True, cancel_futures=True)
        self._writer.shutdown(wait=True)

    def prefetch_after(self, index: int) -> None:
        """Start decoding the next queued photo whose outputs are still to be made."""
        for later in range(index + 1, len(self.items)):
            item = self.items[later]
            if item.status is not Status.QUEUED or later in self._reads:
                continue
            if not is_video_file(item.source) and not _outputs_exist(item, self.options,
                                                                      self.guard):
                self._reads[later] = self._reader.submit(read_image, item.source)
            return

    def develop(self, engine: Engine, index: int, item: BatchItem,
                progress: Progress | None) -> Developed:
        """Estimate and develop the photo of `items[index]` (decoded ahead if it could be):
        `enhance_photo` without the write."""
        self.guard.protect(item.source)
        self.guard.check(item.target)
        ahead = self._reads.pop(index, None)
        decoded = read_image(item.source) if ahead is None else ahead.result()
        look = self.options.look
        maps = estimate(engine, decoded.pixels, look, mode=self.options.mode, progress=progress)
        return develop_photo(engine, decoded, maps, item.target, look, self.options.encode)

    def write(self, index: int, item: BatchItem, developed: Developed, started: float) -> None:
        """Encode and write in the background; `written` reports how it went."""
        future = self._writer.submit(self._write, developed, item.source.name)
        self._pending = (index, item, developed, future, started)

    def _write(self, developed: Developed, title: str) -> None:
        write_developed(developed, self.options.encode, guard=self.guard)
        if self.options.compare_gamma:
            sheet = comparison_sheet(developed.source.pixels, developed.pixels, title=title)
            write_image(comparison_path(developed.path), np.asarray(sheet), format="jpeg",
                        quality=90, guard=self.guard)

    def written(self) -> Iterator[ItemEvent]:
        """Wait for the write in flight, if any, and yield its item's final event."""
        if self._pending is None:
            return
        index, item, developed, future, started = self._pending
        self._pending = None
        error = future.exception()
        if error is not None and not isinstance(error, Exception):
            raise error  # an interrupt stops the batch, as it would have without the thread
        if error is None:
            outcome = dataclasses.replace(item, status=Status.DONE,
                                          warnings=tuple(developed.source.warnings))
        else:
            log.debug("%s failed", item.source, exc_info=error)
            outcome = dataclasses.replace(item, status=Status.FAILED,
                                          reason=_reason(error, item))
        yield ItemEvent(index, dataclasses.replace(outcome,
                                                   seconds=time.perf_counter() - started))


def summarize(items: Iterable[BatchItem]) -> dict[str, int]:
    counts = {status.value: 0 for status in Status}
    for item in items:
        counts[item.status.value] += 1
    return counts


def write_report(path: str | Path, items: list[BatchItem], options: BatchOptions,
                 guard: OutputGuard | None = None) -> Path:
    """Every item's outcome as JSON, written through `guard` (default: the batch's rules)."""
    report = {
        "summary": summarize(items),
        "options": dataclasses.asdict(options),
        "items": [{"source": str(i.source), "target": str(i.target), "status": i.status.value,
                   "reason": i.reason, "warnings": list(i.warnings),
                   "seconds": round(i.seconds, 3)} for i in items],
    }
    with (guard or batch_guard(items, options)).writing(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return Path(path)


def _run_item(engine: Engine, index: int, item: BatchItem, options: BatchOptions,
              guard: OutputGuard, progress: Progress | None,
              photos: PhotoPipeline) -> Iterator[ItemEvent]:
    started = time.perf_counter()
    try:
        if _outputs_exist(item, options, guard):
            existing = next(p for p in _outputs(item, options) if p.exists())
            yield ItemEvent(index, dataclasses.replace(
                item, status=Status.SKIPPED, reason=f"output exists: {existing.name}"))
            return
        running = dataclasses.replace(item, status=Status.RUNNING)
        yield ItemEvent(index, running)
        if not is_video_file(item.source):
            developed = photos.develop(engine, index, item, progress)
            yield from photos.written()
            photos.write(index, running, developed, started)
            return
        yield from photos.written()
        warnings: list[str] = []
        with contextlib.closing(enhance_video(engine, item.source, item.target, options.video,
                                              look=options.look, guard=guard)) as steps:
            for step in steps:
                warnings += step.warnings
                yield ItemEvent(index, dataclasses.replace(
                    running, frame=step.frame, frames=step.total, eta=step.eta))
    except Cancelled:
        raise  # stopped inside this file: nothing was written, the item stays queued
    except Exception as exc:  # whatever one file does, the batch goes on
        log.debug("%s failed", item.source, exc_info=True)
        outcome = dataclasses.replace(item, status=Status.FAILED, reason=_reason(exc, item))
    else:
        outcome = dataclasses.replace(item, status=Status.DONE, warnings=tuple(warnings))
    yield ItemEvent(index, dataclasses.replace(outcome, seconds=time.perf_counter() - started))


def _outputs_exist(item: BatchItem, options: BatchOptions, guard: OutputGuard) -> bool:
    """True when the item is to be skipped: an output exists and may not be replaced."""
    return not guard.replace and any(p.exists() for p in _outputs(item, options))


def _outputs(item: BatchItem, options: BatchOptions) -> list[Path]:
    if options.compare_gamma and not is_video_file(item.source):
        return [item.target, comparison_path(item.target)]
    return [item.target]


def _target(source: Path, relative: Path, options: BatchOptions) -> Path:
    folder = None if options.out_dir is None else options.out_dir / relative.parent
    return output_path(source, folder, suffix=options.suffix, format=options.encode.format)


def _collect(inputs: Iterable[str | Path], recursive: bool
             ) -> tuple[list[tuple[Path, Path]], list[tuple[Path, str]]]:
    """Media files as (file, path relative to its root), and the folders that can't be read."""
    found: list[tuple[Path, Path]] = []
    problems: list[tuple[Path, str]] = []
    for entry in map(Path, inputs):
        if entry.is_dir():
            files = sorted(_scan(entry, recursive, problems))
            found += [(path, path.relative_to(entry)) for path in files]
        else:
            found.append((entry, Path(entry.name)))
    return found, problems


def _scan(folder: Path, recursive: bool, problems: list[tuple[Path, str]]) -> Iterator[Path]:
    """Images and videos in `folder` (and, if recursive, its sub-folders; links to folders
    are not followed, so a link loop can't trap the scan). Our own temp files are skipped."""
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError as exc:
        problems.append((folder, f"can't read the folder: {os_reason(exc)}"))
        return
    for entry in entries:
        path = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                if recursive:
                    yield from _scan(path, recursive, problems)
            elif entry.is_file() and _is_media(path) and not is_temp_file(path):
                yield path


def _is_media(path: Path) -> bool:
    return is_image_file(path) or is_video_file(path)


def _reason(exc: BaseException, item: BatchItem) -> str:
    """The error in words, without the file name the row already shows."""
    if isinstance(exc, MemoryError):
        return "out of memory"
    text = os_reason(exc) if isinstance(exc, OSError) and exc.errno else str(exc)
    text = text or type(exc).__name__
    for path in (item.source, item.target):
        prefix = f"{path}: "
        if text.startswith(prefix):
            return text[len(prefix):]
    return text
