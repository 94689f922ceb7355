"""Exceptions with messages meant for people: each names the file and the reason."""

from __future__ import annotations

import errno
from pathlib import Path

# What an OSError means, in words a user acts on (never "[Errno 17] File exists").
_OS_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "already exists",
    errno.ENOSPC: "disk is full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "the file would be larger than this file system allows",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "the file name is too long for this file system",
    errno.ELOOP: "the path loops through symbolic links",
    errno.EIO: "input/output error (a failing disk or a disconnected drive?)",
}


class ZeroDCEError(Exception):
    """Base class: anything the app or CLI shows as a plain message, not a traceback."""


class FileError(ZeroDCEError):
    """A problem with one file; `str()` reads "<path>: <reason>"."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class OutputError(FileError):
    """An output path was refused (it would replace an input, or exists) or can't be written."""


class ImageReadError(FileError):
    """The file is missing, unreadable, not an image, truncated or too large."""


class ImageWriteError(OutputError):
    """The output could not be written (permissions, disk full, unsupported format)."""


class CheckpointError(FileError):
    """A model file is corrupt, of an unknown layout, or would need unsafe unpickling."""


class NoBundledModelError(ZeroDCEError):
    """The package was installed without its default model."""


class Cancelled(ZeroDCEError):
    """Raised inside long work when the caller asked it to stop."""


def os_reason(exc: OSError, *, missing: str = "file not found") -> str:
    """A short reason for an OSError; `missing` says what ENOENT means at that point."""
    if exc.errno == errno.ENOENT:
        return missing
    return _OS_REASONS.get(exc.errno, exc.strerror or str(exc))
