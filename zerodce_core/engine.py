"""The inference engine: `estimate` runs the network once, `render` re-applies curves.

Splitting the two is what makes the strength slider instant: the curve maps
are cached in a `CurveMaps` and `render` never touches the network.

Quality modes:
- fast: the network sees a copy downscaled to `fast_size` on its long side;
  the small maps are upsampled on the fly by the render kernel, so full-size
  float maps never exist.
- full: the network sees every pixel, in overlapping tiles (overlap beyond the
  receptive field, so tiled output equals untiled); `tiles.TiledMaps` keeps an overview
  and as many int16 tiles (3e-5 resolution) as a memory budget allows, and render goes
  tile by tile, so memory stays bounded at any photo size.

The network runs in the precision the device does fastest (`device.curve_precision`):
int8 on CPUs with VNNI (`quantized.Int8DCENet`), bf16 where supported, else fp32; the noise
model bf16 where supported, else int8 on CPUs with VNNI (`device.noise_int8`), else fp32.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar, get_args

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from . import kernels
from .checkpoint import LoadedCheckpoint, ModelInfo, load_checkpoint
from .curves import apply_curves_, shared_channels
from .defaults import COLOUR, Colour, Mode
from .denoiser import MAP_SIZE, Denoiser
from .device import Precision, curve_precision, fast_dtype, noise_int8, select_device
from .errors import ZeroDCEError
from .exposure import (
    auto_exposure,
    auto_strength,
    check_exposure,
    exposure_lut,
    fit_gain,
    gain_share,
    highlight_level,
    mean_level,
)
from .model import CurveNet, NoiseNet
from .noise import NoiseProfile, measure_noise
from .pixels import UnsupportedImageError as UnsupportedImageError  # raised by estimate
from .pixels import merge_channels, split_channels, to_bit_depth
from .progress import Progress
from .quantized import Int8DCENet, int8_available, quantizable
from .tiles import DEFAULT_BUDGET, INT16_SCALE, Network, TiledMaps, full_maps
from .validate import in_range, one_of, optional_in_range

PRECISIONS = ("auto", "fp32", "bf16", "int8")
DEPTH_DTYPES: dict[int, type[np.integer]] = {8: np.uint8, 16: np.uint16}
#: Exposure calibration: thumbnail size, bisection steps, and the levels the net is asked for.
CALIBRATION_SIZE = 128
CALIBRATION_STEPS = 7
NETWORK_LEVELS = (0.05, 1.2)
MIN_SIZE = 16  # fast_size and tile_size below this would only waste time
T = TypeVar("T")


@dataclasses.dataclass
class CurveMaps:
    """Everything `render` needs: the source pixels and the network's curve maps."""

    rgb: np.ndarray  # (H, W, 3) uint8 or uint16
    #: (3k, h, w): float32 small maps (fast mode, full mode's overview), or int16 full-size
    #: maps (fast mode on photos no larger than the network's input)
    maps: np.ndarray
    iterations: int
    shared: bool  # one map reused by every iteration (Zero-DCE++)
    alpha: np.ndarray | None = None  # passed through untouched
    gray: bool = False  # the input was single-channel: render returns single-channel
    mode: Mode = "fast"
    seconds: float = 0.0  # time the estimate took
    exposure: float | None = None  # target level the maps were estimated for (None: the net's own)
    noise: NoiseProfile | None = None  # the source's measured noise, once asked for
    auto_strength: float | None = None  # the strength fitted with the exposure (None: all)
    network_level: float | None = None  # the level the conditioned net was asked for
    gain: float = 1.0  # exposure gain in linear light before the curves (`exposure`)
    levels: np.ndarray | None = None  # float32 level of each code after the gain (None: 1)
    tiles: TiledMaps | None = None  # full mode: the full-resolution maps, tile by tile

    @property
    def default_strength(self) -> float:
        """What `render` uses when no strength is asked for."""
        return self.iterations if self.auto_strength is None else self.auto_strength

    def noise_profile(self) -> NoiseProfile:
        """The noise of `rgb` (measured once per CurveMaps: a preview measures its own copy)."""
        if self.noise is None:
            self.noise = measure_noise(self.rgb)
        return self.noise

    def noise_sigma(self, curve_strength: float, max_side: int = MAP_SIZE) -> np.ndarray:
        """The noise the exposure gain and the curves at `curve_strength` add (the share of
        `noise_profile` they amplify), pixel by pixel on a copy at most `max_side` long:
        (h, w, 3) float32, a fraction of full scale. What noise reduction is told to remove."""
        small_rgb, small_maps = self.small_maps(max_side)
        return Denoiser.sigma_map(self.noise_profile(), small_rgb, small_maps, curve_strength,
                                  self.iterations, self.levels)

    @property
    def map_scale(self) -> float:
        return 1.0 / INT16_SCALE if self.maps.dtype == np.int16 else 1.0

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]

    def preview(self, max_side: int) -> CurveMaps:
        """A screen-sized copy that renders in milliseconds while a slider moves."""
        height, width = self.rgb.shape[:2]
        if max(height, width) <= max_side:
            return self
        size = _fit(height, width, max_side)
        maps = self.maps
        if maps.shape[1] > size[0]:
            maps = _downscale_maps(maps, self.map_scale, size)
        alpha = None if self.alpha is None else _resize(self.alpha[..., None], size)[..., 0]
        return dataclasses.replace(self, rgb=_resize(self.rgb, size), maps=maps, alpha=alpha,
                                   noise=None, tiles=None)

    def small_maps(self, max_side: int) -> tuple[np.ndarray, np.ndarray]:
        """(rgb, float32 maps) of one size, at most `max_side` long, for cheap gain maps."""
        small = self.preview(max_side)
        maps = small.maps.astype(np.float32) * np.float32(small.map_scale)
        height, width = small.rgb.shape[:2]
        if maps.shape[1:] != (height, width):
            maps = np.stack([cv2.resize(m, (width, height), interpolation=cv2.INTER_LINEAR)
                             for m in maps])
        return small.rgb, maps


class Engine:
    """Loads a model onto a device and enhances images with it.

    Process-wide settings (threads, flush-to-zero) are not the engine's business: entry
    points call `runtime.configure_runtime` once, and making engines changes nothing else.
    """

    def __init__(
        self,
        model: str | Path | CurveNet | LoadedCheckpoint | None = None,
        *,
        device: str = "auto",
        mode: Mode = "fast",
        fast_size: int = 512,
        tile_size: int = 512,
        precision: Literal["auto", "fp32", "bf16", "int8"] = "auto",
        denoiser: str | Path | NoiseNet | None = None,
        map_budget: int = DEFAULT_BUDGET,
        colour: Colour = COLOUR,
    ) -> None:
        """`precision` "auto" picks what the device runs fastest (see `device`); "fp32",
        "bf16" and "int8" force one. `map_budget` is how many bytes of full-resolution maps
        full mode keeps (beyond it, tiles are computed again when rendered). `colour` "keep"
        lifts each pixel's channels alike, "model" uses the model's own per-channel curves
        (`defaults.Colour`)."""
        one_of("mode", mode, get_args(Mode))
        one_of("colour", colour, get_args(Colour))
        in_range("fast_size", fast_size, MIN_SIZE, integer=True)
        in_range("tile_size", tile_size, MIN_SIZE, integer=True)
        in_range("map_budget", map_budget, 0, integer=True)
        one_of("precision", precision, PRECISIONS)
        kernels.warm_up()  # the first start after installation compiles while we load
        self.device = select_device(device)
        loaded = _load(model, self.device)
        if not isinstance(loaded.model, CurveNet):
            raise ZeroDCEError(f"{loaded.info.path}: holds a {loaded.info.arch} model, which "
                               "reduces noise; the engine needs a curve model (e.g. zerodce)")
        self.info: ModelInfo = loaded.info
        int8_ready = (self.device.type == "cpu" and quantizable(loaded.model)
                      and int8_available())
        if precision == "int8" and not int8_ready:
            raise ZeroDCEError("int8 needs the CPU, a DCE-Net model (zerodce or "
                               "zerodce-exposure) and an x86 build of PyTorch")
        self.precision: Precision = (curve_precision(self.device, int8_ready)
                                     if precision == "auto" else precision)
        # The float parts (the denoiser; the curve net unless int8) run in this type.
        self.dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}.get(
            precision, fast_dtype(self.device))
        net_dtype = torch.float32 if self.precision == "int8" else self.dtype
        self.net = loaded.model.to(self.device, net_dtype, memory_format=torch.channels_last)
        self.net.eval()
        self._int8 = (Int8DCENet(self.net, NETWORK_LEVELS) if self.precision == "int8"
                      else None)
        self.mode: Mode = mode
        self.colour: Colour = colour
        self.fast_size = fast_size
        self.tile_size = tile_size
        self.map_budget = map_budget
        self._precision = precision  # the noise model's is chosen when it loads
        self._denoiser_source = denoiser
        self._denoiser: Denoiser | None = None

    @property
    def denoiser(self) -> Denoiser:
        """The noise model (the bundled one unless given), loaded on first use."""
        if self._denoiser is None:
            source = self._denoiser_source
            if source is None:
                from .bundled import default_denoiser_path

                source = default_denoiser_path()
            int8 = self._precision == "int8" or (self._precision == "auto"
                                                  and noise_int8(self.device))
            self._denoiser = Denoiser(source, self.device, self.dtype,
                                      int8=int8 and int8_available())
        return self._denoiser

    def reduce_noise(self, rendered: np.ndarray, curve_maps: CurveMaps, curve_strength: float,
                     strength: float = 1.0) -> np.ndarray:
        """`rendered` (made from `curve_maps` at `curve_strength`) with amplified noise removed."""
        if strength <= 0.0:
            return rendered
        rgb, alpha, gray = split_channels(rendered)
        sigma = curve_maps.noise_sigma(curve_strength)
        return merge_channels(self.denoiser(rgb, sigma, strength), alpha, gray)

    @property
    def iterations(self) -> int:
        return self.net.iterations

    def enhance(self, image: np.ndarray, strength: float | None = None,
                mode: Mode | None = None) -> np.ndarray:
        return self.render(self.estimate(image, mode=mode), strength)

    @property
    def takes_exposure(self) -> bool:
        """True when the model brings each photo to a target level (see `exposure`)."""
        return self.net.takes_exposure

    def estimate(self, image: np.ndarray, *, mode: Mode | None = None,
                 progress: Progress | None = None, fast_size: int | None = None,
                 exposure: float | None = None,
                 network_level: float | None = None, gain: float | None = None) -> CurveMaps:
        """Run the network; `progress(done, total)` is called per tile and may raise Cancelled.

        `fast_size` overrides the engine's for this call (video estimates on smaller copies).
        `exposure` is the mean level the output should have (exposure-conditioned models);
        None picks it from the photo (`exposure.auto_exposure`). Models trained for one level
        ignore it. `network_level` skips the calibration and asks the net for that level
        (video reuses the previous frame's between recalibrations); `gain` skips the fitting
        of the exposure gain (1: the curves do all of the lift).

        Conditioned models reach the level in two steps (see `exposure`): a gain in linear
        light does the share `exposure.gain_share` of the lift, the curves the rest; the
        network sees the photo after the gain.
        """
        started = time.perf_counter()
        if not image.flags.writeable:  # np.asarray of a PIL image: torch warns on read-only
            image = image.copy()       # arrays (the pixels, the alpha a preview resizes)
        rgb, alpha, gray = split_channels(image)
        mode = one_of("mode", mode or self.mode, get_args(Mode))
        fast_size = fast_size or self.fast_size
        height, width = rgb.shape[:2]
        small = rgb
        if max(height, width) > fast_size:
            small = _resize(rgb, _fit(height, width, fast_size))
        level = net_level = strength = levels = None
        network = self._network
        if self.takes_exposure:
            own, highlight = mean_level(small), highlight_level(small)
            level = check_exposure(auto_exposure(own, highlight) if exposure is None
                                   else exposure)
            if gain is None:
                gain = fit_gain(small, level) ** gain_share(own, highlight)
            if gain != 1.0:
                levels = exposure_lut(gain, int(np.iinfo(small.dtype).max))
                small = lifted(small, levels)
                network = _after_gain(network, levels)
            darker = exposure is not None and level < own  # the curves darken, at full strength
            strength = self.iterations if darker else \
                auto_strength(mean_level(small), level, self.iterations)
            net_level = network_level or self._network_level(small, level,
                                                             strength or self.iterations)
        channels = 3 * self.net.map_count
        tiles = None
        if mode == "full":
            tiles = self._with_smaller_tiles_on_oom(lambda tile: TiledMaps(
                network, rgb, net_level, channels, tile, self.map_budget, progress))
            maps = tiles.overview
        else:
            maps = self._with_smaller_tiles_on_oom(lambda tile: full_maps(
                self._network, small, net_level, channels, tile, progress))
            if small is not rgb:
                maps = maps.astype(np.float32) / INT16_SCALE
        return CurveMaps(rgb=rgb, maps=maps, iterations=self.iterations,
                         shared=self.net.shared_maps, alpha=alpha, gray=gray, mode=mode,
                         seconds=time.perf_counter() - started, exposure=level,
                         auto_strength=strength, network_level=net_level,
                         gain=1.0 if gain is None else gain, levels=levels,
                         tiles=tiles)

    def render(self, curve_maps: CurveMaps, strength: float | None = None, *,
               bit_depth: int | None = None) -> np.ndarray:
        """Apply the cached curves at `strength` (0 = original, iterations = full), into
        `bit_depth` bits per channel (None: the source's)."""
        optional_in_range("strength", strength, 0.0)
        if strength is None:
            strength = curve_maps.default_strength
        dtype = None if bit_depth is None else DEPTH_DTYPES[bit_depth]
        rgb, tiles = curve_maps.rgb, curve_maps.tiles
        if tiles is None:
            out = kernels.render_curves(rgb, curve_maps.maps, curve_maps.map_scale,
                                        curve_maps.shared, strength, curve_maps.iterations, dtype,
                                        curve_maps.levels)
        else:
            rgb = np.ascontiguousarray(rgb)
            out = np.empty(rgb.shape, dtype or rgb.dtype)
            for index, box in enumerate(tiles.boxes):
                kernels.render_into(out, rgb, tiles.tile(index), 1.0 / INT16_SCALE,
                                    curve_maps.shared, strength, curve_maps.iterations, box=box,
                                    levels=curve_maps.levels)
        alpha = curve_maps.alpha
        if alpha is not None and alpha.dtype != out.dtype:
            alpha = to_bit_depth(alpha, 8 * out.dtype.itemsize)
        return merge_channels(out, alpha, curve_maps.gray)

    # -- network ---------------------------------------------------------------------------

    def _network_level(self, small: np.ndarray, target: float, strength: float) -> float:
        """The level to ask the network for so the output's mean at `strength` is `target`.

        Zero-reference training trades the exposure loss against the others, so a net asked
        for E lands below it on dark photos (E = 0.47 gave 0.13-0.21 on our benchmark's dark
        shots). The output mean rises monotonically with E, so a bisection on a 128 px
        thumbnail (7 network runs, ~10 ms each) finds the E that delivers the target.
        """
        height, width = small.shape[:2]
        thumb = small
        if max(height, width) > CALIBRATION_SIZE:
            thumb = _resize(small, _fit(height, width, CALIBRATION_SIZE))
        peak = float(np.iinfo(thumb.dtype).max)
        x = torch.from_numpy(np.ascontiguousarray(thumb)).to(self.device)
        x = x.permute(2, 0, 1).float().div_(peak)
        low, high = NETWORK_LEVELS
        with torch.inference_mode():
            for _ in range(CALIBRATION_STEPS):
                middle = (low + high) / 2
                maps = self._network(thumb, middle)  # in the precision the photo will get
                out = apply_curves_(x.clone(), maps.float(), strength, self.iterations)
                reached = float(out.mean())
                low, high = (middle, high) if reached < target else (low, middle)
        return (low + high) / 2

    @property
    def _network(self) -> Network:
        """The network as every estimate runs it: calibration, fast and full mode alike."""
        network = self._float_maps if self._int8 is None else self._int8.maps
        if self.colour == "model":
            return network
        return lambda patch, level: shared_channels(network(patch, level))

    def _float_maps(self, patch: np.ndarray, level: float | None) -> torch.Tensor:
        """The float network on one (h, w, 3) uint8/uint16 patch: (3k, h, w) maps."""
        peak = float(np.iinfo(patch.dtype).max)
        x = torch.from_numpy(np.ascontiguousarray(patch)).to(self.device)
        x = x.permute(2, 0, 1)[None].to(self.dtype).mul_(1.0 / peak)
        levels = None if level is None else torch.full((1,), level, device=self.device)
        return self.net(x.contiguous(memory_format=torch.channels_last), levels)[0]

    def _with_smaller_tiles_on_oom(self, run: Callable[[int], T]) -> T:
        """`run(tile_size)`, halving the tiles on out-of-memory (GPUs) down to 64 px."""
        tile = self.tile_size
        while True:
            try:
                return run(tile)
            except torch.OutOfMemoryError:
                if tile <= 64:
                    raise
                tile //= 2
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()


def _downscale_maps(maps: np.ndarray, scale: float, size: tuple[int, int]) -> np.ndarray:
    """Area-average full-size maps to `size`, one 3-channel map at a time to bound memory."""
    out = np.empty((maps.shape[0], *size), np.float32)
    for start in range(0, maps.shape[0], 3):
        chunk = torch.from_numpy(maps[start : start + 3]).float().mul_(scale)[None]
        out[start : start + 3] = F.interpolate(chunk, size=size, mode="area")[0].numpy()
    return out


def _fit(height: int, width: int, max_side: int) -> tuple[int, int]:
    scale = max_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Antialiased downscale of an (H, W, C) uint8/uint16 array to (h, w)."""
    tensor = torch.from_numpy(image).permute(2, 0, 1)[None]
    if image.dtype == np.uint8:
        out = F.interpolate(tensor.contiguous(memory_format=torch.channels_last), size=size,
                            mode="bilinear", antialias=True)
    else:
        out = F.interpolate(tensor.float(), size=size, mode="bilinear", antialias=True)
        out = out.round_().clamp_(0, np.iinfo(image.dtype).max).to(torch.int32)
    return np.ascontiguousarray(out[0].permute(1, 2, 0).numpy().astype(image.dtype))


def _load(model: str | Path | CurveNet | LoadedCheckpoint | None,
          device: torch.device) -> LoadedCheckpoint:
    if model is None:
        from .bundled import default_model_path

        model = default_model_path()
    if isinstance(model, (str, Path)):
        return load_checkpoint(model, map_location=device)
    if isinstance(model, CurveNet):
        info = ModelInfo(arch=model.arch, iterations=model.iterations, source_format="in-memory")
        return LoadedCheckpoint(model, info)
    return model


def lifted(rgb: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """`rgb` (uint8/uint16) after the exposure gain `levels`, as uint16 (no 8-bit banding)."""
    return np.round(levels[rgb] * np.float32(65535.0)).astype(np.uint16)


def _after_gain(network: Network, levels: np.ndarray) -> Network:
    """`network` seeing each patch after the exposure gain (full mode's full-size tiles)."""
    return lambda patch, level: network(lifted(patch, levels), level)
