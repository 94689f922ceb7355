"""The parts of a training run's state that are not about any one model.

Where the process sits in a torchrun job, which precision the network runs in, and how Adam's
state goes into and out of a safetensors checkpoint (tensors only: no pickle).
"""

from __future__ import annotations

import collections
import math
import os
from dataclasses import dataclass

import torch

from .device import fast_dtype


@dataclass(frozen=True)
class DistributedContext:
    """This process's place in a torchrun job (world_size 1 when run alone)."""

    world_size: int = 1
    rank: int = 0
    local_rank: int = 0

    @classmethod
    def from_env(cls) -> DistributedContext:
        env = os.environ
        return cls(int(env.get("WORLD_SIZE", 1)), int(env.get("RANK", 0)),
                   int(env.get("LOCAL_RANK", 0)))

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """The network's autocast dtype, or None for plain fp32.

    "auto" uses bf16 only where the hardware runs it natively; fp16 (older GPUs,
    MPS) is left out because it needs loss scaling to train safely.
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    return torch.bfloat16 if fast_dtype(device) == torch.bfloat16 else None


@dataclass
class Progress:
    """Where the run is; saved in resumable checkpoints."""

    step: int = 0
    best_loss: float = math.inf
    epoch_loss_sum: float = 0.0


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    tensors = {}
    for index, state in optimizer.state_dict()["state"].items():
        for name, value in state.items():
            tensors[f"optim.{index}.{name}"] = torch.as_tensor(value)
    return tensors


def restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor]) -> None:
    state: dict[int, dict[str, torch.Tensor]] = collections.defaultdict(dict)
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            state[int(index)][name] = value
    current = optimizer.state_dict()
    optimizer.load_state_dict({"state": dict(state), "param_groups": current["param_groups"]})
