"""ONNX export: the model for tools outside this project (ONNX Runtime, OpenVINO, chaiNNer).

Two variants, both fp32 with dynamic height and width:
- "fast": the engine's fast mode as one graph, `image` (+ optional `strength`) ->
  `enhanced`, the same result as `zerodce enhance --denoise 0`;
- "full": the curve network alone, `image` -> `maps`, for callers that tile large
  images themselves and apply the curves (`curves.py`) at full resolution.

Needs the `onnx` extra (`pip install zerodce[onnx]`): onnx and onnxscript, which
torch's exporter uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..engine import Engine

ExportMode = Literal["fast", "full"]

FAST_INTERFACE = (
    "input image: float32 (1, 3, H, W), RGB in [0, 1]; optional input strength: float32 "
    "scalar, curve iterations from 0 (identity) to {iterations}, fractions blend "
    "(default {default}); output enhanced: float32 (1, 3, H, W) in [0, 1]. The curves are "
    "estimated on a copy downscaled to {fast_size} px on its long side.")
FIXED_INTERFACE = (
    "input image: float32 (1, 3, H, W), RGB in [0, 1]; output enhanced: float32 (1, 3, H, W) "
    "in [0, 1], at strength {default} of {iterations}. The curves are estimated on a copy "
    "downscaled to {fast_size} px on its long side.")
FULL_INTERFACE = (
    "input image: float32 (1, 3, H, W), RGB in [0, 1]; output maps: float32 (1, {channels}, "
    "H, W) in [-1, 1]. Apply x = x + a * (x * x - x) {iterations} times, iteration i using "
    "channels {which}; the network sees 7 px in every direction, so overlap tiles by 8 px.")


def export_onnx(engine: Engine, path: str | Path, *, mode: ExportMode = "fast",
                strength: float | None = None) -> Path:
    """Write `engine`'s model as an ONNX file at `path` (atomically) and return the path.

    `strength` given bakes it into the fast graph, which then has the image as its only
    input (what generic image-to-image tools such as chaiNNer feed); otherwise `strength`
    is an optional input defaulting to the engine's full strength.
    """
    import onnx

    from ..atomic import atomic_path
    from .metadata import metadata_props
    from .network import IR_VERSION, OPSET, export_network
    from .pipeline import fast_graph, network_graph

    net, info = engine.net, engine.info
    iterations = net.iterations
    network = export_network(net)
    if mode == "fast":
        default = float(iterations) if strength is None else min(max(strength, 0.0), iterations)
        graph = fast_graph(network, iterations=iterations, fast_size=engine.fast_size,
                           shared=net.shared_maps, default_strength=default,
                           fixed_strength=strength is not None)
        template = FAST_INTERFACE if strength is None else FIXED_INTERFACE
        interface = template.format(iterations=iterations, default=f"{default:g}",
                                    fast_size=engine.fast_size)
        extra = {"fast_size": str(engine.fast_size), "default_strength": f"{default:g}"}
    elif mode == "full":
        channels = 3 * net.map_count
        graph = network_graph(network, map_channels=channels)
        which = "0-2 every time" if net.shared_maps else "3i to 3i+2"
        interface = FULL_INTERFACE.format(channels=channels, iterations=iterations, which=which)
        extra = {"shared_maps": str(net.shared_maps).lower()}
    else:
        raise ValueError(f"unknown export mode {mode!r} (use 'fast' or 'full')")

    model = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
        producer_name="zerodce", doc_string=f"Zero-DCE low-light enhancement ({mode}). "
        + interface)
    onnx.helper.set_model_props(model, metadata_props(info, mode=mode, interface=interface,
                                                       extra=extra))
    onnx.checker.check_model(model, full_check=True)
    path = Path(path)
    with atomic_path(path) as tmp:
        onnx.save_model(model, str(tmp))
    return path
