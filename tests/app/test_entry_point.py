"""`zerodce-app PHOTO` / `python -m desktop_app PHOTO`: opens the photo, remembers settings.

`main()` runs `QApplication.exec()`, after which Qt stops delivering events in that
process, so it runs in a child process here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop_app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from desktop_app.__main__ import main
from desktop_app.main_window import MainWindow

app = QApplication([])

def quit_once_shown():
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
    document = windows[0].session.document if windows else None
    if document is not None and document.maps is not None:
        print("shown", document.path, flush=True)
        windows[0].close()

poll = QTimer(interval=20)
poll.timeout.connect(quit_once_shown)
poll.start()
sys.exit(main(sys.argv[1:]))
"""


def test_main_opens_the_photo_given_on_the_command_line(tmp_path, tiny_model, photo):
    ini = tmp_path / "cli.ini"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD, "--settings", str(ini), "--model",
                           str(tiny_model), str(photo)], cwd=ROOT, env=env, timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"shown {photo}" in done.stdout
    settings = Settings(ini)
    assert settings.first_run is False
    assert settings.recent_files == [str(photo)]
    assert settings.model == str(tiny_model)
