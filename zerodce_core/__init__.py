"""Zero-DCE low-light enhancement: model, curves, engine, image I/O, batch and training.

This package never imports Qt, so scripts and servers can use it on their own.
"""

import os
from importlib.metadata import PackageNotFoundError, version

# Torch's OpenMP workers spin after each parallel region by default and starve the render
# kernel's threads that run right after the network: up to 60x slower on a busy machine
# (tiny video frames), while spinning gains only ~8% on an idle one.
# It only takes effect if torch is not imported yet; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    __version__ = version("zerodce")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["CurveMaps", "Engine", "__version__"]


def __getattr__(name: str) -> object:
    """Import the engine (and torch, ~1.5 s) only when it is asked for."""
    if name in ("CurveMaps", "Engine"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
