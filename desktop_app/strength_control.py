"""A slider and spin box in 0.05 steps: the curve iterations to apply (the strength), and
the same control over 0..1 for noise reduction.

It tells the window two different things: `previewed` while the slider is being dragged
(render the screen-sized preview, it must feel instant) and `committed` when a value is
final (render full resolution).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QWidget

STEP = 0.05
TICKS_PER_UNIT = round(1 / STEP)
STRENGTH_TIP = ("Curve iterations applied: 0 is the original photo, the maximum is the model's "
                "full enhancement ([ and ] step by 0.5)")


class StrengthControl(QWidget):
    """A labelled slider plus spin box over [0, maximum]; defaults describe the strength."""

    previewed = Signal(float)
    committed = Signal(float)

    def __init__(self, label: str = "&Strength:", tip: str = STRENGTH_TIP,
                 suffix: str = " it.", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(label)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(180)
        self.slider.setPageStep(TICKS_PER_UNIT)
        self.slider.setToolTip(tip)
        self.spin = QDoubleSpinBox()
        self.spin.setDecimals(2)
        self.spin.setSingleStep(STEP)
        self.spin.setKeyboardTracking(False)
        self.spin.setSuffix(suffix)
        self.label.setBuddy(self.slider)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.set_maximum(8)
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderReleased.connect(lambda: self.committed.emit(self.value()))
        self.spin.valueChanged.connect(self._spin_changed)

    def value(self) -> float:
        return self.spin.value()

    def maximum(self) -> float:
        return self.spin.maximum()

    def set_maximum(self, iterations: int) -> None:
        """Adapt the range (the model's iteration count), clamping the current value."""
        self.slider.blockSignals(True)
        self.spin.blockSignals(True)
        self.slider.setMaximum(iterations * TICKS_PER_UNIT)
        self.spin.setMaximum(float(iterations))
        self.slider.setValue(round(self.spin.value() * TICKS_PER_UNIT))
        self.slider.blockSignals(False)
        self.spin.blockSignals(False)

    def set_value(self, value: float) -> None:
        """Set without emitting (restoring settings, loading a model)."""
        self.spin.blockSignals(True)
        self.slider.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(round(self.spin.value() * TICKS_PER_UNIT))
        self.spin.blockSignals(False)
        self.slider.blockSignals(False)

    def step(self, delta: float) -> None:
        """Nudge by `delta` iterations and commit (keyboard shortcuts)."""
        self.spin.setValue(self.spin.value() + delta)

    def _slider_moved(self, ticks: int) -> None:
        value = ticks / TICKS_PER_UNIT
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        if self.slider.isSliderDown():
            self.previewed.emit(value)
        else:  # keyboard, wheel or a click on the groove: a final value
            self.committed.emit(value)

    def _spin_changed(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(value * TICKS_PER_UNIT))
        self.slider.blockSignals(False)
        self.committed.emit(value)
