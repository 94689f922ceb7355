"""The open photo and the background jobs that read, estimate, render and export it.

Each job function runs on a worker thread (see `workers.Job`) and goes through the
core's one photo pipeline: `read_image` -> `Engine.estimate` once -> `pipeline.develop` at
any strength and noise reduction -> `pipeline.save_photo`. The display QImages are made
here too, off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from zerodce_core.batch import output_path
from zerodce_core.engine import CurveMaps, Engine, Mode
from zerodce_core.errors import ZeroDCEError
from zerodce_core.gamma import gamma_like
from zerodce_core.imageio import DecodedImage, read_image
from zerodce_core.pipeline import EncodeOptions, Look, develop, save_photo
from zerodce_core.video import VideoInfo, open_video, read_frame

from .images import to_display_qimage
from .workers import Job

PASTED_NAME = "pasted.png"
MIN_PREVIEW_SIDE = 512


@dataclass
class Document:
    """A decoded photo and, once a model has seen it, its curve maps."""

    decoded: DecodedImage
    maps: CurveMaps | None = None
    preview: CurveMaps | None = None  # screen-sized maps rendered while the slider moves

    @property
    def path(self) -> Path | None:
        return self.decoded.path

    @property
    def name(self) -> str:
        return self.path.name if self.path else "Pasted image"

    @property
    def source_name(self) -> Path:
        """The path output names derive from (a pasted image has none of its own)."""
        return self.path or Path(PASTED_NAME)

    def describe(self) -> str:
        width, height = self.decoded.size
        return f"{width} \u00d7 {height} \u00b7 {self.decoded.bit_depth}-bit {self.decoded.format}"


@dataclass
class Rendered:
    """Display images of one rendering: the enhanced photo and, when the view compares
    against it, plain gamma correction of the source at the same mean brightness."""

    after: QImage
    gamma: float | None = None
    gamma_image: QImage | None = None


@dataclass
class Prepared:
    """What a prepare job hands to the window: the document and its display images.

    `before` is None when an open document was only re-estimated: the view already has it,
    and not keeping a second full-size copy saves 48 MB at 12 MP.
    """

    document: Document
    before: QImage | None
    rendered: Rendered
    strength: float  # what `rendered` was rendered at
    noise: float  # and the noise reduction applied to it


@dataclass
class ExportOptions:
    """Encoding choices for one exported photo."""

    format: str | None = None  # None keeps the source's format where it can be written
    quality: int = 95
    bit_depth: int | None = None  # None keeps the source's depth
    keep_metadata: bool = True
    suffix: str = "_enhanced"


def pasted_image(pixels: np.ndarray) -> DecodedImage:
    """Clipboard pixels as a decoded image without a file: exported as PNG by default."""
    return DecodedImage(pixels=pixels, path=None, format="PNG", icc_profile=None, exif=None)


def video_frame(job: Job, path: Path, index: int) -> DecodedImage:
    """One upright frame of a video, opened like a photo (named after the video)."""
    return DecodedImage(pixels=read_frame(path, index), path=path, format=path.suffix[1:].upper(),
                        icc_profile=None, exif=None)


def first_frame(job: Job, path: Path) -> tuple[VideoInfo, DecodedImage]:
    """A video's layout for the scrubber, and its first frame."""
    return open_video(path), video_frame(job, path, 0)


def preview_side(image: tuple[int, int], view: tuple[int, int]) -> int:
    """Long side of the slider preview: the photo as large as it shows when fitted to the view.

    Rendering more pixels than the screen shows only slows the slider down (2.8 MP for a
    full-screen-wide preview of a 4:3 photo versus 1.1 MP for what a 1080p window shows).
    """
    scale = min(view[0] / image[0], view[1] / image[1], 1.0)
    return max(round(max(image) * scale), MIN_PREVIEW_SIDE)


def prepare(job: Job, engine: Engine | None, source: Path | DecodedImage | Document,
            mode: Mode, strength: float, noise: float, gamma: bool,
            view: tuple[int, int]) -> Iterator[str]:
    """Read (for a path), then estimate the curves and render them; yields status text.

    `view` is the size in device pixels the photo is shown in, for the slider preview.
    """
    before = None
    if isinstance(source, Document):
        decoded = source.decoded
    else:
        if isinstance(source, Path):
            yield f"Reading {source.name}\u2026"
            decoded = read_image(source)
        else:
            decoded = source
        before = to_display_qimage(decoded.pixels)
    document = Document(decoded)
    if engine is None:
        shown = Rendered(before or to_display_qimage(decoded.pixels))
        return Prepared(document, before, shown, strength, noise)
    job.checkpoint()
    yield "Estimating curves\u2026"
    document.maps = engine.estimate(decoded.pixels, mode=mode, progress=job.tick)
    document.preview = document.maps.preview(preview_side(decoded.size, view))
    job.checkpoint()
    yield "Rendering\u2026"
    rendered = display(engine, document.maps, strength, noise, gamma)
    return Prepared(document, before, rendered, strength, noise)


def display(engine: Engine, maps: CurveMaps, strength: float, noise: float,
            gamma: bool) -> Rendered:
    """Render for the screen, with the gamma baseline when `gamma` (any size of maps)."""
    enhanced = develop(engine, maps, Look(strength, noise))
    if not gamma:
        return Rendered(to_display_qimage(enhanced))
    value, corrected = gamma_like(maps.rgb, enhanced)
    return Rendered(to_display_qimage(enhanced), value, to_display_qimage(corrected))


def render(job: Job, engine: Engine, maps: CurveMaps, strength: float, noise: float,
           gamma: bool) -> Rendered:
    """Full-resolution rendering for display."""
    return display(engine, maps, strength, noise, gamma)


def suggested_path(document: Document, folder: Path | None, options: ExportOptions) -> Path:
    """Default output name: the core's batch naming rule, so Save and batch agree."""
    return output_path(document.source_name, folder, suffix=options.suffix,
                       format=options.format)


def export(job: Job, engine: Engine, document: Document, strength: float, noise: float,
           target: Path, options: ExportOptions) -> Path:
    """Develop at full resolution and write atomically; never onto the open original."""
    if document.maps is None:
        raise ZeroDCEError("no model is loaded, so there is nothing to export yet")
    encode = EncodeOptions(options.format, options.quality, options.bit_depth,
                           options.keep_metadata)
    return save_photo(engine, document.decoded, document.maps, target,
                      Look(strength, noise), encode).path
