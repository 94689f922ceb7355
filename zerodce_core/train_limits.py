"""What a training run may ask for, checked before any work is done.

Left to the training loop, a bad setting fails late and obscurely: a NaN learning rate
trains nothing and ends in "loss became non-finite" once every image is loaded; a string
where a number belongs (the stored settings of a damaged checkpoint, which `--resume`
reuses) ends in a TypeError deep in the loop; `--size 100000` asks for 30 GB per cached
image, and the kernel kills the process minutes later without a word. So `TrainConfig`
calls `check_settings` when it is made (each message names what is allowed), and the
trainer calls `memory_shortfall` as soon as it knows how many images there are, before
decoding any of them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .checkpoint import MAX_ITERATIONS
from .exposure import LIMITS as EXPOSURE_LIMITS
from .losses import LossWeights
from .model import NOISE_NETWORKS
from .text import shown
from .validate import OptionError, in_range, optional_in_range

if TYPE_CHECKING:
    from .trainer import TrainConfig

MIN_IMAGE_SIZE = 16
MAX_SEED = 2**32 - 1
#: Numeric settings: field -> (name in messages, lowest, highest, whole number).
NUMBERS: dict[str, tuple[str, float, float, bool]] = {
    "iterations": ("iterations", 1, MAX_ITERATIONS, True),
    "epochs": ("epochs", 1, math.inf, True),
    "image_size": ("image size", MIN_IMAGE_SIZE, math.inf, True),  # memory_shortfall bounds it
    "batch_size": ("batch size", 1, math.inf, True),
    "lr": ("learning rate", 1e-9, 1.0, False),
    "weight_decay": ("weight decay", 0.0, 1.0, False),
    "grad_clip": ("gradient clipping norm", 1e-6, math.inf, False),
    "exposure_level": ("exposure level", *EXPOSURE_LIMITS, False),
    "exposure_patch_share": ("exposure patch share", 0.0, 1.0, False),
    "seed": ("seed", 0, MAX_SEED, True),
    "val_fraction": ("validation fraction", 0.0, 0.99, False),
    "preview_every": ("preview interval", 0, math.inf, True),
}
PATHS = ("data_dir", "out_dir")
OPTIONAL_PATHS = ("exclude", "init_checkpoint", "resume_checkpoint")
SWITCHES = ("random_crop", "compile")
WORDS = ("arch", "device", "precision")
MAX_THREADS = 4096

#: Memory one training step takes per pixel of every image in the batch (activations kept
#: for the backward pass, curves, losses, gradients), measured with Adam steps on CPU at
#: 256-768 px (benchmarks/train_memory.py): the curve networks 1.9 kB (bf16) to 4.5 kB
#: (fp32), the noise network 0.38 to 0.8 kB. Figures below the lowest are used, so a run
#: refused could never have fitted.
STEP_BYTES_PER_PIXEL = 1_500
NOISE_STEP_BYTES_PER_PIXEL = 300
CACHE_BYTES_PER_PIXEL = 3  # decoded RGB, uint8


def check_settings(config: TrainConfig) -> None:
    """Raise OptionError unless every setting has the right type and range; turn the JSON
    forms a checkpoint stores (a list, a dict) into the exposure range tuple and LossWeights."""
    for name, (label, low, high, whole) in NUMBERS.items():
        in_range(label, getattr(config, name), low, high, integer=whole)
    optional_in_range("threads", config.threads, 1, MAX_THREADS, integer=True)
    for name in PATHS:
        _path(name, getattr(config, name))
    for name in OPTIONAL_PATHS:
        if getattr(config, name) is not None:
            _path(name, getattr(config, name))
    for name in SWITCHES:
        if not isinstance(getattr(config, name), bool):
            raise OptionError(f"{name} must be true or false, not {shown(getattr(config, name))}")
    for name in WORDS:
        if not isinstance(getattr(config, name), str):
            raise OptionError(f"{name} must be a name, not {shown(getattr(config, name))}")
    config.exposure_range = exposure_range(config.exposure_range)
    config.loss_weights = loss_weights(config.loss_weights)


def exposure_range(value: object) -> tuple[float, float] | None:
    """None, or (low, high) within the exposure limits with low <= high."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise OptionError(f"exposure range must be two levels, low and high, not {shown(value)}")
    low = in_range("exposure range low", value[0], *EXPOSURE_LIMITS)
    high = in_range("exposure range high", value[1], low, EXPOSURE_LIMITS[1])
    return float(low), float(high)


def loss_weights(value: object) -> LossWeights:
    """LossWeights from itself or from a mapping of some of its names to weights >= 0."""
    known = [f.name for f in fields(LossWeights)]
    if isinstance(value, LossWeights):
        weights = {name: getattr(value, name) for name in known}
    elif isinstance(value, dict):
        unknown = sorted(map(str, set(value) - set(known)))
        if unknown:
            raise OptionError(f"unknown loss {'names' if len(unknown) > 1 else 'name'} "
                              f"{', '.join(map(repr, unknown))} in the loss weights "
                              f"(known: {', '.join(known)})")
        weights = value
    else:
        raise OptionError(f"loss weights must map loss names ({', '.join(known)}) to weights, "
                          f"not {shown(value)}")
    for name, weight in weights.items():
        in_range(f"the {name} loss weight", weight, 0.0)
    return LossWeights(**weights)


def memory_shortfall(config: TrainConfig, images: int, device: torch.device) -> str | None:
    """None if the run fits this machine; else why not, with the figures.

    The image cache holds `images` decoded images (resized to image_size squared, unless
    cropping: then each is kept at no more than its own size); a step holds the network's
    activations for one batch, in host memory or on the GPU.
    """
    size, batch = config.image_size, config.batch_size
    square = config.arch not in NOISE_NETWORKS and not config.random_crop
    cache = images * size * size * CACHE_BYTES_PER_PIXEL if square else 0
    per_pixel = NOISE_STEP_BYTES_PER_PIXEL if config.arch in NOISE_NETWORKS \
        else STEP_BYTES_PER_PIXEL
    step = batch * size * size * per_pixel
    parts = [f"a training step on {batch} image{'s' * (batch > 1)} of {size}x{size} px "
             f"takes {_gigabytes(step)}"]
    if cache:
        parts.insert(0, f"caching {images:,} images at {size}x{size} px takes "
                        f"{_gigabytes(cache)}")
    on_gpu = device.type == "cuda"
    host, gpu = machine_memory(), _gpu_memory(device) if on_gpu else None
    if on_gpu and gpu is not None and step > gpu:
        return (f"this run needs more memory than the GPU has: {parts[-1]}, and "
                f"{device} has {_gigabytes(gpu)}. Use a smaller image size or batch size.")
    needed = cache if on_gpu else cache + step
    if host is None or needed <= host:
        return None
    return (f"this run needs at least {_gigabytes(needed)} of memory, more than the "
            f"{_gigabytes(host)} this machine has ({' and '.join(parts)}). Use a smaller "
            "image size or batch size.")


def machine_memory() -> int | None:
    """Bytes of physical memory this process may use (the smaller of the machine's memory
    and a container's limit), or None where the system does not say."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows)
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def _gpu_memory(device: torch.device) -> int | None:
    try:
        return int(torch.cuda.get_device_properties(device).total_memory)
    except (RuntimeError, AssertionError, ValueError):
        return None


def _path(name: str, value: Any) -> None:
    if not isinstance(value, (str, os.PathLike)):
        raise OptionError(f"{name} must be a file or folder path, not {shown(value)}")


def _gigabytes(count: float) -> str:
    if count >= 2**40:
        return f"{count / 2**40:,.1f} TB"
    return f"{count / 2**30:,.1f} GB"
