"""Test photos for the speed benchmarks, made on the spot at any size, and peak memory.

A real low-light photo (the first DICM photo, if ../shared/datasets/DICM is there) scaled up
to the size asked for, with fresh sensor-like noise at that size (speed of the noise
reduction depends on how noisy a photo is); without DICM, a procedural dark scene.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

DICM = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "DICM"


def night_photo(height: int, width: int, seed: int = 0) -> np.ndarray:
    """(height, width, 3) uint8: dark, detailed and noisy."""
    rng = np.random.default_rng(seed)
    sources = sorted(DICM.glob("*.jpg")) if DICM.is_dir() else []
    if sources:
        photo = Image.open(sources[seed % len(sources)]).convert("RGB")
        base = np.asarray(photo.resize((width, height), Image.Resampling.LANCZOS), np.float32)
    else:
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        phase = np.array([0.0, 1.0, 2.0], np.float32)
        shade = 0.5 + 0.5 * np.sin(x[..., None] / 97 + phase) * np.cos(y[..., None] / 71)
        edges = 40.0 * ((x // 160 + y // 120) % 2)[..., None]
        base = 30.0 * shade + edges
    noisy = base + rng.normal(0, 1.0, base.shape) * np.sqrt(base + 4.0)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB since it started (VmHWM: unlike
    getrusage's ru_maxrss it does not inherit the parent's peak across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
