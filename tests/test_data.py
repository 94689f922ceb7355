"""Dataset layouts, splitting, caching and reproducible augmentation, on tiny files."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from zerodce_core.data import (
    DatasetError,
    ImageCache,
    epoch_order,
    find_images,
    split_by_scene,
    to_batch,
)
from zerodce_core.errors import ZeroDCEError


def write_image(path: Path, seed: int, size: int = 32) -> Path:
    """A dark, smooth, slightly noisy RGB image (what the trainer should brighten)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.02, 0.25, size)[None, :, None]
    tint = rng.uniform(0.6, 1.0, 3)[None, None, :]
    pixels = ramp * tint + rng.normal(0, 0.01, (size, size, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((pixels.clip(0, 1) * 255).astype(np.uint8)).save(path)
    return path


def write_flat_folder(root: Path, count: int, size: int = 32) -> Path:
    for i in range(count):
        write_image(root / f"{i:03d}.png", i, size)
    return root


def write_part1_tree(root: Path, scenes: int = 6, exposures: int = 3) -> Path:
    """SICE Part 1: numbered sequence folders, mixed-case suffixes, and a Label folder."""
    suffixes = [".JPG", ".jpg", ".Png"]
    for scene in range(1, scenes + 1):
        for shot in range(exposures):
            write_image(root / str(scene) / f"{shot + 1}{suffixes[shot % 3]}", scene * 10 + shot)
    write_image(root / "Label" / "1.JPG", 99)
    write_image(root / "3" / "Label.jpg", 98)
    (root / "2" / "._1.JPG").write_bytes(b"macOS resource fork")
    return root


def test_part1_layout_groups_exposures_and_skips_labels(tmp_path: Path) -> None:
    records = find_images(write_part1_tree(tmp_path))
    assert len(records) == 18
    assert {r.scene for r in records} == {str(i) for i in range(1, 7)}
    assert not any("label" in str(r.path).lower() for r in records)


def test_scenes_are_parent_folders_at_any_depth(tmp_path: Path) -> None:
    write_part1_tree(tmp_path / "Dataset_Part1", scenes=2)
    records = find_images(tmp_path)
    assert {r.scene for r in records} == {"Dataset_Part1/1", "Dataset_Part1/2"}


def test_split_keeps_scenes_on_one_side_and_is_seeded(tmp_path: Path) -> None:
    records = find_images(write_part1_tree(tmp_path))
    train, val = split_by_scene(records, 0.3, seed=1)
    assert {r.scene for r in train}.isdisjoint({r.scene for r in val})
    assert len(val) == 2 * 3 and len(train) + len(val) == len(records)
    assert split_by_scene(records, 0.3, seed=1) == (train, val)
    assert split_by_scene(records, 0.0, seed=1) == (list(records), [])


def test_flat_folder_mixed_case_and_non_images(tmp_path: Path) -> None:
    write_image(tmp_path / "a.JPG", 1)
    write_image(tmp_path / "b.jpeg", 2)
    write_image(tmp_path / "c.PnG", 3)
    (tmp_path / "notes.txt").write_text("not an image")
    records = find_images(tmp_path)
    assert [r.path.name for r in records] == ["a.JPG", "b.jpeg", "c.PnG"]
    assert [r.scene for r in records] == ["a.JPG", "b.jpeg", "c.PnG"]
    train, val = split_by_scene(records, 0.34, seed=0)
    assert len(val) == 2 and len(train) == 1


def test_empty_and_missing_folders_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty: no images found"):
        find_images(tmp_path / "empty")
    with pytest.raises(ZeroDCEError, match="not found"):
        find_images(tmp_path / "missing")


def test_corrupt_file_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    write_flat_folder(tmp_path, 2)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 definitely not a jpeg")
    with caplog.at_level(logging.WARNING):
        cache = ImageCache(find_images(tmp_path), 16)
    assert len(cache) == 2
    assert "broken.jpg" in caplog.text


def test_resize_cache_and_reproducible_flips(tmp_path: Path) -> None:
    cache = ImageCache(find_images(write_flat_folder(tmp_path, 3, size=40)), 16)
    assert all(a.shape == (16, 16, 3) and a.dtype == np.uint8 for a in cache.arrays)
    first = cache.augmented(1, seed=5, epoch=2)
    assert np.array_equal(first, cache.augmented(1, seed=5, epoch=2))
    variants = {cache.augmented(1, seed=5, epoch=e).tobytes() for e in range(12)}
    assert len(variants) > 1  # flips differ between epochs


def test_crop_cache_keeps_context_and_crops(tmp_path: Path) -> None:
    write_image(tmp_path / "wide.png", 0, size=64)
    cache = ImageCache(find_images(tmp_path), 16, crop=True)
    assert cache.arrays[0].shape == (32, 32, 3)  # short side scaled to 2 * size
    crops = {cache.augmented(0, seed=0, epoch=e).tobytes() for e in range(6)}
    assert len(crops) > 1
    assert cache.plain(0).shape == (16, 16, 3)


def test_epoch_order_is_a_seeded_permutation() -> None:
    order = epoch_order(10, seed=3, epoch=1)
    assert sorted(order) == list(range(10))
    assert np.array_equal(order, epoch_order(10, seed=3, epoch=1))
    assert not np.array_equal(order, epoch_order(10, seed=3, epoch=2))


def test_to_batch_is_float_nchw_channels_last() -> None:
    arrays = [np.full((8, 8, 3), 255, np.uint8), np.zeros((8, 8, 3), np.uint8)]
    batch = to_batch(arrays)
    assert batch.shape == (2, 3, 8, 8) and batch.dtype == torch.float32
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert batch[0].min() == 1.0 and batch[1].max() == 0.0
