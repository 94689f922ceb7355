"""The engine's estimate and render steps as one ONNX graph around the curve network.

Each step mirrors `Engine.estimate` / `Engine.render`, so the fast graph reproduces
`zerodce enhance --denoise 0`: the downscale (`resize.py`), for exposure-conditioned
models the target level, exposure gain (`gain.py`), automatic strength and network-level
calibration (`calibration.py`), the network (on the copy after the gain), and the curves at
full resolution (`curves.py`), applied to the photo after the gain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx

from .calibration import ExposurePlan, network_level, plan_exposure
from .curves import apply_curves
from .gain import lift
from .graph import GraphBuilder, SharedNetwork, image_info, scalar_input, scalar_output
from .resize import downscale

IMAGE, STRENGTH, EXPOSURE, ENHANCED, MAPS = "image", "strength", "exposure", "enhanced", "maps"
#: The full graph's level and gain inputs (0: fit them to the image) and its scalar outputs
#: (ONNX names a value once, so the gain input and output cannot share a name).
LEVEL, FIXED_GAIN = "level", "fixed_gain"
NETWORK_LEVEL, DEFAULT_STRENGTH, GAIN = "network_level", "default_strength", "gain"
#: A negative strength asks for the automatic one (all iterations for one-level models).
AUTOMATIC = -1.0


@dataclass(frozen=True)
class Settings:
    """The optional inputs' defaults, or their fixed values when `image_only`."""

    strength: float  # AUTOMATIC (< 0) or 0..iterations
    exposure: float = 0.0  # 0: automatic (conditioned models only)
    image_only: bool = False


@dataclass(frozen=True)
class Network:
    """The exported curve network and what the graph around it needs to know."""

    model: onnx.ModelProto
    iterations: int
    shared: bool  # one map for every iteration (Zero-DCE++)
    takes_exposure: bool
    map_channels: int


def fast_graph(network: Network, *, fast_size: int, settings: Settings) -> onnx.GraphProto:
    """image (1,3,H,W) [+ strength, exposure] -> enhanced (1,3,H,W), all in [0, 1]."""
    g = GraphBuilder()
    inputs = [image_info(IMAGE, 3)]
    inputs += scalar_input(g, STRENGTH, settings.strength, settings.image_only)
    small = downscale(g, IMAGE, fast_size)
    net = SharedNetwork(g, network.model, "net")
    feeds, source = [small], IMAGE
    if network.takes_exposure:
        inputs += scalar_input(g, EXPOSURE, settings.exposure, settings.image_only)
        plan = plan_exposure(g, small, EXPOSURE, network.iterations)
        feeds = [plan.gained, _fitted_level(g, net, network, plan)]
        default = plan.strength
        source = lift(g, IMAGE, plan.gain)  # the curves start from the levels after the gain
    else:
        default = g.constant(float(network.iterations), np.float32)
    (maps,) = net(*feeds)
    strength = g.op("Where", g.op("Less", STRENGTH, g.constant(0.0, np.float32)), default,
                    STRENGTH)
    out = apply_curves(g, source, maps, strength, iterations=network.iterations,
                       shared=network.shared, size=g.op("Shape", IMAGE))
    g.op("Identity", out, output=ENHANCED)
    return g.graph("zerodce_fast", inputs, [image_info(ENHANCED, 3)])


def network_graph(network: Network, *, fast_size: int, settings: Settings) -> onnx.GraphProto:
    """The curve network alone: image (1,3,H,W) -> maps (1,3k,H,W).

    Exposure-conditioned models also take `exposure`, `level` and `fixed_gain` and return
    `network_level`, `default_strength` and `gain`: the network sees the image after the
    exposure gain (`gain.lift`), and the maps apply to that image. The level and the gain
    are fitted to the image given (as `Engine.estimate` fits them to the whole photo) unless
    `level` > 0 or `fixed_gain` > 0 fixes them, which is how a tiler runs every tile at the
    level and gain fitted once on the whole photo.
    """
    g = GraphBuilder()
    inputs = [image_info(IMAGE, 3)]
    outputs = [image_info(MAPS, network.map_channels)]
    net = SharedNetwork(g, network.model, "net")
    feeds = [IMAGE]
    if network.takes_exposure:
        inputs += scalar_input(g, EXPOSURE, settings.exposure, settings.image_only)
        inputs += scalar_input(g, LEVEL, 0.0, settings.image_only)
        inputs += scalar_input(g, FIXED_GAIN, 0.0, settings.image_only)
        small = downscale(g, IMAGE, fast_size)
        plan = plan_exposure(g, small, EXPOSURE, network.iterations, fixed_gain=FIXED_GAIN)
        fitted = _fitted_level(g, net, network, plan)
        fixed = g.op("Unsqueeze", LEVEL, g.constant([0], np.int64))
        level = g.op("Where", g.op("Greater", fixed, g.constant(0.0, np.float32)), fixed, fitted)
        feeds = [lift(g, IMAGE, plan.gain), level]
        g.op("Squeeze", level, g.constant([0], np.int64), output=NETWORK_LEVEL)
        g.op("Identity", plan.strength, output=DEFAULT_STRENGTH)
        g.op("Identity", plan.gain, output=GAIN)
        outputs += [scalar_output(NETWORK_LEVEL), scalar_output(DEFAULT_STRENGTH),
                    scalar_output(GAIN)]
    (maps,) = net(*feeds)
    g.op("Identity", maps, output=MAPS)
    return g.graph("zerodce_network", inputs, outputs)


def _fitted_level(g: GraphBuilder, net: SharedNetwork, network: Network,
                  plan: ExposurePlan) -> str:
    return network_level(g, net, plan, iterations=network.iterations, shared=network.shared)
