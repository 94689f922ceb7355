"""Pixel layout and depth: the numpy-only helpers every stage shares.

Photos arrive as gray, gray+alpha, RGB or RGBA in uint8 or uint16; the curves, the noise
filter and the gamma baseline all work on three colour channels. `split_channels` and
`merge_channels` go between the two, and `to_bit_depth` between the depths. They live here,
apart from the engine, so post-processing and file code never pull in torch (an
import-linter contract in pyproject.toml keeps it that way).
"""

from __future__ import annotations

import numpy as np

from .errors import ZeroDCEError


class UnsupportedImageError(ZeroDCEError):
    """The array's shape or dtype is not an image the engine can enhance."""


def split_channels(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """(rgb, alpha, was_gray) from a gray, gray+alpha, RGB or RGBA uint8/uint16 array."""
    if image.dtype not in (np.uint8, np.uint16):
        raise UnsupportedImageError(f"expected uint8 or uint16 pixels, got {image.dtype}")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 2, 3, 4) or 0 in image.shape:
        raise UnsupportedImageError(f"expected an (H, W[, C]) image, got shape {image.shape}")
    channels = image.shape[2]
    alpha = image[..., -1].copy() if channels in (2, 4) else None
    color = image[..., :3] if channels >= 3 else np.repeat(image[..., :1], 3, axis=2)
    return np.ascontiguousarray(color), alpha, channels < 3


def merge_channels(rgb: np.ndarray, alpha: np.ndarray | None, gray: bool) -> np.ndarray:
    """Undo `split_channels`: gray output is the channel mean, alpha is reattached."""
    if gray:
        mean = rgb.mean(axis=2, dtype=np.float32) + 0.5
        rgb = mean.astype(rgb.dtype)[..., None]
    if alpha is not None:
        rgb = np.concatenate([rgb, alpha[..., None]], axis=2)
    return rgb[..., 0] if rgb.shape[2] == 1 else rgb


def bit_depth_of(pixels: np.ndarray) -> int:
    """Bits per channel of a uint8 (8) or uint16 (16) array."""
    return 16 if pixels.dtype == np.uint16 else 8


def to_bit_depth(pixels: np.ndarray, bit_depth: int) -> np.ndarray:
    """uint8 <-> uint16 by the factor 257, so 255 maps to 65535 and back exactly."""
    if bit_depth == 8 and pixels.dtype == np.uint16:
        # round(v / 257) in integers, without a float copy of a large photo
        return ((pixels.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if bit_depth == 16 and pixels.dtype == np.uint8:
        return pixels.astype(np.uint16) * 257
    return pixels
