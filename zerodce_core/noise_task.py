"""What training the noise model means: synthetic noisy shots, random curves, L1 to the clean.

Zero-reference stays true: no real noisy/clean pairs exist here. Each sample starts from a
well-exposed photo, is darkened and given sensor noise by the same physical model the quality
benchmark uses (`noise.synthesize_low_light`), and the noisy and the noise-free dark versions
both go through one random lift as the engine makes them (an exposure gain, random
brightening curves). The network sees the brightened noisy image and the noise map the app
would compute for it (noise measured in the dark input, times the lift's gain) and must return
the brightened noise-free one: the noise-free version is never rounded to 8 bits nor
JPEG-compressed, so banding and blocks the lift amplifies are to be removed as well. A share
of samples are clean photos with mild curves, whose target is the input itself: on clean
photos the model must change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch
from torch import nn

from .data import ImageCache, ImageRecord
from .denoiser import Denoiser
from .exposure import exposure_lut, fit_gain, gained_srgb
from .model import build_model
from .noise import CameraNoise, measure_noise, synthesize_low_light

if TYPE_CHECKING:
    from .trainer import TrainConfig

Batch = tuple[torch.Tensor, ...]
#: Share of samples that are clean photos (target = input).
CLEAN_SHARE = 0.2
#: The gain is computed on a copy this many times smaller, as the app does on its 512 px maps.
GAIN_SCALE = 4
#: Weight of the gradient term: keeps edges and texture (no plastic look).
GRADIENT_WEIGHT = 0.5
ITERATIONS = 8


def random_curves(start: np.ndarray, target: float, rng: np.random.Generator) -> np.ndarray:
    """One (3, H, W) float32 curve map, reused by every iteration, lifting `start` (float
    RGB in [0, 1]) to a mean near `target` (or leaving it about as it is, if already there).

    A smooth random field (stronger lift in some regions, like the network's maps) around a
    base level found by bisection.
    """
    height, width = start.shape[:2]
    field = cv2.resize(rng.normal(0, 1, (4, 4)).astype(np.float32), (width, height),
                       interpolation=cv2.INTER_CUBIC)
    field *= np.float32(rng.uniform(0.0, 0.25))
    x = start[::4, ::4]
    target = max(target, float(x.mean()))
    small = field[::4, ::4, None]
    low, high = -1.0, 0.2  # x + a(x^2 - x) brightens for negative a (the official convention)
    for _ in range(20):
        base = (low + high) / 2
        a = np.clip(base + small, -1.0, 1.0)
        y = x.copy()
        for _ in range(ITERATIONS):
            y += a * (y * y - y)
        low, high = (low, base) if y.mean() < target else (base, high)
    a = np.clip((low + high) / 2 + field, -1.0, 1.0)
    return np.repeat(a[None], 3, axis=0)


def apply_map(rgb: np.ndarray, a: np.ndarray) -> np.ndarray:
    """float32 HxWx3 in [0, 1]: float RGB `rgb` in [0, 1] through ITERATIONS curves of map `a`."""
    x = rgb.astype(np.float32)
    alpha = a.transpose(1, 2, 0)
    for _ in range(ITERATIONS):
        x += alpha * (x * x - x)
    return np.clip(x, 0.0, 1.0)


def random_gain(dark: np.ndarray, target: float, rng: np.random.Generator) -> float:
    """The exposure gain the engine might use on `dark` (uint8): its share of the lift to
    `target` is all (an evenly underexposed photo), none (a night scene: the curves lift it
    all) or between, as `exposure.gain_share` decides per photo."""
    share = rng.choice([0.0, 1.0, rng.uniform()], p=[0.25, 0.35, 0.4])
    return fit_gain(dark[::4, ::4], target) ** share if share else 1.0


def make_sample(clean: np.ndarray, rng: np.random.Generator, crop: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(input uint8 HxWx3, target float32 HxWx3, sigma float32 H/2xW/2x3) for one crop.

    The lift is the engine's: an exposure gain in linear light (maybe) then curves, and the
    noise map is the engine's own (`Denoiser.sigma_map`), so the network learns on what it
    will be told. `clean` is a larger context (>= 2 crop) so the noise is measured on more
    than the crop, as on a whole photo at inference.
    """
    if rng.random() < CLEAN_SHARE:
        dark, truth = clean, clean.astype(np.float32) / 255
        target_level = float(truth.mean()) * rng.uniform(1.0, 1.3)
        gain = 1.0
    else:
        dark, truth = synthesize_low_light(clean, CameraNoise.draw(rng), rng)
        target_level = rng.uniform(0.3, 0.6)
        gain = random_gain(dark, target_level, rng)
    levels = exposure_lut(gain, 255) if gain != 1.0 else None
    start = dark.astype(np.float32) / 255 if levels is None else levels[dark]
    a = random_curves(start, min(target_level, 0.9), rng)
    height, width = dark.shape[:2]
    top = int(rng.integers(0, (height - crop) // 2 + 1)) * 2
    left = int(rng.integers(0, (width - crop) // 2 + 1)) * 2
    window = np.s_[top : top + crop, left : left + crop]
    half = np.s_[top // 2 : (top + crop) // 2, left // 2 : (left + crop) // 2]
    truth = truth[window]
    if levels is not None:
        truth = gained_srgb(truth, gain).astype(np.float32)
    crop_maps = a[:, window[0], window[1]]
    enhanced = apply_map(start[window], crop_maps)
    target = apply_map(truth, crop_maps)
    small = (width // GAIN_SCALE, height // GAIN_SCALE)
    small_rgb = cv2.resize(dark, small, interpolation=cv2.INTER_AREA)
    small_maps = np.stack([cv2.resize(m, small, interpolation=cv2.INTER_AREA) for m in a])
    sigma = Denoiser.sigma_map(measure_noise(dark), small_rgb, small_maps, ITERATIONS,
                               ITERATIONS, levels)
    sigma = cv2.resize(sigma, (width // 2, height // 2), interpolation=cv2.INTER_LINEAR)
    noisy8 = np.clip(enhanced * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return noisy8, target, sigma[half]


def well_exposed(rgb: np.ndarray) -> bool:
    """Mean level 0.25-0.7 and under 5% clipped pixels."""
    return 0.25 <= rgb.mean() / 255 <= 0.7 and (rgb.max(axis=2) >= 252).mean() < 0.05


class NoiseTask:
    """Training of the curve-aware noise model on synthetic shots (see module docstring)."""

    term_names = ("l1", "gradient", "total")
    #: Decoupled weight decay. With Adam's (added to the gradient, then normalised) any weight
    #: whose loss gradient starts smaller than the decay term is driven to zero within a few
    #: dozen steps and never recovers: it silenced NoiseUNet's whole quarter-resolution middle
    #: (weights ~1e-31 in the first shipped model), half of its compute.
    optimizer = torch.optim.AdamW

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.workers = max(1, config.threads or torch.get_num_threads())

    def build(self) -> nn.Module:
        return build_model(self.config.arch)

    def adapt(self, model: nn.Module) -> nn.Module | None:
        return model if getattr(model, "arch", None) == self.config.arch else None

    def load(self, records: list[ImageRecord], workers: int) -> ImageCache:
        """Well-exposed photos at twice the crop size: the context each sample is cut from.

        Under- and over-exposed frames (SICE holds both) would teach dark or clipped targets.
        """
        cache = ImageCache(records, 2 * self.config.image_size, crop=True, crop_context=1.0,
                           workers=workers)
        cache.arrays = [a for a in cache.arrays if well_exposed(a)]
        return cache

    def _samples(self, data: ImageCache, picks: list[int], seeds: list[list[int]]) -> Batch:
        size = self.config.image_size

        def one(args: tuple[int, list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            index, seed = args
            rng = np.random.default_rng(seed)
            context = data.augmented(index, seed[0], seed[1])
            return make_sample(np.ascontiguousarray(context), rng, size)

        with ThreadPoolExecutor(self.workers) as pool:
            samples = list(pool.map(one, zip(picks, seeds)))
        noisy = torch.from_numpy(np.stack([s[0] for s in samples])).permute(0, 3, 1, 2)
        target = torch.from_numpy(np.stack([s[1] for s in samples])).permute(0, 3, 1, 2)
        sigma = torch.from_numpy(np.stack([s[2] for s in samples])).permute(0, 3, 1, 2)
        return noisy.float().div_(255.0), target.contiguous(), sigma.contiguous()

    def batch(self, data: ImageCache, picks: np.ndarray, epoch: int, index: int,
              device: torch.device) -> Batch:
        seed = self.config.seed
        seeds = [[seed, epoch, index, int(i)] for i in picks]
        return tuple(t.to(device) for t in self._samples(data, [int(i) for i in picks], seeds))

    def validation(self, data: ImageCache, device: torch.device) -> Iterator[tuple[Batch, int]]:
        size = self.config.batch_size
        for start in range(0, len(data), size):
            picks = list(range(start, min(start + size, len(data))))
            seeds = [[self.config.seed, 0, 0x7A1, i] for i in picks]
            batch = tuple(t.to(device) for t in self._samples(data, picks, seeds))
            yield batch, len(picks)

    def losses(self, model: nn.Module, network: nn.Module, batch: Batch,
               autocast: Callable[[], AbstractContextManager], compiled: bool = True
               ) -> torch.Tensor:
        noisy, target, sigma = batch
        with autocast():
            out = network(noisy, sigma)
        out = out.float()
        l1 = (out - target).abs().mean()
        gradient = sum((torch.diff(out, dim=d) - torch.diff(target, dim=d)).abs().mean()
                       for d in (2, 3))
        return torch.stack([l1, gradient, l1 + GRADIENT_WEIGHT * gradient])

    def preview(self, model: nn.Module, data: ImageCache, device: torch.device,
                autocast: Callable[[], AbstractContextManager]) -> np.ndarray:
        """Input | output | target of the first validation sample, side by side."""
        noisy, target, sigma = next(self.validation(data, device))[0]
        with autocast():
            out = model(noisy[:1], sigma[:1]).float().clamp(0, 1)
        row = torch.cat([noisy[:1], out, target[:1]], dim=3)[0]
        return (row.permute(1, 2, 0) * 255).round().to(torch.uint8).cpu().numpy()

