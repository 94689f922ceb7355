"""Baseline for the quality benchmark: the bilateral noise reduction zerodce shipped before 0.2.

Kept here only to score it against the learned noise model; the product no longer uses it.
Original docstring:

Noise reduction after enhancement, strongest where the curves lifted the signal most.

Zero-DCE multiplies dark pixels by up to 5-10x, and their sensor noise with them, while
bright areas are barely touched. So the filter strength follows the local gain
(enhanced / input, measured on 1/8-size copies, which the noise cannot fool): untouched
regions keep every bit of their detail, lifted shadows get the full filter. It also follows
the noise the input really has (Immerkaer's estimate, times the gain): a clean photo,
however much it was lifted, is left nearly alone instead of being smoothed for nothing.

The filter is OpenCV's bilateral filter on luma (edge-preserving, ~0.1 s at 12 MP) and a
Gaussian on chroma at half size (colour speckle is the most visible part of amplified noise
and chroma carries little detail), blended per pixel with `cv2.blendLinear`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)

GAIN_SCALE = 8  # the gain map is measured at 1/GAIN_SCALE of the image size
FULL_GAIN = 3.0  # at this gain (and above) the filter applies fully; at gain 1 not at all
NOISY = 6.0  # amplified noise (std, 8-bit levels) at which the filter applies fully
RANGE_SIGMAS = 2.5  # bilateral range sigma, in amplified-noise standard deviations
CHROMA_SIGMA = 2.0  # Gaussian sigma for chroma at strength 1, in half-size pixels
SAMPLE_ROWS = 32, 256  # noise is estimated on bands of 32 rows every 256 (1/8 of the image)


def bilateral_denoise(enhanced: np.ndarray, source: np.ndarray, strength: float) -> np.ndarray:
    """`enhanced` with the noise the curves amplified reduced; strength 0..1 (0 = unchanged).

    `source` is the image before enhancement, the same shape as `enhanced`.
    """
    strength = min(max(float(strength), 0.0), 1.0)
    if strength == 0.0:
        return enhanced
    rgb, before = enhanced, source
    if rgb.shape != before.shape:
        raise ValueError(f"source {before.shape} and enhanced {rgb.shape} differ in size")
    # 16-bit goes through float32 in 0..1 (cv2's colour and bilateral code take 8u or 32f).
    eight_bit = rgb.dtype == np.uint8
    unit = 1.0 if eight_bit else 1.0 / 65535
    work = rgb if rgb.dtype == np.uint8 else rgb.astype(np.float32) * np.float32(unit)
    luma, red, blue = cv2.split(cv2.cvtColor(work, cv2.COLOR_RGB2YCrCb))
    weight, gain = _weight_and_gain(before, rgb, strength)
    amplified = noise_sigma(before) * gain / (1 if eight_bit else 257)  # in 8-bit levels
    weight *= np.float32(min(amplified / NOISY, 1.0))
    keep = 1.0 - weight
    sigma = max(RANGE_SIGMAS * amplified, 1.0) / (1 if eight_bit else 255)
    planes = [cv2.blendLinear(cv2.bilateralFilter(luma, 5, sigma, 2.0), luma, weight, keep)]
    planes += [cv2.blendLinear(_lowpass(plane, CHROMA_SIGMA * strength), plane, weight, keep)
               for plane in (red, blue)]
    out = cv2.cvtColor(cv2.merge(planes), cv2.COLOR_YCrCb2RGB)
    if out.dtype != rgb.dtype:
        out = np.clip(out * np.float32(1.0 / unit) + 0.5, 0, 65535).astype(rgb.dtype)
    return out


def _weight_and_gain(source: np.ndarray, enhanced: np.ndarray,
                     strength: float) -> tuple[np.ndarray, float]:
    """`gain_weight`, plus the typical gain where the weight is high (90th percentile)."""
    height, width = source.shape[:2]
    small = (max(1, width // GAIN_SCALE), max(1, height // GAIN_SCALE))
    before = _luma(cv2.resize(source, small, interpolation=cv2.INTER_AREA))
    after = _luma(cv2.resize(enhanced, small, interpolation=cv2.INTER_AREA))
    floor = 2.0 if source.dtype == np.uint8 else 2.0 * 257
    gain = (after + floor) / (before + floor)
    weight = np.clip((gain - 1.0) / (FULL_GAIN - 1.0), 0.0, 1.0) * np.float32(strength)
    weight = cv2.resize(weight.astype(np.float32), (width, height),
                        interpolation=cv2.INTER_LINEAR)
    return weight, float(np.percentile(gain, 90))


def noise_sigma(image: np.ndarray) -> float:
    """Standard deviation of the image's noise (in its own levels), Immerkaer's method.

    A 3x3 Laplacian difference cancels smooth shading and leaves the noise; sampled on row
    bands so it costs ~1/8 of a pass. Strong texture inflates it a little.
    """
    rgb = image
    band, step = SAMPLE_ROWS
    rows = [rgb[y : y + band] for y in range(0, max(rgb.shape[0] - 2, 1), step)]
    total, count = 0.0, 0
    for rows_rgb in rows:
        luma = _luma(rows_rgb)
        if luma.shape[0] < 3 or luma.shape[1] < 3:
            continue
        laplace = cv2.filter2D(luma, -1, _IMMERKAER)[1:-1, 1:-1]
        total += float(np.abs(laplace).sum())
        count += laplace.size
    return 0.0 if count == 0 else math.sqrt(math.pi / 2) * total / (6 * count)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _lowpass(plane: np.ndarray, sigma: float) -> np.ndarray:
    """Blur a chroma plane at half size: 4x fewer pixels, and chroma has little detail."""
    height, width = plane.shape
    small = cv2.resize(plane, (max(1, width // 2), max(1, height // 2)),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma), (width, height),
                      interpolation=cv2.INTER_LINEAR)
