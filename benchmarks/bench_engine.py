"""Engine speed and memory: fast, full, render, and the official flow side by side.

Every measurement runs in its own process so peak RSS is that of one job.
Usage: python benchmarks/bench_engine.py [--model PATH] [--peers DIR] [--skip-official-12mp]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SIZES = {"1200x900": (900, 1200), "4000x3000": (3000, 4000)}
JOBS = ("fast", "full", "render", "preview-render", "official")


def synthetic_photo(height: int, width: int):
    """A dark, detailed photo: scikit-image's CC0 astronaut, resized and underexposed."""
    import numpy as np
    from PIL import Image
    from skimage import data

    img = Image.fromarray(data.astronaut()).resize((width, height), Image.Resampling.BICUBIC)
    return ((np.asarray(img, np.float32) / 255) ** 2.2 * 80).astype(np.uint8)


def run_job(job: str, size: str, model: str | None, repeats: int) -> dict:
    from zerodce_core.runtime import configure_runtime

    configure_runtime()  # as the CLI and the app do, before torch loads
    import numpy as np
    import torch

    height, width = SIZES[size]
    image = synthetic_photo(height, width)
    if job == "official":
        return _official(image, model, repeats)
    from zerodce_core.engine import Engine

    engine = Engine(model, device="cpu", mode="full" if job == "full" else "fast")
    # Warm up (kernel cache, oneDNN primitives) without keeping a second set of maps alive,
    # so peak RSS is that of one photo in flight.
    engine.render(engine.estimate(image[:600, :800]), 7.0)
    maps = engine.estimate(image) if job in ("render", "preview-render") else None
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        if job in ("fast", "full"):
            engine.render(engine.estimate(image), None)
        elif job == "render":
            engine.render(maps, 4.0 + 0.37 * i)
        else:
            preview = maps.preview(1600)
            started = time.perf_counter()
            engine.render(preview, 4.0 + 0.37 * i)
        times.append(time.perf_counter() - started)
    if maps is None:
        maps = engine.estimate(image)
    return {"seconds": min(times), "threads": torch.get_num_threads(),
            "dtype": str(engine.dtype), "mean_out": float(np.mean(engine.render(maps)))}


def _official(image, model: str | None, repeats: int) -> dict:
    """The official test flow: fp32, NCHW, whole image at once, maps then 8 curve steps."""
    import torch

    from zerodce_core.bundled import default_model_path
    from zerodce_core.checkpoint import load_checkpoint
    from zerodce_core.curves import apply_curves

    torch.set_flush_denormal(True)  # without it the official weights run ~30x slower
    net = load_checkpoint(model or default_model_path()).model
    x = torch.from_numpy(image).float().div(255).permute(2, 0, 1)[None].contiguous()
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            started = time.perf_counter()
            out = apply_curves(x, net(x), net.iterations)
            (out[0].permute(1, 2, 0) * 255).clamp(0, 255).byte().numpy()
            times.append(time.perf_counter() - started)
    return {"seconds": min(times), "threads": torch.get_num_threads(), "dtype": "torch.float32"}


def measure(job: str, size: str, model: str | None, repeats: int) -> dict:
    cmd = [sys.executable, __file__, "--one", job, size, "--repeats", str(repeats)]
    if model:
        cmd += ["--model", model]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="checkpoint (default: the bundled model)")
    parser.add_argument("--peers", type=Path, help="folder of peer checkpoints to time too")
    parser.add_argument("--skip-official-12mp", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("JOB", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = run_job(args.one[0], args.one[1], args.model, args.repeats)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    print("| job | size | seconds | peak RSS (MB) | network dtype |")
    print("|---|---|---|---|---|")
    for size in SIZES:
        for job in JOBS:
            if job == "official" and size == "4000x3000" and args.skip_official_12mp:
                continue
            repeats = 1 if job == "official" and size == "4000x3000" else args.repeats
            r = measure(job, size, args.model, repeats)
            row = [job, size, f"{r['seconds']:.3f}", f"{r['peak_rss_mb']:.0f}", r["dtype"]]
            print("| " + " | ".join(row) + " |", flush=True)
    if args.peers:
        print("\n| peer checkpoint (our engine) | fast 12 MP s | full 1200x900 s | mean output |")
        print("|---|---|---|---|")
        for path in sorted(args.peers.glob("*.pth")):
            fast = measure("fast", "4000x3000", str(path), args.repeats)
            full = measure("full", "1200x900", str(path), args.repeats)
            print(f"| {path.name} | {fast['seconds']:.3f} | {full['seconds']:.3f} | "
                  f"{fast['mean_out']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
