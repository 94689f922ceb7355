"""The frame scrubber shown under the compare view while a video is open.

It only reports which frame is wanted; the window reads it on a worker, so a fast drag
asks for many frames and only the newest is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from zerodce_core.video import VideoInfo


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{seconds:05.2f}"


class VideoScrubber(QWidget):
    """A slider over a video's frames plus a "frame i / n · time" label."""

    frame_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: VideoInfo | None = None
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Choose the frame to preview; File \u203a Save enhances the "
                               "whole video with the settings shown")
        self.label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._moved)

    def set_video(self, info: VideoInfo) -> None:
        """Show a range over the video's frames, at the first frame, without requesting it."""
        self.info = info
        self.show()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(info.frames - 1, 0))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._show_position(0)

    def frame(self) -> int:
        return self.slider.value()

    def _moved(self, frame: int) -> None:
        self._show_position(frame)
        self.frame_requested.emit(frame)

    def _show_position(self, frame: int) -> None:
        info = self.info
        if info is None:
            return
        self.label.setText(f"Frame {frame + 1} / {info.frames} \u00b7 "
                           f"{_clock(frame / info.fps)} / {_clock(info.duration)}")
