"""The four zero-reference losses of Zero-DCE (Guo et al., CVPR 2020, Sec. 3.3).

No reference image is needed: the losses judge the enhanced image against the
input (spatial consistency), a target exposure level, the grey-world
assumption (colour constancy) and smoothness of the curve maps.

The formulas follow the official code (Li-Chongyi/Zero-DCE, `Myloss.py`) rather
than the paper wherever the two differ, because the published weights and the
loss weights were tuned against the code. Each function says where they differ.
All functions are device-agnostic, expect NCHW float tensors (any memory
format) and return a scalar averaged over the batch; compute them in fp32.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

#: Well-exposedness level E; the paper found 0.4-0.7 similar and used 0.6.
DEFAULT_EXPOSURE_LEVEL = 0.6
SPATIAL_REGION = 4
EXPOSURE_PATCH = 16


@dataclass(frozen=True)
class LossWeights:
    """Weights of the total loss; defaults are the official code's.

    The paper (Eq. 8-9) states W_col = 0.5 and W_tvA = 20 with spatial and
    exposure weights of 1; the released training script uses spatial 1,
    exposure 10, colour 5 and smoothness 200, and its weights are what the
    official checkpoint was trained with.
    """

    spatial: float = 1.0
    exposure: float = 10.0
    color: float = 5.0
    smoothness: float = 200.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class LossTerms:
    """Each weighted-sum ingredient (unweighted) and the weighted total."""

    spatial: torch.Tensor
    exposure: torch.Tensor
    color: torch.Tensor
    smoothness: torch.Tensor
    total: torch.Tensor

    def as_floats(self) -> dict[str, float]:
        return {name: float(value) for name, value in vars(self).items()}


def spatial_consistency(original: torch.Tensor, enhanced: torch.Tensor) -> torch.Tensor:
    """L_spa: neighbouring 4x4 regions keep their brightness differences.

    Channel means are averaged over 4x4 regions; for each region and its four
    neighbours the difference in the input must match the one in the output.
    Code vs paper: the code compares signed differences, (dI - dY)^2, where the
    paper writes (|dY| - |dI|)^2; and the code pads with zeros, so border
    regions are also compared with a zero "neighbour" outside the image.
    """
    pool = SPATIAL_REGION
    diff = F.avg_pool2d(original.mean(1, keepdim=True), pool) - F.avg_pool2d(
        enhanced.mean(1, keepdim=True), pool
    )
    # (I_i - I_j) - (Y_i - Y_j) == diff_i - diff_j, with zero beyond the border.
    padded = F.pad(diff, (1, 1, 1, 1))
    neighbours = (
        padded[..., 1:-1, :-2],  # left
        padded[..., 1:-1, 2:],  # right
        padded[..., :-2, 1:-1],  # up
        padded[..., 2:, 1:-1],  # down
    )
    return sum((diff - n).square() for n in neighbours).mean()


def exposure_control(enhanced: torch.Tensor, level: float | torch.Tensor = DEFAULT_EXPOSURE_LEVEL,
                     patch_share: float = 1.0) -> torch.Tensor:
    """L_exp: the mean intensity of each 16x16 patch should be near `level` (E).

    Code vs paper: the paper averages |Y_k - E|; the code squares the distance.
    `level` may be one value per image (N,). `patch_share` < 1 moves that share of the
    weight onto the whole image's mean instead: pulling every patch to E flattens the
    scene (a sunlit wall and a shadow both become E), while the image mean alone leaves
    local contrast to the spatial-consistency term, so a photo already at E stays as it is.
    """
    intensity = enhanced.mean(1, keepdim=True)
    level = torch.as_tensor(level, dtype=intensity.dtype, device=intensity.device)
    level = level.reshape(-1, 1, 1, 1) if level.ndim else level
    patches = F.avg_pool2d(intensity, EXPOSURE_PATCH)
    loss = patch_share * (patches - level).square().mean()
    if patch_share < 1.0:
        whole = intensity.mean((2, 3), keepdim=True)
        loss = loss + (1.0 - patch_share) * (whole - level).square().mean()
    return loss


def color_constancy(enhanced: torch.Tensor) -> torch.Tensor:
    """L_col: grey-world; the per-image channel means should agree.

    Code vs paper: the paper sums (J_p - J_q)^2 over the three channel pairs;
    the code takes sqrt(sum((J_p - J_q)^2)^2), i.e. the Euclidean norm of the
    squared differences, averaged over the batch. We keep the code's form but
    give an exactly grey image value 0 and gradient 0: the plain sqrt has an
    infinite derivative at 0, which turns into NaN gradients on grey inputs.
    """
    r, g, b = enhanced.mean((2, 3)).unbind(1)
    squared = (r - g).square().square() + (r - b).square().square() + (g - b).square().square()
    positive = squared > 0
    safe = torch.where(positive, squared, torch.ones_like(squared))
    return torch.where(positive, safe.sqrt(), torch.zeros_like(squared)).mean()


def illumination_smoothness(maps: torch.Tensor) -> torch.Tensor:
    """L_tvA: total variation of the curve parameter maps, so curves vary smoothly.

    Code vs paper: the paper writes (|grad_x A| + |grad_y A|)^2 summed over
    channels and iterations; the code sums squared vertical and horizontal
    differences separately, normalises each by its count of pixel pairs
    ((H-1)*W and H*(W-1), per image, not per channel), multiplies by 2 and
    divides by the batch size.
    """
    n, _, h, w = maps.shape
    vertical = (maps[..., 1:, :] - maps[..., :-1, :]).square().sum() / ((h - 1) * w)
    horizontal = (maps[..., :, 1:] - maps[..., :, :-1]).square().sum() / (h * (w - 1))
    return 2 * (vertical + horizontal) / n


def zero_reference_loss(
    original: torch.Tensor,
    enhanced: torch.Tensor,
    maps: torch.Tensor,
    weights: LossWeights = LossWeights(),
    exposure_level: float | torch.Tensor = DEFAULT_EXPOSURE_LEVEL,
    exposure_patch_share: float = 1.0,
) -> LossTerms:
    """All four terms and their weighted total, computed in fp32."""
    original, enhanced, maps = original.float(), enhanced.float(), maps.float()
    spatial = spatial_consistency(original, enhanced)
    exposure = exposure_control(enhanced, exposure_level, exposure_patch_share)
    color = color_constancy(enhanced)
    smoothness = illumination_smoothness(maps)
    total = (
        weights.spatial * spatial
        + weights.exposure * exposure
        + weights.color * color
        + weights.smoothness * smoothness
    )
    return LossTerms(spatial, exposure, color, smoothness, total)
