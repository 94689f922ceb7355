"""Training images: finding them, splitting them, and serving augmented batches.

Three layouts are accepted, because that is how users have SICE:
- the Part 1 release: numbered sequence folders, each holding several exposures
  of one scene, plus a `Label` folder (or files) with the ground truth to skip;
- the flat folder the official repositories train on (`train_data/*.jpg`);
- any folder of images, nested or not.

An image in a subfolder belongs to the scene named by that folder, so the
validation split never puts exposures of one scene on both sides; in a flat
folder every file is its own scene.

Decoding a 512x512 JPEG costs more than a training step's share of the CPU on
two cores, so every image is decoded once, resized and kept in memory as uint8
(2,002 SICE images at 256x256 are about 400 MB). Batches are cut from that
cache with augmentation drawn from a generator seeded by (seed, epoch, index),
so any step of any epoch can be reproduced exactly, which is what makes resumed
training identical to uninterrupted training.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from .errors import ZeroDCEError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
#: SICE's ground-truth folder or files; they are references, not training inputs.
LABEL_NAME = "label"


class DatasetError(ZeroDCEError):
    """The training folder is missing or holds no usable images."""


@dataclass(frozen=True)
class ImageRecord:
    path: Path
    scene: str


def find_images(root: str | Path) -> list[ImageRecord]:
    """All image files under `root` (suffixes matched case-insensitively), sorted, Label skipped."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: training folder not found")
    records = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        if any(part.lower() == LABEL_NAME for part in relative.parent.parts):
            continue
        if path.stem.lower() == LABEL_NAME or path.name.startswith("."):  # ._x.JPG: macOS
            continue
        scene = relative.parent.as_posix() if len(relative.parts) > 1 else relative.name
        records.append(ImageRecord(path, scene))
    if not records:
        wanted = ", ".join(sorted(IMAGE_SUFFIXES))
        raise DatasetError(f"{root}: no images found (looked for {wanted})")
    return records


def exclude_listed(records: list[ImageRecord], listing: Path) -> list[ImageRecord]:
    """`records` without the files named in `listing` (one name per line, '#' comments)."""
    try:
        text = listing.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{listing}: cannot read the exclusion list ({exc})") from None
    names = {line.split("#", 1)[0].strip() for line in text.splitlines()} - {""}
    kept = [r for r in records if r.path.name not in names]
    if len(kept) == len(records) and names:
        raise DatasetError(f"{listing}: none of its {len(names)} names are in the training data")
    return kept


def split_by_scene(
    records: Sequence[ImageRecord], val_fraction: float, seed: int
) -> tuple[list[ImageRecord], list[ImageRecord]]:
    """(train, validation): a seeded share of whole scenes goes to validation."""
    scenes = sorted({r.scene for r in records})
    count = 0
    if val_fraction > 0 and len(scenes) > 1:
        count = min(len(scenes) - 1, max(1, math.ceil(val_fraction * len(scenes))))
    chosen = np.random.default_rng([seed, 0x5A11]).permutation(len(scenes))[:count]
    val_scenes = {scenes[i] for i in chosen}
    train = [r for r in records if r.scene not in val_scenes]
    val = [r for r in records if r.scene in val_scenes]
    return train, val


def decode(path: Path, side: int, *, square: bool) -> np.ndarray:
    """RGB uint8, EXIF-oriented; `square`: resized to side x side (squashing, like the
    official loader), else the short side scaled down to `side` (never up), aspect kept."""
    with Image.open(path) as image:
        image.draft("RGB", (side, side))  # JPEG: decode at a reduced DCT scale, far cheaper
        image = ImageOps.exif_transpose(image).convert("RGB")
        if square:
            size = (side, side)
        else:
            scale = min(1.0, side / min(image.size))
            size = (round(image.width * scale), round(image.height * scale))
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        return np.asarray(image, dtype=np.uint8)


class ImageCache:
    """Decoded uint8 HxWx3 arrays of a list of images, with unreadable files dropped.

    `crop=False` stores each image resized to size x size (the official recipe);
    `crop=True` stores it with its short side at `crop_context * size` so that
    random size x size crops see a realistic amount of scene.
    """

    def __init__(
        self,
        records: Sequence[ImageRecord],
        size: int,
        *,
        crop: bool = False,
        crop_context: float = 2.0,
        workers: int = 2,
    ) -> None:
        self.size = size
        self.crop = crop
        side = round(size * crop_context) if crop else size

        def load(record: ImageRecord) -> np.ndarray | None:
            try:
                array = decode(record.path, side, square=not crop)
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                log.warning("skipping unreadable image %s: %s", record.path, exc)
                return None
            if min(array.shape[:2]) < size:
                log.warning("skipping %s: smaller than %d px", record.path, size)
                return None
            return array

        with ThreadPoolExecutor(max(1, workers)) as pool:  # PIL decodes without the GIL
            arrays = list(pool.map(load, records))
        self.arrays = [a for a in arrays if a is not None]

    def __len__(self) -> int:
        return len(self.arrays)

    def augmented(self, index: int, seed: int, epoch: int) -> np.ndarray:
        """Image `index` with the crop and flips of (seed, epoch, index): reproducible anywhere."""
        rng = np.random.default_rng([seed, epoch, index])
        array = self.arrays[index]
        if self.crop:
            top = int(rng.integers(0, array.shape[0] - self.size + 1))
            left = int(rng.integers(0, array.shape[1] - self.size + 1))
            array = array[top : top + self.size, left : left + self.size]
        if rng.random() < 0.5:
            array = array[:, ::-1]
        if rng.random() < 0.5:
            array = array[::-1]
        return array

    def plain(self, index: int) -> np.ndarray:
        """Image `index` without augmentation (a centre crop in crop mode), for validation."""
        array = self.arrays[index]
        top = (array.shape[0] - self.size) // 2
        left = (array.shape[1] - self.size) // 2
        return array[top : top + self.size, left : left + self.size]


def epoch_order(count: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled sample order of one epoch, a pure function of (seed, epoch)."""
    return np.random.default_rng([seed, epoch, 0x0DE7]).permutation(count)


def to_batch(arrays: Sequence[np.ndarray], device: torch.device | str = "cpu") -> torch.Tensor:
    """Stack uint8 HxWx3 arrays into a float NCHW batch in [0, 1], channels_last in memory."""
    stacked = torch.from_numpy(np.stack(arrays))  # N, H, W, C: already channels_last order
    batch = stacked.to(device).permute(0, 3, 1, 2).float().div_(255.0)
    return batch.contiguous(memory_format=torch.channels_last)
