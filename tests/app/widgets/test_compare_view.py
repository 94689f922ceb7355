"""The compare view: zoom to fit shows the whole photo and never enlarges it past 100%."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap

from desktop_app.widgets.compare_view import CompareView, ViewMode


def show(qtbot, width: int, height: int) -> CompareView:
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    pixmap = QPixmap(width, height)
    pixmap.fill(Qt.GlobalColor.darkGray)
    view.set_images(pixmap, pixmap, QSize(width, height))
    return view


def test_a_small_photo_fits_at_100_percent(qtbot):
    view = show(qtbot, 120, 80)
    assert view.scale == 1.0
    view.set_mode(ViewMode.SIDE_BY_SIDE)  # refits: still not enlarged
    assert view.scale == 1.0
    view.zoom_in()
    assert view.scale > 1.0  # enlarging is still there, on request
    view.zoom_fit()
    assert view.scale == 1.0


def test_a_large_photo_fits_the_view(qtbot):
    view = show(qtbot, 4000, 3000)
    assert view.scale == min(800 / 4000, 600 / 3000)
