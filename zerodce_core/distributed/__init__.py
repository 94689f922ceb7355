"""Batch enhancement beyond one machine, on Ray Data (`pip install zerodce[ray]`).

- `BatchEnhancer` (`enhancer.py`, needs no Ray itself): the local batch as a callable class
  for a user's own `Dataset.map_batches`;
- `cluster.enhance_on_ray`: a planned batch run with it on Ray, for `zerodce enhance --ray`.
  Only that module imports Ray, and only `--ray` imports it;
- `attempts.Attempts`: the small counter that stops Ray retrying a file forever.

Importing this package loads neither torch nor Ray (`BatchEnhancer` loads torch when asked
for), so the counter's own worker process stays small.
"""

from ..errors import ZeroDCEError

__all__ = ["BatchEnhancer", "RayError"]


class RayError(ZeroDCEError):
    """Ray is missing, could not be started or joined, or its workers could not start."""


def __getattr__(name: str) -> object:
    if name == "BatchEnhancer":
        from .enhancer import BatchEnhancer

        return BatchEnhancer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
