"""Exceptions with messages meant for people: each names the file and the reason."""

from __future__ import annotations

from pathlib import Path


class ZeroDCEError(Exception):
    """Base class: anything the app or CLI shows as a plain message, not a traceback."""


class FileError(ZeroDCEError):
    """A problem with one file; `str()` reads "<path>: <reason>"."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ImageReadError(FileError):
    """The file is missing, unreadable, not an image, truncated or too large."""


class ImageWriteError(FileError):
    """The output could not be written (permissions, disk full, unsupported format)."""


class CheckpointError(FileError):
    """A model file is corrupt, of an unknown layout, or would need unsafe unpickling."""


class NoBundledModelError(ZeroDCEError):
    """The package was installed without its default model."""


class Cancelled(ZeroDCEError):
    """Raised inside long work when the caller asked it to stop."""
