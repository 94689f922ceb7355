"""The look's controls: one per field of `Look`, plain units, whole looks emitted."""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import Qt

from desktop_app.widgets.look_controls import LOOK_FIELDS, LookControls
from zerodce_core.pipeline import Look


def test_every_field_of_the_look_has_a_control(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    assert [field.name for field in LOOK_FIELDS] == [f.name for f in fields(Look)]
    assert set(controls.controls) == {f.name for f in fields(Look)}


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
    controls.set_look(Look())  # automatic: all iterations, no noise reduction yet
    assert controls.look() == Look(strength=8.0, denoise=0.0)
    with qtbot.waitSignal(controls.committed) as committed:
        controls.controls["denoise"].spin.setValue(0.5)
    assert committed.args == [Look(strength=8.0, denoise=0.5)]


def test_enter_in_a_spin_box_says_editing_is_done(qtbot):
    controls = LookControls()
    qtbot.addWidget(controls)
    spin = controls.controls["strength"].spin
    with qtbot.waitSignal(controls.editing_done, timeout=1000):
        qtbot.keyClick(spin, Qt.Key.Key_Return)
