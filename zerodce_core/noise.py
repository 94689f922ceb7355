"""Sensor noise: simulating it physically, measuring it in a photo, and following it through curves.

Three uses share this module, so they agree on what "noise" means:
- the quality benchmark and the denoiser's training data make dark, noisy photos from
  well-exposed ones the way a camera would (`synthesize_low_light`): linear light, less
  exposure, Poisson shot noise plus Gaussian read noise on a Bayer mosaic, demosaicing
  (which correlates the noise across neighbours and colours), sRGB, 8-bit, maybe JPEG,
  and beside it the same shot as a noise-free camera would have taken it;
- the denoiser measures the noise of the photo it is given (`measure_noise`): per channel,
  as a function of level, from the flattest blocks, so a clean daylight photo reads near zero;
- `noise_map` carries that input noise through the curves: each iteration
  x' = x + a(x^2 - x) scales a small perturbation by its derivative 1 + a(2x - 1), so the
  noise after enhancement is the input noise times the product of those factors.

Numpy and OpenCV only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .exposure import to_linear, to_srgb

#: Level bins, evenly spaced in the square root of the level: shot noise grows as its square
#: root, and a night shot lives in its lowest codes (bins end at 1, 4, 9, 16... codes of 255),
#: where even bins of 16 codes each would pool a sky at code 3 with clipped black.
LEVEL_BINS = 16
BLOCK = 8
#: Of the blocks at one level, this quantile of their noise estimates is taken: flat blocks
#: sit at the low end (texture and edges only add), the very lowest are quantisation flukes.
FLAT_QUANTILE = 0.2
_LAPLACE = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class CameraNoise:
    """One simulated shot: exposure cut, photons at full scale, read noise, JPEG quality."""

    exposure: float  # fraction of the reference's light (1/50 .. 1/4)
    photons: float  # electrons collected by a pixel at full scale (shot noise ~ 1/sqrt)
    read_noise: float  # Gaussian noise of the read-out, as a fraction of full scale
    jpeg_quality: int | None  # None: no compression

    @classmethod
    def draw(cls, rng: np.random.Generator, *, jpeg_share: float = 0.5) -> CameraNoise:
        """A random shot in the ranges calibrated on DICM (see benchmarks/README.md)."""
        exposure = math.exp(rng.uniform(math.log(1 / 50), math.log(1 / 4)))
        photons = math.exp(rng.uniform(math.log(PHOTONS[0]), math.log(PHOTONS[1])))
        read = math.exp(rng.uniform(math.log(READ_NOISE[0]), math.log(READ_NOISE[1])))
        quality = int(rng.integers(70, 96)) if rng.random() < jpeg_share else None
        return cls(exposure, photons, read, quality)


#: Full-scale electrons and read noise (fraction of full scale): phone to compact-camera range.
PHOTONS = (300.0, 6000.0)
READ_NOISE = (4e-4, 3e-3)


def synthesize_low_light(reference: np.ndarray, shot: CameraNoise,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(noisy uint8 RGB, clean float32 RGB in [0, 1]): dark versions of a uint8 reference.

    `clean` went through the same exposure cut, mosaic and demosaic with no noise, no 8-bit
    rounding and no JPEG: what the camera would have recorded without noise. Rounding and
    compression of a dark shot are damage a lift amplifies as it does the sensor's noise
    (steps of one code become bands, JPEG blocks become blotches), so a denoiser learns to
    remove them too, and noisy - clean is all of it.
    """
    linear = to_linear(reference.astype(np.float64) / 255.0) * shot.exposure
    mosaic = _bayer(linear)
    electrons = rng.poisson(mosaic * shot.photons) / shot.photons
    noisy_raw = electrons + rng.normal(0.0, shot.read_noise, mosaic.shape)
    noisy = np.clip(to_srgb(_demosaic(noisy_raw)) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    clean = to_srgb(_demosaic(mosaic)).astype(np.float32)
    return _jpeg(noisy, shot.jpeg_quality), clean


def _bayer(linear: np.ndarray) -> np.ndarray:
    """RGGB mosaic of an RGB image: each pixel keeps the one channel its filter passes."""
    raw = np.empty(linear.shape[:2])
    raw[0::2, 0::2] = linear[0::2, 0::2, 0]
    raw[0::2, 1::2] = linear[0::2, 1::2, 1]
    raw[1::2, 0::2] = linear[1::2, 0::2, 1]
    raw[1::2, 1::2] = linear[1::2, 1::2, 2]
    return raw


def _demosaic(raw: np.ndarray) -> np.ndarray:
    """Linear RGB from an RGGB mosaic, bilinear as cheap cameras and phones' fast paths do
    (16 bits: finer than a 1/50 exposure's darkest steps)."""
    raw16 = np.clip(raw * 65535.0 + 0.5, 0, 65535).astype(np.uint16)
    return cv2.cvtColor(raw16, cv2.COLOR_BayerBG2RGB).astype(np.float64) / 65535.0


def _jpeg(rgb: np.ndarray, quality: int | None) -> np.ndarray:
    """`rgb` (uint8) through a JPEG round trip at `quality` (None: unchanged)."""
    if quality is None:
        return rgb
    ok, data = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1].copy()


# --------------------------------------------------------------------------- measurement


@dataclass(frozen=True)
class NoiseProfile:
    """Noise standard deviation (fraction of full scale) per channel at LEVEL_BINS levels."""

    levels: np.ndarray  # (LEVEL_BINS,) bin centres in [0, 1]
    sigma: np.ndarray  # (3, LEVEL_BINS)

    def at(self, rgb: np.ndarray) -> np.ndarray:
        """Per-pixel, per-channel noise sigma of float RGB (..., 3) in [0, 1]."""
        out = np.empty(rgb.shape, np.float32)
        for c in range(3):
            out[..., c] = np.interp(rgb[..., c], self.levels, self.sigma[c])
        return out

    @property
    def typical(self) -> float:
        """One number for reports: the median over levels and channels."""
        return float(np.median(self.sigma))


def measure_noise(rgb: np.ndarray, max_pixels: int = 2_000_000) -> NoiseProfile:
    """Noise level function of a uint8/uint16 RGB photo, from its flattest 8x8 blocks.

    Immerkaer's Laplacian cancels smooth shading and keeps the noise; per block its mean
    absolute value gives a sigma, and per level bin a low quantile of those sigmas picks
    the flat blocks. Blocks without any variation (clipped black or white, or flattened
    by JPEG) tell nothing of the noise and are left out, so they cannot pull a level's
    quantile to zero. Large photos are measured on evenly spaced row bands.
    """
    peak = float(np.iinfo(rgb.dtype).max)
    rows = _sample_rows(rgb.shape[0], rgb.shape[1], max_pixels)
    image = rgb[rows].astype(np.float32) / peak
    height = image.shape[0] // BLOCK * BLOCK
    width = image.shape[1] // BLOCK * BLOCK
    levels = ((np.arange(LEVEL_BINS) + 0.5) / LEVEL_BINS) ** 2
    sigma = np.zeros((3, LEVEL_BINS), np.float32)
    if height < BLOCK or width < BLOCK:
        return NoiseProfile(levels, sigma)
    for c in range(3):
        plane = np.ascontiguousarray(image[:height, :width, c])
        laplace = np.abs(cv2.filter2D(plane, -1, _LAPLACE, borderType=cv2.BORDER_REFLECT))
        block_noise = _block_mean(laplace) * math.sqrt(math.pi / 2) / 6
        block_level = _block_mean(plane)
        sigma[c] = _per_level(block_level.ravel(), block_noise.ravel(), levels)
    return NoiseProfile(levels, sigma)


def _sample_rows(height: int, width: int, max_pixels: int) -> np.ndarray:
    """Row indices: all rows, or bands of 64 rows spread over the image to stay near max_pixels."""
    if height * width <= max_pixels:
        return np.arange(height)
    band = 64
    bands = max(1, max_pixels // (band * width))
    starts = np.linspace(0, height - band, bands).astype(int) // BLOCK * BLOCK
    return np.concatenate([np.arange(s, s + band) for s in starts])


def _block_mean(plane: np.ndarray) -> np.ndarray:
    h, w = plane.shape
    return plane.reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).mean((1, 3))


def _per_level(level: np.ndarray, noise: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """A low quantile of block noise per level bin, of the blocks with any noise at all;
    empty bins take their neighbours' values."""
    index = np.minimum((np.sqrt(level) * LEVEL_BINS).astype(int), LEVEL_BINS - 1)
    values = np.full(LEVEL_BINS, np.nan, np.float32)
    varied = noise > 0
    for b in range(LEVEL_BINS):
        found = noise[(index == b) & varied]
        if found.size >= 8:
            values[b] = np.quantile(found, FLAT_QUANTILE)
    known = ~np.isnan(values)
    if not known.any():
        return np.zeros(LEVEL_BINS, np.float32)
    return np.interp(centres, centres[known], values[known]).astype(np.float32)


# --------------------------------------------------------------------------- through the curves


def curve_gain(rgb: np.ndarray, maps: np.ndarray, strength: float, iterations: int) -> np.ndarray:
    """d(output)/d(input) of the curves per pixel and channel, for float RGB (H, W, 3) in [0, 1].

    `maps` (3k, H, W) float in [-1, 1] at the same size; k = iterations or 1 (shared maps).
    Strength is fractional as in rendering: the last partial iteration counts with its weight.
    """
    x = rgb.astype(np.float32).transpose(2, 0, 1).copy()
    gain = np.ones_like(x)
    strength = min(max(float(strength), 0.0), float(iterations))
    whole = int(strength)
    steps = [(i, 1.0) for i in range(whole)]
    if strength > whole:
        steps.append((whole, strength - whole))
    k = maps.shape[0] // 3
    for i, weight in steps:
        a = maps[3 * (i % k) : 3 * (i % k) + 3] * np.float32(weight)
        gain *= 1.0 + a * (2.0 * x - 1.0)
        x += a * (x * x - x)
    return np.clip(gain, 0.0, None).transpose(1, 2, 0)


def noise_map(profile: NoiseProfile, rgb: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Expected noise sigma after the curves: input noise at each pixel's level times the gain."""
    return profile.at(rgb) * gain
