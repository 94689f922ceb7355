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

import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from .stages import yield_to_compute

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
def _render_band(src, levels, maps, map_scale, shared, whole, fraction, out, out_scale,
                 rows, first, origin_y, span_y, x0, x1, wx, value, upper, lower):
    """Render rows `rows` of src into out (both (H, 3W): pixels with interleaved channels),
    each code of src starting at its level in `levels` (the exposure gain's table), from
    column 3 * `first` on for `value`'s length, with `maps`, which cover `span_y` image
    rows from `origin_y` on; columns come x-interpolated (`x0`, `x1`, `wx`: map columns and
    weight per output column). `value`, `upper` and `lower` are scratch rows. Bilinear as
    F.interpolate with align_corners=False. Written without numba's overloaded helpers
    (np.empty, min, max), each of which would be compiled too on the first start."""
    map_h = maps.shape[1]
    n = value.shape[0]
    start = 3 * first
    steps = whole + (1 if fraction > 0 else 0)
    per_channel = maps.shape[0] // 3
    step_y = map_h / span_y
    have_upper = -1
    have_lower = -1
    for y in range(rows[0], rows[1]):
        fy = (y - origin_y + 0.5) * step_y - 0.5
        if fy < 0.0:
            fy = 0.0
        y0 = int(fy)
        if y0 > map_h - 1:
            y0 = map_h - 1
        y1 = y0 + 1 if y0 < map_h - 1 else y0
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
            value[k] = levels[src[y, start + k]]
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
            v = value[k]
            v = v if v > 0.0 else np.float32(0.0)
            v = v if v < 1.0 else np.float32(1.0)
            out[y, start + k] = v * out_scale + np.float32(0.5)


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
                box: tuple[int, int, int, int] | None = None,
                levels: np.ndarray | None = None) -> None:
    """Render `src` into `out` (both (H, W, 3), C-contiguous; uint8 or uint16 each).

    `maps` (3k, h, w) cover `box` = (y, x, height, width) of the image (default: all of it)
    and are bilinearly upsampled on the fly when smaller; int16 maps are scaled by
    `map_scale` back to [-1, 1]. Only the box is rendered, so a full-resolution render can
    go tile by tile. The curves are computed in float, so rendering an 8-bit photo straight
    to uint16 keeps their full precision (no 256-level banding). `levels` (float32, one
    per code of src's type) is where each code starts before the curves: the exposure gain
    (`exposure.exposure_lut`); None is code / peak.
    """
    height, width, channels = src.shape
    if channels != 3 or out.shape != src.shape:
        raise ValueError(f"render needs (H, W, 3) arrays of one shape, got {src.shape} "
                         f"and {out.shape}")
    y, x, box_h, box_w = box or (0, 0, height, width)
    strength = min(max(float(strength), 0.0), float(iterations))
    whole = int(strength)
    fraction = np.float32(strength - whole)
    maps = np.ascontiguousarray(maps)
    map_w = maps.shape[2]
    steps = whole + (1 if fraction > 0 else 0)
    used = 1 if shared else min(max(steps, 1), maps.shape[0] // 3)  # 3-channel maps used
    # Where each output column samples the maps along x: the same for every row.
    fx = np.maximum((np.arange(box_w) + 0.5) * (map_w / box_w) - 0.5, 0.0)
    x0 = np.minimum(fx.astype(np.int64), map_w - 1)
    x1 = np.minimum(x0 + 1, map_w - 1)
    wx = (fx - x0).astype(np.float32)
    if levels is None:
        levels = plain_levels(src.dtype)
    args = (src.reshape(height, -1), levels, maps,
            np.float32(map_scale), shared, whole, fraction, out.reshape(height, -1),
            np.float32(np.iinfo(out.dtype).max))

    def band(rows: np.ndarray) -> None:
        scratch = np.empty((2 * used + 1, 3 * box_w), np.float32)
        _render_band(*args, rows, x, y, box_h, x0, x1, wx, scratch[0], scratch[1 : used + 1],
                     scratch[used + 1 :])

    in_bands(band, y, box_h)


def in_bands(task: Callable[[np.ndarray], None], first: int, count: int) -> None:
    """Run `task` over rows `first` to `first + count` in bands on the render threads, each
    call given its band as int64 [start, stop]: the kernels release the GIL, so the bands
    run in parallel. Returns when all are done; a band's exception is raised here."""
    bands = 1 if _POOL.threads == 1 else \
        max(1, min(count // MIN_BAND_ROWS, _POOL.threads * BANDS_PER_THREAD))
    edges = [np.array([first + count * i // bands, first + count * (i + 1) // bands], np.int64)
             for i in range(bands)]
    if bands == 1:
        task(edges[0])
        return
    for future in [_POOL.executor().submit(task, rows) for rows in edges]:
        future.result()


def render_curves(src: np.ndarray, maps: np.ndarray, map_scale: float, shared: bool,
                  strength: float, iterations: int,
                  out_dtype: type[np.integer] | None = None,
                  levels: np.ndarray | None = None) -> np.ndarray:
    """Enhance all of `src` (H, W, 3; uint8 or uint16) with `maps` (3k, h, w) at `strength`,
    into a new `out_dtype` array (default: src's). See `render_into`."""
    src = np.ascontiguousarray(src)
    out = np.empty(src.shape, out_dtype or src.dtype)
    render_into(out, src, maps, map_scale, shared, strength, iterations, levels=levels)
    return out


@functools.cache
def plain_levels(dtype: np.dtype) -> np.ndarray:
    """code / peak for every code of an unsigned integer type: no exposure gain."""
    peak = int(np.iinfo(dtype).max)
    return (np.arange(peak + 1, dtype=np.float64) / peak).astype(np.float32)


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
        yield_to_compute()  # compile on idle cycles; a render that needs the code waits
        src = np.zeros((2, 2, 3), np.uint8)
        for maps in (np.zeros((3, 1, 1), np.float32), np.zeros((3, 2, 2), np.int16)):
            render_curves(src, maps, 1.0, True, 1.0, 1)

    thread = threading.Thread(target=compile_common, name="zerodce-kernel-warm-up")
    _WARMING.append(thread)
    thread.start()
