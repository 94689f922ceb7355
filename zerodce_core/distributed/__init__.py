"""Batch enhancement beyond one machine, on Ray Data (`pip install zerodce[ray]`).

- `BatchEnhancer` (`enhancer.py`, needs no Ray itself): the local batch as a callable class
  for a user's own `Dataset.map_batches`;
- `cluster.enhance_on_ray`: a planned batch run with it on Ray, for `zerodce enhance --ray`.
  Only that module imports Ray, and only `--ray` imports it.
"""

from ..errors import ZeroDCEError
from .enhancer import BatchEnhancer


class RayError(ZeroDCEError):
    """Ray is missing, could not be started or joined, or its workers could not start."""


__all__ = ["BatchEnhancer", "RayError"]
