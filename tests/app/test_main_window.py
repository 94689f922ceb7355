"""The main window: opening, the strength slider, views, models, saving and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import qimage2ndarray
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from desktop_app import workers
from desktop_app.about import about_html, model_card
from desktop_app.compare_view import ViewMode
from desktop_app.document import ExportOptions
from desktop_app.errors import show_unexpected_error
from desktop_app.images import qimage_to_array, to_display_qimage
from desktop_app.main_window import MainWindow
from tests.test_video import make_clip
from zerodce_core import __version__
from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.errors import NoBundledModelError
from zerodce_core.imageio import read_image, write_image
from zerodce_core.model import DCENet

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
    assert "96 \u00d7 64" in window.status.image_label.text()
    assert window.settings.recent_files == [str(photo)]
    assert window.strength.maximum() == TINY_ITERATIONS


@pytest.mark.parametrize("shape, dtype", [((40, 50), np.uint8), ((40, 50, 4), np.uint8),
                                          ((40, 50, 3), np.uint16)])
def test_gray_alpha_and_16_bit_photos_open(qtbot, window, tmp_path, shape, dtype):
    pixels = np.random.default_rng(1).integers(0, np.iinfo(dtype).max // 8, shape, dtype=dtype)
    path = write_image(tmp_path / "photo.png", pixels)
    open_and_wait(qtbot, window, path)
    assert window.compare.after_pixmap().size().toTuple() == (50, 40)
    assert f"{8 * pixels.itemsize}-bit" in window.status.image_label.text()


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


def test_without_a_model_the_photo_still_opens(qtbot, settings, monkeypatch):
    def missing():
        raise NoBundledModelError("no default model")

    monkeypatch.setattr("zerodce_core.bundled.default_model_path", missing)
    window = MainWindow(settings, model="")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.open_sample()  # while the model is still loading: deferred, then unenhanced
    assert window.engine is None and window.document.maps is None
    assert "No default model is bundled" in window.message_bar.text()
    assert not window.save_action.isEnabled()
    workers.shutdown()


def test_unreadable_photo_shows_an_error(qtbot, window, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    window.open_file(broken)
    qtbot.waitUntil(lambda: "Could not open the file" in window.message_bar.text())
    assert "broken.jpg" in window.message_bar.text()


def test_out_of_memory_reads_as_advice(qtbot, window, photo, monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(window.engine, "estimate", exhausted)
    window.open_file(photo)
    qtbot.waitUntil(lambda: "Out of memory" in window.message_bar.text())
    assert "fast quality mode" in window.message_bar.text()


def test_loading_another_model_reestimates(qtbot, window, photo, tmp_path):
    open_and_wait(qtbot, window, photo)
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


def test_export_writes_the_chosen_format_and_depth(qtbot, window, photo, tmp_path):
    open_and_wait(qtbot, window, photo)
    target = tmp_path / "out" / "lit.tif"
    target.parent.mkdir()
    with qtbot.waitSignal(window.export_slot.busy_changed, timeout=10000,
                          check_params_cb=lambda busy: not busy):
        window._export_to(target, ExportOptions(format="tiff", bit_depth=16))
    written = read_image(target)
    assert written.pixels.dtype == np.uint16 and written.size == (96, 64)
    assert "Saved lit.tif" in window.message_bar.text()


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


def test_page_down_opens_the_next_photo_in_the_folder(qtbot, window, tmp_path):
    folder = tmp_path / "roll"
    folder.mkdir()
    shots = [write_photo(folder / f"{name}.png", seed=i) for i, name in enumerate("abc")]
    open_and_wait(qtbot, window, shots[2])
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.next_action.trigger()
    assert window.document.path == shots[0]  # wraps around
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.previous_action.trigger()
    assert window.document.path == shots[2]


def test_about_names_version_model_and_device(window):
    text = about_html(window.engine)
    assert __version__ in text and "cpu" in text and "tiny.safetensors" in text
    assert model_card(window.engine) == "Tiny random test model."


def test_unexpected_errors_show_a_dialog(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        show_unexpected_error(type(exc), exc, exc.__traceback__)
    assert shown and "boom" in shown[0]


def test_settings_persist_across_windows(qtbot, window, settings, tiny_model):
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
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    image = to_display_qimage(pixels)
    assert image.format() == QImage.Format.Format_RGB32
    assert np.array_equal(qimage_to_array(image), pixels)


def test_full_quality_reestimates_every_pixel(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.quality_actions["full"].trigger()
    assert window.document.maps.mode == "full"
    assert window.settings.mode == "full"


def test_every_menu_action_works(qtbot, window, photo, monkeypatch):
    """Trigger every menu item with dialogs answered "cancel": none may raise."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([], ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    open_and_wait(qtbot, window, photo)
    menus = [a.menu() for a in window.menuBar().actions()]
    actions = [a for menu in menus for a in menu.actions()
               if not a.isSeparator() and a.menu() is None and a is not window.quit_action]
    assert len(actions) > 20
    for action in actions:
        action.trigger()
    for menu in (window.recent_menu, window.device_menu):
        menu.aboutToShow.emit()
        for action in menu.actions():
            action.trigger()
    qtbot.waitUntil(lambda: not window.document_slot.busy and not window.model_slot.busy)
    window._training.close()


def test_noise_reduction_rerenders_and_exports_without_the_network(qtbot, window, photo,
                                                                   tmp_path, monkeypatch):
    open_and_wait(qtbot, window, photo)
    window.strength.set_value(TINY_ITERATIONS)
    window.strength.committed.emit(float(TINY_ITERATIONS))
    plain = after_pixels(window)
    calls = []
    monkeypatch.setattr(window.engine, "estimate", lambda *a, **k: calls.append(a))
    hook = window.engine.net.register_forward_hook(lambda *a: calls.append(a))
    with qtbot.waitSignal(window.render_shown, timeout=10000):
        window.noise.spin.setValue(1.0)
    smoothed = after_pixels(window)
    assert not np.array_equal(smoothed, plain)
    assert window.settings.denoise == 1.0

    target = tmp_path / "smooth.png"
    with qtbot.waitSignal(window.export_slot.busy_changed, timeout=10000,
                          check_params_cb=lambda busy: not busy):
        window._export_to(target, ExportOptions())
    hook.remove()
    assert calls == []
    assert np.array_equal(read_image(target).pixels, smoothed)


def test_gamma_comparison_replaces_the_before_side(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.strength.set_value(TINY_ITERATIONS)
    assert window.compare.comparison_pixmap() is None
    assert window.compare.before_label() == "Before"
    with qtbot.waitSignal(window.render_shown, timeout=10000):
        window.gamma_action.trigger()
    gamma = pixels(window.compare.comparison_pixmap())
    assert window.compare.before_label().startswith("Gamma \u03b3=")
    assert not np.array_equal(gamma, pixels(window.compare.before_pixmap()))
    assert abs(gamma.mean() - after_pixels(window).mean()) < 3  # same mean brightness
    assert window.settings.compare_gamma
    window.compare.grab()  # paints with the label

    with qtbot.waitSignal(window.render_shown, timeout=10000):
        window.gamma_action.trigger()
    assert window.compare.comparison_pixmap() is None
    assert window.compare.before_label() == "Before" and not window.settings.compare_gamma


def test_gamma_comparison_is_restored_for_the_next_photo(qtbot, settings, tiny_model, photo):
    settings.compare_gamma = True
    win = MainWindow(settings, model=str(tiny_model))
    try:
        qtbot.waitUntil(lambda: win.engine is not None, timeout=10000)
        assert win.gamma_action.isChecked()
        open_and_wait(qtbot, win, photo)
        assert win.compare.comparison_pixmap() is not None
    finally:
        win.close()
        workers.shutdown()
        win.deleteLater()


def test_a_video_shows_its_frames_and_exports_through_the_batch_queue(qtbot, window, photo,
                                                                       tmp_path, monkeypatch):
    clip = make_clip(tmp_path / "clip.mp4", frames=8, step=20)
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        window.open_paths([clip])  # as a drop or the command line does
    assert window.scrubber.isVisible() and window.scrubber.slider.maximum() == 7
    assert window.scrubber.label.text().startswith("Frame 1 / 8")
    assert "clip.mp4" in window.windowTitle()
    first = pixels(window.compare.before_pixmap())

    requested = []
    start = window.frame_slot.start
    monkeypatch.setattr(window.frame_slot, "start", lambda fn, *args, **kw: (
        requested.append(args[-1]), start(fn, *args, **kw)))
    with qtbot.waitSignal(window.document_shown, timeout=10000):
        for frame in (2, 5, 7):  # a drag: only the newest frame is shown
            window.scrubber.slider.setValue(frame)
    assert requested == [2, 5, 7]
    last = pixels(window.compare.before_pixmap())
    assert last.mean() > first.mean() + 100  # frame i is 20 levels brighter than frame i-1
    assert window.compare.after_pixmap().size().toTuple() == (64, 48)
    assert window.scrubber.label.text().startswith("Frame 8 / 8")

    window.export_as()  # no dialog: the batch queue enhances the whole video
    assert window.batch_dock.isVisible()
    assert [row.toolTip(0) for row in window.batch.rows()] == [str(clip)]

    open_and_wait(qtbot, window, photo)
    assert not window.scrubber.isVisible() and window.document.path == photo
