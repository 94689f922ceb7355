"""The exposure level a photo should be brought to, decided from the photo itself.

The network is conditioned on a target level E (the mean intensity it lifts the photo to,
see `model.ExposureDCENet`); this module picks E when the user does not. A dark photo goes to
`TARGET` (where well-lit references sit). A photo already at `WELL_EXPOSED` or brighter keeps its
own level, so the curves leave it nearly as it is. In between, E slides linearly from TARGET
down to the photo's own level: a monotone rule cannot both lift very dark photos to TARGET
and leave a 0.35 photo at 0.35, and a brief dip is far less visible than a washed-out
daylight shot.

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


def auto_exposure(level: float) -> float:
    """The target level E for a photo whose mean intensity is `level`."""
    if level >= WELL_EXPOSED:
        return float(min(level, LIMITS[1]))
    if level <= DARK:
        return TARGET
    share = (level - DARK) / (WELL_EXPOSED - DARK)
    return TARGET + share * (WELL_EXPOSED - TARGET)


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
