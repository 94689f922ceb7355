"""The fused render kernel against plain tensor ops, by boxes and by threads."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from zerodce_core import kernels
from zerodce_core.curves import apply_curves_


def _case(seed: int = 0, size=(70, 90), map_size=(9, 12), channels=24):
    rng = np.random.default_rng(seed)
    src = (rng.random((*size, 3)) * 120).astype(np.uint8)
    maps = (rng.random((channels, *map_size)).astype(np.float32) - 0.85) * 0.9
    return src, maps


def _reference(src, maps, strength, iterations, peak_out=255.0):
    x = torch.from_numpy(src).permute(2, 0, 1).float() / float(np.iinfo(src.dtype).max)
    up = F.interpolate(torch.from_numpy(maps)[None], size=src.shape[:2], mode="bilinear",
                       align_corners=False)[0]
    if up.shape[0] == 3:  # one map shared by every iteration
        up = up.repeat(iterations, 1, 1)
    out = apply_curves_(x, up, strength, iterations)
    return (out * peak_out + 0.5).floor().permute(1, 2, 0).numpy()


@pytest.mark.parametrize("strength", [0.0, 1.0, 3.25, 8.0])
@pytest.mark.parametrize("shared", [False, True])
def test_kernel_matches_upsampling_then_curves(strength, shared):
    src, maps = _case()
    if shared:
        maps = maps[:3]
    out = kernels.render_curves(src, maps, 1.0, shared, strength, 8)
    assert np.abs(out - _reference(src, maps, strength, 8)).max() <= 1


def test_8_bit_photos_render_straight_to_16_bits():
    src, maps = _case(1)
    out = kernels.render_curves(src, maps, 1.0, False, 5.5, 8, np.uint16)
    assert out.dtype == np.uint16
    assert np.abs(out - _reference(src, maps, 5.5, 8, 65535.0)).max() <= 2


def test_boxes_render_like_the_whole_image():
    """Full mode renders tile by tile with each tile's own full-resolution maps."""
    src, _ = _case(2)
    full = (np.random.default_rng(5).random((24, 70, 90)) * 30000 - 28000).astype(np.int16)
    whole = kernels.render_curves(src, full, 1 / 32767, False, 6.0, 8)
    tiled = np.zeros_like(src)
    for y in range(0, 70, 32):
        for x in range(0, 90, 32):
            h, w = min(32, 70 - y), min(32, 90 - x)
            kernels.render_into(tiled, src, full[:, y : y + h, x : x + w], 1 / 32767, False,
                                6.0, 8, box=(y, x, h, w))
    assert np.array_equal(whole, tiled)


def test_thread_counts_do_not_change_the_result():
    src, maps = _case(3, size=(300, 200))
    try:
        kernels.set_threads(1)
        one = kernels.render_curves(src, maps, 1.0, False, 7.0, 8)
        kernels.set_threads(3)
        three = kernels.render_curves(src, maps, 1.0, False, 7.0, 8)
    finally:
        kernels.set_threads(torch.get_num_threads())
    assert np.array_equal(one, three)


def test_other_layouts_are_refused():
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        kernels.render_curves(np.zeros((4, 4, 4), np.uint8), np.zeros((3, 2, 2), np.float32),
                              1.0, True, 1.0, 1)
