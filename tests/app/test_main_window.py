"""The main window: opening, the strength slider, views, models, saving and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

import qimage2ndarray
from desktop_app.about import about_html
from desktop_app.compare_view import ViewMode
from desktop_app.errors import show_unexpected_error
from zerodce_core import __version__
from zerodce_core.errors import NoBundledModelError

from .conftest import TINY_ITERATIONS, write_photo


def pixels(pixmap) -> np.ndarray:
    image = pixmap.toImage()  # keep the QImage alive while its memory is viewed
    return qimage2ndarray.rgb_view(image).copy()


def after_pixels(window) -> np.ndarray:
    return pixels(window.compare.after_pixmap())


def open_and_wait(qtbot, window, path: Path) -> None:
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.open_file(path)


def test_opening_a_photo_shows_it(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    assert window.compare.has_image()
    assert window.compare.before_pixmap().size().toTuple() == (96, 64)
    assert photo.name in window.windowTitle()
    assert "96 \u00d7 64" in window.image_label.text()
    assert window.settings.recent_files == [str(photo)]
    assert window.strength.maximum() == TINY_ITERATIONS


def test_strength_slider_rerenders_without_the_network(qtbot, window, tmp_path, monkeypatch):
    big = write_photo(tmp_path / "big.png", width=1600, height=1100)  # above the preview size
    open_and_wait(qtbot, window, big)
    calls = []
    monkeypatch.setattr(window.engine, "estimate", lambda *a, **k: calls.append(a))
    hook = window.engine.net.register_forward_hook(lambda *a: calls.append(a))
    window.strength.set_value(TINY_ITERATIONS)
    full = after_pixels(window)

    slider = window.strength.slider
    slider.setSliderDown(True)
    slider.setValue(slider.maximum() // 4)
    qtbot.waitUntil(lambda: window.compare.after_pixmap().width() < 1600)  # the preview
    with qtbot.waitSignal(window.render_shown, timeout=10000):
        slider.setSliderDown(False)  # release: full resolution
    hook.remove()
    after = after_pixels(window)
    assert after.shape[:2] == (1100, 1600)
    assert np.abs(after.astype(int) - full).mean() > 0.5
    assert calls == []
    assert window.settings.strength == TINY_ITERATIONS / 4


def test_zero_strength_shows_the_original(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.strength.spin.setValue(0.0)
    assert np.array_equal(after_pixels(window), pixels(window.compare.before_pixmap()))


def test_view_modes_switch_and_hold_shows_original(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.view_actions[ViewMode.SIDE_BY_SIDE].trigger()
    assert window.compare.mode is ViewMode.SIDE_BY_SIDE
    side = window.compare.grab().toImage()
    window.view_actions[ViewMode.SINGLE].trigger()
    assert window.compare.mode is ViewMode.SINGLE
    assert window.compare.grab().toImage() != side
    window.view_actions[ViewMode.SPLIT].trigger()
    assert window.settings.view_mode == "split"

    qtbot.keyPress(window, Qt.Key.Key_Space)
    assert window.compare.show_original
    qtbot.keyRelease(window, Qt.Key.Key_Space)
    assert not window.compare.show_original
    window.hold_button.pressed.emit()
    assert window.compare.show_original
    window.hold_button.released.emit()
    assert not window.compare.show_original


def test_zoom_and_divider(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    view = window.compare
    window.actual_action.trigger()
    assert view.scale == 1.0
    window.zoom_in_action.trigger()
    assert view.scale > 1.0
    window.zoom_out_action.trigger()
    window.zoom_out_action.trigger()
    assert view.scale < 1.0
    window.fit_action.trigger()
    x = view.divider_x()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPointF(x, 50).toPoint())
    qtbot.mouseMove(view, QPointF(x - 100, 50).toPoint())
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPointF(x - 100, 50).toPoint())
    assert view.split < 0.5


def test_bad_checkpoint_shows_an_error_and_keeps_the_model(qtbot, window, tmp_path):
    bad = tmp_path / "broken.pth"
    bad.write_bytes(b"this is not a checkpoint")
    engine = window.engine
    window.load_model(str(bad))
    qtbot.waitUntil(lambda: "Could not load the model" in window.message_bar.text())
    assert "broken.pth" in window.message_bar.text()
    assert window.engine is engine
    assert window.model_selector.current_spec() == str(engine.info.path)


def test_missing_bundled_model_says_so(qtbot, window, monkeypatch):
    def missing():
        raise NoBundledModelError("no default model")

    monkeypatch.setattr("zerodce_core.bundled.default_model_path", missing)
    window.load_model("")
    qtbot.waitUntil(lambda: "No default model is bundled" in window.message_bar.text())


def test_unreadable_photo_shows_an_error(qtbot, window, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    window.open_file(broken)
    qtbot.waitUntil(lambda: "Could not open the photo" in window.message_bar.text())
    assert "broken.jpg" in window.message_bar.text()


def test_loading_another_model_reestimates(qtbot, window, photo, tmp_path):
    open_and_wait(qtbot, window, photo)
    from zerodce_core.checkpoint import save_checkpoint
    from zerodce_core.model import DCENet

    other = save_checkpoint(tmp_path / "other.safetensors", DCENet(6))
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.load_model(str(other))
    assert window.strength.maximum() == 6
    assert window.document.maps.iterations == 6
    assert window.settings.recent_models[0] == str(other)


def test_save_never_overwrites_without_asking(qtbot, window, photo, monkeypatch):
    open_and_wait(qtbot, window, photo)
    with qtbot.waitSignal(window.export_slot.busy_changed, timeout=10000,
                          check_params_cb=lambda busy: not busy):
        window.save()
    target = photo.with_name("dark_enhanced.png")
    assert target.is_file()
    stamp = target.stat().st_mtime_ns

    monkeypatch.setattr(window, "confirm_overwrite", lambda path: False)
    window.save()
    assert not window.export_slot.busy and target.stat().st_mtime_ns == stamp

    window._export_to(photo, window.export_options())
    assert "original" in window.message_bar.text()


def test_paste_and_drop_open_photos(qtbot, window, tmp_path):
    image = qimage2ndarray.array2qimage(np.full((20, 30, 3), 40, np.uint8))
    QApplication.clipboard().setImage(image)
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.paste()
    assert window.document.name == "Pasted image"
    assert window.compare.before_pixmap().size().toTuple() == (30, 20)

    folder = tmp_path / "shots"
    folder.mkdir()
    for i in range(2):
        write_photo(folder / f"p{i}.png", seed=i)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.dropEvent(event)
    assert window.document.name == "p0.png"
    assert [s[0] for s in window.batch.states()] == ["p0.png", "p1.png"]


def test_about_names_version_model_and_device(window):
    text = about_html(window.engine)
    assert __version__ in text and "Tiny random test model." in text and "cpu" in text


def test_unexpected_errors_show_a_dialog(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        show_unexpected_error(type(exc), exc, exc.__traceback__)
    assert shown and "boom" in shown[0]


def test_settings_persist_across_windows(qtbot, window, settings, tiny_model):
    from desktop_app.main_window import MainWindow

    window.view_actions[ViewMode.SIDE_BY_SIDE].trigger()
    window.strength.spin.setValue(2.5)
    window.set_quality("full")
    window.close()
    again = MainWindow(settings, model=str(tiny_model))
    qtbot.addWidget(again)
    assert again.compare.mode is ViewMode.SIDE_BY_SIDE
    assert again.strength.value() == 2.5
    assert again.quality() == "full"
    qtbot.waitUntil(lambda: again.engine is not None)


def test_pasted_image_has_qimage_round_trip():
    from desktop_app.images import qimage_to_array, to_display_qimage

    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    image = to_display_qimage(pixels)
    assert image.format() == QImage.Format.Format_RGB32
    assert np.array_equal(qimage_to_array(image), pixels)
