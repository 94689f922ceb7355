"""The open document and the plain functions that read, estimate, render and export it.

The functions run on worker threads (see `workers`) but know nothing of them: they take
values and return values, generators yield status text, and a function that reports
network progress declares a `progress` keyword. Every computation goes through the core's
one pipeline, as the command line's does: `read_image` -> `pipeline.estimate` once ->
`pipeline.develop` at any look -> `pipeline.save_photo`; a video goes whole through
`video.enhance_video` with the same look. The display QImages are made here too, off the
GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QImage

from zerodce_core import pipeline
from zerodce_core.batch import output_path
from zerodce_core.gamma import gamma_like
from zerodce_core.imageio import DecodedImage, read_image
from zerodce_core.pipeline import EncodeOptions, Look
from zerodce_core.progress import Progress
from zerodce_core.video import VideoInfo, VideoProgress, enhance_video, open_video, read_frame

from .images import to_display_qimage

if TYPE_CHECKING:
    from zerodce_core.engine import CurveMaps, Engine, Mode

PASTED_NAME = "pasted.png"
MIN_PREVIEW_SIDE = 512


@dataclass
class Document:
    """A decoded photo (or video frame) and, once a model has seen it, its curve maps."""

    decoded: DecodedImage
    maps: CurveMaps | None = None
    preview: CurveMaps | None = None  # screen-sized maps rendered while the slider moves
    exposure: float | None = None  # the look's exposure the maps were estimated for

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
    look: Look
    gamma: float | None = None
    gamma_image: QImage | None = None


@dataclass
class Prepared:
    """What a prepare job hands back: the document and its display images.

    `before` is None when an open document was only re-estimated: the view already has it,
    and not keeping a second full-size copy saves 48 MB at 12 MP.
    """

    document: Document
    before: QImage | None
    rendered: Rendered


def pasted_image(pixels: np.ndarray) -> DecodedImage:
    """Clipboard pixels as a decoded image without a file: exported as PNG by default."""
    return DecodedImage(pixels=pixels, path=None, format="PNG", icc_profile=None, exif=None)


def video_frame(path: Path, index: int) -> DecodedImage:
    """One upright frame of a video, opened like a photo (named after the video)."""
    return DecodedImage(pixels=read_frame(path, index), path=path, format=path.suffix[1:].upper(),
                        icc_profile=None, exif=None)


def first_frame(path: Path) -> tuple[VideoInfo, DecodedImage]:
    """A video's layout for the scrubber, and its first frame."""
    return open_video(path), video_frame(path, 0)


def preview_side(image: tuple[int, int], view: tuple[int, int]) -> int:
    """Long side of the slider preview: the photo as large as it shows when fitted to the view.

    Rendering more pixels than the screen shows only slows the slider down (2.8 MP for a
    full-screen-wide preview of a 4:3 photo versus 1.1 MP for what a 1080p window shows).
    """
    scale = min(view[0] / image[0], view[1] / image[1], 1.0)
    return max(round(max(image) * scale), MIN_PREVIEW_SIDE)


def prepare(engine: Engine | None, source: Path | DecodedImage | Document, mode: Mode,
            look: Look, gamma: bool, view: tuple[int, int], *,
            progress: Progress) -> Iterator[str]:
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
    document = Document(decoded, exposure=look.exposure)
    if engine is None:
        shown = Rendered(before or to_display_qimage(decoded.pixels), look)
        return Prepared(document, before, shown)
    yield "Estimating curves\u2026"
    document.maps = pipeline.estimate(engine, decoded.pixels, look, mode=mode,
                                      progress=progress)
    document.preview = document.maps.preview(preview_side(decoded.size, view))
    yield "Rendering\u2026"
    return Prepared(document, before, display(engine, document.maps, look, gamma))


def display(engine: Engine, maps: CurveMaps, look: Look, gamma: bool, *,
            finished: bool = True) -> Rendered:
    """Render for the screen, with the gamma baseline when `gamma` (any size of maps).

    `finished=False` applies the curves only (`pipeline.render`): what a moving slider
    shows, in milliseconds; the post stages (noise reduction) follow on a worker.
    """
    if finished:
        enhanced = pipeline.develop(engine, maps, look)
    else:
        enhanced = pipeline.render(engine, maps, look)
    if not gamma:
        return Rendered(to_display_qimage(enhanced), look)
    value, corrected = gamma_like(maps.rgb, enhanced)
    return Rendered(to_display_qimage(enhanced), look, value, to_display_qimage(corrected))


def suggested_path(source: Path, folder: Path | None, encode: EncodeOptions,
                   suffix: str) -> Path:
    """Default output name: the core's batch naming rule, so Save and batch agree."""
    return output_path(source, folder, suffix=suffix, format=encode.format)


def export_photo(engine: Engine, document: Document, look: Look, target: Path,
                 encode: EncodeOptions) -> Path:
    """Develop the full-resolution maps with the look and write them, as the CLI does."""
    assert document.maps is not None
    return pipeline.save_photo(engine, document.decoded, document.maps, target, look,
                               encode).path


def export_video(engine: Engine, source: Path, target: Path,
                 look: Look) -> Iterator[VideoProgress]:
    """The whole video with the look on screen, a frame per yield; no partial file on cancel."""
    yield from enhance_video(engine, source, target, look=look)
    return target

