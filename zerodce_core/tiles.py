"""Curve maps at full resolution, tile by tile, so full mode's memory does not grow with the photo.

Full mode runs the network on every pixel. Its maps are 24 values a pixel: kept whole as
int16 they took 48 bytes a pixel (576 MB at 12 MP, 9.6 GB at 200 MP). Here the network runs
tile by tile (each tile with a margin beyond the receptive field, so tiled maps equal
untiled ones) and `TiledMaps` keeps:
- an overview: the maps averaged over f x f blocks, at most `OVERVIEW_SIDE` long (72 MB at
  12 MP), for previews and the noise map;
- as many full-resolution int16 tiles as fit `budget` bytes, the first ones in render order;
  the others are computed again when a full-size render needs them (render goes tile by
  tile too: `Engine.render`).
So a photo whose maps fit the budget renders at any strength without the network, and a
bigger one costs network time instead of memory: peak memory is the budget plus one tile
plus the image itself, whatever its size.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .model import RECEPTIVE_RADIUS
from .progress import Progress

#: Maps in int16 store values in [-1, 1] with this resolution.
INT16_SCALE = 32767.0
#: Long side of the overview maps, at most.
OVERVIEW_SIDE = 1024
#: Full-resolution maps kept in memory by default (the rest is recomputed when needed).
DEFAULT_BUDGET = 1 << 30
#: Context around a tile: the network's reach plus one.
MARGIN = RECEPTIVE_RADIUS + 1

#: Runs the curve network: (h, w, 3) uint8/uint16 patch, exposure level -> (3k, h, w) maps.
Network = Callable[[np.ndarray, "float | None"], torch.Tensor]
Box = tuple[int, int, int, int]  # y, x, height, width


def tile_boxes(height: int, width: int, tile: int) -> list[Box]:
    return [(y, x, min(tile, height - y), min(tile, width - x))
            for y in range(0, height, tile) for x in range(0, width, tile)]


def run_tile(network: Network, rgb: np.ndarray, box: Box, level: float | None) -> torch.Tensor:
    """The float maps (3k, h, w) of `box`, computed with context around it."""
    height, width = rgb.shape[:2]
    y, x, h, w = box
    y0, x0 = max(y - MARGIN, 0), max(x - MARGIN, 0)
    y1, x1 = min(y + h + MARGIN, height), min(x + w + MARGIN, width)
    out = network(rgb[y0:y1, x0:x1], level)
    return out[:, y - y0 : y - y0 + h, x - x0 : x - x0 + w]


def to_int16(maps: torch.Tensor) -> np.ndarray:
    """`maps` in [-1, 1] as int16 (a new array: `maps` is left as it is)."""
    return (maps.float() * INT16_SCALE).round_().to(torch.int16).cpu().numpy()


def full_maps(network: Network, rgb: np.ndarray, level: float | None, channels: int,
              tile: int, progress: Progress | None = None) -> np.ndarray:
    """All maps of `rgb` (channels, H, W) as int16, for photos small enough to keep them."""
    height, width = rgb.shape[:2]
    maps = np.empty((channels, height, width), np.int16)
    boxes = tile_boxes(height, width, tile)
    with torch.inference_mode():
        for done, (y, x, h, w) in enumerate(boxes, 1):
            maps[:, y : y + h, x : x + w] = to_int16(run_tile(network, rgb, (y, x, h, w), level))
            if progress is not None:
                progress(done, len(boxes))
    return maps


class TiledMaps:
    """Full-resolution maps of one photo: an overview, and tiles kept or recomputed.

    Making one runs the network on every tile once (`progress(done, total)` per tile, which
    may raise Cancelled).
    """

    def __init__(self, network: Network, rgb: np.ndarray, level: float | None, channels: int,
                 tile: int, budget: int = DEFAULT_BUDGET,
                 progress: Progress | None = None) -> None:
        height, width = rgb.shape[:2]
        self.factor = math.ceil(max(height, width) / OVERVIEW_SIDE)
        tile = max(self.factor, tile // self.factor * self.factor)  # tiles cover whole blocks
        self.boxes = tile_boxes(height, width, tile)
        self._network, self._rgb, self._level = network, rgb, level
        self._kept: dict[int, np.ndarray] = {}
        f = self.factor
        sums = np.zeros((channels, -(-height // f), -(-width // f)), np.float32)
        kept_bytes = 0
        with torch.inference_mode():
            for index, box in enumerate(self.boxes):
                maps = run_tile(network, rgb, box, level)
                tile_maps = to_int16(maps)
                if kept_bytes + tile_maps.nbytes <= budget:
                    self._kept[index] = tile_maps
                    kept_bytes += tile_maps.nbytes
                y, x, h, w = box
                pooled = F.avg_pool2d(maps.float()[None], f, f, ceil_mode=True,
                                      divisor_override=1)[0].cpu().numpy()
                sums[:, y // f : y // f + pooled.shape[1], x // f : x // f + pooled.shape[2]] \
                    = pooled
                if progress is not None:
                    progress(index + 1, len(self.boxes))
        rows = np.minimum(f, height - f * np.arange(sums.shape[1]))
        cols = np.minimum(f, width - f * np.arange(sums.shape[2]))
        self.overview = sums / (rows[:, None] * cols[None, :]).astype(np.float32)

    @property
    def kept_bytes(self) -> int:
        return sum(tile.nbytes for tile in self._kept.values())

    @property
    def complete(self) -> bool:
        """True when every tile is kept: rendering needs no network."""
        return len(self._kept) == len(self.boxes)

    def tile(self, index: int) -> np.ndarray:
        """Tile `index`'s int16 maps (3k, h, w): kept, else computed again (same values)."""
        kept = self._kept.get(index)
        if kept is not None:
            return kept
        with torch.inference_mode():
            return to_int16(run_tile(self._network, self._rgb, self.boxes[index], self._level))
