"""Atomic file output, for the modules not yet switched to `output.OutputGuard` directly."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from .output import OutputGuard


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """`OutputGuard().writing(target)`: a temporary path renamed over `target` on success."""
    with OutputGuard().writing(target) as tmp:
        yield tmp
