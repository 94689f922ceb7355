"""`Engine.estimate`'s exposure gain for conditioned models, as ONNX nodes.

The engine lifts an underexposed photo first by a gain in linear light (`exposure.py`): each
code goes through `exposure.exposure_lut`, i.e. `to_srgb(gained(to_linear(code / peak),
gain))`, and `exposure.fit_gain` finds the gain by bisection in stops on the histogram of
the downscaled copy. The graph's copy is float, so it has no histogram, but the mean of the
table over the copy's codes is the mean over its pixels of the elementwise function: the
bisection here (`fit_gain`) evaluates that function on every pixel of the copy, with the
same steps, bounds and decisions, and the render applies it to every pixel of the photo
(`lift`: the engine's table of the same function, up to float rounding).

The tone function is float32, as the image; means are summed in double, and the scalar
arithmetic (stops, gain, share) is double, as the engine's Python floats are.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from .. import exposure as auto
from .graph import GraphBuilder

# tests/test_onnx_export.py checks `lift` against `exposure.exposure_lut` code by code.


def to_linear(g: GraphBuilder, srgb: str) -> str:
    """`exposure.to_linear`, elementwise on a float32 tensor."""
    f32 = np.float32
    straight = g.op("Div", srgb, g.constant(auto.SRGB_SLOPE, f32))
    curved = g.op("Pow", g.op("Div", g.op("Add", srgb, g.constant(auto.SRGB_OFFSET, f32)),
                              g.constant(auto.SRGB_SCALE, f32)),
                  g.constant(auto.SRGB_GAMMA, f32))
    return g.op("Where", g.op("LessOrEqual", srgb, g.constant(auto.SRGB_THRESHOLD, f32)),
                straight, curved)


def to_srgb(g: GraphBuilder, linear: str) -> str:
    """`exposure.to_srgb` (clipped to [0, 1] first), elementwise on a float32 tensor."""
    f32 = np.float32
    linear = g.op("Clip", linear, g.constant(0.0, f32), g.constant(1.0, f32))
    straight = g.op("Mul", linear, g.constant(auto.SRGB_SLOPE, f32))
    curved = g.op("Sub", g.op("Mul", g.constant(auto.SRGB_SCALE, f32),
                              g.op("Pow", linear, g.constant(1 / auto.SRGB_GAMMA, f32))),
                  g.constant(auto.SRGB_OFFSET, f32))
    return g.op("Where", g.op("LessOrEqual", linear, g.constant(auto.LINEAR_THRESHOLD, f32)),
                straight, curved)


def gained(g: GraphBuilder, linear: str, gain: str) -> str:
    """`exposure.gained`: `linear` (float32 tensor) times `gain` (float32 scalar) with the
    soft shoulder above knee = max(KNEE, 1 / gain), and min(y, 1) when the knee is at or
    above 1. The branch is taken on scalars (the knee's), so neither side divides by 0."""
    f32 = np.float32
    one = g.constant(1.0, f32)
    knee = g.op("Max", g.constant(auto.KNEE, f32), g.op("Div", one, gain))
    hard = g.op("GreaterOrEqual", knee, one)
    cap = g.op("Where", hard, one, knee)  # min(y, 1) or min(y, knee)
    width = g.op("Sub", one, knee)
    scale = g.op("Where", hard, g.constant(0.0, f32), width)  # no shoulder when hard
    safe = g.op("Where", hard, one, width)
    y = g.op("Mul", gain, linear)
    over = g.op("Max", g.op("Sub", y, knee), g.constant(0.0, f32))
    shoulder = g.op("Sub", one, g.op("Exp", g.op("Neg", g.op("Div", over, safe))))
    return g.op("Add", g.op("Min", y, cap), g.op("Mul", scale, shoulder))


def lift(g: GraphBuilder, image: str, gain: str) -> str:
    """`image` (float32 in [0, 1]) after the exposure gain `gain` (float32 scalar): the
    engine's `exposure_lut` elementwise; gain 1 returns the image exactly, as the table."""
    toned = to_srgb(g, gained(g, to_linear(g, image), gain))
    return g.op("Where", g.op("Equal", gain, g.constant(1.0, np.float32)), image, toned)


def mean(g: GraphBuilder, x: str) -> str:
    """The mean of a float32 tensor as a double scalar (summed in double, as numpy's)."""
    return g.op("ReduceMean", g.op("Cast", x, to=TensorProto.DOUBLE), keepdims=0)


def fit_gain(g: GraphBuilder, small: str, own: str, target: str) -> str:
    """`exposure.fit_gain` of the float32 copy `small` (its mean `own`) for `target` (both
    double scalars): 1 if the copy's mean already reaches the target, MAX_GAIN if even
    MAX_GAIN leaves it at or below, else GAIN_STEPS bisection steps in stops over
    [0, log2(MAX_GAIN)]. A double scalar."""
    f64 = np.float64
    linear = to_linear(g, small)  # the same for every gain tried

    def level(gain: str) -> str:  # gain: a double scalar
        return mean(g, to_srgb(g, gained(g, linear, g.op("Cast", gain, to=TensorProto.FLOAT))))

    two, half = g.constant(2.0, f64), g.constant(0.5, f64)
    low, high = g.constant(0.0, f64), g.constant(float(np.log2(auto.MAX_GAIN)), f64)
    for _ in range(auto.GAIN_STEPS):
        middle = g.op("Mul", g.op("Add", low, high), half)
        below = g.op("Less", level(g.op("Pow", two, middle)), target)
        low, high = g.op("Where", below, middle, low), g.op("Where", below, high, middle)
    bisected = g.op("Pow", two, g.op("Mul", g.op("Add", low, high), half))
    most = g.constant(auto.MAX_GAIN, f64)
    short = g.op("LessOrEqual", level(most), target)
    fitted = g.op("Where", short, most, bisected)
    reached = g.op("GreaterOrEqual", own,
                   g.op("Sub", target, g.constant(auto.GAIN_TOLERANCE, f64)))
    return g.op("Where", reached, g.constant(1.0, f64), fitted)
