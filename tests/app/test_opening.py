"""Opening: the clipboard, drops, folders (without our own outputs) and next/previous."""

from __future__ import annotations

import numpy as np
import qimage2ndarray
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from .conftest import open_and_wait, write_photo


def test_paste_and_drop_open_photos(qtbot, window, tmp_path):
    image = qimage2ndarray.array2qimage(np.full((20, 30, 3), 40, np.uint8))
    QApplication.clipboard().setImage(image)
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.opener.paste()
    assert window.session.document.name == "Pasted image"
    assert window.compare.before_pixmap().size().toTuple() == (30, 20)

    folder = tmp_path / "shots"
    folder.mkdir()
    for i in range(2):
        write_photo(folder / f"p{i}.png", seed=i)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.dropEvent(event)
    assert window.session.document.name == "p0.png"
    assert [s[0] for s in window.batch.states()] == ["p0.png", "p1.png"]


def test_page_down_opens_the_next_photo_in_the_folder(qtbot, window, tmp_path):
    folder = tmp_path / "roll"
    folder.mkdir()
    shots = [write_photo(folder / f"{name}.png", seed=i) for i, name in enumerate("abc")]
    open_and_wait(qtbot, window, shots[2])
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.action["next"].trigger()
    assert window.session.document.path == shots[0]  # wraps around
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.action["previous"].trigger()
    assert window.session.document.path == shots[2]


def test_a_folder_leaves_out_our_own_outputs_and_says_so(qtbot, window, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("27", "28"):
        write_photo(folder / f"{name}.png")
    write_photo(folder / "27_enhanced.png")  # Save's output from an earlier session
    write_photo(folder / "27_enhanced_vs_gamma.jpg")  # and its gamma comparison sheet
    write_photo(folder / "beach_enhanced.png")  # no "beach.*" here: someone else's photo
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.opener.open_paths([folder])  # `zerodce-app photos/`
    assert [state[0] for state in window.batch.states()] == [
        "27.png", "28.png", "beach_enhanced.png"]
    assert "Left out 2 files ending in \u201c_enhanced\u201d" in window.batch.eta_label.text()
    assert "Left out 2 files" in window.message_bar.text()
    assert window.session.document.path == folder / "27.png"

    window.batch.options_box.suffix.setText("_lit")  # another naming: those are inputs now
    window.batch.clear()
    assert window.batch.add_paths([folder]) == 5
