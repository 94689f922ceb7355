"""The zero-reference losses on inputs whose values can be worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from zerodce_core.losses import (
    LossWeights,
    color_constancy,
    exposure_control,
    illumination_smoothness,
    spatial_consistency,
    zero_reference_loss,
)


def constant(value: float, shape: tuple[int, ...] = (2, 3, 32, 32)) -> torch.Tensor:
    return torch.full(shape, value)


def halves(left: float, right: float, height: int, width: int) -> torch.Tensor:
    """1x3xHxW grey image: `left` in the left half, `right` in the right half."""
    image = torch.full((1, 3, height, width), left)
    image[..., width // 2 :] = right
    return image


def test_exposure_zero_at_target_level() -> None:
    assert exposure_control(constant(0.6), 0.6).item() == pytest.approx(0.0, abs=1e-12)


def test_exposure_hand_computed() -> None:
    # Two 16x16 patches with means 0.2 and 0.8: ((0.2-0.6)^2 + (0.8-0.6)^2) / 2 = 0.1
    assert exposure_control(halves(0.2, 0.8, 16, 32), 0.6).item() == pytest.approx(0.1, rel=1e-5)


def test_exposure_uses_channel_mean() -> None:
    image = torch.zeros(1, 3, 16, 16)
    image[:, 0] = 0.9  # channel mean 0.3
    assert exposure_control(image, 0.5).item() == pytest.approx(0.04)


def test_color_zero_for_grey_with_finite_gradient() -> None:
    grey = constant(0.3).requires_grad_()
    loss = color_constancy(grey)
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(grey.grad).all() and grey.grad.abs().max() == 0


def test_color_hand_computed() -> None:
    image = torch.empty(1, 3, 8, 8)
    for channel, value in enumerate((0.5, 0.3, 0.1)):
        image[:, channel] = value
    # pair differences squared: 0.04, 0.16, 0.04 -> sqrt(0.04^2 + 0.16^2 + 0.04^2)
    assert color_constancy(image).item() == pytest.approx(math.sqrt(0.0288))


def test_smoothness_zero_for_constant_maps() -> None:
    assert illumination_smoothness(constant(0.7, (2, 24, 16, 16))).item() == 0.0


def test_smoothness_hand_computed() -> None:
    maps = torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]])
    # vertical: 0; horizontal: 2 pairs of 1^2 over H*(W-1) = 2 -> 1; times 2 / batch 1
    assert illumination_smoothness(maps).item() == pytest.approx(2.0)
    assert illumination_smoothness(maps.repeat(3, 1, 1, 1)).item() == pytest.approx(2.0)


def test_spatial_zero_for_unchanged_image() -> None:
    image = torch.rand(2, 3, 32, 32)
    assert spatial_consistency(image, image.clone()).item() == 0.0


def test_spatial_hand_computed() -> None:
    # One row of two 4x4 regions. Region differences (input - output): u = -0.3, v = -0.1.
    # Each region: three zero-padded neighbours give u^2 each, the inner one (u - v)^2:
    # mean = (3u^2 + 3v^2 + 2(u - v)^2) / 2 = 0.19
    original = halves(0.2, 0.4, 4, 8)
    enhanced = constant(0.5, (1, 3, 4, 8))
    assert spatial_consistency(original, enhanced).item() == pytest.approx(0.19)


def test_total_is_weighted_sum_with_official_defaults() -> None:
    weights = LossWeights()
    assert (weights.spatial, weights.exposure, weights.color, weights.smoothness) == (1, 10, 5, 200)
    original = torch.rand(2, 3, 32, 32) * 0.3
    maps = torch.rand(2, 24, 32, 32) - 0.5
    enhanced = (original * 2).clamp(0, 1)
    terms = zero_reference_loss(original, enhanced, maps, weights, 0.6)
    expected = (terms.spatial + 10 * terms.exposure + 5 * terms.color + 200 * terms.smoothness)
    assert terms.total.item() == pytest.approx(expected.item())
    assert set(terms.as_floats()) == {"spatial", "exposure", "color", "smoothness", "total"}


def test_losses_accept_channels_last_and_bf16_inputs() -> None:
    image = torch.rand(2, 3, 32, 32)
    maps = torch.rand(2, 24, 32, 32)
    plain = zero_reference_loss(image, image * 0.9, maps).total
    fancy = zero_reference_loss(
        image.contiguous(memory_format=torch.channels_last),
        (image * 0.9).contiguous(memory_format=torch.channels_last),
        maps.bfloat16(),
    ).total
    assert fancy.dtype == torch.float32
    assert fancy.item() == pytest.approx(plain.item(), rel=1e-2)


def test_exposure_level_per_image_and_image_mean_share():
    from zerodce_core.losses import exposure_control

    # Half the image at 0.2, half at 0.6: its mean is exactly E = 0.4.
    image = torch.full((1, 3, 32, 32), 0.2)
    image[..., 16:] = 0.6
    assert exposure_control(image, 0.4, patch_share=0.0) == pytest.approx(0.0, abs=1e-9)
    assert exposure_control(image, 0.4) == pytest.approx(0.04, rel=1e-5)  # every patch is 0.2 off
    both = torch.cat([image, image])
    per_image = exposure_control(both, torch.tensor([0.4, 0.6]), patch_share=0.0)
    assert per_image == pytest.approx(0.02, rel=1e-5)  # (0 + 0.2^2) / 2
