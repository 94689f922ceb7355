"""Zero-DCE low-light enhancement: model, curves, engine, image I/O, batch and training.

This package never imports Qt, so scripts and servers can use it on their own, and
importing it changes nothing process-wide: programs call `runtime.configure_runtime()`
first thing (the CLI and the app do) for the thread and OpenMP settings it runs best with.
"""

from importlib.metadata import PackageNotFoundError, version

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
