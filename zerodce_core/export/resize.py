"""The engine's antialiased downscale (`engine._fit` + `engine._resize`) as ONNX nodes.

The long side goes to `max_side` (Python's round-half-even in double precision, never
upscaled) and the filter is torch's antialiased bilinear, written as two weight matrices
and MatMuls rather than Resize's `antialias` attribute, which OpenVINO 2026.4 ignores (it
aliases: 0.27 off on noise). The engine rounds its copies to the source's integer levels;
the graph keeps them in float (at most half a level apart).
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from .graph import GraphBuilder


def downscale(g: GraphBuilder, image: str, max_side: int) -> str:
    """`image` (1, C, H, W) with its long side brought down to `max_side`, antialiased."""
    shape = g.op("Shape", image)
    hw = g.op("Cast", g.op("Slice", shape, g.constant([2], np.int64),
                            g.constant([4], np.int64)), to=TensorProto.DOUBLE)
    scale = g.op("Div", g.constant([float(max_side)], np.float64),
                 g.op("ReduceMax", hw, keepdims=1))
    fitted = g.op("Max", g.op("Round", g.op("Mul", hw, scale)), g.constant([1.0], np.float64))
    small_hw = g.op("Cast", g.op("Min", fitted, hw), to=TensorProto.INT64)
    rows = _weights(g, shape, small_hw, axis=0)
    columns = g.op("Transpose", _weights(g, shape, small_hw, axis=1))
    return g.op("MatMul", g.op("MatMul", rows, image), columns)


def _weights(g: GraphBuilder, shape: str, small_hw: str, axis: int) -> str:
    """The (out, in) matrix of torch's antialiased bilinear downscale along one axis.

    Output pixel i averages input pixels j with the triangle weight
    max(0, 1 - |(j + 0.5 - (i + 0.5) * s) / s|), s = in/out, normalised per row (so the
    filter is renormalised at the borders); s = 1 gives the identity.
    """
    size_in = g.op("Cast", g.op("Gather", shape, g.constant(2 + axis, np.int64)),
                   to=TensorProto.FLOAT)
    size_out = g.op("Cast", g.op("Gather", small_hw, g.constant(axis, np.int64)),
                    to=TensorProto.FLOAT)
    zero, half, one = (g.constant(v, np.float32) for v in (0.0, 0.5, 1.0))
    scale = g.op("Div", size_in, size_out)
    centers = g.op("Mul", g.op("Add", g.op("Range", zero, size_out, one), half), scale)
    sources = g.op("Add", g.op("Range", zero, size_in, one), half)
    distance = g.op("Div", g.op("Sub", sources, g.op("Unsqueeze", centers,
                                                     g.constant([1], np.int64))), scale)
    weights = g.op("Relu", g.op("Sub", one, g.op("Abs", distance)))
    return g.op("Div", weights, g.op("ReduceSum", weights, g.constant([1], np.int64),
                                     keepdims=1))
