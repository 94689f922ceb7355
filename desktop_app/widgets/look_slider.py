"""One field of the look as a labelled slider and spin box, in the units people read.

`LookField` says how a field of `Look` is edited (range, step, the unit shown, whether it
may be left automatic); `LookSlider` is its toolbar control. It tells the window two
different things: `previewed` while the slider is being dragged (render the screen-sized
preview, it must feel instant) and `committed` when a value is final (render full
resolution). `editing_done` marks Enter or Escape in the spin box, so the window can hand
the keyboard back to the photo (single-key view shortcuts would otherwise type into the
box). A field the core may choose has an "Auto" button: while it is down the value is
None, the box shows what automatic chose for the open photo ("auto (6.35 of 8)", see
`show_fitted`), and moving the slider sets a value of one's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

LEAVE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)
DEFAULT_MAXIMUM = 8.0  # curve iterations until a model says how many it has


@dataclass(frozen=True)
class LookField:
    """How one field of `Look` is edited; values are in the look's units, `scale` and
    `suffix` make what is shown (0.47 of the exposure reads "47%")."""

    name: str  # the Look field
    label: str
    tip: str
    minimum: float = 0.0
    maximum: float | None = None  # None: the model's curve iterations
    automatic_value: float | None = None  # shown for None in a look; None: the maximum
    of_maximum: bool = False  # show "4.15 of 8"
    off_text: str = ""  # shown at the minimum instead of the number
    automatic: str = ""  # offers "Auto" (None) and says what it does
    automatic_zero: str = ""  # shown when automatic chose the minimum, and why
    step: float = 0.05
    scale: float = 1.0  # shown = value * scale
    decimals: int = 2
    suffix: str = ""  # the unit shown after the number
    page: float = 1.0  # Page Up/Down on the slider

    def ticks(self, value: float) -> int:
        """Slider position of `value` (the slider counts steps)."""
        return round(value / self.step)


class NumberBox(QDoubleSpinBox):
    """A spin box that writes numbers without trailing zeros: "8 of 8", "4.15 of 8"."""

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        locale = self.locale()
        text = locale.toString(value, "f", self.decimals())
        point = locale.decimalPoint()
        return text.rstrip("0").rstrip(point) if point in text else text

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Wide enough for every decimal: Qt sizes the box by its extremes' texts, which
        lose their zeros here ("1"), so "auto (0.85)" was cut off."""
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        widest = self.locale().toString(self.maximum(), "f", self.decimals())
        extra = metrics.horizontalAdvance(widest) - metrics.horizontalAdvance(
            self.textFromValue(self.maximum()))
        return QSize(hint.width() + max(extra, 0), hint.height())


class LookSlider(QWidget):
    """Slider plus spin box (plus "Auto" where the field offers it) for one `LookField`."""

    previewed = Signal(object)  # the value (float) while the slider is dragged
    committed = Signal(object)  # a final value, or None for "Auto"
    editing_done = Signal()

    def __init__(self, field: LookField, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.label = QLabel(field.label)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(100)
        self.slider.setPageStep(field.ticks(field.page))
        self.spin = NumberBox()
        self.spin.setDecimals(field.decimals)
        self.spin.setSingleStep(field.step * field.scale)
        self.spin.setKeyboardTracking(False)
        self.spin.installEventFilter(self)
        self.label.setBuddy(self.slider)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.auto: QToolButton | None = None
        if field.automatic:  # the tip says what "automatic" does for this value
            self.auto = QToolButton()
            self.auto.setText("Auto")
            self.auto.setCheckable(True)
            self.auto.setToolTip(field.automatic)
            self.auto.toggled.connect(self._auto_toggled)
            layout.addWidget(self.auto)
        self.setToolTip(field.tip)
        self.slider.setMinimum(field.ticks(field.minimum))
        self.spin.setMinimum(field.minimum * field.scale)
        self.set_maximum(field.maximum or DEFAULT_MAXIMUM)
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderReleased.connect(lambda: self.committed.emit(self.value()))
        self.spin.valueChanged.connect(self._spin_changed)

    def setToolTip(self, tip: str) -> None:  # noqa: N802 (Qt override)
        """The slider and the box say it too (a disabled control says why)."""
        super().setToolTip(tip)
        self.slider.setToolTip(tip)
        self.spin.setToolTip(tip)

    def value(self) -> float | None:
        """The value set, or None while "Auto" is down."""
        if self.is_automatic():
            return None
        return self.shown()

    def shown(self) -> float:
        """The value the control shows, in the look's units (what automatic chose, too)."""
        return round(self.spin.value() / self.field.scale, 6)

    def is_automatic(self) -> bool:
        return self.auto is not None and self.auto.isChecked()

    def set_automatic(self, on: bool) -> None:
        """Press or release "Auto" without emitting (the shown number stays as set)."""
        if self.auto is not None:
            self.auto.blockSignals(True)
            self.auto.setChecked(on)
            self.auto.blockSignals(False)
        self._decorate()

    def maximum(self) -> float:
        return self.spin.maximum() / self.field.scale

    def set_maximum(self, maximum: float) -> None:
        """Adapt the range (the model's iteration count), clamping the current value."""
        self.slider.blockSignals(True)
        self.spin.blockSignals(True)
        self.slider.setMaximum(self.field.ticks(maximum))
        self.spin.setMaximum(maximum * self.field.scale)
        self.slider.setValue(self.field.ticks(self.shown()))
        self.slider.blockSignals(False)
        self.spin.blockSignals(False)
        self._decorate()

    def set_value(self, value: float) -> None:
        """Set without emitting (restoring settings, loading a model, what automatic chose)."""
        self.spin.blockSignals(True)
        self.slider.blockSignals(True)
        self.spin.setValue(value * self.field.scale)
        self.slider.setValue(self.field.ticks(self.shown()))
        self.spin.blockSignals(False)
        self.slider.blockSignals(False)

    def show_fitted(self, value: float) -> None:
        """While automatic, show the value automatic chose for the open photo."""
        if self.is_automatic():
            self.set_value(value)

    def step(self, delta: float) -> None:
        """Nudge by `delta` and commit (keyboard shortcuts): a value, no longer automatic."""
        self.spin.setValue(self.spin.value() + delta * self.field.scale)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (watched is self.spin and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in LEAVE_KEYS):
            QTimer.singleShot(0, self.editing_done.emit)  # after the box took the value
        return super().eventFilter(watched, event)

    def _decorate(self) -> None:
        """The unit, and "auto (...)" around the number while automatic."""
        field = self.field
        unit = f" of {self.maximum():g}" if field.of_maximum else field.suffix
        automatic = self.is_automatic()
        self.spin.setPrefix("auto (" if automatic else "")
        self.spin.setSuffix(f"{unit})" if automatic else unit)
        self.spin.setSpecialValueText(field.automatic_zero if automatic else field.off_text)

    def _auto_toggled(self) -> None:
        self._decorate()
        self.committed.emit(self.value())

    def _slider_moved(self, ticks: int) -> None:
        self.set_automatic(False)
        value = ticks * self.field.step
        self.spin.blockSignals(True)
        self.spin.setValue(value * self.field.scale)
        self.spin.blockSignals(False)
        if self.slider.isSliderDown():
            self.previewed.emit(self.shown())
        else:  # keyboard, wheel or a click on the groove: a final value
            self.committed.emit(self.shown())

    def _spin_changed(self) -> None:
        self.set_automatic(False)
        self.slider.blockSignals(True)
        self.slider.setValue(self.field.ticks(self.shown()))
        self.slider.blockSignals(False)
        self.committed.emit(self.shown())
