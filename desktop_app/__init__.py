"""The Zero-DCE desktop app (PySide6): thin widgets over `zerodce_core`.

PySide6 is imported first so that qimage2ndarray and pyqtgraph bind to it, not PyQt.
"""

import PySide6  # noqa: F401  (must precede qimage2ndarray and pyqtgraph)
