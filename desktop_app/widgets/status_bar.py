"""The status bar: what automatic chose, photo size, device, timing and zoom, plus progress
and Cancel for long work."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget


class StatusBar(QStatusBar):
    """Fields show only when they have something to say; `cancel_requested` is the button."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        for widget in (self.progress, self.cancel_button):
            self.addPermanentWidget(widget)
            widget.hide()
        self.automatic_label = self._field("What the automatic settings chose for this photo")
        self.image_label = self._field("Size, bit depth and format of the open photo")
        self.device_label = self._field("Where the network runs")
        self.timing_label = self._field("Time to estimate the curves, and the last rendering")
        self.zoom_label = self._field("Zoom (Ctrl+0 fit, Ctrl+1 100%, Ctrl+/- or the wheel)")

    def _field(self, tip: str) -> QLabel:
        label = QLabel()
        label.setContentsMargins(8, 0, 8, 0)
        label.setFrameShape(QLabel.Shape.StyledPanel)
        label.setToolTip(tip)
        label.hide()
        self.addPermanentWidget(label)
        return label

    @staticmethod
    def _set(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def set_automatic(self, text: str) -> None:
        self._set(self.automatic_label, text)

    def set_photo(self, text: str) -> None:
        self._set(self.image_label, text)

    def set_device(self, text: str) -> None:
        self._set(self.device_label, text)

    def set_timing(self, text: str) -> None:
        self._set(self.timing_label, text)

    def set_zoom(self, scale: float) -> None:
        self._set(self.zoom_label, f"{scale * 100:.0f}%")

    def set_busy(self, busy: bool) -> None:
        """Show an indeterminate bar and Cancel while work runs (until the first tick)."""
        self.progress.setRange(0, 0)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if not busy:
            self.clearMessage()

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
