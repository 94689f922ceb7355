"""Building ONNX graphs by hand: named nodes and constants, and a network called many times.

The pipeline graphs run the exported curve network up to eight times (seven calibration
runs on a thumbnail, then the real one), so `SharedNetwork` copies its nodes per call but
its weights once: the file stays the size of one network.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


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

    def ops(self, op_type: str, *inputs: str, outputs: int, **attrs: object) -> list[str]:
        """A node with several outputs (e.g. TopK's values and indices); their names."""
        names = [self._name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, **attrs))
        return names

    def graph(self, name: str, inputs: list[onnx.ValueInfoProto],
              outputs: list[onnx.ValueInfoProto]) -> onnx.GraphProto:
        return helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.initializers)


class SharedNetwork:
    """`model`'s graph as a function of a `GraphBuilder`: each call adds the nodes again
    (values prefixed `name<call>/`), all calls read the one copy of the weights (`name/`)."""

    def __init__(self, g: GraphBuilder, model: onnx.ModelProto, name: str) -> None:
        self._g, self._graph, self._name = g, model.graph, name
        self._weights = {t.name: f"{name}/{t.name}" for t in self._graph.initializer}
        for tensor in self._graph.initializer:
            renamed = onnx.TensorProto()
            renamed.CopyFrom(tensor)
            renamed.name = self._weights[tensor.name]
            g.initializers.append(renamed)
        self._calls = 0

    def __call__(self, *inputs: str) -> list[str]:
        """Add one run fed by `inputs` (in the network's input order); returns its outputs."""
        self._calls += 1
        prefix = f"{self._name}{self._calls}/"
        rename = {**self._weights, **{i.name: v for i, v in zip(self._graph.input, inputs)}}

        def edge(name: str) -> str:
            return rename.get(name, prefix + name) if name else name

        for node in self._graph.node:
            copy = onnx.NodeProto()
            copy.CopyFrom(node)
            copy.input[:] = [edge(name) for name in node.input]
            copy.output[:] = [edge(name) for name in node.output]
            copy.name = prefix + node.name
            self._g.nodes.append(copy)
        return [edge(value.name) for value in self._graph.output]


def scalar_input(g: GraphBuilder, name: str, value: float,
                 fixed: bool) -> list[onnx.ValueInfoProto]:
    """A float scalar named `name` holding `value`; an optional input unless `fixed`.

    A graph input that also has an initializer is optional in ONNX: the initializer is
    its default (OpenVINO's reader freezes it to that default; see docs/onnx.md).
    """
    g.constant(value, np.float32, name=name)
    return [] if fixed else [helper.make_tensor_value_info(name, TensorProto.FLOAT, [])]


def scalar_output(name: str) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [])


def image_info(name: str, channels: int) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, channels, "height", "width"])
