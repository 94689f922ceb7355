"""The curve network as an ONNX graph, through torch's own exporter.

torch 2.13's `torch.onnx.export` is the dynamo-based exporter (torch.export plus
onnxscript's op library; the TorchScript one is deprecated). The network is
convolutions, ReLU, concatenation and tanh, so it exports with symbolic height and
width. The pipeline around it (`pipeline.py`) is written in ONNX directly: its
downscale size must equal Python's `round` in double precision, and the exporter
has no lowering for `round` on symbolic sizes.
"""

from __future__ import annotations

import copy

import onnx
import torch

from ..model import CurveNet

#: Opset 18 is the first with Resize's `antialias` (the engine's downscale) and runs on
#: ONNX Runtime >= 1.14 and OpenVINO >= 2023.0; IR version 8 is the one that opset shipped
#: with, so older runtimes (chaiNNer pins its own ONNX Runtime) accept the file too.
OPSET = 18
IR_VERSION = 8


def export_network(net: CurveNet) -> onnx.ModelProto:
    """`net` as ONNX: input `image` (1, 3, H, W) -> output `maps` (1, 3k, H, W), fp32."""
    net = copy.deepcopy(net).to("cpu", torch.float32, memory_format=torch.contiguous_format)
    net.eval()
    height, width = torch.export.Dim("height"), torch.export.Dim("width")
    example = torch.rand(1, 3, 64, 48)
    program = torch.onnx.export(
        net, (example,), dynamo=True, opset_version=OPSET, external_data=False,
        input_names=["image"], output_names=["maps"], dynamic_shapes=({2: height, 3: width},),
        verbose=False,
    )
    model = program.model_proto
    # The exporter annotates every node with the Python stack trace (local file paths).
    for node in model.graph.node:
        del node.metadata_props[:]
    for info in (*model.graph.input, *model.graph.output, *model.graph.value_info):
        del info.metadata_props[:]
    del model.metadata_props[:]
    return model
