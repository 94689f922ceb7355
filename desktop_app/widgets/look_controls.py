"""The look's controls, declared once per field of `Look`.

`LOOK_FIELDS` maps each field of the look to how it is edited; the toolbar builds one
`StrengthControl` per entry and the batch queue one spin box per entry, so a new field of
`Look` is one new entry here; the exposure, for instance:
    LookField("exposure", "&Brightness:", "...", minimum=0.05, maximum=0.95,
              automatic_value=exposure.TARGET, automatic="Automatic: fitted to the photo")
(and, for models that take no exposure, `LookControls.set_field_enabled` when the engine
is ready). `None` in a look means "automatic": a field that offers it
(`automatic`, the tip of its Auto button) shows `automatic_value` meanwhile; one that does
not shows `automatic_value` as its value (None: the control's maximum, i.e. all the
model's iterations). A field the network needs (exposure) is estimated again when it
changes (see `Session.commit_look`); the others only render again.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFrame, QHBoxLayout, QWidget

from zerodce_core.pipeline import AUTO_DENOISE, Look

from .strength_control import StrengthControl


@dataclass(frozen=True)
class LookField:
    """How one field of `Look` is edited."""

    name: str  # the Look field
    label: str
    tip: str
    minimum: float = 0.0
    maximum: float | None = None  # None: the model's curve iterations
    automatic_value: float | None = None  # shown for None in a look; None: the maximum
    of_maximum: bool = False  # show "4.15 of 8"
    off_text: str = ""  # shown at 0 instead of the number
    automatic: str = ""  # offers "Auto" (None) and says what it does


LOOK_FIELDS = (
    LookField("strength", "&Strength:", "Curve iterations applied: 0 is the original photo, "
              "the maximum is the model's full enhancement ([ and ] step by 0.5)",
              of_maximum=True),
    LookField("denoise", "&Noise reduction:", "Remove the noise the enhancement lifted out of "
              "the shadows: 0 is off, 1 the strongest; the curves are not estimated again",
              maximum=1.0, automatic_value=AUTO_DENOISE, off_text="off",
              automatic="Automatic: as much as each area's noise, measured in the photo and "
                        "amplified by the curves, needs"),
)


def shown_value(field: LookField, look: Look, maximum: float) -> float:
    """What a control shows for `look`'s value of `field` (resolving "automatic")."""
    value = getattr(look, field.name)
    if value is None:
        return maximum if field.automatic_value is None else field.automatic_value
    return min(float(value), maximum)


class LookSpinBox(QDoubleSpinBox):
    """A spin box for one field (the batch queue's form); "auto", one step below the
    minimum, where the field offers it."""

    def __init__(self, field: LookField) -> None:
        super().__init__()
        self.field = field
        self.setDecimals(2)
        self.setSingleStep(0.05)
        below = 0.05 if field.automatic else 0.0  # the "auto" step
        self.setRange(field.minimum - below, field.maximum or 8.0)
        self.setSpecialValueText("auto" if field.automatic else field.off_text)
        self.setToolTip(field.tip)

    def look_value(self) -> float | None:
        return None if self.value() < self.field.minimum else self.value()

    def show_look(self, look: Look) -> None:
        automatic = self.field.automatic and getattr(look, self.field.name) is None
        self.setValue(self.minimum() if automatic else shown_value(self.field, look,
                                                                    self.maximum()))


class LookControls(QWidget):
    """One `StrengthControl` per look field, in a row; emits whole looks."""

    previewed = Signal(object)  # Look, while a slider is dragged
    committed = Signal(object)  # Look, a final value
    editing_done = Signal()  # Enter or Escape in a spin box

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls: dict[str, StrengthControl] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for field in LOOK_FIELDS:
            if self.controls:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.VLine)
                line.setFrameShadow(QFrame.Shadow.Sunken)
                layout.addWidget(line)
            control = StrengthControl(field.label, field.tip, minimum=field.minimum,
                                      of_maximum=field.of_maximum, off_text=field.off_text,
                                      automatic=field.automatic)
            if field.maximum is not None:
                control.set_maximum(field.maximum)
            control.previewed.connect(lambda _: self.previewed.emit(self.look()))
            control.committed.connect(lambda _: self.committed.emit(self.look()))
            control.editing_done.connect(self.editing_done)
            layout.addWidget(control, 1)
            self.controls[field.name] = control

    def look(self) -> Look:
        return Look(**{name: control.value() for name, control in self.controls.items()})

    def set_look(self, look: Look) -> None:
        """Show `look` without emitting."""
        for field in LOOK_FIELDS:
            control = self.controls[field.name]
            control.set_value(shown_value(field, look, control.maximum()))
            control.set_automatic(getattr(look, field.name) is None)

    def set_iterations(self, iterations: int) -> None:
        """Fields measured in curve iterations follow the model in use."""
        for field in LOOK_FIELDS:
            if field.maximum is None:
                self.controls[field.name].set_maximum(iterations)

    def set_field_enabled(self, name: str, enabled: bool, why: str = "") -> None:
        """Enable one control; a disabled one says `why` in its tooltip."""
        control = self.controls[name]
        control.setEnabled(enabled)
        control.setToolTip("" if enabled else why)
