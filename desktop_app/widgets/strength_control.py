"""A labelled slider and spin box in 0.05 steps over [0, maximum]: one control of the look.

It tells the window two different things: `previewed` while the slider is being dragged
(render the screen-sized preview, it must feel instant) and `committed` when a value is
final (render full resolution). `editing_done` marks Enter or Escape in the spin box, so
the window can hand the keyboard back to the photo (single-key view shortcuts would
otherwise type into the box). A control whose value may be left to the core has an
"Auto" button: while it is down the value is None, and moving the slider sets a value.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

STEP = 0.05
TICKS_PER_UNIT = round(1 / STEP)
LEAVE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class StrengthControl(QWidget):
    """Slider plus spin box; `of_maximum` shows the unit as "4.15 of 8" (out of the maximum)."""

    previewed = Signal(float)
    committed = Signal(float)
    editing_done = Signal()

    def __init__(self, label: str, tip: str, *, minimum: float = 0.0, of_maximum: bool = False,
                 off_text: str = "", automatic: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.of_maximum = of_maximum
        self.label = QLabel(label)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(160)
        self.slider.setPageStep(TICKS_PER_UNIT)
        self.slider.setToolTip(tip)
        self.spin = QDoubleSpinBox()
        self.spin.setDecimals(2)
        self.spin.setSingleStep(STEP)
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(tip)
        self.spin.setSpecialValueText(off_text)  # shown at 0 ("off"); "" shows the number
        self.spin.installEventFilter(self)
        self.label.setBuddy(self.slider)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.auto: QToolButton | None = None
        if automatic:  # the tip says what "automatic" does for this value
            self.auto = QToolButton()
            self.auto.setText("Auto")
            self.auto.setCheckable(True)
            self.auto.setToolTip(automatic)
            self.auto.toggled.connect(lambda _: self.committed.emit(self.spin.value()))
            layout.addWidget(self.auto)
        self.slider.setMinimum(round(minimum * TICKS_PER_UNIT))
        self.spin.setMinimum(minimum)
        self.set_maximum(8)
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderReleased.connect(lambda: self.committed.emit(self.value()))
        self.spin.valueChanged.connect(self._spin_changed)

    def value(self) -> float | None:
        """The value set, or None while "Auto" is down."""
        if self.auto is not None and self.auto.isChecked():
            return None
        return self.spin.value()

    def set_automatic(self, on: bool) -> None:
        """Press or release "Auto" without emitting (the shown number stays as set)."""
        if self.auto is not None:
            self.auto.blockSignals(True)
            self.auto.setChecked(on)
            self.auto.blockSignals(False)

    def maximum(self) -> float:
        return self.spin.maximum()

    def set_maximum(self, maximum: float) -> None:
        """Adapt the range (the model's iteration count), clamping the current value."""
        self.slider.blockSignals(True)
        self.spin.blockSignals(True)
        self.slider.setMaximum(round(maximum * TICKS_PER_UNIT))
        self.spin.setMaximum(float(maximum))
        if self.of_maximum:
            self.spin.setSuffix(f" of {maximum:g}")
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
        """Nudge by `delta` and commit (keyboard shortcuts): a value, no longer automatic."""
        self.spin.setValue(self.spin.value() + delta)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (watched is self.spin and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in LEAVE_KEYS):
            QTimer.singleShot(0, self.editing_done.emit)  # after the box took the value
        return super().eventFilter(watched, event)

    def _slider_moved(self, ticks: int) -> None:
        self.set_automatic(False)
        value = ticks / TICKS_PER_UNIT
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        if self.slider.isSliderDown():
            self.previewed.emit(value)
        else:  # keyboard, wheel or a click on the groove: a final value
            self.committed.emit(value)

    def _spin_changed(self, value: float) -> None:
        self.set_automatic(False)
        self.slider.blockSignals(True)
        self.slider.setValue(round(value * TICKS_PER_UNIT))
        self.slider.blockSignals(False)
        self.committed.emit(value)
