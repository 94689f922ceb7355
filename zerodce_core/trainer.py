"""Zero-DCE training, written as a generator of typed progress events.

`Trainer(config).run()` yields events (superqt/Orange style): the CLI draws a
progress bar from them, the Qt app turns them into signals, and `cancel()`
(thread-safe) stops the loop at the next step boundary with a resumable
checkpoint. Nothing here prints.

Reproducibility: data order and augmentation are pure functions of
(seed, epoch, index) (see `data`), and a resumable checkpoint holds the
weights, Adam's state, the position in the epoch and the torch RNG state, so
a resumed run ends with the same weights as an uninterrupted one (CPU, fp32).

Speed: channels_last everywhere, the network under bf16 autocast where the
hardware has it (AVX-512 BF16/AMX CPUs, bf16-capable GPUs), curves and losses
in fp32, subnormals flushed on CPU.

Scale-out: under `torchrun` (WORLD_SIZE/RANK/LOCAL_RANK set) the same loop
runs data-parallel with DistributedDataParallel (NCCL on GPU, gloo on CPU);
each rank takes its slice of every global batch, and only rank 0 validates,
writes checkpoints and reports progress (other ranks yield only the final
DoneEvent or CancelledEvent).
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from .checkpoint import load_checkpoint, save_checkpoint
from .curve_task import CurveTask
from .data import DatasetError, epoch_order, exclude_listed, find_images, split_by_scene
from .device import configure_cpu, select_device
from .errors import ZeroDCEError
from .losses import DEFAULT_EXPOSURE_LEVEL, LossWeights
from .model import DEFAULT_ITERATIONS, NETWORKS, NOISE_NETWORKS
from .noise_task import NoiseTask
from .output import ensure_folder
from .run_record import shareable_config
from .train_limits import check_settings, memory_shortfall
from .training_events import (
    CancelledEvent,
    CheckpointEvent,
    DoneEvent,
    EpochEvent,
    PreviewEvent,
    StartEvent,
    StepEvent,
    TrainEvent,
)
from .training_state import (
    DistributedContext,
    Progress,
    autocast_dtype,
    optimizer_tensors,
    restore_optimizer,
)
from .validate import OptionError

__all__ = [
    "CancelledEvent", "CheckpointEvent", "DoneEvent", "EpochEvent", "PreviewEvent",
    "StartEvent", "StepEvent", "TrainConfig", "TrainEvent", "Trainer", "TrainingDiverged",
    "TrainingError",
]

PRECISIONS = ("auto", "fp32", "bf16")
BEST_NAME = "best.safetensors"
LAST_NAME = "last.safetensors"
#: Steps averaged for the images/s and ETA figures.
SPEED_WINDOW = 20


class TrainingError(ZeroDCEError):
    """Training cannot start or continue (bad configuration, unusable checkpoint)."""


class TrainingDiverged(TrainingError):
    """The loss or the gradients became NaN/Inf; checkpoints on disk are from before."""


@dataclass
class TrainConfig:
    """Everything a run depends on; stored in every checkpoint, paths as names (`to_dict`)."""

    data_dir: str | Path
    out_dir: str | Path
    arch: str = "zerodce"
    iterations: int = DEFAULT_ITERATIONS
    epochs: int = 100
    image_size: int = 256
    #: False: resize whole images to image_size (official); True: random image_size crops
    #: of images whose short side is scaled to 2 * image_size.
    random_crop: bool = False
    batch_size: int = 8
    lr: float = 1e-4
    weight_decay: float = 1e-4
    grad_clip: float = 0.1
    exposure_level: float = DEFAULT_EXPOSURE_LEVEL
    #: Exposure-conditioned networks: each training image gets a target level drawn from
    #: this range (a quarter of them their own mean level instead, so that "leave a
    #: well-exposed photo alone" is learned too); None trains every image for exposure_level.
    exposure_range: tuple[float, float] | None = None
    #: Share of the exposure loss on 16x16 patches (the paper: 1); the rest is on the image mean.
    exposure_patch_share: float = 1.0
    #: Curve models: "model" trains a curve per channel (the paper's), "keep" one curve for
    #: a pixel's three channels, as the engine renders by default (`defaults.Colour`).
    colour: str = "model"
    #: A text file of image file names (one per line, '#' comments) never to train on.
    exclude: str | Path | None = None
    loss_weights: LossWeights = field(default_factory=LossWeights)
    seed: int = 0
    val_fraction: float = 0.05
    #: Emit a PreviewEvent every N steps; 0 disables previews.
    preview_every: int = 100
    init_checkpoint: str | Path | None = None
    resume_checkpoint: str | Path | None = None
    threads: int | None = None
    device: str = "auto"
    precision: str = "auto"
    #: torch.compile the curves and losses (elementwise work eager mode does slowly):
    #: about 1.5x faster steps on CPU for 20-30 s of compilation at start-up.
    compile: bool = False
    commands: list[str] = field(default_factory=list)  # each session's, paths as names

    def __post_init__(self) -> None:
        try:  # types and ranges first, each message naming what is allowed
            check_settings(self)
        except OptionError as exc:
            raise TrainingError(str(exc)) from None
        if self.arch not in NETWORKS:
            raise TrainingError(f"unknown architecture {self.arch!r} "
                                f"(known: {', '.join(sorted(NETWORKS))})")
        if self.precision not in PRECISIONS:
            raise TrainingError(f"precision must be one of {', '.join(PRECISIONS)}, "
                                f"got {self.precision!r}")

    def to_dict(self) -> dict[str, Any]:
        """What checkpoints store: JSON-ready, loss weights as a nested dict, and every path
        reduced to its name (`/home/ann/SICE/` -> `SICE`): checkpoints are shared, so they
        never hold an absolute path or a user name."""
        return shareable_config(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Inverse of `to_dict`; unknown keys (from other versions) are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# ----------------------------------------------------------------------------- trainer


class Trainer:
    """One training run. Iterate `run()`; call `cancel()` from any thread to stop it."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.dist = DistributedContext.from_env()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    # -- public loop ---------------------------------------------------------

    def run(self) -> Iterator[TrainEvent]:
        """Train, yielding events; raises TrainingError/DatasetError/TrainingDiverged."""
        own_group = self.dist.world_size > 1 and not dist.is_initialized()
        try:
            self._setup()
            if own_group:
                dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
            yield from self._loop()
        finally:
            if own_group and dist.is_initialized():
                dist.destroy_process_group()

    # -- setup ---------------------------------------------------------------

    def _setup(self) -> None:
        cfg = self.config
        device = cfg.device
        if self.dist.world_size > 1 and device in ("auto", "cuda") and torch.cuda.is_available():
            device = f"cuda:{self.dist.local_rank}"  # one GPU per process
        self.device = select_device(device)
        if self.device.type == "cpu":
            configure_cpu(cfg.threads)
        self.dtype = autocast_dtype(self.device, cfg.precision)
        self.task = NoiseTask(cfg) if cfg.arch in NOISE_NETWORKS else CurveTask(cfg)
        self.out_dir = Path(cfg.out_dir)
        if self.dist.is_main:
            ensure_folder(self.out_dir)  # a clear error if --out names a file

        records = find_images(cfg.data_dir)
        if cfg.exclude:
            records = exclude_listed(records, Path(cfg.exclude))
        shortfall = memory_shortfall(cfg, len(records), self.device)  # before decoding any
        if shortfall:
            raise TrainingError(shortfall)
        train_records, val_records = split_by_scene(records, cfg.val_fraction, cfg.seed)
        workers = cfg.threads or torch.get_num_threads()
        self.train_images = self.task.load(train_records, workers)
        self.val_images = self.task.load(val_records, workers)
        global_batch = cfg.batch_size * self.dist.world_size
        self.steps_per_epoch = len(self.train_images) // global_batch
        if self.steps_per_epoch == 0:
            raise DatasetError(
                f"{cfg.data_dir}: {len(self.train_images)} readable training images of "
                f"{len(records)} found, fewer than one batch of {global_batch}"
            )
        self.total_steps = self.steps_per_epoch * cfg.epochs

        torch.manual_seed(cfg.seed)
        self.progress = Progress()
        resume_tensors: dict[str, torch.Tensor] = {}
        if cfg.resume_checkpoint:
            model, resume_tensors = self._load_resume(Path(cfg.resume_checkpoint))
        elif cfg.init_checkpoint:
            model = self._load_init(Path(cfg.init_checkpoint))
        else:
            model = self.task.build()
        self.model: nn.Module = model.to(self.device, memory_format=torch.channels_last)
        self.optimizer = self.task.optimizer(self.model.parameters(), lr=cfg.lr,
                                             weight_decay=cfg.weight_decay)
        if resume_tensors:
            restore_optimizer(self.optimizer, resume_tensors)
            if "rng.torch" in resume_tensors:
                torch.set_rng_state(resume_tensors["rng.torch"])

    def _load_init(self, path: Path) -> nn.Module:
        model = load_checkpoint(path).model
        adapted = self.task.adapt(model)
        if adapted is None:
            raise TrainingError(
                f"{path}: holds {model.arch} with {model.iterations} iterations, but the run is "
                f"configured for {self.config.arch} with {self.config.iterations}"
            )
        return adapted

    def _load_resume(self, path: Path) -> tuple[nn.Module, dict[str, torch.Tensor]]:
        loaded = load_checkpoint(path)
        resume = loaded.info.metadata.get("resume")
        if not resume or not loaded.extra_tensors:
            raise TrainingError(f"{path}: not a resumable checkpoint (no optimizer state); "
                                "use it with --init to fine-tune instead")
        if resume["steps_per_epoch"] != self.steps_per_epoch:
            raise TrainingError(
                f"{path}: saved with {resume['steps_per_epoch']} steps per epoch, this run has "
                f"{self.steps_per_epoch}; resume with the same data, batch size and world size"
            )
        model = self._load_init(path)
        self.progress = Progress(resume["step"], float(resume["best_loss"]),
                                 float(resume["epoch_loss_sum"]))
        return model, loaded.extra_tensors

    # -- loop ----------------------------------------------------------------

    def _loop(self) -> Iterator[TrainEvent]:
        cfg, progress, main = self.config, self.progress, self.dist.is_main
        network: nn.Module = self.model
        if self.dist.world_size > 1:
            network = nn.parallel.DistributedDataParallel(
                self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None
            )
        started = time.perf_counter()
        step_times: collections.deque[float] = collections.deque(maxlen=SPEED_WINDOW)
        last_train_loss: float | None = None
        if main:
            yield StartEvent(len(self.train_images), len(self.val_images), self.steps_per_epoch,
                             self.total_steps, progress.step, str(self.device),
                             "bf16" if self.dtype else "fp32", self.dist.world_size,
                             self.task.term_names)

        while progress.step < self.total_steps:
            epoch, position = divmod(progress.step, self.steps_per_epoch)
            order = epoch_order(len(self.train_images), cfg.seed, epoch)
            for index in range(position, self.steps_per_epoch):
                if self._cancel_requested():
                    yield from self._cancelled(epoch)
                    return
                tick = time.perf_counter()
                terms = self.train_step(network, self._batch(order, index, epoch))
                step_times.append(time.perf_counter() - tick)
                progress.step += 1
                progress.epoch_loss_sum += terms["total"]
                if not main:
                    continue
                seconds_per_step = sum(step_times) / len(step_times)
                yield StepEvent(
                    progress.step, self.total_steps, epoch + 1, terms,
                    images_per_second=cfg.batch_size * self.dist.world_size / seconds_per_step,
                    eta_seconds=(self.total_steps - progress.step) * seconds_per_step,
                )
                if cfg.preview_every and progress.step % cfg.preview_every == 0:
                    yield PreviewEvent(progress.step, epoch + 1, self.preview())
            last_train_loss = progress.epoch_loss_sum / self.steps_per_epoch
            progress.epoch_loss_sum = 0.0
            if main:
                yield from self._end_epoch(epoch, last_train_loss)

        yield DoneEvent(
            self.out_dir / BEST_NAME, self.out_dir / LAST_NAME, progress.step, cfg.epochs,
            time.perf_counter() - started,
            None if math.isinf(progress.best_loss) else progress.best_loss, last_train_loss,
        )

    def _batch(self, order: np.ndarray, index: int, epoch: int) -> tuple[torch.Tensor, ...]:
        """This rank's slice of global batch `index` of the epoch."""
        size = self.config.batch_size
        start = (index * self.dist.world_size + self.dist.rank) * size
        return self.task.batch(self.train_images, order[start : start + size], epoch, index,
                               self.device)

    def _autocast(self) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=self.dtype or torch.float32,
                              enabled=self.dtype is not None)

    def train_step(self, network: nn.Module, batch: tuple[torch.Tensor, ...]) -> dict[str, float]:
        """One Adam step on a task batch; returns the rank-averaged loss terms by name."""
        terms = self.task.losses(self.model, network, batch, self._autocast)
        values = terms.detach().clone()
        if self.dist.world_size > 1:
            dist.all_reduce(values)
            values /= self.dist.world_size
        if not torch.isfinite(values).all():
            raise TrainingDiverged(
                f"loss became non-finite at step {self.progress.step + 1} ({values.tolist()}); "
                "stopped before updating the weights; checkpoints on disk are from before. "
                "Try a lower learning rate or check the training images."
            )
        self.optimizer.zero_grad(set_to_none=True)
        terms[-1].backward()
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        if not torch.isfinite(norm):
            raise TrainingDiverged(f"gradients became non-finite at step {self.progress.step + 1};"
                                   " stopped before updating the weights")
        self.optimizer.step()
        return dict(zip(self.task.term_names, values.tolist()))

    def _cancel_requested(self) -> bool:
        flag = self._cancel.is_set()
        if self.dist.world_size > 1:  # every rank must stop at the same step
            shared = torch.tensor([float(flag)], device=self.device)
            dist.all_reduce(shared, op=dist.ReduceOp.MAX)
            flag = bool(shared.item())
        return flag

    def _cancelled(self, epoch: int) -> Iterator[TrainEvent]:
        path = None
        if self.dist.is_main:
            path = self._save_last()
            yield CheckpointEvent(path, "last", self.progress.step, epoch + 1)
        yield CancelledEvent(self.progress.step, epoch + 1, path)

    def _end_epoch(self, epoch: int, train_loss: float) -> Iterator[TrainEvent]:
        val_loss = self.validate() if len(self.val_images) else None
        criterion = train_loss if val_loss is None else val_loss
        is_best = criterion < self.progress.best_loss
        if is_best:
            self.progress.best_loss = criterion
        yield EpochEvent(epoch + 1, self.config.epochs, train_loss, val_loss, is_best)
        if is_best:
            path = self._save(self.out_dir / BEST_NAME, {"val_loss": val_loss,
                                                        "train_loss": train_loss})
            yield CheckpointEvent(path, "best", self.progress.step, epoch + 1)
        yield CheckpointEvent(self._save_last(), "last", self.progress.step, epoch + 1)

    # -- evaluation ------------------------------------------------------------

    @torch.no_grad()
    def validate(self) -> float:
        """Mean total loss over the validation images (unaugmented, fixed draws)."""
        total, count = 0.0, 0
        for batch, size in self.task.validation(self.val_images, self.device):
            loss = self.task.losses(self.model, self.model, batch, self._autocast, False)
            total += float(loss[-1]) * size
            count += size
        return total / count

    @torch.no_grad()
    def preview(self) -> np.ndarray:
        """The first validation image (or training image) processed with the current weights."""
        cache = self.val_images if len(self.val_images) else self.train_images
        return self.task.preview(self.model, cache, self.device, self._autocast)

    # -- checkpoints -----------------------------------------------------------

    def _save(self, path: Path, metadata: dict[str, Any],
              extra: dict[str, torch.Tensor] | None = None) -> Path:
        epoch = self.progress.step // self.steps_per_epoch
        return save_checkpoint(
            path, self.model, training_config=self.config.to_dict(),
            metadata={"step": self.progress.step, "planned_steps": self.total_steps,
                      "epoch": epoch, **metadata},
            extra_tensors=extra,
        )

    def _save_last(self) -> Path:
        """A resumable checkpoint: weights, Adam state, position and RNG state."""
        progress = self.progress
        resume = {"step": progress.step, "steps_per_epoch": self.steps_per_epoch,
                  "best_loss": progress.best_loss, "epoch_loss_sum": progress.epoch_loss_sum}
        extra = {**optimizer_tensors(self.optimizer), "rng.torch": torch.get_rng_state()}
        return self._save(self.out_dir / LAST_NAME, {"resume": resume}, extra)
