"""Before Qt starts: a missing display or library is said plainly instead of Qt aborting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop_app.startup import (
    NO_DISPLAY,
    debian_package,
    display_problem,
    missing_libraries,
)

ROOT = Path(__file__).resolve().parents[2]
LDD_REPORT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
"""


def check(environ, report="", platform="linux"):
    return display_problem(environ, platform, ldd=lambda path: report,
                           plugin=lambda: Path("/qt/plugins/platforms/libqxcb.so"))


def test_no_display_is_said_plainly():
    assert check({}) == NO_DISPLAY
    assert check({"QT_QPA_PLATFORM": "xcb"}) == NO_DISPLAY
    assert check({"DISPLAY": ":0"}) is None
    assert check({"WAYLAND_DISPLAY": "wayland-0"}, LDD_REPORT) is None  # not xcb at all
    assert check({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert check({}, platform="darwin") is None


def test_missing_libraries_are_named_with_their_packages():
    assert missing_libraries(LDD_REPORT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                                             "libxkbcommon-x11.so.0"]
    problem = check({"DISPLAY": ":0"}, LDD_REPORT)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libxkbcommon-x11.so.0" in problem
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0" in problem
    assert "cursor" not in problem  # what Qt itself would have blamed


def test_debian_package_names():
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libX11-xcb.so.1") == "libx11-xcb1"
    assert debian_package("libdbus-1.so.3") == "libdbus-1-3"
    assert debian_package("libglib-2.0.so.0") == "libglib2.0-0"


def test_the_app_without_a_display_exits_with_a_sentence(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "desktop_app", "--settings",
                           str(tmp_path / "s.ini")], cwd=ROOT, env=env, timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 1  # not Qt's abort (134)
    assert "no graphical display is set" in done.stderr
    assert "xcb-cursor0" not in done.stderr
