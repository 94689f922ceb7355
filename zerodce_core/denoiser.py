"""Noise reduction after the curves, by a small network told where the curves amplified noise.

Brightening multiplies sensor noise by the curves' local gain (10x and more in deep
shadows), so the noise after enhancement is known pixel by pixel: the photo's own noise at
each level (`noise.measure_noise`, from its flattest blocks) times the curves' derivative
(`noise.curve_gain`, exact from the cached maps). That map is computed on a <= 512 px copy,
where the maps live anyway, and the network (`model.NoiseNet`, trained on synthetic shots
by `zerodce train --arch noisenet`) removes that much noise and no more: a clean daylight
photo gets a near-zero map and comes out unchanged, a night shot a strong one.

The network runs tile by tile (bounded memory at any size), skipping tiles whose map says
there is nothing to remove, and computes its residual in the engine's fast dtype (int8 on
CPUs with VNNI but no bf16: `quantized_noise`) while the subtraction stays in float32.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import load_checkpoint
from .errors import ZeroDCEError
from .model import NOISE_OUTPUT_SCALE, NoiseNet
from .noise import NoiseProfile, curve_gain, noise_map
from .quantized_noise import Int8NoiseUNet, quantizable_noise

#: Long side of the copy the noise map is computed on.
MAP_SIZE = 512
#: Tiles (full-resolution pixels) and their overlap, beyond the networks' reach (NoiseNet
#: 10 px, NoiseUNet 28 px); a multiple of 4 so tiles line up with NoiseUNet's quarter grid.
TILE = 512
MARGIN = 32
#: Tiles of the int8 network: its activations take a quarter of the memory, so twice the side
#: still fits the caches, and the overlap costs 1.13x instead of 1.27x (one thread, 4 MP:
#: 0.305 s against 0.349 s for 512 px tiles, 0.439 s for 2048).
INT8_TILE = 1024
#: Expected noise sigma (fraction of full scale) below which a tile is left untouched.
SKIP_BELOW = 0.002
#: The largest sigma the network is told: 99.9% of its training samples' are below 0.22. A
#: photo of pure noise lifted 40x measures ~1, and the network, far outside what it learned,
#: then "removes" most of the picture (a mean level of 0.47 fell to 0.10).
SIGMA_MAX = 0.25


def amplified(gain: np.ndarray) -> np.ndarray:
    """The share of the noise after a lift of `gain` that the lift added: a photo's own
    noise (gain 1) is part of the photo and stays; sqrt(gain^2 - 1) of it is new. Nearly the
    gain itself where the lift is strong (0.99 of it at 7x), none where nothing was lifted."""
    return np.sqrt(np.maximum(gain * gain - 1.0, 0.0))


class Denoiser:
    """A loaded noise model on a device; call it on a rendered image and its curve maps."""

    def __init__(self, model: str | Path | NoiseNet, device: torch.device,
                 dtype: torch.dtype = torch.float32, int8: bool = False) -> None:
        """`int8`: run a `NoiseUNet` in int8 (`quantized_noise`; the CPU only), for CPUs
        whose fast reduced precision is int8 (VNNI), not bf16; other models stay in `dtype`."""
        if not isinstance(model, NoiseNet):
            loaded = load_checkpoint(model, map_location=device).model
            if not isinstance(loaded, NoiseNet):
                raise ZeroDCEError(f"{model}: holds a {loaded.arch} curve model, "
                                   "not a noise-reduction model (noisenet, noisenet-u)")
            model = loaded
        self.device = device
        self.int8 = (Int8NoiseUNet(model, SIGMA_MAX)
                     if int8 and device.type == "cpu" and quantizable_noise(model) else None)
        self.dtype = dtype if self.int8 is None else torch.float32
        self.net = model.to(device, self.dtype, memory_format=torch.channels_last).eval()

    @staticmethod
    def sigma_map(profile: NoiseProfile, small_rgb: np.ndarray, small_maps: np.ndarray,
                  strength: float, iterations: int,
                  levels: np.ndarray | None = None) -> np.ndarray:
        """Expected noise after the exposure gain and the curves on a small copy: (h, w, 3)
        float32.

        `profile` is the input photo's measured noise, `small_rgb` a downscaled copy of the
        photo (uint8/uint16), `small_maps` (3k, h, w) float curve maps of that size and
        `levels` the exposure gain's table (None: no gain), whose slope multiplies the noise
        as the curves' does.
        """
        peak = int(np.iinfo(small_rgb.dtype).max)
        unit = small_rgb.astype(np.float32) / np.float32(peak)
        if levels is None:
            gain = curve_gain(unit, small_maps, strength, iterations)
        else:
            slope = np.gradient(levels) * np.float32(peak)
            gain = curve_gain(levels[small_rgb], small_maps, strength, iterations) * \
                slope[small_rgb]
        return noise_map(profile, unit, amplified(gain))

    def __call__(self, enhanced: np.ndarray, sigma_small: np.ndarray,
                 strength: float = 1.0) -> np.ndarray:
        """`enhanced` (H, W, 3 uint8/uint16) with the noise of `sigma_small` removed.

        `strength` 0..1 blends between the input (0) and the full reduction (1).
        """
        strength = min(max(float(strength), 0.0), 1.0)
        if strength == 0.0 or float(sigma_small.max()) < SKIP_BELOW:
            return enhanced
        height, width = enhanced.shape[:2]
        sigma = cv2.resize(np.minimum(sigma_small, SIGMA_MAX),
                           ((width + 1) // 2, (height + 1) // 2), interpolation=cv2.INTER_LINEAR)
        peak = float(np.iinfo(enhanced.dtype).max)
        out = enhanced.copy()
        with torch.inference_mode():
            tile = TILE if self.int8 is None else INT8_TILE
            for y in range(0, height, tile):
                for x in range(0, width, tile):
                    self._tile(enhanced, sigma, out, y, x, tile, peak, strength)
        return out

    def _tile(self, image: np.ndarray, sigma: np.ndarray, out: np.ndarray, y: int, x: int,
              tile: int, peak: float, strength: float) -> None:
        height, width = image.shape[:2]
        y1, x1 = min(y + tile, height), min(x + tile, width)
        if float(sigma[y // 2 : (y1 + 1) // 2, x // 2 : (x1 + 1) // 2].max()) < SKIP_BELOW:
            return
        # The window starts on even pixels so its 2x2 blocks line up with the sigma map.
        wy0, wx0 = max(y - MARGIN, 0), max(x - MARGIN, 0)
        wy1, wx1 = min(y1 + MARGIN, height), min(x1 + MARGIN, width)
        window = image[wy0:wy1, wx0:wx1]
        pad_h, pad_w = (wy1 - wy0) % 2, (wx1 - wx0) % 2
        noise = sigma[wy0 // 2 : (wy1 + 1) // 2, wx0 // 2 : (wx1 + 1) // 2]
        if self.int8 is not None:
            residual = self._int8_residual(window, noise, pad_h, pad_w)
        else:
            residual = self._float_residual(window, noise, pad_h, pad_w, peak)
        core = residual[y - wy0 : y1 - wy0, x - wx0 : x1 - wx0]
        cleaned = torch.from_numpy(image[y:y1, x:x1].astype(np.float32) / peak).to(core.device)
        cleaned -= strength * core
        out[y:y1, x:x1] = (cleaned.clamp_(0, 1).mul_(peak).add_(0.5)).cpu().numpy().astype(
            out.dtype)

    def _float_residual(self, window: np.ndarray, noise: np.ndarray, pad_h: int, pad_w: int,
                        peak: float) -> torch.Tensor:
        """The float network's residual over a window: (h, w, 3) float32, on the device."""
        patch = torch.from_numpy(window.astype(np.float32) / peak)
        patch = patch.permute(2, 0, 1)[None].to(self.device)
        noise = torch.from_numpy(np.ascontiguousarray(noise)).permute(2, 0, 1)[None]
        padded = F.pad(patch, (0, pad_w, 0, pad_h), mode="replicate")
        residual = self.net.residual(
            padded.to(self.dtype).contiguous(memory_format=torch.channels_last),
            noise.to(self.device, self.dtype).contiguous(memory_format=torch.channels_last))
        return residual.float()[0].permute(1, 2, 0)

    def _int8_residual(self, window: np.ndarray, noise: np.ndarray, pad_h: int,
                       pad_w: int) -> torch.Tensor:
        """The int8 network's residual over a window, (h, w, 3) float32: its noise / sigma
        times sigma on each 2x2 block, assembled straight into pixel order."""
        if pad_h or pad_w:
            window = np.pad(window, ((0, pad_h), (0, pad_w), (0, 0)), "edge")
        unit = self.int8.unit_noise(self.int8.inputs(window, noise))
        h, w = noise.shape[:2]
        unit = unit[0, :, :h, :w].permute(1, 2, 0).reshape(h, w, 3, 2, 2)
        scale = torch.from_numpy(noise * np.float32(NOISE_OUTPUT_SCALE))[..., None, None]
        return (unit * scale).permute(0, 3, 1, 4, 2).reshape(2 * h, 2 * w, 3)
