"""`zerodce-app PHOTO` / `python -m desktop_app PHOTO`: opens the photo, remembers settings,
and shows its window without waiting for torch.

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
        import os, torch
        print("shown", document.path, flush=True)
        tiny = torch.tensor([1e-39])  # a subnormal float: 0 once flushed on this thread
        print("runtime", os.environ["OMP_WAIT_POLICY"], float(tiny * 1.0) == 0.0, flush=True)
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
    assert "runtime PASSIVE True" in done.stdout  # configured although torch loaded elsewhere
    settings = Settings(ini)
    assert settings.first_run is False
    assert settings.recent_files == [str(photo)]
    assert settings.model == str(tiny_model)


WITHOUT_TORCH = """
import sys
sys.modules["torch"] = None  # importing torch fails: the window must not need it
from PySide6.QtWidgets import QApplication
from desktop_app.main_window import MainWindow
from desktop_app.settings import Settings
app = QApplication([])
window = MainWindow(Settings(sys.argv[1]))
window.show()
def failed(spec, exc):
    print("visible", window.isVisible(), "message", window.message_bar.text(), flush=True)
    app.quit()
window.session.engine_failed.connect(failed)
app.exec()
"""


def test_the_window_is_built_without_torch_which_loads_on_the_model_worker(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", WITHOUT_TORCH, str(tmp_path / "s.ini")],
                          cwd=ROOT, env=env, timeout=60, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "visible True message Could not load the model." in done.stdout  # the import failed
