"""Workarounds for bugs in the Qt binding itself, applied once at import.

PySide6 6.12 on Python 3.11 and older drops one reference to `None` on every call of a
Qt method that returns void (`update()`, `setText()`, every QPainter call...). With
about 76,000 references to `None` after start-up, a few minutes of panning or slider
dragging bring the count to zero and the interpreter aborts with "none_dealloc:
deallocating None". Python 3.12 made `None` immortal (PEP 683), which hides the bug;
here we do the same by hand: `None` is never freed anyway, so a huge reference count
only keeps it alive.
"""

from __future__ import annotations

import ctypes
import sys

#: Enough void calls for ~30 years at 1,000 calls per second.
NONE_REFERENCES = 1 << 40


def make_none_immortal() -> None:
    """Give `None` a reference count no refcount leak can exhaust (no-op on 3.12+)."""
    if sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):  # immortal / debug build
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    if refcount.value < NONE_REFERENCES:
        refcount.value += NONE_REFERENCES
