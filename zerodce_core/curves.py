"""The light-enhancement curve LE(x) = x + a * (x^2 - x), applied iteratively.

`maps` always has 3 * k channels: k = iterations for Zero-DCE (one map per
iteration) or k = 1 for Zero-DCE++ (one map reused by every iteration).

Strength is a float in [0, iterations]: iteration i is applied fully for
i < floor(strength) and the last one with its map scaled by the fractional
part. Scaling a by f gives x + f * (LE(x) - x), exactly the linear blend
between the neighbouring iteration results, so the slider is continuous and
strength 0 is the identity.
"""

from __future__ import annotations

import math

import torch


def map_for_iteration(maps: torch.Tensor, index: int) -> torch.Tensor:
    """The 3-channel map iteration `index` uses (dimension -3 holds channels)."""
    k = maps.shape[-3] // 3
    start = 3 * (index % k)
    return maps[..., start : start + 3, :, :]


def shared_channels(maps: torch.Tensor) -> torch.Tensor:
    """`maps` with each iteration's three channel maps replaced by their mean: the curves
    then lift a pixel's R, G and B alike and add no colour cast (`defaults.Colour`)."""
    k = maps.shape[-3] // 3
    split = maps.unflatten(-3, (k, 3))
    return split.mean(-3, keepdim=True).expand_as(split).flatten(-4, -3)


def apply_curves(x: torch.Tensor, maps: torch.Tensor, iterations: int) -> torch.Tensor:
    """Differentiable full-strength enhancement, as used by training and the reference flow."""
    for i in range(iterations):
        a = map_for_iteration(maps, i)
        x = x + a * (x * x - x)
    return x


def apply_curves_(
    x: torch.Tensor, maps: torch.Tensor, strength: float, iterations: int
) -> torch.Tensor:
    """In-place enhancement of `x` at a fractional `strength`; no autograd, minimal memory.

    Works on any leading shape as long as the last three dimensions are
    (channels, height, width) for both `x` (3 channels) and `maps`.
    """
    strength = min(max(float(strength), 0.0), float(iterations))
    whole = math.floor(strength)
    fraction = strength - whole
    scratch = torch.empty_like(x)
    steps = [(i, 1.0) for i in range(whole)]
    if fraction > 0 and whole < iterations:
        steps.append((whole, fraction))
    for i, weight in steps:
        a = map_for_iteration(maps, i)
        torch.sub(x, 1.0, out=scratch)
        scratch.mul_(x)  # x^2 - x
        x.addcmul_(scratch, a, value=weight)
    return x.clamp_(0.0, 1.0)
