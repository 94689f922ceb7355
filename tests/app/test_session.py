"""The session: rendering the look without the network, models, quality, gamma, video frames."""

from __future__ import annotations

import numpy as np

from desktop_app import workers
from desktop_app.main_window import MainWindow
from desktop_app.session import Session
from tests.test_video import make_clip
from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.errors import NoBundledModelError
from zerodce_core.imageio import read_image
from zerodce_core.model import DCENet
from zerodce_core.pipeline import EncodeOptions, Look

from .conftest import (
    TINY_ITERATIONS,
    after_pixels,
    export_and_wait,
    open_and_wait,
    pixels,
    write_photo,
)


def test_strength_slider_rerenders_without_the_network(qtbot, window, tmp_path, monkeypatch):
    big = write_photo(tmp_path / "big.png", width=1600, height=1100)  # above the preview size
    open_and_wait(qtbot, window, big)
    calls = []
    monkeypatch.setattr(window.session.engine, "estimate", lambda *a, **k: calls.append(a))
    hook = window.session.engine.net.register_forward_hook(lambda *a: calls.append(a))
    window.looks.controls["strength"].set_value(TINY_ITERATIONS)
    full = after_pixels(window)

    slider = window.looks.controls["strength"].slider
    slider.setSliderDown(True)
    slider.setValue(slider.maximum() // 4)
    qtbot.waitUntil(lambda: window.compare.after_pixmap().width() < 1600)  # the preview
    with qtbot.waitSignal(window.session.render_finished, timeout=10000):
        slider.setSliderDown(False)  # release: full resolution
    hook.remove()
    after = after_pixels(window)
    assert after.shape[:2] == (1100, 1600)
    assert np.abs(after.astype(int) - full).mean() > 0.5
    assert calls == []
    assert window.settings.look.strength == TINY_ITERATIONS / 4


def test_zero_strength_shows_the_original(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.looks.controls["strength"].spin.setValue(0.0)
    assert np.array_equal(after_pixels(window), pixels(window.compare.before_pixmap()))


def test_bad_checkpoint_shows_an_error_and_keeps_the_model(qtbot, window, tmp_path):
    bad = tmp_path / "broken.pth"
    bad.write_bytes(b"this is not a checkpoint")
    engine = window.session.engine
    window.session.load_model(str(bad))
    qtbot.waitUntil(lambda: "Could not load the model" in window.message_bar.text())
    assert "broken.pth" in window.message_bar.text()
    assert window.session.engine is engine
    assert window.model_selector.current_spec() == str(engine.info.path)


def test_missing_bundled_model_says_so(qtbot, window, monkeypatch):
    def missing():
        raise NoBundledModelError("no default model")

    monkeypatch.setattr("zerodce_core.bundled.default_model_path", missing)
    window.session.load_model("")
    qtbot.waitUntil(lambda: "No default model is bundled" in window.message_bar.text())


def test_without_a_model_the_photo_still_opens(qtbot, settings, monkeypatch):
    def missing():
        raise NoBundledModelError("no default model")

    monkeypatch.setattr("zerodce_core.bundled.default_model_path", missing)
    window = MainWindow(settings, model="")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.opener.open_sample()  # while the model is still loading: deferred, then unenhanced
    assert window.session.engine is None and window.session.document.maps is None
    assert "No default model is bundled" in window.message_bar.text()
    assert not window.action["save"].isEnabled()
    workers.shutdown()


def test_loading_another_model_reestimates(qtbot, window, photo, tmp_path):
    open_and_wait(qtbot, window, photo)
    other = save_checkpoint(tmp_path / "other.safetensors", DCENet(6))
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.session.load_model(str(other))
    assert window.looks.controls["strength"].maximum() == 6
    assert window.session.document.maps.iterations == 6
    assert window.settings.recent_models[0] == str(other)


def test_full_quality_reestimates_every_pixel(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.action["quality_full"].trigger()
    assert window.session.document.maps.mode == "full"
    assert window.settings.mode == "full"


def test_noise_reduction_rerenders_and_exports_without_the_network(qtbot, noise_model,
                                                                   exposure_window, photo,
                                                                   tmp_path, monkeypatch):
    window = exposure_window  # its model lifts the dark photo: there is amplified noise to remove
    open_and_wait(qtbot, window, photo)
    window.looks.controls["strength"].set_value(TINY_ITERATIONS)
    window.looks.controls["strength"].committed.emit(float(TINY_ITERATIONS))
    plain = after_pixels(window)
    calls = []
    monkeypatch.setattr(window.session.engine, "estimate", lambda *a, **k: calls.append(a))
    hook = window.session.engine.net.register_forward_hook(lambda *a: calls.append(a))
    with qtbot.waitSignal(window.session.render_finished, timeout=10000):
        window.looks.controls["denoise"].spin.setValue(1.0)
    smoothed = after_pixels(window)
    assert not np.array_equal(smoothed, plain)
    assert window.settings.look.denoise == 1.0

    target = tmp_path / "smooth.png"
    export_and_wait(qtbot, window, lambda: window.exports.export_to(target, EncodeOptions()))
    hook.remove()
    assert calls == []
    assert np.array_equal(read_image(target).pixels, smoothed)


def test_gamma_comparison_replaces_the_before_side(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.looks.controls["strength"].set_value(TINY_ITERATIONS)
    assert window.compare.comparison_pixmap() is None
    assert window.compare.before_label() == "Before"
    with qtbot.waitSignal(window.session.render_finished, timeout=10000):
        window.action["gamma"].trigger()
    gamma = pixels(window.compare.comparison_pixmap())
    assert window.compare.before_label().startswith("Gamma \u03b3=")
    assert not np.array_equal(gamma, pixels(window.compare.before_pixmap()))
    assert abs(gamma.mean() - after_pixels(window).mean()) < 3  # same mean brightness
    assert window.settings.compare_gamma
    window.compare.grab()  # paints with the label

    with qtbot.waitSignal(window.session.render_finished, timeout=10000):
        window.action["gamma"].trigger()
    assert window.compare.comparison_pixmap() is None
    assert window.compare.before_label() == "Before" and not window.settings.compare_gamma


def test_gamma_comparison_is_restored_for_the_next_photo(qtbot, settings, tiny_model, photo):
    settings.compare_gamma = True
    win = MainWindow(settings, model=str(tiny_model))
    try:
        qtbot.waitUntil(lambda: win.session.engine is not None, timeout=10000)
        assert win.action["gamma"].isChecked()
        open_and_wait(qtbot, win, photo)
        assert win.compare.comparison_pixmap() is not None
    finally:
        win.close()
        workers.shutdown()
        win.deleteLater()


def test_a_video_shows_its_frames_and_saves_whole_with_the_look_on_screen(
        qtbot, window, photo, tmp_path, monkeypatch):
    clip = make_clip(tmp_path / "clip.mp4", frames=8, step=20)
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.opener.open_paths([clip])  # as a drop or the command line does
    assert window.scrubber.isVisible() and window.scrubber.slider.maximum() == 7
    assert window.scrubber.label.text().startswith("Frame 1 / 8")
    assert "clip.mp4" in window.windowTitle()
    first = pixels(window.compare.before_pixmap())

    requested = []
    start = window.session.frame_slot.start
    monkeypatch.setattr(window.session.frame_slot, "start", lambda fn, *args, **kw: (
        requested.append(args[-1]), start(fn, *args, **kw)))
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        for frame in (2, 5, 7):  # a drag: only the newest frame is shown
            window.scrubber.slider.setValue(frame)
    assert requested == [2, 5, 7]
    last = pixels(window.compare.before_pixmap())
    assert last.mean() > first.mean() + 100  # frame i is 20 levels brighter than frame i-1
    assert window.compare.after_pixmap().size().toTuple() == (64, 48)
    assert window.scrubber.label.text().startswith("Frame 8 / 8")

    target = clip.with_name("clip_enhanced.mp4")
    with qtbot.waitSignal(window.session.exported, timeout=30000) as saved:
        window.exports.save()  # the whole video, not a still of the frame on screen
    assert saved.args == [target] and target.is_file()
    assert not window.batch_dock.isVisible() and window.batch.rows() == []
    assert "Saved clip_enhanced.mp4" in window.message_bar.text()

    open_and_wait(qtbot, window, photo)
    assert not window.scrubber.isVisible() and window.session.document.path == photo


def test_a_session_works_without_a_window(qtbot, noise_model, tiny_model, photo, tmp_path):
    """The session is Qt-light: no widgets, only signals and jobs."""
    session = Session(lambda: (800, 600), look=Look(strength=2.0, denoise=0.0))
    with qtbot.waitSignal(session.engine_ready, timeout=10000):
        session.load_model(str(tiny_model))
    with qtbot.waitSignal(session.document_ready, timeout=10000) as ready:
        session.open_image(photo)
    assert ready.args[0].rendered.look == Look(strength=2.0, denoise=0.0)
    with qtbot.waitSignal(session.render_finished, timeout=10000):
        session.commit_look(Look(strength=TINY_ITERATIONS, denoise=0.5))
    target = tmp_path / "out.png"
    with qtbot.waitSignal(session.exported, timeout=10000):
        session.export(target, EncodeOptions())
    assert read_image(target).size == (96, 64)
    assert session.is_original(photo) and not session.is_original(target)
    session.cancel()
    workers.shutdown()


def test_a_new_exposure_estimates_the_curves_again(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.session.commit_look(Look(strength=2.0, denoise=0.0, exposure=0.6))
    assert window.session.document.exposure == 0.6
    with qtbot.assertNotEmitted(window.session.document_ready, wait=300):
        window.session.commit_look(Look(strength=3.0, denoise=0.0, exposure=0.6))


def test_without_a_noise_model_noise_reduction_is_left_automatic(qtbot, settings, tiny_model,
                                                                  monkeypatch):
    def missing():
        raise NoBundledModelError("no noise-reduction model")

    monkeypatch.setattr("zerodce_core.bundled.default_denoiser_path", missing)
    settings.look = Look(denoise=0.8)  # remembered from a version that had one
    win = MainWindow(settings, model=str(tiny_model))
    try:
        qtbot.waitUntil(lambda: win.session.engine is not None, timeout=10000)
        noise = win.looks.controls["denoise"]
        assert not noise.isEnabled() and "No noise-reduction model" in noise.toolTip()
        assert win.session.look.denoise is None  # automatic: the core skips it
    finally:
        win.close()
        workers.shutdown()
        win.deleteLater()
