"""Start the app: `zerodce-app [photos or folders...]` or `python -m desktop_app`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from zerodce_core import __version__
from zerodce_core.bundled import resource_path
from zerodce_core.runtime import configure_environment, configure_runtime

from . import pyside_fixes, workers
from .errors import install_excepthook
from .settings import APPLICATION, ORGANIZATION, Settings
from .startup import display_problem

SHUTDOWN_WAIT_MS = 20000


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="zerodce-app",
                                     description="Brighten low-light photos with Zero-DCE.")
    parser.add_argument("paths", nargs="*", type=Path,
                        help="a photo or video to open; several files or folders also fill the "
                        "batch queue")
    parser.add_argument("--model", help="checkpoint to use instead of the remembered model")
    parser.add_argument("--settings", type=Path,
                        help="use this ini file for preferences (default: the user's)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; the sample photo greets a first start so the effect shows at once.

    The window shows before torch loads: the model (and torch with it, 1.5-2 s) loads on a
    worker, and the photo being opened waits for it. The runtime settings torch and numba
    read when they load are set first; the rest (flush-to-zero, threads) once they have
    loaded, on this thread, before any job thread that runs the network starts (job threads
    inherit the floating-point mode of the thread that starts them).
    Without a usable display it says why and returns 1 instead of letting Qt abort.
    """
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    problem = None if QApplication.instance() else display_problem(os.environ, sys.platform)
    if problem:
        print(f"zerodce-app: {problem}", file=sys.stderr)
        return 1
    configure_environment()  # before torch and numba load (on the model worker)
    from .main_window import MainWindow

    pyside_fixes.apply()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resource_path("icons/zerodce.svg"))))
    install_excepthook()
    settings = Settings(args.settings)
    window = MainWindow(settings, model=args.model)
    window.session.engine_ready.connect(lambda _: configure_runtime())  # cheap once loaded
    window.show()
    if args.paths:
        window.opener.open_paths(args.paths)
    elif settings.first_run:
        window.opener.open_sample()
    settings.first_run = False
    code = app.exec()
    settings.sync()
    if not workers.shutdown(SHUTDOWN_WAIT_MS):
        # Destroying a running QThread aborts the process with a Qt fatal error; outputs are
        # written atomically, so leaving without waiting for the last file loses nothing.
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
