"""Help pages: About (versions, the device, the model's card) and the shortcut list."""

from __future__ import annotations

import html
from collections.abc import Iterable
from importlib.metadata import version
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from zerodce_core import __version__

if TYPE_CHECKING:
    from zerodce_core.engine import Engine

PAPER = "https://li-chongyi.github.io/Proj_Zero-DCE.html"


def about_html(engine: Engine | None) -> str:
    """The About text; says plainly when no model is loaded (the card follows, see below)."""
    rows = [
        ("Version", __version__),
        ("Qt / PySide6", f"{qVersion()} / {pyside_version}"),
        ("PyTorch", version("torch")),  # read without importing it (1.5 s)
    ]
    if engine is None:
        rows.append(("Model", "none loaded"))
    else:
        from zerodce_core.device import describe_device  # torch: loaded with the engine

        info = engine.info
        rows += [
            ("Model", str(info.path) if info.path else "built in"),
            ("Architecture", f"{info.arch}, {info.iterations} iterations"),
            ("Format", info.source_format),
            ("Parameters", f"{info.parameter_count:,}" if info.parameter_count else "unknown"),
            ("Device", describe_device(engine.device)),
        ]
    table = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td>"
                    f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
    return (
        "<h2>Zero-DCE Enhancer</h2>"
        "<p>Brightens low-light photos with Zero-Reference Deep Curve Estimation "
        f"(Guo et al., CVPR 2020; <a href='{PAPER}'>project page</a>).</p>"
        f"<table>{table}</table><hr>"
    )


def model_card(engine: Engine | None) -> str:
    """The checkpoint's own model card (Markdown), or a note that it has none."""
    if engine is None:
        return ""
    return engine.info.model_card.strip() or "*This checkpoint carries no model card.*"


def shortcuts_html(actions: Iterable[QAction]) -> str:
    """A table of every action that has a keyboard shortcut, plus the mouse gestures."""
    rows = [(a.text().replace("&", "").rstrip("\u2026"),
             ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts()))
            for a in actions if a.shortcuts()]
    rows += [("Show the original while held", "Space"),
             ("Zoom at the pointer", "Mouse wheel"),
             ("Pan", "Drag"),
             ("Move the before/after divider", "Drag the divider"),
             ("Toggle fit / 100%", "Double-click")]
    table = "".join(f"<tr><td>{html.escape(name)}&nbsp;&nbsp;</td><td><b>{html.escape(keys)}"
                    "</b></td></tr>" for name, keys in rows)
    return f"<h3>Keyboard and mouse</h3><table>{table}</table>"


class TextDialog(QDialog):
    """A read-only rich-text page with a Close button (About, shortcuts).

    `markdown` is appended as Markdown, so a model card renders as its author wrote it.
    """

    def __init__(self, title: str, text: str, markdown: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(560, 480)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(text)
        if markdown:
            cursor = self.browser.textCursor()
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertMarkdown(markdown)
            self.browser.moveCursor(QTextCursor.MoveOperation.Start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
