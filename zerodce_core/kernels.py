"""The fused render kernel: upsample curve maps and apply the curves in one pass.

Rendering 12 MP with separate tensor ops costs seconds in memory traffic and GBs of
full-size float maps (see MACHINE-FACTS). Here a band of output rows is rendered at a time:
each map row is interpolated along x once into a cached row (about 8 output rows share a
pair of map rows at 12 MP from 512 px maps), every output row is then one contiguous
interpolation along y, and the curve iterations run over a row held in L1 cache. No
full-size float map ever exists.

Threads are ours, not numba's: the kernel releases the GIL (`nogil`) and a small pool runs
one band per task. That keeps numba's parallel compiler out (it tripled the compile time)
and lets the app render a preview while a batch renders a photo, without a lock.

Numba compiles on first use and caches the machine code on disk (`runtime.configure_runtime`
puts the cache in the user cache folder), so later starts load it in milliseconds. The very
first start after installation compiles in the background: `warm_up` is called when an
engine is made, so compiling overlaps reading the photo and running the network.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

#: Bands per thread: a few, so a band that waits on a busy core does not hold the others up.
BANDS_PER_THREAD = 3
#: Smaller renders run on the calling thread alone (handing them out costs more).
MIN_BAND_ROWS = 16


@numba.njit(cache=True, nogil=True)
def _interpolate_row(maps, row, map_scale, x0, x1, wx, into):
    """Map row `row`, x-interpolated at every output column, channels interleaved like the
    pixels: into[j, 3 * x + c] is map 3 * j + c at column x."""
    for j in range(into.shape[0]):
        for c in range(3):
            m = 3 * j + c
            for x in range(x0.shape[0]):
                a = maps[m, row, x0[x]] * map_scale
                into[j, 3 * x + c] = a + (maps[m, row, x1[x]] * map_scale - a) * wx[x]


@numba.njit(cache=True, nogil=True)
def _render_band(src, in_scale, maps, map_scale, shared, whole, fraction, out, out_scale,
                 rows, cols, origin, span):
    """Render rows `rows` and columns `cols` of src into out (both (H, 3W): pixels with
    interleaved channels) with `maps`, which cover the image box starting at `origin` (y, x)
    of size `span` (h, w), bilinearly (as F.interpolate with align_corners=False)."""
    map_channels, map_h, map_w = maps.shape
    width = cols[1] - cols[0]
    n = 3 * width
    first = 3 * cols[0]
    steps = whole + (1 if fraction > 0 else 0)
    per_channel = map_channels // 3
    used = 1 if shared else min(max(steps, 1), per_channel)  # 3-channel maps used
    value = np.empty(n, np.float32)
    upper = np.empty((used, n), np.float32)  # map rows y0 and y1, x-interpolated
    lower = np.empty((used, n), np.float32)
    x0 = np.empty(width, np.int64)
    x1 = np.empty(width, np.int64)
    wx = np.empty(width, np.float32)
    step_x = map_w / span[1]
    for x in range(width):
        fx = max((x + cols[0] - origin[1] + 0.5) * step_x - 0.5, 0.0)
        x0[x] = min(int(fx), map_w - 1)
        x1[x] = min(x0[x] + 1, map_w - 1)
        wx[x] = fx - x0[x]
    step_y = map_h / span[0]
    have_upper = -1
    have_lower = -1
    for y in range(rows[0], rows[1]):
        fy = max((y - origin[0] + 0.5) * step_y - 0.5, 0.0)
        y0 = min(int(fy), map_h - 1)
        y1 = min(y0 + 1, map_h - 1)
        wy = np.float32(fy - y0)
        if y0 != have_upper:
            if y0 == have_lower:  # moving down one map row: the lower row becomes the upper
                upper, lower = lower, upper
            else:
                _interpolate_row(maps, y0, map_scale, x0, x1, wx, upper)
            have_upper = y0
            have_lower = -1
        if wy > 0 and y1 != have_lower:
            _interpolate_row(maps, y1, map_scale, x0, x1, wx, lower)
            have_lower = y1
        for k in range(n):
            value[k] = src[y, first + k] * in_scale
        for i in range(steps):
            weight = fraction if i == whole else np.float32(1.0)
            j = 0 if shared else i % per_channel
            a = upper[j]
            if wy > 0:
                b = lower[j]
                for k in range(n):
                    alpha = (a[k] + (b[k] - a[k]) * wy) * weight
                    value[k] += alpha * (value[k] * value[k] - value[k])
            else:
                for k in range(n):
                    value[k] += a[k] * weight * (value[k] * value[k] - value[k])
        for k in range(n):
            out[y, first + k] = min(max(value[k], 0.0), 1.0) * out_scale + 0.5


class _Pool:
    """The render threads, made on first use (a library import starts no threads)."""

    def __init__(self) -> None:
        self.threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.threads, "zerodce-render")
            return self._executor

    def resize(self, threads: int) -> None:
        with self._lock:
            if threads != self.threads and self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None
            self.threads = threads


_POOL = _Pool()


def render_into(out: np.ndarray, src: np.ndarray, maps: np.ndarray, map_scale: float,
                shared: bool, strength: float, iterations: int, *,
                box: tuple[int, int, int, int] | None = None) -> None:
    """Render `src` into `out` (both (H, W, 3), C-contiguous; uint8 or uint16 each).

    `maps` (3k, h, w) cover `box` = (y, x, height, width) of the image (default: all of it)
    and are bilinearly upsampled on the fly when smaller; int16 maps are scaled by
    `map_scale` back to [-1, 1]. Only the box is rendered, so a full-resolution render can
    go tile by tile. The curves are computed in float, so rendering an 8-bit photo straight
    to uint16 keeps their full precision (no 256-level banding).
    """
    height, width, channels = src.shape
    if channels != 3 or out.shape != src.shape:
        raise ValueError(f"render needs (H, W, 3) arrays of one shape, got {src.shape} "
                         f"and {out.shape}")
    y, x, box_h, box_w = box or (0, 0, height, width)
    strength = min(max(float(strength), 0.0), float(iterations))
    whole = int(strength)
    args = (src.reshape(height, -1), np.float32(1.0 / np.iinfo(src.dtype).max),
            np.ascontiguousarray(maps), np.float32(map_scale), shared, whole,
            np.float32(strength - whole), out.reshape(height, -1),
            np.float32(np.iinfo(out.dtype).max))
    cols = np.array([x, x + box_w], np.int64)
    origin = np.array([y, x], np.int64)
    span = np.array([box_h, box_w], np.int64)
    bands = 1 if _POOL.threads == 1 else \
        max(1, min(box_h // MIN_BAND_ROWS, _POOL.threads * BANDS_PER_THREAD))
    edges = [y + box_h * i // bands for i in range(bands + 1)]
    rows = [np.array(edges[i : i + 2], np.int64) for i in range(bands)]
    if bands == 1:
        for r in rows:
            _render_band(*args, r, cols, origin, span)
        return
    futures = [_POOL.executor().submit(_render_band, *args, r, cols, origin, span) for r in rows]
    for future in futures:
        future.result()


def render_curves(src: np.ndarray, maps: np.ndarray, map_scale: float, shared: bool,
                  strength: float, iterations: int,
                  out_dtype: type[np.integer] | None = None) -> np.ndarray:
    """Enhance all of `src` (H, W, 3; uint8 or uint16) with `maps` (3k, h, w) at `strength`,
    into a new `out_dtype` array (default: src's). See `render_into`."""
    src = np.ascontiguousarray(src)
    out = np.empty(src.shape, out_dtype or src.dtype)
    render_into(out, src, maps, map_scale, shared, strength, iterations)
    return out


def set_threads(threads: int) -> None:
    """Render with `threads` threads (the CLI and the app: one per core)."""
    _POOL.resize(max(1, int(threads)))


_WARMING: list[threading.Thread] = []


def warm_up() -> None:
    """Compile (or load from the disk cache) the common specialisations in a background
    thread, once per process: 8-bit photos from small float maps (fast mode) and from int16
    tiles (full mode). A render that comes first simply waits for numba's compiler lock."""
    if _WARMING:
        return

    def compile_common() -> None:
        src = np.zeros((2, 2, 3), np.uint8)
        for maps in (np.zeros((3, 1, 1), np.float32), np.zeros((3, 2, 2), np.int16)):
            render_curves(src, maps, 1.0, True, 1.0, 1)

    thread = threading.Thread(target=compile_common, name="zerodce-kernel-warm-up")
    _WARMING.append(thread)
    thread.start()
