"""What a training run reports, as frozen events (superqt/Orange style).

The CLI draws a progress bar from them and the app turns them into Qt signals; nothing in
the trainer prints. Loss terms travel by name, so the curve model (spatial, exposure, colour,
smoothness) and the noise model (l1, gradient) share one event type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class StartEvent:
    """Data loaded and model ready; `resumed_step` > 0 when continuing a run."""

    train_images: int
    val_images: int
    steps_per_epoch: int
    total_steps: int
    resumed_step: int
    device: str
    precision: str
    world_size: int
    term_names: tuple[str, ...] = ()  # the loss terms StepEvent will carry, "total" last


@dataclass(frozen=True)
class StepEvent:
    """One optimiser step; `terms` are unweighted by name, "total" is the weighted sum."""

    step: int
    total_steps: int
    epoch: int  # 1-based
    terms: Mapping[str, float]
    images_per_second: float
    eta_seconds: float

    @property
    def total(self) -> float:
        return self.terms["total"]


@dataclass(frozen=True)
class EpochEvent:
    epoch: int  # 1-based
    epochs: int
    train_loss: float
    val_loss: float | None
    is_best: bool


@dataclass(frozen=True)
class PreviewEvent:
    """A fixed validation image processed with the current weights (uint8 HxWx3)."""

    step: int
    epoch: int
    image: np.ndarray


@dataclass(frozen=True)
class CheckpointEvent:
    path: Path
    kind: str  # "last" (resumable) or "best"
    step: int
    epoch: int


@dataclass(frozen=True)
class CancelledEvent:
    """The run stopped on request; `checkpoint` resumes it (None on non-zero ranks)."""

    step: int
    epoch: int
    checkpoint: Path | None


@dataclass(frozen=True)
class DoneEvent:
    best_path: Path | None
    last_path: Path | None
    steps: int
    epochs: int
    seconds: float
    best_val_loss: float | None
    final_train_loss: float | None


TrainEvent = (StartEvent | StepEvent | EpochEvent | PreviewEvent | CheckpointEvent
              | CancelledEvent | DoneEvent)
