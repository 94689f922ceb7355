"""`curves.apply_curves_` as ONNX nodes: the curves at a fractional strength.

Iteration i is weighted by clip(strength - i, 0, 1): 1 below floor(strength), the
fractional part at it and 0 above, which is `apply_curves_`'s rule (and its clamp of
strength to [0, iterations]). The weight scales the map before it is upsampled (the
render kernel samples maps as F.interpolate(align_corners=False), i.e. Resize
`half_pixel`), which saves a full-size multiply per iteration.
"""

from __future__ import annotations

import numpy as np

from .graph import GraphBuilder


def apply_curves(g: GraphBuilder, x: str, maps: str, strength: str, *, iterations: int,
                 shared: bool, size: str | None = None) -> str:
    """`x` (1, 3, H, W) through the curves of `maps` at the scalar `strength`, clipped to
    [0, 1]; `size` (x's shape) upsamples smaller maps to x, None means they match."""
    zero, one = g.constant(0.0, np.float32), g.constant(1.0, np.float32)
    for i in range(iterations):
        first = 0 if shared else 3 * i
        weight = g.op("Clip", g.op("Sub", strength, g.constant(float(i), np.float32)), zero, one)
        alpha = g.op("Mul", g.op("Slice", maps, g.constant([first], np.int64),
                                 g.constant([first + 3], np.int64),
                                 g.constant([1], np.int64)), weight)
        if size is not None:
            alpha = g.op("Resize", alpha, "", "", size, mode="linear",
                         coordinate_transformation_mode="half_pixel")
        x = g.op("Add", x, g.op("Mul", alpha, g.op("Sub", g.op("Mul", x, x), x)))
    return g.op("Clip", x, zero, one)
