"""An inline, non-modal message strip above the photo (errors, warnings, notices).

Inline rather than a dialog: the user keeps working, several problems never stack up
as modal boxes, and tests can read the text. Notices ("Saved ...") go away by themselves
after a while; errors stay until dismissed or resolved.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

STYLES = {  # level: (background, text)
    "error": ("#5c1f1f", "#ffecec"),
    "info": ("#1f3f5c", "#e8f3ff"),
}
TIMEOUTS_MS = {"error": 0, "info": 10000}  # 0: until dismissed


class MessageBar(QFrame):
    """Shows one message at a time with an optional action button and a close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = ""
        self.topic = ""
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._action = QPushButton()
        self._action.hide()
        close = QToolButton()
        close.setText("\u2715")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._action)
        layout.addWidget(close)
        self._callback: Callable[[], None] | None = None
        self._action.clicked.connect(self._run_action)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def text(self) -> str:
        return "" if self.isHidden() else self._label.text()

    def show_message(self, text: str, level: str = "error", action: str = "",
                     callback: Callable[[], None] | None = None, topic: str = "",
                     timeout_ms: int | None = None) -> None:
        """Replace the current message; `topic` lets a later success clear only its own kind.

        The message goes after `timeout_ms` (default: by level; 0 never).
        """
        self.level = level
        self.topic = topic
        background, text_color = STYLES[level]
        self.setStyleSheet(f"MessageBar {{background: {background}; border-radius: 4px;}} "
                           f"MessageBar QLabel, MessageBar QToolButton {{color: {text_color};}}")
        self._label.setText(text)
        self._callback = callback
        self._action.setText(action)
        self._action.setVisible(bool(action and callback))
        self.show()
        timeout = TIMEOUTS_MS[level] if timeout_ms is None else timeout_ms
        if timeout:
            self._timer.start(timeout)
        else:
            self._timer.stop()

    def dismiss(self) -> None:
        self._timer.stop()
        self.level = self.topic = ""
        self.hide()

    def dismiss_topic(self, topic: str) -> None:
        if self.topic == topic:
            self.dismiss()

    def _run_action(self) -> None:
        callback = self._callback
        self.dismiss()
        if callback is not None:
            callback()
