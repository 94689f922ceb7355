"""Video noise reduction over time: a motion-adaptive recursive average of the frames.

Why not the photos' learned network: on a 2-core CPU it costs ~170 ms a 1080p frame, 6-13x
everything else a frame needs. A video has what a photo lacks, the frames before it, whose
noise is independent of this one's: where nothing moves, averaging N of them divides the
noise by sqrt(N) and keeps every detail, at a few milliseconds a frame.

Per pixel the filter keeps a running average of the enhanced frames (float32, so small
steps are not lost to rounding) and how many frames it holds:

- motion test: the frame's difference from the average, summed over the channels and
  averaged over 3x3 pixels (noise averages out there, a real change does not), in units of
  the noise the lift added at that pixel: `CurveMaps.noise_sigma`, the same curve-aware map
  the learned network is told (the photo's measured noise times the exposure gain's and the
  curves' slope), its scale checked against the frames themselves (`CALIBRATION_QUANTILE`).
  Below `STILL` standard deviations of noise the pixel is static, above `MOVING` it moved;
- a static pixel takes the frame with weight 1 / (frames held + 1), a true average up to
  `FRAMES` frames, then an exponential one of that memory; a moving pixel restarts from the
  frame (no ghost trails), and in between the frames held are cut in proportion;
- where the lift added no noise (a well-exposed video), the map is 0, any difference counts
  as motion and the pixel stays as it is; where it added little, the calibration's bound
  keeps the video's own grain from counting as noise: like the learned stage, the filter
  removes the noise the enhancement amplified.

`strength` (`--denoise`) blends the output between the frame (0) and the average (1), as
for the learned stage; the average itself is always kept in full, so the strength does not
change how the filter follows motion. What it cannot do: moving regions keep their noise
(there is no motion compensation), so a pan or a shaky hand-held shot gets less reduction
than the learned network gives (3.3 dB against 6 in benchmarks/bench_video_nr.py), and the
first frames of a shot little while the average fills. `restart` (scene cuts, from
`video.CurveSmoother`) and a change of frame size start the average afresh.

The inner loops are numba kernels in the style of `kernels`: compiled once and cached on
disk, GIL released, run in bands of rows on the render threads (`kernels.in_bands`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numba
import numpy as np

from .kernels import in_bands

if TYPE_CHECKING:
    from .engine import CurveMaps

#: Frames a static pixel is averaged over (then an exponential average of that memory):
#: noise falls to 1/sqrt(2 * FRAMES - 1) of the frame's, 0.26x for 8.
FRAMES = 8
#: The motion test, in standard deviations of the test's statistic on pure noise: a
#: difference below STILL is noise (95% of noise is), above MOVING it is not (~1 in 10^4).
STILL = 2.0
MOVING = 4.0
#: The noise map's scale is checked against the frames: `noise.measure_noise` reads
#: demosaiced and compressed noise low (3x in benchmarks/bench_video_nr.py's camera model),
#: as it reads spatial noise. The statistic's low quantile (most of a frame is static: up to
#: 3/4 of it may move) against a half-normal's gives the map's actual scale, bounded so a
#: barely lifted video's own grain never counts as noise the lift added.
CALIBRATION_QUANTILE = 0.25
HALF_NORMAL_QUANTILE = 0.3186  # the 25% quantile of |N(0, 1)|
CALIBRATION_RANGE = (0.25, 4.0)
CALIBRATION_STRIDE = 8  # the quantile is taken on every 8th pixel of every 8th row
#: Long side of the copy the noise map is computed on: the video curves' own size; the
#: threshold needs no finer map.
NOISE_MAP_SIZE = 256


@numba.njit(cache=True, nogil=True)
def _difference(frame, average, rows, out):
    """out[y, x] = the sum over channels of frame - average, for rows `rows`; frame and
    average are (H, 3W) with interleaved channels, out (H, W) float32."""
    for y in range(rows[0], rows[1]):
        for x in range(out.shape[1]):
            k = 3 * x
            out[y, x] = ((np.float32(frame[y, k]) - average[y, k])
                         + (np.float32(frame[y, k + 1]) - average[y, k + 1])
                         + (np.float32(frame[y, k + 2]) - average[y, k + 2]))


@numba.njit(cache=True, nogil=True, fastmath=True)
def _blend(frame, average, held, change, noise, strength, peak, still, moving, frames, rows,
           out, keep):
    """Take frame into `average` (H, 3W float32) and `held` (H, W: frames it holds) for rows
    `rows`, each pixel by how far `change` (its 3x3 difference) is beyond `noise` (the
    threshold there); out (H, 3W, frame's type) = frame + strength * (average - frame).
    `keep` (3W) is scratch: each pixel's weight of the average is worked out first, so the
    blend itself is one contiguous loop over the row, which the compiler vectorises (twice
    as fast as blending pixel by pixel)."""
    span = moving - still
    for y in range(rows[0], rows[1]):
        for x in range(held.shape[1]):
            limit = noise[y, x]  # 0: no noise expected, any change is the picture's
            static = (moving - abs(change[y, x]) / limit) / span if limit > 0.0 \
                else np.float32(0.0)
            static = static if static < 1.0 else np.float32(1.0)
            static = static if static > 0.0 else np.float32(0.0)
            count = static * held[y, x] + np.float32(1.0)
            count = count if count < frames else frames
            held[y, x] = count
            weight = np.float32(1.0) - np.float32(1.0) / count
            keep[3 * x] = weight
            keep[3 * x + 1] = weight
            keep[3 * x + 2] = weight
        for k in range(keep.shape[0]):
            value = np.float32(frame[y, k])
            mean = value + keep[k] * (average[y, k] - value)
            average[y, k] = mean
            result = value + strength * (mean - value) + np.float32(0.5)
            result = result if result < peak else peak
            out[y, k] = result if result > 0.0 else np.float32(0.0)


class _Shot:
    """The average of one shot's frames so far, and the planes each frame's filtering
    writes, kept from frame to frame: allocating them anew (8 MB each at 1080p) measured
    10-25% slower a frame, fresh memory being faulted in as it is first written."""

    def __init__(self, frame: np.ndarray) -> None:
        height, width = frame.shape[:2]
        self.average = frame.astype(np.float32)  # (H, W, 3)
        self.held = np.ones((height, width), np.float32)  # frames in the average
        self.difference, self.change, self.noise = np.empty((3, height, width), np.float32)


class TemporalDenoiser:
    """The recursive average of one shot's frames; call it as `Engine.reduce_noise`."""

    def __init__(self, frames: int = FRAMES) -> None:
        self.frames = frames
        self._shot: _Shot | None = None

    def restart(self) -> None:
        """Forget the frames before (a scene cut): the next frame starts the average."""
        self._shot = None

    def __call__(self, rendered: np.ndarray, curve_maps: CurveMaps, curve_strength: float,
                 strength: float = 1.0) -> np.ndarray:
        """`rendered` (made from `curve_maps` at `curve_strength`), averaged with the frames
        before it where they match it within the noise the lift added."""
        sigma = curve_maps.noise_sigma(curve_strength, NOISE_MAP_SIZE)
        return self.filter(rendered, sigma, strength)

    def filter(self, frame: np.ndarray, sigma: np.ndarray, strength: float = 1.0) -> np.ndarray:
        """`frame` ((H, W, 3) uint8/uint16) taken into the average and blended with it by
        `strength` 0..1; `sigma` ((h, w, 3) float32, fraction of full scale) is the noise
        expected in it, at any size (it is resized)."""
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"the temporal filter needs (H, W, 3) frames, got {frame.shape}")
        shot = self._shot
        if shot is None or shot.average.shape != frame.shape:
            self._shot = _Shot(frame)
            return frame
        height, width = frame.shape[:2]
        peak = np.float32(np.iinfo(frame.dtype).max)
        threshold = sigma.sum(axis=2, dtype=np.float32) * peak
        noise = cv2.resize(threshold, (width, height), shot.noise, interpolation=cv2.INTER_LINEAR)
        frame = np.ascontiguousarray(frame).reshape(height, -1)
        average = shot.average.reshape(height, -1)
        in_bands(lambda rows: _difference(frame, average, rows, shot.difference), 0, height)
        change = cv2.blur(shot.difference, (3, 3), shot.change)
        noise *= np.float32(self._calibration(change, noise))
        out = np.empty_like(frame)
        args = (np.float32(min(max(strength, 0.0), 1.0)), peak, np.float32(STILL),
                np.float32(MOVING), np.float32(self.frames))

        def blend(rows: np.ndarray) -> None:
            keep = np.empty(3 * width, np.float32)
            _blend(frame, average, shot.held, change, noise, *args, rows, out, keep)

        in_bands(blend, 0, height)
        return out.reshape(height, width, 3)

    @staticmethod
    def _calibration(change: np.ndarray, noise: np.ndarray) -> float:
        """How much larger the statistic's noise is than `noise` says (see CALIBRATION_*)."""
        sample = (slice(None, None, CALIBRATION_STRIDE),) * 2
        lifted = noise[sample] > 0
        if not lifted.any():
            return 1.0
        ratio = np.abs(change[sample][lifted]) / noise[sample][lifted]
        scale = float(np.quantile(ratio, CALIBRATION_QUANTILE)) / HALF_NORMAL_QUANTILE
        return min(max(scale, CALIBRATION_RANGE[0]), CALIBRATION_RANGE[1])
