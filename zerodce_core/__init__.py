"""Zero-DCE low-light enhancement: model, curves, engine, image I/O, batch and training.

This package never imports Qt, so scripts and servers can use it on their own.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zerodce")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

from .engine import CurveMaps, Engine  # noqa: E402

__all__ = ["CurveMaps", "Engine", "__version__"]
