"""Training throughput: our trainer against a loop shaped like the official training code.

Both train DCE-Net on 8 images of 256x256 per step. The official-style loop
mirrors `lowlight_train.py` + `Myloss.py`: NCHW fp32, subnormals not flushed,
the losses as conv2d/AvgPool2d/pow modules, Adam + grad-norm clipping; data
loading is left out (a random batch), which favours the official loop. Ours is
the real `Trainer` on synthetic images (decoded once and cached, as in real
runs), timed from its step events. The machine is shared: the load average is
printed with the figures.

    python benchmarks/bench_training.py [--steps 10] [--size 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from zerodce_core.curves import apply_curves
from zerodce_core.model import build_model
from zerodce_core.trainer import StepEvent, TrainConfig, Trainer, init_weights

BATCH = 8
WARMUP_STEPS = 3


class OfficialStyleLoss(nn.Module):
    """The official loss code's operations: fixed difference kernels, pooling modules, pow."""

    def __init__(self) -> None:
        super().__init__()
        kernels = [[[0, 0, 0], [-1, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, -1], [0, 0, 0]],
                   [[0, -1, 0], [0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, 0], [0, -1, 0]]]
        self.kernels = [torch.tensor(k, dtype=torch.float32)[None, None] for k in kernels]
        self.pool4 = nn.AvgPool2d(4)
        self.pool16 = nn.AvgPool2d(16)

    def forward(self, original: torch.Tensor, enhanced: torch.Tensor,
                maps: torch.Tensor) -> torch.Tensor:
        org = self.pool4(torch.mean(original, 1, keepdim=True))
        enh = self.pool4(torch.mean(enhanced, 1, keepdim=True))
        spatial = sum(torch.pow(F.conv2d(org, k, padding=1) - F.conv2d(enh, k, padding=1), 2)
                      for k in self.kernels).mean()
        exposure = torch.mean(torch.pow(self.pool16(torch.mean(enhanced, 1, keepdim=True))
                                        - torch.FloatTensor([0.6]), 2))
        mr, mg, mb = torch.split(torch.mean(enhanced, [2, 3], keepdim=True), 1, dim=1)
        color = torch.pow(torch.pow(torch.pow(mr - mg, 2), 2) + torch.pow(torch.pow(mr - mb, 2), 2)
                          + torch.pow(torch.pow(mb - mg, 2), 2), 0.5).mean()
        n, _, h, w = maps.shape
        tv = 2 * (torch.pow(maps[:, :, 1:, :] - maps[:, :, :h - 1, :], 2).sum() / ((h - 1) * w)
                  + torch.pow(maps[:, :, :, 1:] - maps[:, :, :, :w - 1], 2).sum() / (h * (w - 1))
                  ) / n
        return 200 * tv + spatial + 5 * color + 10 * exposure


def official_style(size: int, steps: int) -> float:
    """Images/s of the official-shaped loop (median step time after warm-up)."""
    torch.set_flush_denormal(False)
    torch.manual_seed(0)
    model = build_model("zerodce")
    init_weights(model)
    loss_fn = OfficialStyleLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-4)
    batch = torch.rand(BATCH, 3, size, size) * 0.4
    times = []
    for _ in range(steps + WARMUP_STEPS):
        tick = time.perf_counter()
        maps = model(batch)
        loss = loss_fn(batch, apply_curves(batch, maps, model.iterations), maps)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        times.append(time.perf_counter() - tick)
    return BATCH / statistics.median(times[WARMUP_STEPS:])


def ours(size: int, steps: int, threads: int, compile_losses: bool) -> tuple[float, str]:
    """Images/s of `Trainer` (median interval between step events after warm-up)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "images"
        data.mkdir()
        rng = np.random.default_rng(0)
        for i in range(BATCH * (steps + WARMUP_STEPS)):
            pixels = (rng.random((size, size, 3)) * 100).astype(np.uint8)
            Image.fromarray(pixels).save(data / f"{i:03d}.png")
        config = TrainConfig(data_dir=data, out_dir=Path(tmp) / "out", epochs=1, image_size=size,
                             batch_size=BATCH, val_fraction=0.0, preview_every=0,
                             threads=threads, compile=compile_losses)
        stamps, precision = [], ""
        for event in Trainer(config).run():
            precision = getattr(event, "precision", precision)
            if isinstance(event, StepEvent):
                stamps.append(time.perf_counter())
    intervals = np.diff(stamps)[WARMUP_STEPS - 1:]
    return BATCH / float(np.median(intervals)), precision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="timed steps per variant")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"batch {BATCH}, {args.size}x{args.size}, {args.threads} threads, torch "
          f"{torch.__version__}; load average before: {os.getloadavg()[0]:.2f}")
    baseline = official_style(args.size, args.steps)
    print(f"official-style loop (NCHW fp32, no flush): {baseline:6.2f} images/s")
    for compile_losses in (False, True):
        speed, precision = ours(args.size, args.steps, args.threads, compile_losses)
        label = f"ours ({precision}, channels_last{', compiled losses' if compile_losses else ''})"
        print(f"{label:43s} {speed:6.2f} images/s  ({speed / baseline:.1f}x)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
