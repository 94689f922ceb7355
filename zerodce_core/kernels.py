"""The fused render kernel: upsample curve maps and apply the curves in one pass.

Rendering 12 MP with separate tensor ops costs seconds in memory traffic and
GBs of full-size float maps (see MACHINE-FACTS). Here each output row
interpolates its own map rows and iterates the curves while they sit in cache,
so render needs no memory beyond the output and runs in ~0.15 s at 12 MP.

Numba compiles this on first use (about 2 s) and caches the machine code (in the user
cache folder that `runtime.configure_runtime` names, else beside this file or in numba's
own user cache), so later starts load it in milliseconds.
"""

from __future__ import annotations

import threading

import numba
import numpy as np

# Numba's default threading layer must not be entered from two threads at once (the app
# renders a preview while a batch runs); one kernel already uses every core anyway.
_KERNEL_LOCK = threading.Lock()


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _render_rows(src, in_scale, maps, map_scale, shared, whole, fraction, out, out_scale):
    height, width, channels = src.shape
    map_channels, map_h, map_w = maps.shape
    step_y = map_h / height
    step_x = map_w / width
    # Bilinear sampling positions along x, as F.interpolate(align_corners=False).
    x0 = np.empty(width, np.int64)
    x1 = np.empty(width, np.int64)
    wx = np.empty(width, np.float32)
    for x in range(width):
        fx = max((x + 0.5) * step_x - 0.5, 0.0)
        x0[x] = int(fx)
        x1[x] = min(x0[x] + 1, map_w - 1)
        wx[x] = fx - x0[x]
    steps = whole + (1 if fraction > 0 else 0)
    maps_per_channel = map_channels // 3
    for y in numba.prange(height):
        fy = max((y + 0.5) * step_y - 0.5, 0.0)
        y0 = int(fy)
        y1 = min(y0 + 1, map_h - 1)
        wy = np.float32(fy - y0)
        value = np.empty((channels, width), np.float32)
        alpha = np.empty(width, np.float32)
        low = np.empty(map_w, np.float32)
        for c in range(channels):
            for x in range(width):
                value[c, x] = src[y, x, c] * in_scale
        for i in range(steps):
            weight = fraction if i == whole else np.float32(1.0)
            for c in range(channels):
                m = 3 * (0 if shared else i % maps_per_channel) + c
                for j in range(map_w):
                    top = maps[m, y0, j] * map_scale
                    low[j] = top + (maps[m, y1, j] * map_scale - top) * wy
                for x in range(width):
                    alpha[x] = low[x0[x]] + (low[x1[x]] - low[x0[x]]) * wx[x]
                v = value[c]
                for x in range(width):
                    v[x] += weight * alpha[x] * (v[x] * v[x] - v[x])
        for c in range(channels):
            for x in range(width):
                out[y, x, c] = min(max(value[c, x], 0.0), 1.0) * out_scale + 0.5


def render_curves(src: np.ndarray, maps: np.ndarray, map_scale: float, shared: bool,
                  strength: float, iterations: int,
                  out_dtype: type[np.integer] | None = None) -> np.ndarray:
    """Enhance `src` (H, W, 3; uint8 or uint16) with `maps` (3k, h, w) at `strength`.

    `maps` may be smaller than the image (bilinearly upsampled on the fly) or the
    same size; int16 maps are scaled by `map_scale` back to [-1, 1]. The result is
    `out_dtype` (default: src's): the curves are computed in float, so rendering an
    8-bit photo straight to uint16 keeps their full precision (no 256-level banding).
    """
    strength = min(max(float(strength), 0.0), float(iterations))
    whole = int(strength)
    fraction = np.float32(strength - whole)
    peak = float(np.iinfo(src.dtype).max)
    out = np.empty(src.shape, out_dtype or src.dtype)
    out_peak = float(np.iinfo(out.dtype).max)
    with _KERNEL_LOCK:
        _render_rows(np.ascontiguousarray(src), np.float32(1.0 / peak),
                     np.ascontiguousarray(maps),
                     np.float32(map_scale), shared, whole, fraction, out, np.float32(out_peak))
    return out


def set_threads(threads: int) -> None:
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
