"""The look's controls: one per field of `Look`, plain units, whole looks emitted."""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import Qt

from desktop_app.widgets.look_controls import LOOK_FIELDS, LookControls
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
    assert strength.spin.text() == "4.00 of 4"
    assert controls.controls["denoise"].spin.text() == "off"


def test_automatic_values_and_whole_looks(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    controls.set_iterations(8)
    noise = controls.controls["denoise"]
    controls.set_look(Look())  # automatic: all iterations, automatic noise reduction
    assert controls.look() == Look(strength=8.0, denoise=None)
    assert noise.auto.isChecked() and noise.spin.value() == AUTO_DENOISE
    with qtbot.waitSignal(controls.committed) as committed:
        noise.spin.setValue(0.5)  # a value of one's own: no longer automatic
    assert committed.args == [Look(strength=8.0, denoise=0.5)] and not noise.auto.isChecked()
    with qtbot.waitSignal(controls.committed) as committed:
        noise.auto.click()
    assert committed.args == [Look(strength=8.0, denoise=None)]
    assert controls.controls["strength"].auto is None  # strength is always a number


def test_enter_in_a_spin_box_says_editing_is_done(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    spin = controls.controls["strength"].spin
    with qtbot.waitSignal(controls.editing_done, timeout=1000):
        qtbot.keyClick(spin, Qt.Key.Key_Return)
