"""The look's controls: one per field of `Look`, plain units, whole looks emitted, and what
automatic chose shown in the controls and in words."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSlider

from desktop_app.widgets.look_controls import (
    LOOK_FIELDS,
    NO_EXPOSURE,
    LookControls,
    describe_automatic,
    fitted_look,
)
from zerodce_core.engine import CurveMaps
from zerodce_core.exposure import TARGET
from zerodce_core.pipeline import AUTO_DENOISE, Look


def test_each_control_sets_a_field_of_the_look(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    names = [field.name for field in LOOK_FIELDS]
    assert set(names) <= {f.name for f in fields(Look)} and list(controls.controls) == names
    assert controls.look() == Look(**{name: controls.controls[name].value() for name in names})


def test_strength_reads_as_a_part_of_the_maximum(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    controls.set_iterations(8)
    strength = controls.controls["strength"]
    controls.set_look(Look(strength=4.15, denoise=0.0))
    assert strength.spin.text() == "4.15 of 8"
    assert "it." not in strength.spin.text()
    controls.set_iterations(4)  # another model: the unit follows, the value is clamped
    assert strength.spin.text() == "4 of 4"
    assert controls.controls["denoise"].spin.text() == "off"


def test_automatic_values_and_whole_looks(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    controls.set_iterations(8)
    noise, strength = controls.controls["denoise"], controls.controls["strength"]
    controls.set_look(Look())  # everything automatic
    assert controls.look() == Look(strength=None, denoise=None, exposure=None)
    assert noise.auto.isChecked() and noise.shown() == AUTO_DENOISE
    assert strength.auto.isChecked() and strength.spin.text() == "auto (8 of 8)"
    with qtbot.waitSignal(controls.committed) as committed:
        noise.spin.setValue(0.5)  # a value of one's own: no longer automatic
    assert committed.args == [Look(denoise=0.5)] and not noise.auto.isChecked()
    assert noise.spin.text() == "0.5"
    with qtbot.waitSignal(controls.committed) as committed:
        noise.auto.click()
    assert committed.args == [Look()]


def test_brightness_reads_as_a_percentage_of_white(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    brightness = controls.controls["exposure"]
    assert brightness.label.text() == "&Brightness:"
    controls.set_look(Look(exposure=0.6))
    assert brightness.spin.text() == "60%" and not brightness.auto.isChecked()
    assert (brightness.slider.minimum(), brightness.slider.maximum()) == (5, 95)
    with qtbot.waitSignal(controls.committed) as committed:
        brightness.slider.triggerAction(QSlider.SliderAction.SliderSingleStepAdd)
    assert committed.args[0].exposure == 0.61 and brightness.spin.text() == "61%"
    with qtbot.waitSignal(controls.committed) as committed:
        brightness.spin.setValue(200)  # clamped to the range the core accepts
    assert committed.args[0].exposure == 0.95
    with qtbot.waitSignal(controls.committed) as committed:
        brightness.auto.click()
    assert committed.args[0].exposure is None
    assert brightness.spin.text() == "auto (95%)"  # until the photo's own is fitted
    controls.set_look(Look())
    assert brightness.spin.text() == f"auto ({TARGET:.0%})"  # before any photo


def test_automatic_fields_show_what_was_chosen_without_emitting(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    controls.set_iterations(8)
    controls.set_look(Look(denoise=0.0))
    strength, brightness = controls.controls["strength"], controls.controls["exposure"]
    with qtbot.assertNotEmitted(controls.committed):
        controls.show_fitted(Look(strength=5.5, exposure=0.52, denoise=AUTO_DENOISE))
    assert strength.spin.text() == "auto (5.5 of 8)"
    assert brightness.spin.text() == "auto (52%)"
    assert controls.controls["denoise"].spin.text() == "off"  # not automatic: kept
    assert controls.look() == Look(denoise=0.0)
    controls.show_fitted(Look(strength=0.0, exposure=0.7))
    assert strength.spin.text() == "auto (0: well exposed)"
    with qtbot.waitSignal(controls.committed) as committed:  # ] from the fitted value
        strength.step(0.5)
    assert committed.args == [Look(strength=0.5, denoise=0.0)]
    assert strength.spin.text() == "0.5 of 8"


def test_a_disabled_field_says_why_and_stays_automatic(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    controls.set_look(Look(exposure=0.3))
    controls.set_field_enabled("exposure", False, NO_EXPOSURE)
    brightness = controls.controls["exposure"]
    assert not brightness.isEnabled() and not brightness.slider.isEnabled()
    assert brightness.slider.toolTip() == NO_EXPOSURE == brightness.spin.toolTip()
    assert controls.look().exposure is None
    controls.set_field_enabled("exposure", True)
    assert brightness.isEnabled() and "share of white" in brightness.spin.toolTip()


def test_the_automatic_choice_in_words():
    dark = np.full((8, 8, 3), 26, np.uint8)  # mean level 10%
    maps = CurveMaps(rgb=dark, maps=np.zeros((24, 8, 8), np.float32), iterations=8,
                     shared=False, exposure=0.47, auto_strength=8.0)
    assert fitted_look(maps) == Look(strength=8.0, denoise=AUTO_DENOISE, exposure=0.47)
    assert describe_automatic(Look(), maps) == "Auto: brightness 10% \u2192 47%, strength 8 of 8"
    assert describe_automatic(Look(strength=3.0), maps) == "Auto: brightness 10% \u2192 47%"
    assert describe_automatic(Look(strength=3.0, exposure=0.5), maps) == ""
    bright = replace(maps, rgb=np.full((8, 8, 3), 133, np.uint8), exposure=0.52,
                     auto_strength=0.0)
    assert describe_automatic(Look(), bright) == ("Auto: photo already well exposed (52%), "
                                                  "left as it is")
    lifted = replace(maps, gain=8.0, auto_strength=0.01)  # an exposure gain did the lift
    assert describe_automatic(Look(), lifted) == ("Auto: brightness 10% \u2192 47%, "
                                                  "exposure +3.0 stops, strength 0.01 of 8")
    old_model = replace(maps, exposure=None, auto_strength=None)  # trained for one level
    assert describe_automatic(Look(), old_model) == "Auto: strength 8 of 8"
    assert fitted_look(old_model).exposure is None


def test_enter_in_a_spin_box_says_editing_is_done(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    spin = controls.controls["strength"].spin
    with qtbot.waitSignal(controls.editing_done, timeout=1000):
        qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_each_box_is_wide_enough_for_what_it_shows(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    controls.set_iterations(8)
    controls.set_look(Look(strength=5.09))  # automatic noise reduction: "auto (0.85)"
    controls.show()
    for control in controls.controls.values():
        box = control.spin
        shown = box.fontMetrics().horizontalAdvance(box.text())
        assert box.lineEdit().width() >= shown, box.text()
