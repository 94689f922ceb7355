"""The image formats, in one ordered table that the reader, the writer and every front end read.

The command line's `--format` choices, the app's export dialog and file filters, the reader's
extension list and the writer's rules (which depths a format stores, whether it keeps alpha,
whether quality applies) all come from `FORMATS`, so adding a format is one entry here. Names
are matched loosely (`jpg`, `TIF`, `Jpeg` all work) because users type what their files say.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ImageWriteError, ZeroDCEError


class UnknownFormatError(ZeroDCEError, ValueError):
    """A format name or file extension this package cannot write."""


@dataclass(frozen=True)
class ImageFormat:
    """One file format: what it is called, its extensions and what it can store."""

    name: str  # the canonical name: "jpeg", "png"...
    label: str  # for people: "JPEG", "WebP"
    extensions: tuple[str, ...]  # lower case with the dot; the first is what we write
    bit_depths: tuple[int, ...] = (8,)  # per channel; empty for read-only formats
    lossy: bool = False  # a quality setting applies
    alpha: bool = True  # keeps an alpha channel
    aliases: tuple[str, ...] = ()
    package: str | None = None  # the optional package reading it needs, if any

    @property
    def writable(self) -> bool:
        return bool(self.bit_depths)

    @property
    def extension(self) -> str:
        """The extension written files get."""
        return self.extensions[0]

    def output_depth(self, requested: int | None, source: int) -> int:
        """The depth a file of this format gets: the requested one (None: the source's), if
        the format stores it, else the nearest it has (JPEG and WebP: always 8)."""
        wanted = source if requested is None else requested
        return wanted if wanted in self.bit_depths else max(self.bit_depths)


HEIF_EXTENSIONS = (".heic", ".heif", ".hif")
RAW_EXTENSIONS = (".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw")

#: In the order menus show them: the writable formats first, most common first.
FORMATS: tuple[ImageFormat, ...] = (
    ImageFormat("jpeg", "JPEG", (".jpg", ".jpeg"), lossy=True, alpha=False, aliases=("jpg",)),
    ImageFormat("png", "PNG", (".png",), (8, 16)),
    ImageFormat("tiff", "TIFF", (".tif", ".tiff"), (8, 16), aliases=("tif",)),
    ImageFormat("webp", "WebP", (".webp",), lossy=True),
    ImageFormat("bmp", "BMP", (".bmp",), ()),
    ImageFormat("heif", "HEIF", HEIF_EXTENSIONS, (), aliases=("heic",), package="pillow-heif"),
    ImageFormat("raw", "Camera RAW", RAW_EXTENSIONS, (), package="rawpy"),
)
WRITABLE: tuple[ImageFormat, ...] = tuple(f for f in FORMATS if f.writable)
#: The names `--format` and EncodeOptions accept as canonical, in menu order.
WRITE_NAMES: tuple[str, ...] = tuple(f.name for f in WRITABLE)

_BY_NAME = {alias: f for f in FORMATS for alias in (f.name, *f.aliases)}
_BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}


def image_format(name: str) -> ImageFormat:
    """The writable format called `name` (any case; `jpg` and `tif` work too)."""
    found = _BY_NAME.get(str(name).strip().lower().lstrip("."))
    if found is None or not found.writable:
        raise UnknownFormatError(f"unknown output format {name!r}; choose from "
                                 f"{', '.join(WRITE_NAMES)} (jpg and tif work too)")
    return found


def format_of(path: str | Path) -> ImageFormat | None:
    """The format a file's extension names (case-insensitive), or None."""
    return _BY_EXTENSION.get(Path(path).suffix.lower())


def format_for_path(path: str | Path) -> ImageFormat:
    """The writable format a target's extension asks for."""
    found = format_of(path)
    if found is None or not found.writable:
        names = ", ".join(f.extension for f in WRITABLE)
        raise ImageWriteError(path, f"can't write '{Path(path).suffix}' files; use one of {names}")
    return found


def output_format(source: str | Path, requested: str | None) -> ImageFormat:
    """The format an enhanced copy of `source` is written in: the requested one, else the
    source's own where it can be written, else PNG (lossless)."""
    if requested is not None:
        return image_format(requested)
    found = format_of(source)
    return found if found is not None and found.writable else image_format("png")
