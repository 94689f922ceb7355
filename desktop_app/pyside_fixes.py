"""Workarounds for bugs in the Qt binding itself, applied by the app at start-up.

PySide6 6.12 on Python 3.11 and older drops one reference to `None` on every call of a
Qt method that returns void (`update()`, `setText()`, every QPainter call...). With
about 76,000 references to `None` after start-up, a few minutes of panning or slider
dragging bring the count to zero and the interpreter aborts with "none_dealloc:
deallocating None". Measured: 1,000 `QWidget.update()` calls drop 1,000 references on
6.12.0 and none on 6.11.0. Python 3.12 made `None` immortal (PEP 683), which hides the
bug; on older Pythons we do the same by hand: `None` is never freed anyway, so a huge
reference count only keeps it alive.

Nothing here runs on import: `apply()` is called by the app's entry point (and by
tests), so importing `desktop_app` from a script changes nothing process-wide.
"""

from __future__ import annotations

import ctypes
import sys

import PySide6

#: The first PySide6 release seen dropping references to None (6.11.0 does not).
NONE_LEAK_SINCE = (6, 12)
#: Enough void calls for ~30 years at 1,000 calls per second.
NONE_REFERENCES = 1 << 40


def leaks_none(pyside: tuple[int, ...], python: tuple[int, ...]) -> bool:
    """Whether this PySide6 on this Python needs `None` made immortal."""
    return tuple(pyside[:2]) >= NONE_LEAK_SINCE and tuple(python[:2]) < (3, 12)


def make_none_immortal() -> None:
    """Give `None` a reference count no refcount leak can exhaust."""
    if hasattr(sys, "getobjects"):  # a debug build tracks every object: leave it alone
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    if refcount.value < NONE_REFERENCES:
        refcount.value += NONE_REFERENCES


def apply() -> list[str]:
    """Apply the workarounds the installed PySide6 needs; returns their names."""
    applied = []
    if leaks_none(PySide6.__version_info__, sys.version_info):
        make_none_immortal()
        applied.append("immortal None")
    return applied
