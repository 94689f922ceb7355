"""The main window: layout, views, zoom, errors, menus, shortcuts and remembered settings."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from desktop_app.about import about_html, model_card
from desktop_app.errors import show_unexpected_error
from desktop_app.images import qimage_to_array, to_display_qimage
from desktop_app.main_window import GAMMA_HINT, MainWindow
from desktop_app.widgets.compare_view import ViewMode
from zerodce_core import __version__
from zerodce_core.imageio import write_image

from .conftest import TINY_ITERATIONS, open_and_wait


def test_opening_a_photo_shows_it(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    assert window.compare.has_image()
    assert window.compare.before_pixmap().size().toTuple() == (96, 64)
    assert photo.name in window.windowTitle()
    assert "96 \u00d7 64" in window.status.image_label.text()
    assert window.settings.recent_files == [str(photo)]
    assert window.looks.controls["strength"].maximum() == TINY_ITERATIONS


@pytest.mark.parametrize("shape, dtype", [((40, 50), np.uint8), ((40, 50, 4), np.uint8),
                                          ((40, 50, 3), np.uint16)])
def test_gray_alpha_and_16_bit_photos_open(qtbot, window, tmp_path, shape, dtype):
    pixels = np.random.default_rng(1).integers(0, np.iinfo(dtype).max // 8, shape, dtype=dtype)
    path = write_image(tmp_path / "photo.png", pixels)
    open_and_wait(qtbot, window, path)
    assert window.compare.after_pixmap().size().toTuple() == (50, 40)
    assert f"{8 * pixels.itemsize}-bit" in window.status.image_label.text()


def test_view_modes_switch_and_hold_shows_original(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.action["view_side"].trigger()
    assert window.compare.mode is ViewMode.SIDE_BY_SIDE
    side = window.compare.grab().toImage()
    window.action["view_single"].trigger()
    assert window.compare.mode is ViewMode.SINGLE
    assert window.compare.grab().toImage() != side
    window.action["view_split"].trigger()
    assert window.settings.view_mode == "split"

    qtbot.keyPress(window, Qt.Key.Key_Space)
    assert window.compare.show_original
    qtbot.keyRelease(window, Qt.Key.Key_Space)
    assert not window.compare.show_original
    window.hold.button.pressed.emit()
    assert window.compare.show_original
    window.hold.button.released.emit()
    assert not window.compare.show_original


def test_zoom_and_divider(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    view = window.compare
    window.action["actual"].trigger()
    assert view.scale == 1.0
    window.action["zoom_in"].trigger()
    assert view.scale > 1.0
    window.action["zoom_out"].trigger()
    window.action["zoom_out"].trigger()
    assert view.scale < 1.0
    window.action["fit"].trigger()
    x = view.divider_x()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPointF(x, 50).toPoint())
    qtbot.mouseMove(view, QPointF(x - 100, 50).toPoint())
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPointF(x - 100, 50).toPoint())
    assert view.split < 0.5


def test_unreadable_photo_shows_an_error(qtbot, window, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    window.opener.open_file(broken)
    qtbot.waitUntil(lambda: "Could not open the file" in window.message_bar.text())
    assert "broken.jpg" in window.message_bar.text()


def test_out_of_memory_reads_as_advice(qtbot, window, photo, monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(window.session.engine, "estimate", exhausted)
    window.opener.open_file(photo)
    qtbot.waitUntil(lambda: "Out of memory" in window.message_bar.text())
    assert "fast quality mode" in window.message_bar.text()


def test_about_names_version_model_and_device(window):
    text = about_html(window.session.engine)
    assert __version__ in text and "cpu" in text and "tiny.safetensors" in text
    assert model_card(window.session.engine) == "Tiny random test model."


def test_unexpected_errors_show_a_dialog(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        show_unexpected_error(type(exc), exc, exc.__traceback__)
    assert shown and "boom" in shown[0]


def test_settings_persist_across_windows(qtbot, window, settings, tiny_model):
    window.action["view_side"].trigger()
    window.looks.controls["strength"].spin.setValue(2.5)
    window.set_quality("full")
    window.close()
    again = MainWindow(settings, model=str(tiny_model))
    qtbot.addWidget(again)
    assert again.compare.mode is ViewMode.SIDE_BY_SIDE
    assert again.looks.controls["strength"].value() == 2.5
    assert again.session.mode == "full"
    qtbot.waitUntil(lambda: again.session.engine is not None)


def test_pasted_image_has_qimage_round_trip():
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    image = to_display_qimage(pixels)
    assert image.format() == QImage.Format.Format_RGB32
    assert np.array_equal(qimage_to_array(image), pixels)


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
               if not a.isSeparator() and a.menu() is None and a is not window.action["quit"]]
    assert len(actions) > 20
    for action in actions:
        action.trigger()
    for menu in (window.recent_menu, window.device_menu):
        menu.aboutToShow.emit()
        for action in menu.actions():
            action.trigger()
    qtbot.waitUntil(lambda: not window.session.busy)
    window._training.close()


def test_gamma_in_the_enhanced_only_view_says_where_it_shows(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.action["view_single"].trigger()
    with qtbot.waitSignal(window.session.render_finished, timeout=10000):
        window.action["gamma"].trigger()
    assert window.message_bar.text() == GAMMA_HINT
    window.action["view_split"].trigger()
    assert window.compare.comparison_pixmap() is not None


def test_view_shortcuts_work_again_after_typing_a_strength(qtbot, window, photo):
    open_and_wait(qtbot, window, photo)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    spin = window.looks.controls["strength"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "2.5")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.session.look.strength == 2.5
    qtbot.waitUntil(window.compare.hasFocus)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_3)  # "Enhanced only"
    assert window.compare.mode is ViewMode.SINGLE
    assert window.looks.controls["strength"].value() == 2.5
