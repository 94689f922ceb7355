"""The Zero-DCE desktop app (PySide6): thin widgets over `zerodce_core`.

PySide6 is imported first so that qimage2ndarray and pyqtgraph bind to it, not PyQt,
and the binding's refcount bug is neutralised before any Qt call (see `pyside_fixes`).
"""

import PySide6  # noqa: F401  (must precede qimage2ndarray and pyqtgraph)

from .pyside_fixes import make_none_immortal

make_none_immortal()
