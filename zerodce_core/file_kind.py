"""What a file is, from its first bytes, for the message when it is not what was expected.

"Not a readable PyTorch checkpoint ('105')" leaves a user guessing; "it is a 4-byte text
file starting '105'" or "it is a JPEG photo" says at once that the wrong file was picked,
and "a Git LFS pointer" or "a web page" says what went wrong with a download. Recognising
the usual suspects by their signatures is enough: this only has to name the file to a person.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HEAD_SIZE = 512  # bytes `describe` looks at

# (offset, signature, what it is): first match wins.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "a JPEG photo"),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"GIF8", "a GIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"BM", "a BMP image"),
    (8, b"WEBP", "a WebP image"),
    (4, b"ftypheic", "a HEIC photo"),
    (4, b"ftypmif1", "a HEIF photo"),
    (4, b"ftyp", "an MP4/MOV video"),
    (0, b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (0, b"%PDF", "a PDF document"),
    (0, b"\x89HDF", "an HDF5 file (a Keras .h5 model?)"),
    (0, b"\x1f\x8b", "a gzip archive (unpack it first)"),
    (0, b"7z\xbc\xaf", "a 7-Zip archive (unpack it first)"),
    (0, b"Rar!", "a RAR archive (unpack it first)"),
    (0, b"\x7fELF", "a program, not data"),
)


def describe(path: str | Path, head: bytes, size: int | None = None) -> str:
    """What `head` (the file's first bytes, HEAD_SIZE or fewer) shows the file to be, as a
    phrase: "a JPEG photo", "a 4-byte text file starting '105'", "a Git LFS pointer..."."""
    if head.startswith(b"PK\x03\x04"):
        return _zip(path)
    if head.startswith(b"\x80"):
        return "a damaged or incomplete pickle (.pth) file: copy or download it again"
    for offset, signature, what in _SIGNATURES:
        if head[offset:offset + len(signature)] == signature:
            return what
    if Path(path).suffix.lower() == ".onnx":
        return "an ONNX model (for ONNX Runtime and other tools; see docs/onnx.md)"
    text = _as_text(head)
    if text is None:
        return "binary data of an unknown kind"
    start = text.lstrip().lower()
    if start.startswith("version https://git-lfs"):
        return "a Git LFS pointer, not the file itself (run `git lfs pull`)"
    if start.startswith(("<!doctype html", "<html")):
        return "a web page (a download that saved an error or sign-in page?)"
    if start.startswith(("{", "[")):
        return "a JSON file"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    shown = first if len(first) <= 40 else first[:40] + "..."
    length = f"{size:,}-byte " if size is not None else ""
    return f"a {length}text file" + (f" starting {shown!r}" if shown else " of blank lines")


def _zip(path: str | Path) -> str:
    """PyTorch saves .pth files as ZIP archives; anything else zipped needs unpacking."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return ("a damaged or incomplete ZIP archive (a .pth file cut short?): copy or "
                "download it again")
    if any(name.endswith("/data.pkl") or name == "data.pkl" for name in names):
        return "a PyTorch archive that does not load (damaged?): copy or download it again"
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"a ZIP archive of {shown or 'nothing'} (unpack it first)"


def _as_text(head: bytes) -> str | None:
    """`head` as text if it looks like text (UTF-8, printable), else None."""
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the head
            return None
        text = head[:exc.start].decode("utf-8")
    return text if all(c.isprintable() or c in "\t\r\n" for c in text) else None
