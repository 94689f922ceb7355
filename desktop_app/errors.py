"""Turning exceptions into sentences, and a last-resort hook so a bug never kills the app.

Core errors (`ZeroDCEError`) already read as "<file>: <reason>". Anything else that
reaches the user is a bug: it is shown in a dialog with the details folded away,
written to stderr, and the app keeps running.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from zerodce_core.errors import ZeroDCEError

_showing = False  # an error dialog is open


def describe_error(exc: BaseException) -> str:
    """A sentence for a person: the core's own message, or a plain description of the failure."""
    if isinstance(exc, ZeroDCEError):
        return str(exc)
    if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
        return ("Out of memory. Try the fast quality mode, a smaller photo, or close other "
                "programs.")
    if isinstance(exc, OSError):
        name = f"{exc.filename}: " if exc.filename else ""
        return f"{name}{exc.strerror or exc}"
    return f"Unexpected error ({type(exc).__name__}): {exc}"


def show_unexpected_error(exc_type: type[BaseException], exc: BaseException,
                          tb: TracebackType | None) -> None:
    """sys.excepthook: log the traceback and show it in a dialog instead of aborting."""
    global _showing
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    print(details, file=sys.stderr)
    if QApplication.instance() is None or _showing:  # a failing paint must not stack dialogs
        return
    text = f"Something went wrong, but your work is still open.\n\n{describe_error(exc)}"
    box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", text)
    box.setDetailedText(details)
    _showing = True
    try:
        box.exec()
    finally:
        _showing = False


def install_excepthook() -> None:
    """Route exceptions nobody caught (also those raised in Qt slots) to a dialog."""
    sys.excepthook = show_unexpected_error
