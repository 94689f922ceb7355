"""`Engine.estimate`'s exposure steps for conditioned models, as ONNX nodes.

- target: the `exposure` input if > 0 (clipped to `exposure.LIMITS`), else
  `exposure.auto_exposure` of the downscaled copy's mean and `exposure.highlight_level`
  (the night-scene rule: the dark target slides from TARGET down to NIGHT_TARGET as the
  highlights' ratio to the mean grows);
- gain: `exposure.fit_gain` on the copy for that target (`gain.py`), raised to
  `exposure.gain_share` (1 minus the night-scene share), unless a `fixed_gain` input > 0 fixes it;
  the copy after the gain (`gain.lift`) is what the network and the calibration see;
- default strength: all iterations when an exposure below the copy's own level is asked
  for (the curves darken), else `exposure.auto_strength` from the mean of the copy after
  the gain to the target;
- network level: `Engine._network_level`'s bisection, unrolled: CALIBRATION_STEPS runs of
  the network on a CALIBRATION_SIZE thumbnail of the copy after the gain, each applying the
  curves at the default strength (all iterations when that is 0) and moving the low or
  the high end of NETWORK_LEVELS depending on whether the output mean reached the target.
The scalar arithmetic is in double precision, as the engine's Python floats are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from onnx import TensorProto

from .. import exposure as auto
from ..engine import CALIBRATION_SIZE, CALIBRATION_STEPS, NETWORK_LEVELS
from .curves import apply_curves
from .gain import fit_gain, lift, mean
from .graph import GraphBuilder, SharedNetwork
from .resize import downscale


@dataclass(frozen=True)
class ExposurePlan:
    """Graph values: the target mean (double scalar), the exposure gain (float scalar), the
    copy after the gain (float (1, 3, h, w)) and the strengths (float scalars)."""

    target: str
    gain: str
    gained: str  # the downscaled copy after the gain: what the network sees
    strength: str  # the render's default
    calibration_strength: str  # what the bisection renders at


def plan_exposure(g: GraphBuilder, small: str, exposure: str, iterations: int,
                  fixed_gain: str | None = None) -> ExposurePlan:
    """The target level, exposure gain and default strength for the downscaled copy `small`.

    `fixed_gain` (a float scalar; > 0 fixes the gain) is the full graph's input of that name."""
    f64 = np.float64
    # Summed in double, as numpy's float64 mean: float32 sums drift by ~1e-5 at 512 px.
    own = mean(g, small)
    night = _low_key(g, own, _highlight_level(g, small))
    low = g.op("Sub", g.constant(auto.TARGET, f64),
               g.op("Mul", night, g.constant(auto.TARGET - auto.NIGHT_TARGET, f64)))
    share = g.op("Clip", g.op("Div", g.op("Sub", own, g.constant(auto.DARK, f64)),
                              g.constant(auto.WELL_EXPOSED - auto.DARK, f64)),
                 g.constant(0.0, f64), g.constant(1.0, f64))
    sliding = g.op("Add", low, g.op("Mul", share, g.op("Sub", g.constant(auto.WELL_EXPOSED, f64),
                                                      low)))
    kept = g.op("Min", own, g.constant(auto.LIMITS[1], f64))
    automatic = g.op("Where", g.op("GreaterOrEqual", own, g.constant(auto.WELL_EXPOSED, f64)),
                     kept, sliding)
    asked = g.op("Clip", g.op("Cast", exposure, to=TensorProto.DOUBLE),
                 g.constant(auto.LIMITS[0], f64), g.constant(auto.LIMITS[1], f64))
    is_asked = g.op("Greater", exposure, g.constant(0.0, np.float32))
    target = g.op("Where", is_asked, asked, automatic)

    # exposure.fit_gain(small, target) ** exposure.gain_share(own, highlight)
    gain_share = g.op("Sub", g.constant(1.0, f64), night)
    fitted = g.op("Cast", g.op("Pow", fit_gain(g, small, own, target), gain_share),
                  to=TensorProto.FLOAT)
    gain = fitted
    if fixed_gain is not None:
        gain = g.op("Where", g.op("Greater", fixed_gain, g.constant(0.0, np.float32)),
                    fixed_gain, fitted)
    gained = lift(g, small, gain)

    gap = g.op("Max", g.op("Sub", target, mean(g, gained)), g.constant(0.0, f64))
    share_of_full = g.op("Min", g.op("Div", gap, g.constant(auto.FULL_STRENGTH_GAP, f64)),
                         g.constant(1.0, f64))
    fitted_strength = g.op("Cast", g.op("Mul", share_of_full, g.constant(float(iterations), f64)),
                           to=TensorProto.FLOAT)
    every = g.constant(float(iterations), np.float32)
    darker = g.op("And", is_asked, g.op("Less", target, own))  # the curves darken: all of them
    strength = g.op("Where", darker, every, fitted_strength)
    calibration = g.op("Where", g.op("Greater", strength, g.constant(0.0, np.float32)),
                       strength, every)
    return ExposurePlan(target, gain, gained, strength, calibration)


def _highlight_level(g: GraphBuilder, small: str) -> str:
    """`exposure.highlight_level` of `small` (1, 3, h, w) in [0, 1], as a double scalar: the
    mean of the brightest max(1, floor(N * HIGHLIGHT_SHARE)) of its N pixels, a pixel's
    brightness being its largest channel."""
    brightest = g.op("Reshape", g.op("ReduceMax", small, g.constant([1], np.int64), keepdims=0),
                     g.constant([-1], np.int64))
    pixels = g.op("Cast", g.op("Shape", brightest), to=TensorProto.DOUBLE)  # (1,): N
    count = g.op("Max", g.op("Floor", g.op("Mul", pixels,
                                           g.constant([auto.HIGHLIGHT_SHARE], np.float64))),
                 g.constant([1.0], np.float64))
    top, _ = g.ops("TopK", brightest, g.op("Cast", count, to=TensorProto.INT64), outputs=2,
                   axis=0)
    return mean(g, top)


def _low_key(g: GraphBuilder, own: str, highlight: str) -> str:
    """`exposure.low_key`: how much the copy is a night scene, 0 to 1, as the ratio of the
    highlight level to the mean goes from LOW_KEY_FROM to LOW_KEY_FULL (double scalars).
    The dark target slides from TARGET to NIGHT_TARGET with it (`exposure.dark_target`) and
    the gain's share of the lift is 1 minus it (`exposure.gain_share`)."""
    f64 = np.float64
    ratio = g.op("Div", highlight, g.op("Max", own, g.constant(1e-3, f64)))
    return g.op("Clip", g.op("Div", g.op("Sub", ratio, g.constant(auto.LOW_KEY_FROM, f64)),
                             g.constant(auto.LOW_KEY_FULL - auto.LOW_KEY_FROM, f64)),
                g.constant(0.0, f64), g.constant(1.0, f64))


def network_level(g: GraphBuilder, net: SharedNetwork, plan: ExposurePlan, *,
                  iterations: int, shared: bool) -> str:
    """The (1,) float level to ask the network for so its output mean on the copy after the
    gain hits the target."""
    thumb = downscale(g, plan.gained, CALIBRATION_SIZE)
    low, high = (g.constant(value, np.float64) for value in NETWORK_LEVELS)
    for _ in range(CALIBRATION_STEPS):
        middle = _middle(g, low, high)
        (maps,) = net(thumb, _as_level(g, middle))
        out = apply_curves(g, thumb, maps, plan.calibration_strength, iterations=iterations,
                           shared=shared)
        reached = g.op("Cast", g.op("ReduceMean", out, keepdims=0), to=TensorProto.DOUBLE)
        below = g.op("Less", reached, plan.target)
        low, high = g.op("Where", below, middle, low), g.op("Where", below, high, middle)
    return _as_level(g, _middle(g, low, high))


def _middle(g: GraphBuilder, low: str, high: str) -> str:
    return g.op("Mul", g.op("Add", low, high), g.constant(0.5, np.float64))


def _as_level(g: GraphBuilder, value: str) -> str:
    """A double scalar as the network's (1,) float32 exposure input."""
    return g.op("Unsqueeze", g.op("Cast", value, to=TensorProto.FLOAT),
                g.constant([0], np.int64))
