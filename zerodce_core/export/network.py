"""The curve network as an ONNX graph, through torch's own exporter.

torch 2.13's `torch.onnx.export` is the dynamo-based exporter (torch.export plus
onnxscript's op library; the TorchScript one is deprecated). The network is
convolutions, ReLU, concatenation and tanh, so it exports with symbolic height and
width. The pipeline around it (`pipeline.py`) is written in ONNX directly: its
downscale size must equal Python's `round` in double precision, and the exporter
has no lowering for `round` on symbolic sizes.

With colour "keep" (`defaults.Colour`, the engine's default) the exported module is the
network followed by `curves.shared_channels`, exactly as `Engine._network` runs it: the
graph's maps then hold, for each iteration, the mean of the model's three channel maps.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import warnings
from collections.abc import Iterator

import onnx
import torch
from torch import nn

from ..curves import shared_channels
from ..defaults import Colour
from ..model import CurveNet

#: Opset 18 is the one torch's ONNX op library is written for (torch 2.13 defaults to 20 by
#: version-converting from it, which gains this network nothing); ONNX Runtime >= 1.14 and
#: current OpenVINO run it. IR version 8 is the one that opset shipped with, so older
#: runtimes (chaiNNer pins its own ONNX Runtime) load the file too.
OPSET = 18
IR_VERSION = 8


class SharedChannels(nn.Module):
    """`net` whose maps go through `curves.shared_channels`: one curve for R, G and B."""

    def __init__(self, net: CurveNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, exposure: torch.Tensor | None = None) -> torch.Tensor:
        return shared_channels(self.net(x, exposure))


def export_network(net: CurveNet, colour: Colour) -> onnx.ModelProto:
    """`net` as ONNX: `image` (1, 3, H, W) [, `exposure` (1,)] -> `maps` (1, 3k, H, W), fp32.

    The `exposure` input (the target level) exists only for exposure-conditioned nets.
    `colour` "keep" shares each iteration's map among the three channels, as the engine does.
    """
    net = copy.deepcopy(net).to("cpu", torch.float32, memory_format=torch.contiguous_format)
    net.eval()
    module: nn.Module = SharedChannels(net) if colour == "keep" else net
    height, width = torch.export.Dim("height"), torch.export.Dim("width")
    args: tuple[torch.Tensor, ...] = (torch.rand(1, 3, 64, 48),)
    names, shapes = ["image"], [{2: height, 3: width}]
    if net.takes_exposure:
        args += (torch.full((1,), 0.5),)
        names.append("exposure")
        shapes.append(None)
    with warnings.catch_warnings(), _quiet("torch.onnx"):
        # It warns about torchvision ops it cannot register and torch-internal deprecations.
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module, args, dynamo=True, opset_version=OPSET, external_data=False,
            input_names=names, output_names=["maps"], dynamic_shapes=tuple(shapes),
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


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
