"""The look's controls, declared once per field of `Look`.

`LOOK_FIELDS` maps each field of the look to how it is edited (a `LookField`); the toolbar
builds one `LookSlider` per entry and the batch queue one `LookSpinBox` per entry, so a new
field of `Look` is one new entry here. `None` in a look means "automatic": a field that
offers it (`automatic`, the tip of its Auto button) shows what automatic chose for the open
photo (`fitted_look`, from its curve maps) or, before one is open, `automatic_value`.

Brightness is the exposure: the mean level the network brings the photo to, so changing it
estimates the curves again (see `Session.commit_look`); the other fields only render again.
A model trained for one level takes no exposure, and the window disables Brightness for it
(`LookControls.set_field_enabled`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QWidget

from zerodce_core.exposure import LIMITS as EXPOSURE_LIMITS
from zerodce_core.exposure import TARGET, mean_level
from zerodce_core.pipeline import AUTO_DENOISE, Look

from .look_slider import LookField, LookSlider, NumberBox

if TYPE_CHECKING:
    from zerodce_core.engine import CurveMaps

NO_EXPOSURE = ("This model was trained for one brightness, so it cannot be asked for another: "
               "load an exposure-conditioned model (the bundled one is) to set Brightness.")
LOOK_FIELDS = (
    LookField("strength", "&Strength:", "Curve iterations applied: 0 is the original photo, "
              "the maximum is the model's full enhancement ([ and ] step by 0.5)",
              of_maximum=True, automatic_zero="auto (0: well exposed)",
              automatic="Automatic: the full curves for a dark photo, less for one close to "
                        "its brightness, none for a photo already well exposed"),
    LookField("exposure", "&Brightness:", "How bright the result is on average, as a share "
              "of white (well-lit photos sit near 47%); the curves are estimated again for it",
              minimum=EXPOSURE_LIMITS[0], maximum=EXPOSURE_LIMITS[1], automatic_value=TARGET,
              step=0.01, scale=100, decimals=0, suffix="%", page=0.1,
              automatic=f"Automatic: dark photos are lifted to {TARGET:.0%}, photos already "
                        "well exposed keep their own brightness"),
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


def fitted_look(maps: CurveMaps) -> Look:
    """What "automatic" chose for the photo these maps were estimated from (exposure None:
    the model takes none)."""
    return Look(strength=maps.default_strength, denoise=AUTO_DENOISE, exposure=maps.exposure)


def describe_automatic(look: Look, maps: CurveMaps) -> str:
    """One line on what automatic chose for the fields `look` leaves automatic ("" if none)."""
    fitted = fitted_look(maps)
    parts = []
    if look.exposure is None and fitted.exposure is not None:
        if look.strength is None and fitted.strength == 0 and maps.gain == 1.0:
            return (f"Auto: photo already well exposed ({mean_level(maps.rgb):.0%}), "
                    "left as it is")
        parts.append(f"brightness {mean_level(maps.rgb):.0%} \u2192 {fitted.exposure:.0%}")
    if maps.gain != 1.0:
        parts.append(f"exposure {math.log2(maps.gain):+.1f} stops")
    if look.strength is None:
        parts.append(f"strength {fitted.strength:.3g} of {maps.iterations}")
    return f"Auto: {', '.join(parts)}" if parts else ""


class LookSpinBox(NumberBox):
    """A spin box for one field (the batch queue's form); "auto", one step below the
    minimum, where the field offers it."""

    def __init__(self, field: LookField) -> None:
        super().__init__()
        self.field = field
        self.setDecimals(field.decimals)
        self.setSingleStep(field.step * field.scale)
        below = field.step if field.automatic else 0.0  # the "auto" step
        self.setRange((field.minimum - below) * field.scale,
                      (field.maximum or 8.0) * field.scale)
        self.setSuffix(field.suffix)
        self.setSpecialValueText("auto" if field.automatic else field.off_text)
        self.setToolTip(field.tip)

    def look_value(self) -> float | None:
        value = round(self.value() / self.field.scale, 6)
        return None if value < self.field.minimum else value

    def show_look(self, look: Look) -> None:
        field = self.field
        automatic = field.automatic and getattr(look, field.name) is None
        maximum = self.maximum() / field.scale
        self.setValue(self.minimum() if automatic
                      else shown_value(field, look, maximum) * field.scale)


class LookControls(QWidget):
    """One `LookSlider` per look field, in a row; emits whole looks."""

    previewed = Signal(object)  # Look, while a slider is dragged
    committed = Signal(object)  # Look, a final value
    editing_done = Signal()  # Enter or Escape in a spin box

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls: dict[str, LookSlider] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for field in LOOK_FIELDS:
            if self.controls:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.VLine)
                line.setFrameShadow(QFrame.Shadow.Sunken)
                layout.addWidget(line)
            control = LookSlider(field)
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

    def show_fitted(self, fitted: Look) -> None:
        """The automatic fields show what automatic chose (`fitted_look`) for the open photo."""
        for name, control in self.controls.items():
            value = getattr(fitted, name)
            if value is not None:
                control.show_fitted(value)

    def set_iterations(self, iterations: int) -> None:
        """Fields measured in curve iterations follow the model in use."""
        for field in LOOK_FIELDS:
            if field.maximum is None:
                self.controls[field.name].set_maximum(iterations)

    def set_field_enabled(self, name: str, enabled: bool, why: str = "") -> None:
        """Enable one control; a disabled one says `why` in its tooltip, and is left
        automatic (the core then decides, or skips the stage)."""
        control = self.controls[name]
        field = control.field
        control.setEnabled(enabled)
        control.setToolTip(field.tip if enabled else why)
        if not enabled:
            control.set_value(shown_value(field, Look(), control.maximum()))
            control.set_automatic(True)
