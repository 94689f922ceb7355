"""Shared fixtures: small models and images made on the spot (tests never need ../shared)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.model import DCENet, DCENetPP

PEER_WEIGHTS = Path(__file__).resolve().parents[1].parent / "shared" / "peer_weights"


def brightening_model(arch: str = "zerodce", seed: int = 0) -> torch.nn.Module:
    """A random net whose output bias makes every curve map negative, i.e. brightening."""
    torch.manual_seed(seed)
    model = DCENet() if arch == "zerodce" else DCENetPP()
    last = model.e_conv7 if arch == "zerodce" else model.e_conv7.point_conv
    with torch.no_grad():
        last.weight.mul_(0.3)
        last.bias.fill_(-0.8)
    return model.eval()


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    return save_checkpoint(tmp_path / "tiny.safetensors", brightening_model(),
                           model_card="A test model.")


@pytest.fixture
def dark_image() -> np.ndarray:
    rng = np.random.default_rng(0)
    base = np.linspace(2, 60, 96, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 3, (64, 96, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)
