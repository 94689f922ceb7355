"""The one path from a decoded photo to an encoded file, shared by every front end.

    read_image -> Engine.estimate -> render (curves) -> finish (post stages) -> write_image

The batch (and so the command line), video frames, the library's `enhance_photo` and the
app's Save all go through these functions, so a new stage (exposure, a learned denoiser) is
added once, here, and every front end gets it:

- `estimate` runs the network for the look's exposure (fitted to each photo by default);
- `render` applies the curves: fast enough for a slider moving over preview maps;
- `finish` runs the stages after the curves (noise reduction, on by default: learned and
  per image, or, for video, a temporal filter passed in: `video.py`);
- `develop` is both; `save_photo` develops full-size maps (`develop_photo`: all the
  compute) and writes the file with the source's metadata (`write_developed`) through the
  output guard (never onto the original, atomically): the batch runs the two halves of
  different photos at once;
- `enhance_photo` is the whole path for one file.

`Look` is what the user sees (strength, noise reduction, exposure); `EncodeOptions` is how
the file is written. Both are frozen and checked when made, so a NaN never reaches the kernels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .defaults import DENOISE_RANGE, EXPOSURE_RANGE, QUALITY, QUALITY_RANGE
from .errors import NoBundledModelError
from .formats import format_for_path, image_format
from .imageio import DecodedImage, read_image, write_image
from .output import OutputGuard
from .validate import in_range, one_of, optional_in_range

if TYPE_CHECKING:
    from .engine import CurveMaps, Engine, Mode
    from .progress import Progress

log = logging.getLogger(__name__)

#: What `Look.denoise=None` means: most of the learned reduction, whose noise map (the
#: photo's own noise times the lift's gain) already decides how much each pixel gets: a clean
#: photo comes out unchanged, a lifted night shot strongly cleaned. A little of the noise is
#: left, as a fine grain: the full reduction smooths what it cannot tell from noise (branches
#: against a night sky), and 0.85 scored higher than 1 on every quality measure of
#: benchmarks/quality.py's dark set (PSNR, SSIM, detail kept).
AUTO_DENOISE = 0.85
#: A noise-reduction stage: (rendered, maps, curve strength, strength 0..1) -> pixels.
NoiseReduction = Callable[[np.ndarray, "CurveMaps", float, float], np.ndarray]
BIT_DEPTHS = (None, 8, 16)


@dataclass(frozen=True)
class EncodeOptions:
    """How an enhanced photo is written: one definition for the batch, export and settings."""

    format: str | None = None  # a format name ("jpeg", "png", "tiff", "webp"; "jpg" works too)
    quality: int = QUALITY  # JPEG and WebP, 1 to 100
    bit_depth: int | None = None  # 8 or 16; None keeps the input's (where the format can)
    keep_metadata: bool = True  # copy EXIF and the colour profile

    def __post_init__(self) -> None:
        if self.format is not None:
            object.__setattr__(self, "format", image_format(self.format).name)
        in_range("quality", self.quality, *QUALITY_RANGE, integer=True)
        one_of("bit depth", self.bit_depth, BIT_DEPTHS)


@dataclass(frozen=True)
class Look:
    """What the viewer shows and the command line asks for; None means automatic."""

    strength: float | None = None  # curve iterations, 0 = the original; None = all of them
    denoise: float | None = None  # noise reduction 0..1; None = automatic
    exposure: float | None = None  # target mean level 0.05..0.95; None = fitted to the photo

    def __post_init__(self) -> None:
        optional_in_range("strength", self.strength, 0.0)
        optional_in_range("denoise", self.denoise, *DENOISE_RANGE)
        optional_in_range("exposure", self.exposure, *EXPOSURE_RANGE)


@dataclass(frozen=True)
class Developed:
    """A developed photo and where it goes (`develop_photo`), written by `write_developed`;
    the batch makes its gamma sheet from it."""

    path: Path
    source: DecodedImage
    pixels: np.ndarray  # as developed, before the format's own conversions (alpha, depth)
    format: str  # the format registry's name
    bit_depth: int  # bits per channel written


def estimate(engine: Engine, pixels: np.ndarray, look: Look, *, mode: Mode | None = None,
             progress: Progress | None = None) -> CurveMaps:
    """The curve maps of `pixels` for `look`'s exposure (the network runs here)."""
    return engine.estimate(pixels, mode=mode, progress=progress, exposure=look.exposure)


def render(engine: Engine, maps: CurveMaps, look: Look, *,
           bit_depth: int | None = None) -> np.ndarray:
    """The curves at `look`'s strength, rendered straight into `bit_depth` bits (None: the
    source's), so a 16-bit export of an 8-bit photo keeps the curves' smooth gradations."""
    return engine.render(maps, look.strength, bit_depth=bit_depth)


def finish(engine: Engine, rendered: np.ndarray, maps: CurveMaps, look: Look, *,
           reduce_noise: NoiseReduction | None = None) -> np.ndarray:
    """The stages after the curves: noise reduction, told what the curves amplified.

    `reduce_noise` replaces the engine's learned, per-image reduction (video passes its
    temporal filter); it is called as `Engine.reduce_noise` is, with the look's strengths.
    """
    strength = AUTO_DENOISE if look.denoise is None else look.denoise
    if not strength:
        return rendered
    curve_strength = maps.default_strength if look.strength is None else look.strength
    try:
        return (reduce_noise or engine.reduce_noise)(rendered, maps, curve_strength, strength)
    except NoBundledModelError:
        if look.denoise is not None:
            raise
        log.info("no noise model installed: automatic noise reduction skipped")
        return rendered


def develop(engine: Engine, maps: CurveMaps, look: Look, *, bit_depth: int | None = None,
            reduce_noise: NoiseReduction | None = None) -> np.ndarray:
    """`finish(render(...))`: the finished pixels for `maps` of any size."""
    return finish(engine, render(engine, maps, look, bit_depth=bit_depth), maps, look,
                  reduce_noise=reduce_noise)


def develop_photo(engine: Engine, decoded: DecodedImage, maps: CurveMaps, target: str | Path,
                  look: Look = Look(), encode: EncodeOptions = EncodeOptions()) -> Developed:
    """The finished pixels of `decoded` for `target` (the format is `encode`'s, else the
    target's extension; its bit depth decides the render's): all of the compute, no file."""
    target = Path(target)
    fmt = image_format(encode.format) if encode.format else format_for_path(target)
    depth = fmt.output_depth(encode.bit_depth, decoded.bit_depth)
    return Developed(target, decoded, develop(engine, maps, look, bit_depth=depth), fmt.name,
                     depth)


def write_developed(developed: Developed, encode: EncodeOptions = EncodeOptions(), *,
                    guard: OutputGuard | None = None) -> Developed:
    """Encode `developed` with its source's metadata (unless `encode` drops it) and write it
    through `guard` (atomically; never onto a protected file)."""
    keep = encode.keep_metadata
    source = developed.source
    write_image(developed.path, developed.pixels, format=developed.format,
                quality=encode.quality, bit_depth=developed.bit_depth,
                icc_profile=source.icc_profile if keep else None,
                exif=source.exif if keep else None, guard=guard or OutputGuard())
    return developed


def save_photo(engine: Engine, decoded: DecodedImage, maps: CurveMaps, target: str | Path,
               look: Look = Look(), encode: EncodeOptions = EncodeOptions(), *,
               guard: OutputGuard | None = None) -> Developed:
    """Develop full-size `maps` of `decoded` and write them to `target` with its metadata.

    `guard` decides about existing files (default: replace them); the source file itself is
    never replaced. Checked before any work.
    """
    guard = guard or OutputGuard()
    if decoded.path is not None:
        guard.protect(decoded.path)
    guard.check(target)
    return write_developed(develop_photo(engine, decoded, maps, target, look, encode), encode,
                           guard=guard)


def enhance_photo(engine: Engine, source: str | Path, target: str | Path, look: Look = Look(),
                  encode: EncodeOptions = EncodeOptions(), *, mode: Mode | None = None,
                  progress: Progress | None = None,
                  guard: OutputGuard | None = None) -> Developed:
    """Read `source`, estimate its curves and `save_photo` it to `target`.

    The target is checked before any work; `progress` reaches the network tile by tile and
    may raise Cancelled, leaving nothing written.
    """
    guard = guard or OutputGuard()
    guard.protect(source)
    guard.check(target)
    decoded = read_image(source)
    maps = estimate(engine, decoded.pixels, look, mode=mode, progress=progress)
    return save_photo(engine, decoded, maps, target, look, encode, guard=guard)
