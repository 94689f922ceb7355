"""Reading and writing photos as numpy arrays, with their colour profile and EXIF.

Pillow does most of the work, but it cannot hold 16-bit RGB: it silently decodes 48-bit
PNG and TIFF to 8 bits and cannot open float RGB TIFF at all. So 16-bit PNG goes through
imagecodecs (libpng) and TIFF with samples wider than 8 bits through tifffile, while
Pillow still supplies the metadata. HEIF (pillow-heif) and camera RAW (rawpy) are optional.

Every failure surfaces as ImageReadError / ImageWriteError with a reason a person can act on.
"""

from __future__ import annotations

import functools
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imagecodecs
import numpy as np
import tifffile
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from .errors import ImageReadError, ImageWriteError, OutputError, os_reason
from .formats import (
    FORMATS,
    RAW_EXTENSIONS,
    ImageFormat,
    UnknownFormatError,
    format_for_path,
    image_format,
)
from .output import OutputGuard
from .pixels import bit_depth_of, to_bit_depth

try:
    import pillow_heif
except ImportError:
    pillow_heif = None
try:
    import rawpy
except ImportError:
    rawpy = None

_INSTALLED = {None: True, "pillow-heif": pillow_heif is not None, "rawpy": rawpy is not None}
READ_EXTENSIONS: frozenset[str] = frozenset(
    ext for fmt in FORMATS if _INSTALLED[fmt.package] for ext in fmt.extensions
)
MAX_PIXELS: int = 200_000_000
MAX_METADATA: int = 64 << 20  # bytes in one metadata block (a PNG colour profile, say)

_EXIF_HEADER = b"Exif\x00\x00"
_ORIENTATION = 0x0112
_ICC_TAG = 34675
# Description, make, model, software, date, artist, copyright: EXIF's text tags in IFD0.
_TEXT_TAGS = frozenset({270, 271, 272, 305, 306, 315, 33432})
# A TIFF's own tag directory doubles as its EXIF, mixed with layout tags (strip offsets,
# sample format...) that would be nonsense in another file; only these describe the photo.
_TIFF_EXIF_TAGS = _TEXT_TAGS | {_ORIENTATION, 0x8769, 0x8825}
_PILLOW_NATIVE_MODES = frozenset({"L", "RGB", "RGBA", "I;16", "I;16B", "I;16L", "I;16N", "F"})
# Other Pillow modes -> the one we return; anything not listed becomes RGB. Pillow's 32-bit
# "I" holds 16-bit samples (16-bit PGM, for one), so it is clipped to 16 bits, not scaled.
_PILLOW_CONVERSIONS = {"1": "L", "I": "I;16", "LA": "RGBA", "La": "RGBA", "PA": "RGBA"}
# EXIF orientation -> the numpy view that shows the photo upright.
_UPRIGHT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}
_OPTIONAL_PACKAGE = {ext: fmt.package for fmt in FORMATS if fmt.package
                     for ext in fmt.extensions}


@dataclass
class DecodedImage:
    """Upright pixels (gray, RGB or RGBA; uint8 or uint16) plus what to carry into the output."""

    pixels: np.ndarray
    path: Path | None
    format: str
    icc_profile: bytes | None
    exif: bytes | None
    #: What the user should know about this read, e.g. that only an animation's first frame
    #: was taken; the batch records them in its report.
    warnings: tuple[str, ...] = ()

    @property
    def bit_depth(self) -> int:
        return bit_depth_of(self.pixels)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), Pillow's order."""
        return self.pixels.shape[1], self.pixels.shape[0]


def is_image_file(path: str | Path) -> bool:
    """True if the extension is one read_image handles here (case-insensitive)."""
    return Path(path).suffix.lower() in READ_EXTENSIONS


def read_image(path: str | Path, *, max_pixels: int = MAX_PIXELS) -> DecodedImage:
    """Decode an image upright, refusing anything larger than `max_pixels` before decoding."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _OPTIONAL_PACKAGE and suffix not in READ_EXTENSIONS:
        package = _OPTIONAL_PACKAGE[suffix]
        raise ImageReadError(path, f"reading {suffix} files needs the {package} package")
    _prepare_pillow()
    try:
        _check_file(path)
        if suffix in RAW_EXTENSIONS:
            return _read_raw(path, max_pixels)
        if _is_tiff(path):
            decoded = _read_wide_tiff(path, max_pixels)
            if decoded is not None:
                return decoded
        return _read_with_pillow(path, max_pixels)
    except ImageReadError:
        raise
    # Decoders report damaged input with many exception types (OSError, SyntaxError,
    # ValueError, struct.error, zlib.error, codec RuntimeErrors...), so catch them all here.
    except Exception as exc:
        raise ImageReadError(path, _read_failure_reason(exc)) from exc


def write_image(
    path: str | Path,
    pixels: np.ndarray,
    *,
    format: str | None = None,
    quality: int = 95,
    bit_depth: int | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    guard: OutputGuard | None = None,
) -> Path:
    """Write `pixels` through `guard` (default: may replace any file but its own inputs):
    the target is either untouched or completely replaced.

    `format` None takes the extension's. `bit_depth` None keeps the array's depth where the
    format stores it (JPEG and WebP are always 8-bit). JPEG drops alpha. TIFF keeps only
    EXIF's text tags (make, model, date...): neither tifffile nor Pillow's compressed TIFF
    writer can write the Exif and GPS sub-directories.
    """
    path = Path(path)
    try:
        fmt = format_for_path(path) if format is None else image_format(format)
    except UnknownFormatError as exc:
        raise ImageWriteError(path, str(exc)) from None
    pixels = _output_pixels(path, pixels, fmt, bit_depth)
    if exif and not exif.startswith(_EXIF_HEADER):
        exif = _EXIF_HEADER + exif
    try:
        with (guard or OutputGuard()).writing(path) as tmp:
            _encode(tmp, pixels, fmt.name, quality, icc_profile or None, exif or None)
    except ImageWriteError:
        raise
    except OutputError as exc:  # refused by the guard, or the folder can't be made
        raise ImageWriteError(exc.path, exc.reason) from exc
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            reason = os_reason(exc, missing="folder does not exist")
        else:
            reason = f"could not encode it as {fmt.label}: {exc}"
        raise ImageWriteError(path, reason) from exc
    return path


# --- reading ---------------------------------------------------------------------------


@functools.cache
def _prepare_pillow() -> None:
    """Once, on first read: register the HEIF opener and set Pillow's limits to ours.

    Pillow's bomb check is process-wide, warns at 89 MP and fails at 179 MP (below our
    default limit) without saying the size; read_image checks each header against its own
    limit. Its 1 MB cap on a PNG metadata chunk refuses real photos (print-shop colour
    profiles run to 10 MB) as if they were corrupt; MAX_METADATA still bounds the memory.
    """
    Image.MAX_IMAGE_PIXELS = None
    PngImagePlugin.MAX_TEXT_CHUNK = max(PngImagePlugin.MAX_TEXT_CHUNK, MAX_METADATA)
    if pillow_heif:
        pillow_heif.register_heif_opener()


def _check_file(path: Path) -> None:
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise ImageReadError(path, "is a folder, not a file")
    if info.st_size == 0:
        raise ImageReadError(path, "file is empty")


def _check_size(path: Path, width: int, height: int, max_pixels: int) -> None:
    pixels = width * height
    if pixels > max_pixels:
        raise ImageReadError(
            path,
            f"image is {width}x{height} ({pixels / 1e6:.4g} MP), "
            f"above the {max_pixels / 1e6:.4g} MP limit",
        )


def _is_tiff(path: Path) -> bool:
    with path.open("rb") as fp:
        return fp.read(4) in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _read_raw(path: Path, max_pixels: int) -> DecodedImage:
    """Demosaic with the camera's white balance to 16-bit sRGB; LibRaw applies the rotation."""
    with rawpy.imread(str(path)) as raw:
        _check_size(path, raw.sizes.width, raw.sizes.height, max_pixels)
        pixels = raw.postprocess(use_camera_wb=True, output_bps=16)
    return DecodedImage(pixels, path, "RAW", None, None)


def _read_wide_tiff(path: Path, max_pixels: int) -> DecodedImage | None:
    """Gray/RGB TIFF with 16-bit, 32-bit or float samples via tifffile; None: leave to Pillow."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages.first
        _check_size(path, page.imagewidth, page.imagelength, max_pixels)
        wide = page.bitspersample > 8 or page.sampleformat == tifffile.SAMPLEFORMAT.IEEEFP
        if not wide or page.photometric not in (
            tifffile.PHOTOMETRIC.MINISBLACK,
            tifffile.PHOTOMETRIC.RGB,
        ):
            return None
        pixels = page.asarray()
        if page.planarconfig == tifffile.PLANARCONFIG.SEPARATE and pixels.ndim == 3:
            pixels = np.moveaxis(pixels, 0, -1)
    with path.open("rb") as fp:
        exif = Image.Exif()
        exif.load_from_fp(fp)
        warnings = _first_only("TIFF", _tiff_pages(path))
        return _decoded(path, "TIFF", pixels, exif, exif.get(_ICC_TAG), warnings)


def _tiff_pages(path: Path) -> int:
    """Pages of a TIFF, not counting reduced-resolution copies (thumbnails, pyramids)."""
    with tifffile.TiffFile(path) as tif:
        return sum(not page.is_reduced for page in tif.pages)


def _read_with_pillow(path: Path, max_pixels: int) -> DecodedImage:
    with Image.open(path) as im:
        _check_size(path, im.width, im.height, max_pixels)
        if im.format == "PNG" and _png_bit_depth(path) == 16:
            pixels = imagecodecs.png_decode(path.read_bytes())
            # PngImageFile.getexif decodes all pixels again to look for an eXIf chunk after
            # the image data; the base method reads only the (usual) one before it.
            exif = Image.Image.getexif(im)
        else:
            pixels = _pillow_pixels(im)
            exif = im.getexif()
        # Counted after decoding (Pillow seeks to count); Pillow's TIFF count takes thumbnails.
        frames = _tiff_pages(path) if im.format == "TIFF" else getattr(im, "n_frames", 1)
        return _decoded(path, im.format, pixels, exif, im.info.get("icc_profile"),
                        _first_only(im.format, frames))


#: Files whose other frames are a sequence a user sees (not MPO's stereo or depth companion
#: of a JPEG): format -> (what the file is, what one of its frames is called).
_SEQUENCES = {"GIF": ("animated GIF", "frame"), "WEBP": ("animated WebP", "frame"),
              "PNG": ("animated PNG", "frame"), "TIFF": ("multi-page TIFF", "page"),
              "HEIF": ("HEIF file", "image")}


def _first_only(fmt: str, frames: int) -> tuple[str, ...]:
    """The warning that only the first of `frames` is enhanced, if there is more than one."""
    kind, unit = _SEQUENCES.get(fmt, ("", ""))
    if not kind or frames < 2:
        return ()
    return (f"{kind} with {frames} {unit}s: only the first {unit} is enhanced",)


def _png_bit_depth(path: Path) -> int:
    """The IHDR bit depth: Pillow reports 48-bit PNG as plain 8-bit "RGB"."""
    with path.open("rb") as fp:
        header = fp.read(25)
    return header[24]


def _pillow_pixels(im: Image.Image) -> np.ndarray:
    """Palette, bilevel, CMYK and other Pillow modes become gray, RGB or RGBA."""
    if "transparency" in im.info:
        mode = "RGBA"
    elif im.mode in _PILLOW_NATIVE_MODES:
        mode = im.mode
    else:
        mode = _PILLOW_CONVERSIONS.get(im.mode, "RGB")
    return np.array(im if mode == im.mode else im.convert(mode))


def _decoded(path: Path, fmt: str, pixels: np.ndarray, exif: Image.Exif, icc: bytes | None,
             warnings: tuple[str, ...] = ()) -> DecodedImage:
    """Turn the photo upright and record that in the EXIF we hand on.

    Pillow's TIFF decoder turns the image upright itself and drops the tag, so `exif` must be
    read after decoding, or the photo would be turned twice.
    """
    orientation = exif.get(_ORIENTATION, 1)
    if fmt == "TIFF":
        for tag in set(exif) - _TIFF_EXIF_TAGS:
            del exif[tag]
    if exif:
        exif[_ORIENTATION] = 1
    upright = _UPRIGHT.get(orientation, lambda a: a)(_normalized(pixels))
    return DecodedImage(
        pixels=np.ascontiguousarray(upright),
        path=path,
        format=fmt,
        icc_profile=icc or None,
        exif=exif.tobytes() if exif else None,
        warnings=warnings,
    )


def _normalized(pixels: np.ndarray) -> np.ndarray:
    """Any decoder's array as (H,W), (H,W,3) or (H,W,4) in native-order uint8 or uint16.

    Floats are taken as 0..1; wider or signed integers are scaled from their type's range.
    """
    if pixels.ndim == 3:
        channels = pixels.shape[2]
        if channels == 1:
            pixels = pixels[..., 0]
        elif channels == 2:
            pixels = pixels[..., [0, 0, 0, 1]]  # gray + alpha
        elif channels > 4:
            pixels = pixels[..., :4]
    kind, size = pixels.dtype.kind, pixels.dtype.itemsize
    if kind == "b":
        return pixels.astype(np.uint8) * 255
    if kind == "u" and size <= 2:
        return pixels.astype(np.uint16 if size == 2 else np.uint8)
    if kind == "f":
        unit = np.clip(np.nan_to_num(pixels), 0.0, 1.0)
    else:
        unit = np.clip(pixels, 0, None) / np.iinfo(pixels.dtype).max
    return np.round(unit * 65535).astype(np.uint16)


def _read_failure_reason(exc: Exception) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "not an image file, or not a format this app can read"
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return "image is too large to decode safely"
    if isinstance(exc, OSError) and exc.errno is not None:
        return os_reason(exc, missing="file not found")
    if isinstance(exc, MemoryError):
        return "not enough memory to decode it"
    if isinstance(exc, ValueError) and "MAX_TEXT_CHUNK" in str(exc):
        return (f"a metadata block (such as the colour profile) is larger than the "
                f"{MAX_METADATA >> 20} MB this app reads")
    return "file is truncated or corrupt"


# --- writing ---------------------------------------------------------------------------


def _output_pixels(path: Path, pixels: Any, fmt: ImageFormat, bit_depth: int | None) -> np.ndarray:
    """Validate the array and bring it to the depth and channels the format can store."""
    pixels = np.asarray(pixels)
    if (
        pixels.dtype not in (np.uint8, np.uint16)
        or pixels.ndim not in (2, 3)
        or (pixels.ndim == 3 and pixels.shape[2] not in (3, 4))
    ):
        raise ImageWriteError(
            path,
            f"can't write a {pixels.dtype} array of shape {pixels.shape}; "
            "expected uint8 or uint16 with shape (H, W), (H, W, 3) or (H, W, 4)",
        )
    if bit_depth not in (None, 8, 16):
        raise ImageWriteError(path, f"bit depth must be 8 or 16, not {bit_depth}")
    if not fmt.alpha and pixels.ndim == 3:
        pixels = pixels[..., :3]
    depth = fmt.output_depth(bit_depth, bit_depth_of(pixels))
    return np.ascontiguousarray(to_bit_depth(pixels, depth))


def _encode(
    tmp: Path, pixels: np.ndarray, fmt: str, quality: int, icc: bytes | None, exif: bytes | None
) -> None:
    if fmt == "tiff":
        _write_tiff(tmp, pixels, icc, exif)
        return
    if fmt == "png" and pixels.dtype == np.uint16:
        tmp.write_bytes(_png16_bytes(pixels, icc, exif))
        return
    options: dict[str, Any] = {}
    if fmt in ("jpeg", "webp"):
        options["quality"] = quality
    if fmt == "jpeg" and quality >= 90:
        options["subsampling"] = 0  # 4:4:4: at high quality, chroma halving is the visible loss
    if icc:
        options["icc_profile"] = icc
    if exif:
        options["exif"] = exif
    Image.fromarray(pixels).save(tmp, format=fmt.upper(), **options)


def _write_tiff(tmp: Path, pixels: np.ndarray, icc: bytes | None, exif: bytes | None) -> None:
    """Deflate-compressed TIFF of either depth; EXIF's text tags go into the main directory."""
    text_tags = []
    if exif:
        tags = Image.Exif()
        tags.load(exif)
        # Pillow decodes EXIF text as Latin-1; encoding it back restores the original bytes.
        text_tags = [
            (tag, "s", 0, value.encode("latin-1", "replace"), True)
            for tag, value in tags.items()
            if tag in _TEXT_TAGS and isinstance(value, str)
        ]
    tifffile.imwrite(
        tmp,
        pixels,
        photometric="rgb" if pixels.ndim == 3 else "minisblack",
        extrasamples=("unassalpha",) if pixels.ndim == 3 and pixels.shape[2] == 4 else None,
        compression="zlib",
        predictor=True,
        iccprofile=icc,
        extratags=text_tags,
        metadata=None,
        software=False,
    )


def _png16_bytes(pixels: np.ndarray, icc: bytes | None, exif: bytes | None) -> bytes:
    """libpng encodes the pixels; the metadata chunks go right after IHDR, before any IDAT."""
    png = imagecodecs.png_encode(pixels)
    chunks = []
    if icc:
        chunks.append(_png_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc)))
    if exif:
        chunks.append(_png_chunk(b"eXIf", exif.removeprefix(_EXIF_HEADER)))
    after_ihdr = 8 + 25  # signature, then IHDR: length, type, 13 data bytes, CRC
    return png[:after_ihdr] + b"".join(chunks) + png[after_ihdr:]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
