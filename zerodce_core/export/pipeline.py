"""The engine's fast mode as ONNX nodes around the exported curve network.

Each step mirrors the engine so the graph reproduces `zerodce enhance --denoise 0`:
- downscale: `engine._fit` (long side to `fast_size`, Python's round-half-even in double
  precision, never upscaled) and `engine._resize` (torch's antialiased bilinear). The
  filter is two weight matrices and MatMuls rather than Resize's `antialias` attribute,
  which OpenVINO 2026.4 ignores (it aliases: 0.27 off on noise);
- upsample: the render kernel's bilinear sampling is F.interpolate(align_corners=False),
  i.e. Resize `half_pixel`;
- curves: iteration i is weighted by clip(strength - i, 0, 1): 1 below floor(strength),
  the fractional part at it and 0 above, which is `curves.apply_curves_`'s rule (and the
  clamp of strength to [0, iterations]). The weight scales the small map before it is
  upsampled, so a full-size multiply per iteration is saved.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IMAGE, STRENGTH, ENHANCED, MAPS = "image", "strength", "enhanced", "maps"


class GraphBuilder:
    """Collects nodes and constants, naming every value after the op that makes it."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def _name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, value: float | list[int] | list[float], dtype: type) -> str:
        name = self._name("const")
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: object) -> str:
        out = self._name(op_type.lower())
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


def fast_graph(network: onnx.ModelProto, *, iterations: int, fast_size: int,
               shared: bool, default_strength: float, fixed_strength: bool) -> onnx.GraphProto:
    """image (1,3,H,W) [+ strength] -> enhanced (1,3,H,W), all in [0, 1]."""
    g = GraphBuilder()
    shape = g.op("Shape", IMAGE)
    hw = g.op("Cast", g.op("Slice", shape, g.constant([2], np.int64),
                            g.constant([4], np.int64)), to=TensorProto.DOUBLE)
    scale = g.op("Div", g.constant([float(fast_size)], np.float64),
                 g.op("ReduceMax", hw, keepdims=1))
    fitted = g.op("Max", g.op("Round", g.op("Mul", hw, scale)), g.constant([1.0], np.float64))
    small_hw = g.op("Cast", g.op("Min", fitted, hw), to=TensorProto.INT64)
    height_weights = _downscale_weights(g, shape, small_hw, axis=0)
    width_weights = g.op("Transpose", _downscale_weights(g, shape, small_hw, axis=1))
    small = g.op("MatMul", g.op("MatMul", height_weights, IMAGE), width_weights)
    (maps,) = g.embed(network, {IMAGE: small}, prefix="net/")

    x = IMAGE
    for i in range(iterations):
        first = 0 if shared else 3 * i
        weight = g.op("Clip", g.op("Sub", STRENGTH, g.constant(float(i), np.float32)),
                      g.constant(0.0, np.float32), g.constant(1.0, np.float32))
        small_map = g.op("Slice", maps, g.constant([first], np.int64),
                         g.constant([first + 3], np.int64), g.constant([1], np.int64))
        alpha = g.op("Resize", g.op("Mul", small_map, weight), "", "", shape, mode="linear",
                     coordinate_transformation_mode="half_pixel")
        x = g.op("Add", x, g.op("Mul", alpha, g.op("Sub", g.op("Mul", x, x), x)))
    g.nodes.append(helper.make_node("Clip", [x, g.constant(0.0, np.float32),
                                             g.constant(1.0, np.float32)], [ENHANCED]))

    strength = numpy_helper.from_array(np.asarray(default_strength, np.float32), STRENGTH)
    inputs = [_image_info(IMAGE, 3)]
    if not fixed_strength:  # an input with an initializer is optional: the value is its default
        inputs.append(helper.make_tensor_value_info(STRENGTH, TensorProto.FLOAT, []))
    return helper.make_graph(g.nodes, "zerodce_fast", inputs, [_image_info(ENHANCED, 3)],
                             initializer=[strength, *g.initializers])


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


def network_graph(network: onnx.ModelProto, *, map_channels: int) -> onnx.GraphProto:
    """The curve network alone: image (1,3,H,W) -> maps (1,3k,H,W), for callers that tile."""
    g = GraphBuilder()
    (maps,) = g.embed(network, {IMAGE: IMAGE}, prefix="net/")
    g.nodes.append(helper.make_node("Identity", [maps], [MAPS]))
    return helper.make_graph(g.nodes, "zerodce_network", [_image_info(IMAGE, 3)],
                             [_image_info(MAPS, map_channels)], initializer=g.initializers)


def _image_info(name: str, channels: int) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, channels, "height", "width"])
