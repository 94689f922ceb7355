"""PySide6 6.12 drops a reference to None per void call on Python < 3.12; the app survives."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

import desktop_app  # noqa: F401  (importing the app applies the fix)


def test_many_void_qt_calls_do_not_exhaust_none(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    for _ in range(300_000):  # several times the references None has after start-up
        widget.update()
