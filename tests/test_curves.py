import numpy as np
import pytest
import torch

from zerodce_core.curves import apply_curves, apply_curves_, map_for_iteration
from zerodce_core.kernels import render_curves


def test_strength_zero_is_identity():
    x = torch.rand(1, 3, 8, 8)
    maps = torch.rand(1, 24, 8, 8) * 2 - 1
    assert torch.equal(apply_curves_(x.clone(), maps, 0.0, 8), x)


def test_negative_maps_brighten_monotonically():
    x = torch.rand(1, 3, 16, 16) * 0.5 + 0.01
    maps = -torch.rand(1, 24, 16, 16)
    previous = x
    for s in np.linspace(0.5, 8, 16):
        out = apply_curves_(x.clone(), maps, float(s), 8)
        assert (out >= previous - 1e-7).all()
        previous = out
    assert previous.mean() > x.mean() + 0.1


def test_fractional_strength_blends_neighbouring_iterations():
    x = torch.rand(1, 3, 4, 4)
    maps = torch.rand(1, 24, 4, 4) * -1
    three = apply_curves_(x.clone(), maps, 3.0, 8)
    four = apply_curves_(x.clone(), maps, 4.0, 8)
    blend = apply_curves_(x.clone(), maps, 3.25, 8)
    torch.testing.assert_close(blend, three + 0.25 * (four - three))


def test_strength_is_continuous():
    x = torch.rand(1, 3, 8, 8)
    maps = torch.rand(1, 24, 8, 8) * -1
    below = apply_curves_(x.clone(), maps, 5 - 1e-4, 8)
    at = apply_curves_(x.clone(), maps, 5.0, 8)
    assert (below - at).abs().max() < 1e-3


def test_inplace_and_differentiable_paths_agree():
    x = torch.rand(2, 3, 5, 5)
    maps = torch.rand(2, 24, 5, 5) * 2 - 1
    torch.testing.assert_close(apply_curves_(x.clone(), maps, 8, 8), apply_curves(x, maps, 8))


def test_shared_map_is_reused_every_iteration():
    maps = torch.rand(1, 3, 2, 2)
    assert all(torch.equal(map_for_iteration(maps, i), maps) for i in range(8))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_kernel_matches_torch_reference_with_upsampling(dtype):
    rng = np.random.default_rng(1)
    peak = np.iinfo(dtype).max
    src = (rng.random((37, 53, 3)) * peak * 0.3).astype(dtype)
    maps = (rng.random((24, 9, 13)) - 0.9).astype(np.float32)
    out = render_curves(src, maps, 1.0, False, 6.5, 8)
    x = torch.from_numpy(src.astype(np.float32) / peak).permute(2, 0, 1)[None]
    full = torch.nn.functional.interpolate(torch.from_numpy(maps)[None], size=(37, 53),
                                           mode="bilinear", align_corners=False)
    ref = apply_curves_(x, full, 6.5, 8)[0].permute(1, 2, 0).numpy() * peak
    assert out.dtype == dtype
    assert np.abs(out.astype(np.float64) - ref).max() <= 0.51 + peak * 1e-5
