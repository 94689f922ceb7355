"""What training the curve network means: its data, its batches, its zero-reference losses.

The trainer's loop (steps, checkpoints, resume, DDP, events) is the same for every model;
a task supplies the parts that differ. This one trains DCE-Net and its variants on
unpaired photos with the four losses of the paper, and exposure-conditioned nets with a
target level per image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from .curves import apply_curves, shared_channels
from .data import ImageCache, ImageRecord, to_batch
from .exposure import auto_exposure, highlight_level, mean_level
from .losses import LossWeights, zero_reference_loss
from .model import CurveNet, build_model

if TYPE_CHECKING:
    from .trainer import TrainConfig

#: With an exposure range, the share of images trained to keep their own mean level.
KEEP_OWN_LEVEL = 0.25
Batch = tuple[torch.Tensor, ...]


def loss_vector(batch: torch.Tensor, maps: torch.Tensor, iterations: int, weights: LossWeights,
                exposure_level: torch.Tensor, patch_share: float = 1.0) -> torch.Tensor:
    """Enhance with `maps` and stack (spatial, exposure, color, smoothness, total).

    One tensor out, so the function compiles as a single graph and a DDP job
    can average all terms with one all-reduce. `exposure_level` holds one E per image.
    """
    enhanced = apply_curves(batch, maps, iterations)
    terms = zero_reference_loss(batch, enhanced, maps, weights, exposure_level, patch_share)
    return torch.stack([terms.spatial, terms.exposure, terms.color, terms.smoothness, terms.total])


def init_weights(model: nn.Module) -> None:
    """The official initialisation: conv weights ~ N(0, 0.02), so curves start near identity."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.normal_(module.weight, 0.0, 0.02)


def convert(model: CurveNet, arch: str) -> CurveNet | None:
    """`model`'s weights in an architecture that extends it (e.g. zerodce -> zerodce-exposure),
    or None if `arch` is no extension of it.

    Only parameters the new architecture adds may be missing; they keep their initial values
    (zero for the exposure shifts, so the converted net behaves exactly like the original).
    """
    target = build_model(arch, model.iterations)
    missing, unexpected = target.load_state_dict(model.state_dict(), strict=False)
    added = {name for name, _ in target.named_parameters()} - set(model.state_dict())
    return None if unexpected or set(missing) - added else target


class CurveTask:
    """Zero-reference curve training (Guo et al. 2020), optionally exposure-conditioned."""

    term_names = ("spatial", "exposure", "color", "smoothness", "total")
    #: The paper's: Adam with its weight decay added to the gradient.
    optimizer = torch.optim.Adam

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.loss_fn: Callable[..., torch.Tensor] = (
            torch.compile(loss_vector, dynamic=False) if config.compile else loss_vector)

    def build(self) -> nn.Module:
        model = build_model(self.config.arch, self.config.iterations)
        init_weights(model)
        return model

    def adapt(self, model: nn.Module) -> nn.Module | None:
        """A loaded model made fit for this run's architecture, or None if it cannot be."""
        cfg = self.config
        if not isinstance(model, CurveNet) or model.iterations != cfg.iterations:
            return None
        return model if model.arch == cfg.arch else convert(model, cfg.arch)

    def load(self, records: list[ImageRecord], workers: int) -> ImageCache:
        cfg = self.config
        return ImageCache(records, cfg.image_size, crop=cfg.random_crop, workers=workers)

    def batch(self, data: ImageCache, picks: np.ndarray, epoch: int, index: int,
              device: torch.device) -> Batch:
        """Images and each image's target E, reproducible from (seed, epoch, index)."""
        seed = self.config.seed
        images = to_batch([data.augmented(int(i), seed, epoch) for i in picks], device)
        rng = np.random.default_rng([seed, epoch, index, 0xE])
        return images, self._levels(images, rng.random(len(picks)), rng.random(len(picks)))

    def validation(self, data: ImageCache, device: torch.device) -> Iterator[tuple[Batch, int]]:
        """Unaugmented batches with fixed, evenly spread target levels (the same every epoch)."""
        size = self.config.batch_size
        for start in range(0, len(data), size):
            chunk = [data.plain(i) for i in range(start, min(start + size, len(data)))]
            images = to_batch(chunk, device)
            spread = (np.arange(start, start + len(chunk)) * 0.618034) % 1.0
            yield (images, self._levels(images, spread, np.ones(len(chunk)))), len(chunk)

    def _levels(self, images: torch.Tensor, draws: np.ndarray, keep: np.ndarray) -> torch.Tensor:
        """Target E per image: exposure_level, or drawn from exposure_range (or its own level)."""
        cfg = self.config
        if cfg.exposure_range is None:
            return torch.full((len(images),), cfg.exposure_level, device=images.device)
        low, high = cfg.exposure_range
        drawn = torch.as_tensor(low + (high - low) * draws, dtype=torch.float32)
        own = images.mean((1, 2, 3)).float().cpu().clamp(0.05, 0.95)
        levels = torch.where(torch.as_tensor(keep < KEEP_OWN_LEVEL), own, drawn)
        return levels.to(images.device)

    def losses(self, model: CurveNet, network: nn.Module, batch: Batch,
               autocast: Callable[[], AbstractContextManager], compiled: bool = True
               ) -> torch.Tensor:
        """Network under autocast, then curves and losses in fp32 on plain NCHW tensors."""
        images, levels = batch
        with autocast():
            maps = network(images, levels)
        cfg = self.config
        fn = self.loss_fn if compiled else loss_vector
        return fn(images.contiguous(), self._colour(maps.float()).contiguous(), model.iterations,
                  cfg.loss_weights, levels, cfg.exposure_patch_share)

    def _colour(self, maps: torch.Tensor) -> torch.Tensor:
        return shared_channels(maps) if self.config.colour == "keep" else maps

    def preview(self, model: CurveNet, data: ImageCache, device: torch.device,
                autocast: Callable[[], AbstractContextManager]) -> np.ndarray:
        """The first image enhanced with the current weights (at its automatic level)."""
        image = data.plain(0)
        batch = to_batch([image], device)
        cfg = self.config
        level = (auto_exposure(mean_level(image), highlight_level(image)) if cfg.exposure_range
                 else cfg.exposure_level)
        with autocast():
            maps = model(batch, torch.full((1,), level, device=device))
        out = apply_curves(batch, self._colour(maps.float()), model.iterations).clamp_(0, 1)
        return (out[0].permute(1, 2, 0) * 255).round().to(torch.uint8).cpu().numpy()

