"""Before Qt starts: is there a display, and can Qt's X11 (xcb) platform plugin load?

When no platform plugin loads, Qt aborts the whole process (exit 134) with a message
that blames libxcb-cursor0 whatever is really missing, and without a display at all it
says the same. So the entry point asks first: no DISPLAY/WAYLAND_DISPLAY is said plainly,
and missing libraries are found with `ldd` on the xcb plugin and named, with the
Debian/Ubuntu packages that usually provide them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QLibraryInfo

NO_DISPLAY = ("no graphical display is set (neither DISPLAY nor WAYLAND_DISPLAY). Start the "
              "app from a desktop session or under a virtual X server (xvfb-run -a "
              "zerodce-app), or use the command line: zerodce enhance PHOTO.")
#: Libraries whose Debian package name does not follow the soname.
PACKAGES = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0"}


def xcb_plugin() -> Path:
    """Qt's X11 platform plugin of the installed PySide6."""
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    return plugins / "platforms" / "libqxcb.so"


def run_ldd(library: Path) -> str:
    """`ldd`'s report on a shared library ("" when ldd or the library is not there)."""
    try:
        done = subprocess.run(["ldd", str(library)], capture_output=True, text=True,
                              timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def missing_libraries(report: str) -> list[str]:
    """The sonames `ldd` reports as "not found", each once, in its order."""
    missing = [line.split("=>")[0].strip() for line in report.splitlines()
               if "=> not found" in line]
    return list(dict.fromkeys(missing))


def debian_package(soname: str) -> str:
    """The package that usually ships a library: libxcb-icccm.so.4 -> libxcb-icccm4."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    name, _, version = soname.partition(".so")
    major = version.strip(".").split(".")[0]
    name = name.lower()
    if not major:
        return name
    return f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"


def display_problem(environ: Mapping[str, str], platform: str = "linux",
                    ldd: Callable[[Path], str] = run_ldd,
                    plugin: Callable[[], Path] = xcb_plugin) -> str | None:
    """Why Qt would fail to open a window here, as a sentence; None when it should work."""
    if not platform.startswith("linux"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if requested and requested not in ("xcb", "wayland", "wayland-egl"):
        return None  # offscreen, vnc, eglfs...: no display server involved
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return NO_DISPLAY
    if requested.startswith("wayland") or (not requested and environ.get("WAYLAND_DISPLAY")):
        return None  # Qt's Wayland plugin, not xcb
    missing = missing_libraries(ldd(plugin()))
    if not missing:
        return None
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
    return (f"Qt cannot open a window: its X11 (xcb) platform plugin needs "
            f"{', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
            f"installed. On Debian/Ubuntu: {sudo}apt-get install {packages}")
