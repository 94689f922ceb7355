"""Memory one training step takes per pixel: the figures `zerodce_core.train_limits` uses.

Each measurement runs in its own process: build the task's network, make a random batch,
take two Adam steps (forward under the run's precision, losses, backward), and report the
growth of the peak RSS divided by the pixels in the batch (batch x size x size). The
cached training images are not part of it; they take 3 bytes per pixel.

    python benchmarks/train_memory.py [--sizes 256 512 768] [--batch 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

ONE_RUN = """
import resource, sys, torch
from zerodce_core.curve_task import CurveTask
from zerodce_core.noise_task import NoiseTask
from zerodce_core.trainer import TrainConfig
from zerodce_core.training_state import autocast_dtype
arch, size, batch, precision = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(1)
config = TrainConfig(data_dir="", out_dir="", arch=arch, image_size=size, batch_size=batch,
                     precision=precision)
task = NoiseTask(config) if arch == "noisenet" else CurveTask(config)
model = task.build().to(memory_format=torch.channels_last)
optimizer = torch.optim.Adam(model.parameters())
dtype = autocast_dtype(torch.device("cpu"), precision)
def autocast():
    return torch.autocast("cpu", dtype=dtype or torch.float32, enabled=dtype is not None)
if arch == "noisenet":
    half = size // 2
    data = (torch.rand(batch, 3, size, size), torch.rand(batch, 3, size, size),
            torch.rand(batch, 3, half, half))
else:
    images = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    data = (images, torch.full((batch,), 0.6))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(2):
    loss = task.losses(model, model, data, autocast)[-1]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((peak - before) * 1024 / (batch * size * size))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 768])
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--archs", nargs="+",
                        default=["zerodce", "zerodce-exposure", "zerodce++", "noisenet"])
    args = parser.parse_args()
    print("| network | precision | " + " | ".join(f"{s} px" for s in args.sizes) + " |")
    print("|---|---|" + "---|" * len(args.sizes))
    for arch in args.archs:
        for precision in ("fp32", "bf16"):
            figures = []
            for size in args.sizes:
                done = subprocess.run([sys.executable, "-c", ONE_RUN, arch, str(size),
                                       str(args.batch), precision],
                                      capture_output=True, text=True, check=True)
                figures.append(f"{float(done.stdout.split()[-1]):,.0f} B")
            print(f"| {arch} | {precision} | " + " | ".join(figures) + " |")


if __name__ == "__main__":
    main()
