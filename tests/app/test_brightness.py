"""Brightness (the exposure) and automatic strength in the window: what the pipeline is
handed, what the controls and the status bar say, and old models that take no exposure."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QSlider

from desktop_app.widgets.look_controls import NO_EXPOSURE
from zerodce_core import pipeline
from zerodce_core.exposure import TARGET, mean_level
from zerodce_core.pipeline import Look

from .conftest import TINY_ITERATIONS, after_pixels, open_and_wait, open_window, pixels


def record_estimates(monkeypatch) -> list[Look]:
    """The looks the window hands to the pipeline's estimate (the network's one entry)."""
    looks: list[Look] = []
    estimate = pipeline.estimate

    def recording(engine, image, look, **kwargs):
        looks.append(look)
        return estimate(engine, image, look, **kwargs)

    monkeypatch.setattr(pipeline, "estimate", recording)
    return looks


def test_a_dark_photo_is_lifted_to_the_automatic_brightness(qtbot, exposure_window, photo,
                                                            monkeypatch):
    window = exposure_window
    looks = record_estimates(monkeypatch)
    brightness = window.looks.controls["exposure"]
    assert brightness.isEnabled() and brightness.is_automatic()
    open_and_wait(qtbot, window, photo)
    assert looks == [Look(denoise=0.0)]  # automatic: the core fits it to the photo
    maps = window.session.document.maps
    # An evenly dark photo: the exposure gain lifts it, the curves have little left to do.
    assert maps.exposure == TARGET and maps.gain > 2 and maps.auto_strength < 0.5
    assert mean_level(after_pixels(window)) == pytest.approx(TARGET, abs=0.03)
    assert brightness.spin.text() == f"auto ({TARGET:.0%})"
    assert window.looks.controls["strength"].spin.text().startswith("auto (0")
    automatic = window.status.automatic_label
    assert automatic.isVisibleTo(window) and automatic.text().startswith("Auto: brightness ")
    assert f"\u2192 {TARGET:.0%}, exposure +" in automatic.text()


def test_moving_brightness_estimates_the_curves_for_that_level(qtbot, exposure_window, photo,
                                                               monkeypatch):
    window = exposure_window
    open_and_wait(qtbot, window, photo)
    looks = record_estimates(monkeypatch)
    before = after_pixels(window)
    slider = window.looks.controls["exposure"].slider
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        slider.setValue(70)  # keyboard or a click on the groove: a final value
    assert looks == [Look(denoise=0.0, exposure=0.7)]
    assert window.session.document.maps.exposure == 0.7
    assert window.settings.look.exposure == 0.7
    assert after_pixels(window).mean() > before.mean() + 1  # brighter than 47%
    assert "brightness" not in window.status.automatic_label.text()  # no longer automatic

    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.looks.controls["exposure"].auto.click()  # back to automatic: estimated again
    assert looks[-1].exposure is None and window.session.document.maps.exposure == TARGET


def test_dragging_brightness_waits_for_the_release(qtbot, exposure_window, photo, monkeypatch):
    window = exposure_window
    open_and_wait(qtbot, window, photo)
    looks = record_estimates(monkeypatch)
    slider = window.looks.controls["exposure"].slider
    slider.setSliderDown(True)
    with qtbot.assertNotEmitted(window.session.document_ready, wait=300):
        for level in (50, 55, 60):
            slider.setValue(level)
    assert looks == []
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        slider.setSliderDown(False)
    assert [look.exposure for look in looks] == [0.6]


def test_a_well_exposed_photo_is_left_as_it_is(qtbot, exposure_window, tmp_path):
    window = exposure_window
    rng = np.random.default_rng(0)
    bright = rng.integers(90, 160, (48, 64, 3), dtype=np.uint8)  # mean level about 49%
    Image.fromarray(bright).save(tmp_path / "day.png")
    open_and_wait(qtbot, window, tmp_path / "day.png")
    assert window.session.document.maps.auto_strength == 0
    assert window.looks.controls["strength"].spin.text() == "auto (0: well exposed)"
    assert "already well exposed" in window.status.automatic_label.text()
    assert np.array_equal(after_pixels(window), pixels(window.compare.before_pixmap()))

    with qtbot.waitSignal(window.session.render_finished, timeout=10000):
        window.nudge_strength(0.5)  # ] starts from the fitted value: a value of one's own
    assert window.session.look.strength == 0.5
    assert window.status.automatic_label.text().startswith("Auto: brightness")


def test_an_old_model_disables_brightness_and_says_why(qtbot, settings, tiny_model, photo,
                                                       monkeypatch):
    """A model trained for one level (the paper's) cannot be asked for another."""
    settings.look = Look(exposure=0.3, denoise=0.0)  # remembered from an exposure model
    settings.batch_look = Look(exposure=0.3)
    with open_window(qtbot, settings, tiny_model) as window:
        brightness = window.looks.controls["exposure"]
        assert not window.session.engine.takes_exposure
        assert not brightness.isEnabled() and brightness.slider.toolTip() == NO_EXPOSURE
        assert window.session.look.exposure is None
        box = window.batch.options_box.look_boxes["exposure"]
        assert not box.isEnabled() and box.toolTip() == NO_EXPOSURE and box.look_value() is None
        looks = record_estimates(monkeypatch)
        open_and_wait(qtbot, window, photo)
        assert looks[0].exposure is None
        assert window.status.automatic_label.text() == f"Auto: strength 4 of {TINY_ITERATIONS}"


def test_the_batch_form_takes_a_brightness(qtbot, exposure_window):
    box = exposure_window.batch.options_box
    exposure = box.look_boxes["exposure"]
    assert exposure.isEnabled() and exposure.text() == "auto"
    assert box.options(recursive=False).look.exposure is None
    exposure.setValue(62)
    assert exposure.text() == "62%" and box.options(recursive=False).look.exposure == 0.62
    exposure.stepBy(-100)  # down to the bottom: "auto" sits one step below 5%
    assert exposure.text() == "auto" and box.look().exposure is None
    strength = box.look_boxes["strength"]
    assert strength.text() == "auto" and box.look().strength is None
    strength.setValue(2.5)
    assert box.look() == Look(strength=2.5, denoise=box.look().denoise)


def test_keyboard_on_the_brightness_slider_commits(qtbot, exposure_window, photo):
    window = exposure_window
    open_and_wait(qtbot, window, photo)
    slider = window.looks.controls["exposure"].slider
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        slider.triggerAction(QSlider.SliderAction.SliderPageStepAdd)  # Page Up: +10%
    assert window.session.document.maps.exposure == round(TARGET + 0.1, 2)
