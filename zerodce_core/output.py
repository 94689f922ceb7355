"""The one guarded writer: every file this package writes goes through `OutputGuard.writing`.

Photos, videos, comparison sheets, the contact PDF, batch reports and checkpoints all get
the same rules, so no writer can forget one:

- a protected file (a run's inputs) is never replaced. Paths are compared resolved (symbolic
  links and `..` followed) and, when the target exists, by file identity (device and inode,
  what `os.path.samefile` compares), so neither a symlinked output folder nor a hard link
  reaches an original;
- an existing file is replaced only if the guard allows it; otherwise the final step is a
  hard link, which fails atomically if a file appeared in the meantime;
- the data goes to a temporary file beside the target and is renamed over it, so readers
  see the old file or the complete new one; on any exception (Ctrl-C, and SIGTERM, which
  the command line turns into one) the temporary file is removed;
- temporary files have a recognisable name (`is_temp_file`), so input scans skip them, and
  the ones a killed run leaves (kill -9 can't be caught) are removed the next time a run
  writes into that folder, if they are older than the run by STALE_AFTER;
- OS failures become `OutputError` with a reason in words, naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import OutputError, os_reason

TEMP_TAG = ".zerodce-part"
#: Temporary files older than the run by this much are debris of a killed run. The margin
#: spares a concurrent run's file that is still being written (an encoder may hold its
#: first packets back for a minute).
STALE_AFTER = 600.0
# Ours, and those of earlier versions (".NAME.XXXXXXXX.part.EXT").
_TEMP_NAME = re.compile(r"\..*\.[A-Za-z0-9_]{8}(" + re.escape(TEMP_TAG) + r"|\.part)(\.[^.]*)?")
_STEM_IN_TEMP = 64  # keeps temporary names short enough wherever the target's name fits
# Errors only writing can cause: raised while the data goes out, they name the target.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
REFUSED_INPUT = "is an input file; originals are never replaced"


def is_temp_file(path: str | Path) -> bool:
    """True for the temporary files `OutputGuard.writing` creates."""
    return _TEMP_NAME.fullmatch(Path(path).name) is not None


def check_folder(path: str | Path) -> Path:
    """Raise OutputError if a part of `path` that exists is a file (the folder itself may be
    missing: writers create it)."""
    path = Path(path)
    blocker = _first_file(path)
    if blocker.exists() and not blocker.is_dir():
        raise OutputError(blocker, "is a file, not a folder")
    return path


def ensure_folder(path: str | Path) -> Path:
    """Create `path` with its parents; OutputError naming the part that is a file, if any."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(_first_file(path), "is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(path, os_reason(exc)) from None
    return path


class OutputGuard:
    """The output rules of one run: which files it must never replace, and whether it may
    replace other existing files. `started` dates the run for cleaning stale temp files."""

    def __init__(self, protected: Iterable[str | Path] = (), *, replace: bool = True) -> None:
        self.replace = replace
        self.started = time.time()
        self._real_paths: set[str] = set()
        self._identities: set[tuple[int, int]] = set()
        self._swept: set[Path] = set()
        self.protect(*protected)

    def protect(self, *paths: str | Path) -> None:
        """Never replace these files (the inputs of the run)."""
        for path in paths:
            self._real_paths.add(real_key(path))
            identity = _identity(path)
            if identity is not None:
                self._identities.add(identity)

    def is_protected(self, path: str | Path) -> bool:
        """True if `path` is, or leads to, a protected file."""
        if real_key(path) in self._real_paths:
            return True
        identity = _identity(path)
        return identity is not None and identity in self._identities

    def check(self, target: str | Path) -> Path:
        """Raise OutputError if writing `target` would break a rule; cheap, so callers check
        before they spend time on the data."""
        target = Path(target)
        if self.is_protected(target):
            raise OutputError(target, REFUSED_INPUT)
        try:
            info = target.stat()
        except FileNotFoundError:
            return target
        except NotADirectoryError:
            raise OutputError(_first_file(target.parent), "is a file, not a folder") from None
        except OSError as exc:
            raise OutputError(target, _reason(exc, target)) from None
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(target, "is a folder, not a file")
        if not self.replace:
            raise OutputError(target, "already exists")
        return target

    def ready(self, target: str | Path) -> Path:
        """`check`, then create the folder and prove it writable: for outputs written only at
        the end of a long run (reports, the contact PDF), so a problem shows before the work."""
        target = self.check(target)
        folder = ensure_folder(target.parent)
        with self._temp(target, folder) as tmp:
            tmp.unlink()
        return target

    @contextlib.contextmanager
    def writing(self, target: str | Path) -> Iterator[Path]:
        """Yield a temporary path beside `target`; when the block ends, it becomes `target`.

        On any exception the temporary file is removed and `target` is left untouched; a
        full disk or read-only file system while writing becomes an OutputError.
        """
        target = self.check(target)
        folder = ensure_folder(target.parent)
        self._sweep(folder)
        with self._temp(target, folder) as tmp:
            try:
                yield tmp
            except OSError as exc:
                if exc.errno not in _WRITE_ERRNOS:
                    raise
                raise OutputError(target, os_reason(exc)) from exc
            os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; match open()
            self._commit(tmp, target)

    @contextlib.contextmanager
    def _temp(self, target: Path, folder: Path) -> Iterator[Path]:
        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.stem[:_STEM_IN_TEMP]}.",
                                            suffix=TEMP_TAG + target.suffix, dir=folder)
        except OSError as exc:
            raise OutputError(target, _reason(exc, target)) from None
        os.close(handle)
        tmp = Path(name)
        try:
            yield tmp
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _commit(self, tmp: Path, target: Path) -> None:
        if self.is_protected(target):  # again: the target may have changed while we worked
            raise OutputError(target, REFUSED_INPUT)
        try:
            if self.replace:
                os.replace(tmp, target)
            else:
                _create(tmp, target)
        except FileExistsError:
            raise OutputError(target, "already exists") from None
        except OSError as exc:
            raise OutputError(target, _reason(exc, target)) from None

    def _sweep(self, folder: Path) -> None:
        """Once per folder and run: remove our temp files a killed earlier run left."""
        if folder in self._swept:
            return
        self._swept.add(folder)
        cutoff = self.started - STALE_AFTER
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if is_temp_file(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                            os.unlink(entry.path)


def _create(tmp: Path, target: Path) -> None:
    """Give `tmp` the name `target` only if no such file exists, atomically where the file
    system has hard links (elsewhere: check, then rename)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def real_key(path: str | Path) -> str:
    """Equal for two paths that name the same place, whatever links and `..` lie between."""
    return os.path.normcase(os.path.realpath(path))


def _identity(path: str | Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _first_file(path: Path) -> Path:
    """The first existing part of `path` that is not a folder (`path` itself if none)."""
    for part in (*reversed(path.parents), path):
        if part.exists() and not part.is_dir():
            return part
    return path


def _reason(exc: OSError, target: Path) -> str:
    if isinstance(exc, NotADirectoryError):
        return f"{_first_file(target.parent)} is a file, not a folder"
    reason = os_reason(exc, missing="folder does not exist")
    if exc.errno == errno.ENAMETOOLONG:
        reason += f" ({len(os.fsencode(target.name))} bytes)"
    return reason


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
