"""Process-wide settings, made once by a program's entry point, never by importing the library.

`configure_runtime` is what the `zerodce` command and the app call first thing. Library
users call it themselves if they want the same speed; nothing else in the package touches
environment variables, thread counts or floating-point modes, so importing `zerodce_core`
or making an `Engine` never changes the host program's settings.

Two of the settings are read by torch and numba when they are first imported, so the call
must come before anything imports them (later calls still set the thread counts):
- OMP_WAIT_POLICY=PASSIVE: torch's OpenMP workers otherwise spin after each parallel region
  and starve the render kernel's threads running right after the network: up to 60x slower
  on a busy machine (tiny video frames), while spinning gains only ~8% on an idle one;
- NUMBA_CACHE_DIR: the compiled render kernel is cached in the user cache folder, which is
  writable wherever the package is installed, so later starts skip the ~2 s compile.
A value the user has set in the environment wins over both. `configure_environment` makes
these two alone, without importing anything: for worker processes a launcher starts (Ray's
worker setup hook), which must have them before their first task imports torch.
"""

from __future__ import annotations

import os

import platformdirs

from .validate import optional_in_range


def configure_runtime(threads: int | None = None) -> None:
    """Set the environment defaults, flush subnormal floats (they slow CPU convolutions up to
    30x) and use `threads` CPU threads for the network and the render kernel (None: torch's
    default, one per core)."""
    optional_in_range("threads", threads, 1, integer=True)
    configure_environment()
    import torch  # only now: the settings above are read when these load

    from . import kernels
    from .device import configure_cpu

    configure_cpu(threads)
    kernels.set_threads(threads or torch.get_num_threads())


def configure_environment() -> None:
    """The environment defaults torch and numba read when they load (the user's values win)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("NUMBA_CACHE_DIR",
                          os.path.join(platformdirs.user_cache_dir("zerodce"), "numba"))
