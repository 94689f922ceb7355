"""The message bar: notices go away by themselves, errors stay until dismissed."""

from __future__ import annotations

from desktop_app.widgets.message_bar import TIMEOUTS_MS, MessageBar


def test_notices_time_out_and_errors_stay(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("Saved night_enhanced.jpg", "info", timeout_ms=50)
    assert bar.text() == "Saved night_enhanced.jpg"
    qtbot.waitUntil(lambda: bar.text() == "", timeout=2000)

    bar.show_message("Could not open the file.")
    qtbot.wait(150)
    assert bar.text() == "Could not open the file."
    bar.dismiss()
    assert bar.text() == ""


def test_an_error_replacing_a_notice_is_not_timed_out(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("Saved", "info", timeout_ms=50)
    bar.show_message("Could not save: disk full")
    qtbot.wait(150)
    assert bar.text() == "Could not save: disk full"


def test_notices_have_a_default_timeout(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("Saved", "info")
    assert bar._timer.isActive() and bar._timer.interval() == TIMEOUTS_MS["info"] > 0
    bar.show_message("Could not save")
    assert not bar._timer.isActive() and TIMEOUTS_MS["error"] == 0
