"""Noise reduction after enhancement, strongest where the curves lifted the signal most.

Zero-DCE multiplies dark pixels by up to 5-10x, and their sensor noise with them, while
bright areas are barely touched. So the filter strength follows the local gain
(enhanced / input, measured on 1/8-size copies, which the noise cannot fool): untouched
regions keep every bit of their detail, lifted shadows get the full filter.

The filter is OpenCV's bilateral filter on luma (edge-preserving, ~0.1 s at 12 MP) and a
Gaussian on chroma at half size (colour speckle is the most visible part of amplified noise
and chroma carries little detail), blended per pixel with `cv2.blendLinear`.
"""

from __future__ import annotations

import cv2
import numpy as np

from .engine import merge_channels, split_channels

GAIN_SCALE = 8  # the gain map is measured at 1/GAIN_SCALE of the image size
FULL_GAIN = 3.0  # at this gain (and above) the filter applies fully; at gain 1 not at all
LUMA_SIGMA = 24.0  # bilateral range sigma at strength 1, in 8-bit levels
CHROMA_SIGMA = 2.0  # Gaussian sigma for chroma at strength 1, in half-size pixels


def denoise(enhanced: np.ndarray, source: np.ndarray, strength: float) -> np.ndarray:
    """`enhanced` with the noise the curves amplified reduced; strength 0..1 (0 = unchanged).

    `source` is the image before enhancement, the same shape as `enhanced`.
    """
    strength = min(max(float(strength), 0.0), 1.0)
    if strength == 0.0:
        return enhanced
    rgb, alpha, gray = split_channels(enhanced)
    before, _, _ = split_channels(source)
    if rgb.shape != before.shape:
        raise ValueError(f"source {before.shape} and enhanced {rgb.shape} differ in size")
    # 16-bit goes through float32 in 0..1 (cv2's colour and bilateral code take 8u or 32f).
    unit = 1.0 if rgb.dtype == np.uint8 else 1.0 / 65535
    levels = 1.0 if rgb.dtype == np.uint8 else 1.0 / 255
    work = rgb if rgb.dtype == np.uint8 else rgb.astype(np.float32) * np.float32(unit)
    luma, red, blue = cv2.split(cv2.cvtColor(work, cv2.COLOR_RGB2YCrCb))
    weight = gain_weight(before, rgb, strength)
    keep = 1.0 - weight
    planes = [cv2.blendLinear(cv2.bilateralFilter(luma, 5, LUMA_SIGMA * strength * levels, 2.0),
                              luma, weight, keep)]
    planes += [cv2.blendLinear(_lowpass(plane, CHROMA_SIGMA * strength), plane, weight, keep)
               for plane in (red, blue)]
    out = cv2.cvtColor(cv2.merge(planes), cv2.COLOR_YCrCb2RGB)
    if out.dtype != rgb.dtype:
        out = np.clip(out * np.float32(1.0 / unit) + 0.5, 0, 65535).astype(rgb.dtype)
    return merge_channels(out, alpha, gray)


def gain_weight(source: np.ndarray, enhanced: np.ndarray, strength: float) -> np.ndarray:
    """Full-size float32 weights in 0..strength: how much the curves brightened each area."""
    height, width = source.shape[:2]
    small = (max(1, width // GAIN_SCALE), max(1, height // GAIN_SCALE))
    before = _luma(cv2.resize(source, small, interpolation=cv2.INTER_AREA))
    after = _luma(cv2.resize(enhanced, small, interpolation=cv2.INTER_AREA))
    floor = 2.0 if source.dtype == np.uint8 else 2.0 * 257
    gain = (after + floor) / (before + floor)
    weight = np.clip((gain - 1.0) / (FULL_GAIN - 1.0), 0.0, 1.0) * np.float32(strength)
    return cv2.resize(weight.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _lowpass(plane: np.ndarray, sigma: float) -> np.ndarray:
    """Blur a chroma plane at half size: 4x fewer pixels, and chroma has little detail."""
    height, width = plane.shape
    small = cv2.resize(plane, (max(1, width // 2), max(1, height // 2)),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma), (width, height),
                      interpolation=cv2.INTER_LINEAR)
