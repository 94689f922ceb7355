"""The exposure level a photo should be brought to, decided from the photo itself.

The network is conditioned on a target level E (the mean intensity it lifts the photo to,
see `model.ExposureDCENet`); this module picks E when the user does not. A dark photo goes to
`TARGET` (where well-lit references sit). A photo already at `WELL_EXPOSED` or brighter keeps its
own level, so the curves leave it nearly as it is. In between, E slides linearly from TARGET
down to the photo's own level: a monotone rule cannot both lift very dark photos to TARGET
and leave a 0.35 photo at 0.35, and a brief dip is far less visible than a washed-out
daylight shot.

Night scenes are dark on purpose: a black sky around lit buildings, street lights, a stage.
What tells them from an underexposed room is how bright their highlights already are next
to their mean (`highlight_level`): an exposure cut scales a whole scene down, so the
brightest 1% sit 2-3.5x above the mean (our benchmark's dark shots), while a night scene's
lights sit 6-27x above it (the dark DICM photos). Lifting such a scene to TARGET turns the
black sky grey and blows out its lights, so its target slides down to NIGHT_TARGET as the
ratio grows from LOW_KEY_FROM to LOW_KEY_FULL.

How the level is reached depends on the same split. An underexposed photo is a scene with
too little light, so it is lifted as a longer exposure would have lifted it: one gain in
linear light (`exposure_lut`, with a soft shoulder instead of hard clipping), which keeps
its contrast and colours. Zero-DCE's curves lift shadows more than midtones and midtones
more than highlights; on such a photo that flattens it into haze (on our benchmark the gain
alone scores 21.0 dB where the curves score 17.9). A night scene is the opposite case, light
sources next to deep shadow, which a global gain would blow out: there the curves do the
lifting. In between, the gain does a share (`gain_share`) and the curves the rest.

Numpy-only and tiny, so the app, video and the ONNX export can compute it the same way.
"""

from __future__ import annotations

import numpy as np

from .defaults import EXPOSURE_RANGE

#: Where dark photos go: the mean level of well-exposed references.
TARGET = 0.47
#: Below this mean level a photo is dark: it goes to TARGET.
DARK = 0.15
#: At or above this mean level a photo is well exposed: its level is kept.
WELL_EXPOSED = 0.35
#: Where night scenes go (see the module docstring).
NIGHT_TARGET = 0.22
#: Highlight-to-mean ratios where a dark photo starts to be treated as a night scene, and
#: where it fully is.
LOW_KEY_FROM = 4.0
LOW_KEY_FULL = 12.0
#: Share of the brightest pixels whose mean is the photo's highlight level.
HIGHLIGHT_SHARE = 0.01
#: Linear-light level above which the exposure gain rolls off softly towards white.
KNEE = 0.6
#: The largest exposure gain (linear light): 8 stops.
MAX_GAIN = 256.0
#: Bisection steps of `fit_gain`: 8 stops / 2^14, a 0.03% step in gain.
GAIN_STEPS = 14
#: A photo this close to its target (mean level) gets no gain: a well-exposed photo's own
#: level is its target, and rounding must not make it a gain of 1.00001.
GAIN_TOLERANCE = 1e-4
#: The sRGB transfer function (IEC 61966-2-1), shared with the ONNX graphs (`export/gain.py`).
SRGB_THRESHOLD, LINEAR_THRESHOLD = 0.04045, 0.0031308
SRGB_SLOPE, SRGB_OFFSET, SRGB_SCALE, SRGB_GAMMA = 12.92, 0.055, 1.055, 2.4
#: The range a user (or the Brightness control) may ask for.
LIMITS = EXPOSURE_RANGE
#: A photo this far below its target level gets the curves at full strength; closer ones
#: get proportionally less, and a photo at its target none: the curves cannot then damage
#: a photo that needed nothing (Zero-DCE's curves flatten local contrast a little even when
#: asked to keep the mean).
FULL_STRENGTH_GAP = 0.08


def mean_level(rgb: np.ndarray) -> float:
    """Mean intensity in [0, 1] of a uint8/uint16 RGB array, as the exposure loss measures it."""
    peak = float(np.iinfo(rgb.dtype).max) if rgb.dtype.kind in "ui" else 1.0
    return float(rgb.mean(dtype=np.float64)) / peak


def highlight_level(rgb: np.ndarray) -> float:
    """Mean in [0, 1] of the brightest HIGHLIGHT_SHARE of pixels, a pixel's brightness being
    its largest channel (a saturated lamp counts as bright)."""
    peak = float(np.iinfo(rgb.dtype).max) if rgb.dtype.kind in "ui" else 1.0
    brightest = rgb.max(axis=-1).ravel() if rgb.ndim == 3 else rgb.ravel()
    count = max(1, int(brightest.size * HIGHLIGHT_SHARE))
    top = np.partition(brightest, brightest.size - count)[-count:]
    return float(top.mean(dtype=np.float64)) / peak


def low_key(level: float, highlight: float | None) -> float:
    """How much a photo is a night scene, 0 to 1, from its highlight-to-mean ratio."""
    if highlight is None:
        return 0.0
    ratio = highlight / max(level, 1e-3)
    return min(max((ratio - LOW_KEY_FROM) / (LOW_KEY_FULL - LOW_KEY_FROM), 0.0), 1.0)


def dark_target(level: float, highlight: float | None) -> float:
    """Where a dark photo goes: TARGET, or lower for a night scene (see the module doc)."""
    return TARGET - low_key(level, highlight) * (TARGET - NIGHT_TARGET)


def gain_share(level: float, highlight: float | None) -> float:
    """The share of the lift (in stops) done by the linear-light gain; the curves do the rest."""
    return 1.0 - low_key(level, highlight)


def to_linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= SRGB_THRESHOLD, srgb / SRGB_SLOPE,
                    ((srgb + SRGB_OFFSET) / SRGB_SCALE) ** SRGB_GAMMA)


def to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= LINEAR_THRESHOLD, SRGB_SLOPE * linear,
                    SRGB_SCALE * np.power(linear, 1 / SRGB_GAMMA) - SRGB_OFFSET)


def gained(linear: np.ndarray, gain: float) -> np.ndarray:
    """`linear` light times `gain`, rolled off softly above a knee so that nothing clips:
    identity up to the knee, then an exponential approach to 1. The knee is KNEE, or 1/gain
    for gains under 1/KNEE, so the roll-off grows from nothing as the gain leaves 1."""
    knee = max(KNEE, 1.0 / gain)
    y = gain * linear
    if knee >= 1.0:
        return np.minimum(y, 1.0)
    over = np.maximum(y - knee, 0.0)
    return np.minimum(y, knee) + (1 - knee) * (1 - np.exp(-over / (1 - knee)))


def gained_srgb(srgb: np.ndarray, gain: float) -> np.ndarray:
    """sRGB levels in [0, 1] after `gain` in linear light, with the shoulder (`gained`)."""
    return to_srgb(gained(to_linear(srgb), gain))


def exposure_lut(gain: float, peak: int) -> np.ndarray:
    """float32 (peak + 1,): the level in [0, 1] each code 0..peak gets from `gain` (linear
    light, shoulder, back to sRGB). Gain 1 is exactly code / peak."""
    codes = np.arange(peak + 1, dtype=np.float64) / peak
    if gain == 1.0:
        return codes.astype(np.float32)
    return gained_srgb(codes, gain).astype(np.float32)


def fit_gain(rgb: np.ndarray, target: float) -> float:
    """The gain (>= 1, <= MAX_GAIN) that brings the mean level of `rgb` (a small uint8 or
    uint16 copy) to `target`, by bisection in stops; 1 if the photo is already there."""
    peak = int(np.iinfo(rgb.dtype).max)
    counts = np.bincount(rgb.ravel(), minlength=peak + 1)
    codes = np.arange(peak + 1, dtype=np.float64) / peak
    linear = to_linear(codes)

    def level(gain: float) -> float:
        return float(counts @ to_srgb(gained(linear, gain))) / rgb.size

    if float(counts @ codes) / rgb.size >= target - GAIN_TOLERANCE:
        return 1.0
    if level(MAX_GAIN) <= target:
        return MAX_GAIN
    low, high = 0.0, float(np.log2(MAX_GAIN))
    for _ in range(GAIN_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if level(2.0**middle) < target else (low, middle)
    return float(2.0 ** ((low + high) / 2))



def auto_exposure(level: float, highlight: float | None = None) -> float:
    """The target level E for a photo whose mean intensity is `level` and whose
    `highlight_level` is `highlight` (None: not known, treated as no night scene)."""
    if level >= WELL_EXPOSED:
        return float(min(level, LIMITS[1]))
    low = dark_target(level, highlight)
    if level <= DARK:
        return low
    share = (level - DARK) / (WELL_EXPOSED - DARK)
    return low + share * (WELL_EXPOSED - low)


def auto_strength(level: float, target: float, iterations: int) -> float:
    """The curve strength (iterations, fractional) for lifting `level` to `target`."""
    gap = max(target - level, 0.0)
    return iterations * min(gap / FULL_STRENGTH_GAP, 1.0)


def check_exposure(value: float) -> float:
    """`value` if it is a usable target level, else a ValueError naming the range."""
    low, high = LIMITS
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"exposure must be between {low} and {high}, got {value}")
    return float(value)
