"""ONNX export: the model for tools outside this project (ONNX Runtime, OpenVINO, chaiNNer).

Two variants, both fp32 with dynamic height and width:
- "fast": the engine's fast mode as one graph, `image` (+ optional `strength`, and
  `exposure` for exposure-conditioned models) -> `enhanced`, the same result as
  `zerodce enhance --denoise 0`;
- "full": the curve network alone, `image` -> `maps`, for callers that tile large
  images themselves and apply the curves at full resolution (exposure-conditioned
  models: + optional `exposure`, `level` and `fixed_gain` -> + `network_level`,
  `default_strength`, `gain`).

For exposure-conditioned models both graphs fit the exposure gain (`gain.py`: a gain in
linear light that does the share of the lift the photo's highlights allow) and the
network's level to the photo the way `Engine.estimate` does (seven runs on a 128 px
thumbnail, `calibration.py`); the network and the curves see the photo after the gain.

Both follow the engine's `colour` (`defaults.Colour`): with "keep" the network's maps go
through `curves.shared_channels`, one curve for a pixel's R, G and B, as the engine renders
them; with "model" they are the model's own, a curve per channel. The file records which
(`colour` in its metadata, and its interface text).

Needs the `onnx` extra (`pip install zerodce[onnx]`): onnx, and onnxscript for torch's
exporter.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .. import __version__
from ..defaults import COLOUR, Colour
from ..errors import ZeroDCEError
from ..exposure import FULL_STRENGTH_GAP, KNEE

if TYPE_CHECKING:  # onnx is imported only once its absence can be reported
    from ..engine import Engine
    from .pipeline import Settings

ExportMode = Literal["fast", "full"]
REQUIRED = ("onnx", "onnxscript")
#: The interface text's clause on `defaults.Colour`.
COLOUR_TEXT: dict[str, str] = {
    "keep": "colour keep: one curve per pixel for all three channels (each iteration's map is "
            "the mean of the model's three), no colour cast",
    "model": "colour model: the model's own curve per channel, as the paper",
}


class ExportError(ZeroDCEError):
    """The model cannot be exported as asked (missing packages, bad settings)."""


def export_onnx(engine: Engine, path: str | Path, *, mode: ExportMode = "fast",
                strength: float | None = None, exposure: float | None = None,
                image_only: bool = False) -> Path:
    """Write `engine`'s model as an ONNX file at `path` and return the path.

    The file is written through the package's one guarded writer (`output.OutputGuard`):
    atomically, an existing file replaced, the checkpoint itself never.

    `strength` (default: automatic, which is all iterations for one-level models) and
    `exposure` (the output's mean level; default: automatic; conditioned models only) are
    the defaults of the graph's optional inputs, or fixed values with `image_only`, which
    leaves the image as the only input (what generic image-to-image tools such as chaiNNer
    feed).
    """
    if mode not in ("fast", "full"):
        raise ExportError(f"unknown export mode {mode!r} (use 'fast' or 'full')")
    missing = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        raise ExportError(f"ONNX export needs {' and '.join(missing)}: "
                          "pip install 'zerodce[onnx]'")
    import onnx

    from ..output import OutputGuard
    from .metadata import metadata_props
    from .network import IR_VERSION, OPSET, export_network
    from .pipeline import Network, fast_graph, network_graph

    # The checkpoint is the run's input: never replaced, even through a link.
    guard = OutputGuard([engine.info.path] if engine.info.path else [])
    path = guard.check(path)  # before the work
    net = engine.net
    if exposure is not None and not net.takes_exposure:
        raise ExportError(f"the {net.arch} model is trained for one exposure level; "
                          "--exposure applies to exposure-conditioned models only")
    settings = _settings(net.iterations, net.takes_exposure, strength, exposure, image_only)
    network = Network(export_network(net, engine.colour), iterations=net.iterations,
                      shared=net.shared_maps, takes_exposure=net.takes_exposure,
                      map_channels=3 * net.map_count)
    build = fast_graph if mode == "fast" else network_graph
    graph = build(network, fast_size=engine.fast_size, settings=settings)
    interface = describe(mode, net.iterations, net.shared_maps, net.takes_exposure,
                         engine.fast_size, settings, engine.colour)
    model = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
        producer_name="zerodce", producer_version=__version__,
        doc_string=f"Zero-DCE low-light enhancement, {mode} variant. {interface}")
    extra = {"fast_size": str(engine.fast_size), "shared_maps": str(net.shared_maps).lower(),
             "takes_exposure": str(net.takes_exposure).lower(), "colour": engine.colour}
    if mode == "fast":
        extra["default_strength"] = _strength_text(settings.strength)
    if net.takes_exposure:
        extra["default_exposure"] = f"{settings.exposure:g}"  # 0: automatic
    onnx.helper.set_model_props(model, metadata_props(engine.info, mode=mode,
                                                       interface=interface, extra=extra))
    onnx.checker.check_model(model, full_check=True)
    with guard.writing(path) as tmp:
        onnx.save_model(model, str(tmp))
    return path


def _settings(iterations: int, takes_exposure: bool, strength: float | None,
              exposure: float | None, image_only: bool) -> Settings:
    from ..exposure import check_exposure
    from .pipeline import AUTOMATIC, Settings

    if strength is not None and not 0.0 <= strength <= iterations:
        raise ExportError(f"strength must be between 0 and {iterations}, got {strength:g}")
    if strength is None:
        strength = AUTOMATIC if takes_exposure else float(iterations)
    if exposure is not None:
        try:
            exposure = check_exposure(exposure)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    return Settings(strength=float(strength), exposure=exposure or 0.0, image_only=image_only)


def describe(mode: ExportMode, iterations: int, shared: bool, takes_exposure: bool,
             fast_size: int, settings: Settings, colour: Colour = COLOUR) -> str:
    """The graph's interface in words: stored in the file and printed by the CLI."""
    lines = ["input image: float32 (1, 3, H, W), RGB in [0, 1]"]
    automatic = (f"fitted with the exposure: none for a photo at its target after the "
                 f"exposure gain, proportionally more up to all {iterations} for one "
                 f"{FULL_STRENGTH_GAP:g} or more below it, all {iterations} for an exposure "
                 "asked for below the photo's own level"
                 if takes_exposure else f"all {iterations}")
    if mode == "fast" and not settings.image_only:
        lines.append(f"optional input strength: float32 scalar, curve iterations from 0 "
                     f"(the input) to {iterations}, fractions blend, negative = automatic "
                     f"({automatic}) (default {_strength_text(settings.strength)})")
    elif mode == "fast":
        fixed = (f"automatic ({automatic})" if settings.strength < 0
                 else f"{settings.strength:g} of {iterations}")
        lines.append(f"strength fixed at {fixed}")
    if takes_exposure:
        level = f"{settings.exposure:g}" if settings.exposure else "0 (automatic)"
        if settings.image_only:
            lines.append(f"exposure fixed at {level}")
        else:
            lines.append("optional input exposure: float32 scalar, the mean level the output "
                         "should have, 0.05 to 0.95, 0 = automatic from the image "
                         f"(default {level})")
        lines.append("the photo is first lifted by an exposure gain in linear light, fitted "
                     f"on the copy downscaled to {fast_size} px (the share of the lift the "
                     "photo's highlights allow: all of it for an evenly dark photo, none for "
                     "a night scene; none for an exposure below the photo's own level); the "
                     "network sees the photo after the gain and the curves do the rest")
    lines.append(COLOUR_TEXT[colour])
    if mode == "fast":
        lines.append("output enhanced: float32 (1, 3, H, W) in [0, 1]; the curves are "
                     f"estimated on a copy downscaled to {fast_size} px on its long side")
        return "; ".join(lines) + "."
    if takes_exposure and not settings.image_only:
        lines.append("optional input level: float32 scalar, the level the network is run at, "
                     "0 = fitted to the image (default 0), which a tiler sets for every tile "
                     "to the network_level of one run on the whole photo (or on its copy "
                     f"downscaled to {fast_size} px)")
        lines.append("optional input fixed_gain: float32 scalar, the exposure gain the image "
                     "is lifted by, 0 = fitted to the image (default 0), which a tiler sets "
                     "for every tile to the gain of that same run")
    which = "0-2 every time" if shared else "3i to 3i+2"
    start = ("x = the image after the exposure gain (output gain), " if takes_exposure
             else "")
    lines.append(f"output maps: float32 (1, {3 * (1 if shared else iterations)}, H, W) in "
                 f"[-1, 1]; {start}apply x = x + a * (x * x - x) {iterations} times, "
                 f"iteration i using channels {which}, then clip to [0, 1]; the network sees "
                 "7 px in every direction, so tiles need an 8 px overlap")
    if takes_exposure:
        lines.append("output network_level: float32 scalar, the level the maps were made at")
        lines.append("output default_strength: float32 scalar, the iterations to apply "
                     f"(fractions blend) for the exposure asked for ({automatic})")
        lines.append("output gain: float32 scalar, the exposure gain in linear light (1 = "
                     "none); the network saw, and the maps apply to, the image after it: each "
                     "value v becomes srgb(f(linear(v))) (the sRGB transfer functions, "
                     f"linear clipped to [0, 1] before srgb), f(l) = gain * l up to the knee "
                     f"k = max({KNEE:g}, 1 / gain), above it k + (1 - k) * (1 - exp(-(gain "
                     "* l - k) / (1 - k))) (min(gain * l, 1) when k is 1 or more)")
    return "; ".join(lines) + "."


def _strength_text(strength: float) -> str:
    return "automatic" if strength < 0 else f"{strength:g}"
