"""The engine's estimate and render steps as ONNX nodes around the exported curve network.

Each step mirrors `Engine.estimate` / `Engine.render` so the fast graph reproduces
`zerodce enhance --denoise 0`:
- downscale: `engine._fit` (long side to `fast_size`, Python's round-half-even in double
  precision, never upscaled) and `engine._resize` (torch's antialiased bilinear). The
  filter is two weight matrices and MatMuls rather than Resize's `antialias` attribute,
  which OpenVINO 2026.4 ignores (it aliases: 0.27 off on noise);
- exposure (conditioned models): `exposure.auto_exposure` of the downscaled copy's mean,
  unless the `exposure` input asks for a level;
- upsample: the render kernel samples the maps as F.interpolate(align_corners=False),
  i.e. Resize `half_pixel`;
- curves: iteration i is weighted by clip(strength - i, 0, 1): 1 below floor(strength),
  the fractional part at it and 0 above, which is `curves.apply_curves_`'s rule (and its
  clamp of strength to [0, iterations]). The weight scales the small map before it is
  upsampled, which saves a full-size multiply per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .. import exposure as auto

IMAGE, STRENGTH, EXPOSURE, ENHANCED, MAPS = "image", "strength", "exposure", "enhanced", "maps"


@dataclass(frozen=True)
class Settings:
    """The optional inputs' defaults, or their fixed values when `image_only`."""

    strength: float
    exposure: float = 0.0  # 0: automatic (conditioned models only)
    image_only: bool = False


class GraphBuilder:
    """Collects nodes and constants, naming every value after the op that makes it."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def _name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, value: float | list[int] | list[float], dtype: type,
                 name: str | None = None) -> str:
        name = name or self._name("const")
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, output: str | None = None, **attrs: object) -> str:
        out = output or self._name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def embed(self, model: onnx.ModelProto, inputs: dict[str, str], prefix: str) -> list[str]:
        """Copy `model`'s graph in, its inputs fed by `inputs`; returns its output names."""
        graph = onnx.compose.add_prefix(model, prefix).graph
        rename = {prefix + outer: inner for outer, inner in inputs.items()}
        for node in graph.node:
            node.input[:] = [rename.get(name, name) for name in node.input]
        self.nodes.extend(graph.node)
        self.initializers.extend(graph.initializer)
        return [value.name for value in graph.output]

    def graph(self, name: str, inputs: list[onnx.ValueInfoProto],
              outputs: list[onnx.ValueInfoProto]) -> onnx.GraphProto:
        return helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.initializers)


def fast_graph(network: onnx.ModelProto, *, iterations: int, fast_size: int, shared: bool,
               takes_exposure: bool, settings: Settings) -> onnx.GraphProto:
    """image (1,3,H,W) [+ strength, exposure] -> enhanced (1,3,H,W), all in [0, 1]."""
    g = GraphBuilder()
    inputs = [_image_info(IMAGE, 3)]
    inputs += _scalar_input(g, STRENGTH, settings.strength, settings.image_only)
    shape = g.op("Shape", IMAGE)
    small = _downscale(g, shape, fast_size)
    feeds = {IMAGE: small}
    if takes_exposure:
        inputs += _scalar_input(g, EXPOSURE, settings.exposure, settings.image_only)
        feeds[EXPOSURE] = _exposure_level(g, small)
    (maps,) = g.embed(network, feeds, prefix="net/")

    x = IMAGE
    zero, one = g.constant(0.0, np.float32), g.constant(1.0, np.float32)
    for i in range(iterations):
        first = 0 if shared else 3 * i
        weight = g.op("Clip", g.op("Sub", STRENGTH, g.constant(float(i), np.float32)), zero, one)
        small_map = g.op("Slice", maps, g.constant([first], np.int64),
                         g.constant([first + 3], np.int64), g.constant([1], np.int64))
        alpha = g.op("Resize", g.op("Mul", small_map, weight), "", "", shape, mode="linear",
                     coordinate_transformation_mode="half_pixel")
        x = g.op("Add", x, g.op("Mul", alpha, g.op("Sub", g.op("Mul", x, x), x)))
    g.op("Clip", x, zero, one, output=ENHANCED)
    return g.graph("zerodce_fast", inputs, [_image_info(ENHANCED, 3)])


def network_graph(network: onnx.ModelProto, *, map_channels: int, fast_size: int,
                  takes_exposure: bool, settings: Settings) -> onnx.GraphProto:
    """The curve network alone: image (1,3,H,W) [+ exposure] -> maps (1,3k,H,W).

    For callers that tile: the automatic exposure is measured on the image it is given,
    so a tiler passes the whole photo's level (see the metadata's interface text).
    """
    g = GraphBuilder()
    inputs = [_image_info(IMAGE, 3)]
    feeds = {IMAGE: IMAGE}
    if takes_exposure:
        inputs += _scalar_input(g, EXPOSURE, settings.exposure, settings.image_only)
        feeds[EXPOSURE] = _exposure_level(g, _downscale(g, g.op("Shape", IMAGE), fast_size))
    (maps,) = g.embed(network, feeds, prefix="net/")
    g.op("Identity", maps, output=MAPS)
    return g.graph("zerodce_network", inputs, [_image_info(MAPS, map_channels)])


def _scalar_input(g: GraphBuilder, name: str, value: float,
                  fixed: bool) -> list[onnx.ValueInfoProto]:
    """A float scalar named `name` holding `value`; an optional input unless `fixed`.

    A graph input that also has an initializer is optional in ONNX: the initializer is
    its default (OpenVINO's reader freezes it to that default; see docs/onnx.md).
    """
    g.constant(value, np.float32, name=name)
    return [] if fixed else [helper.make_tensor_value_info(name, TensorProto.FLOAT, [])]


def _downscale(g: GraphBuilder, shape: str, fast_size: int) -> str:
    """The engine's fast-mode copy of IMAGE: long side `fast_size`, antialiased."""
    hw = g.op("Cast", g.op("Slice", shape, g.constant([2], np.int64),
                            g.constant([4], np.int64)), to=TensorProto.DOUBLE)
    scale = g.op("Div", g.constant([float(fast_size)], np.float64),
                 g.op("ReduceMax", hw, keepdims=1))
    fitted = g.op("Max", g.op("Round", g.op("Mul", hw, scale)), g.constant([1.0], np.float64))
    small_hw = g.op("Cast", g.op("Min", fitted, hw), to=TensorProto.INT64)
    rows = _downscale_weights(g, shape, small_hw, axis=0)
    columns = g.op("Transpose", _downscale_weights(g, shape, small_hw, axis=1))
    return g.op("MatMul", g.op("MatMul", rows, IMAGE), columns)


def _downscale_weights(g: GraphBuilder, shape: str, small_hw: str, axis: int) -> str:
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


def _exposure_level(g: GraphBuilder, small: str) -> str:
    """The (1,) target level: the EXPOSURE input if > 0 (clipped to the allowed range),
    else `exposure.auto_exposure` of the downscaled copy's mean."""
    f32 = np.float32
    mean = g.op("ReduceMean", small, keepdims=0)
    share = g.op("Clip", g.op("Div", g.op("Sub", mean, g.constant(auto.DARK, f32)),
                              g.constant(auto.WELL_EXPOSED - auto.DARK, f32)),
                 g.constant(0.0, f32), g.constant(1.0, f32))
    sliding = g.op("Add", g.constant(auto.TARGET, f32),
                   g.op("Mul", share, g.constant(auto.WELL_EXPOSED - auto.TARGET, f32)))
    kept = g.op("Min", mean, g.constant(auto.LIMITS[1], f32))
    automatic = g.op("Where", g.op("GreaterOrEqual", mean, g.constant(auto.WELL_EXPOSED, f32)),
                     kept, sliding)
    asked = g.op("Clip", EXPOSURE, g.constant(auto.LIMITS[0], f32),
                 g.constant(auto.LIMITS[1], f32))
    level = g.op("Where", g.op("Greater", EXPOSURE, g.constant(0.0, f32)), asked, automatic)
    return g.op("Unsqueeze", level, g.constant([0], np.int64))


def _image_info(name: str, channels: int) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, channels, "height", "width"])
