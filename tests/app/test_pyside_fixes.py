"""PySide6 6.12 drops a reference to None per void call on Python < 3.12; the app survives."""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtWidgets import QWidget

from desktop_app import pyside_fixes


def test_only_affected_versions_are_patched():
    assert pyside_fixes.leaks_none((6, 12, 0), (3, 11, 7))
    assert pyside_fixes.leaks_none((6, 13, 1), (3, 10, 0))
    assert not pyside_fixes.leaks_none((6, 11, 0), (3, 11, 7))
    assert not pyside_fixes.leaks_none((6, 12, 0), (3, 12, 0))  # None is immortal there


def test_applying_twice_is_harmless_and_reports_what_it_did():
    expected = ["immortal None"] if pyside_fixes.leaks_none(PySide6.__version_info__,
                                                            sys.version_info) else []
    assert pyside_fixes.apply() == expected
    assert pyside_fixes.apply() == expected


def test_many_void_qt_calls_do_not_exhaust_none(qtbot):
    pyside_fixes.apply()  # the entry point does this; importing the app does not
    widget = QWidget()
    qtbot.addWidget(widget)
    for _ in range(300_000):  # several times the references None has after start-up
        widget.update()
