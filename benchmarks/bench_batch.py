"""A folder of 12 MP photos: the pipelined batch against pure compute, serial and the I/O floor.

    python benchmarks/bench_batch.py [--photos 8] [--size 4000x3000] [--mode fast]

Each way of running the folder is its own process (peak RSS is that process's):
- I/O floor: decode and encode every photo, nothing else (our imageio, JPEG quality 95);
- compute only: estimate + develop (curves and noise reduction) on photos decoded beforehand;
- serial: `enhance_photo` one after another (read, compute, write);
- pipelined: `run_batch`, as `zerodce enhance FOLDER` runs it.
The target (issue 13): pipelined at most 1.15x compute only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from photos import night_photo, peak_rss_mb

WAYS = ("io", "compute", "serial", "pipelined")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's zerodce_core, not an installed one


def make_folder(folder: Path, count: int, height: int, width: int) -> None:
    """Dark, noisy JPEGs made from real low-light photos (`photos.night_photo`)."""
    from PIL import Image

    for index in range(count):
        Image.fromarray(night_photo(height, width, seed=index)).save(
            folder / f"night{index:02d}.jpg", quality=92)


def run_way(way: str, folder: Path, mode: str) -> dict:
    from zerodce_core.runtime import configure_runtime

    configure_runtime()
    from zerodce_core.batch import BatchOptions, plan_batch, run_batch
    from zerodce_core.engine import Engine
    from zerodce_core.imageio import read_image, write_image
    from zerodce_core.pipeline import Look, develop, enhance_photo, estimate

    photos = sorted(folder.glob("*.jpg"))
    out = Path(tempfile.mkdtemp())
    engine = None
    if way != "io":
        engine = Engine(device="cpu", mode=mode)
        warm = read_image(photos[0]).pixels[:600, :800]  # kernel cache, oneDNN primitives
        develop(engine, engine.estimate(warm), Look())
    if way == "compute":
        decoded = [read_image(p).pixels for p in photos]
    started = time.perf_counter()
    if way == "io":
        for path in photos:
            write_image(out / path.name, read_image(path).pixels, format="jpeg", quality=95)
    elif way == "compute":
        for pixels in decoded:
            develop(engine, estimate(engine, pixels, Look(), mode=mode), Look())
    elif way == "serial":
        for path in photos:
            enhance_photo(engine, path, out / path.name, mode=mode)
    else:
        options = BatchOptions(out_dir=out, mode=mode)
        for _ in run_batch(engine, plan_batch([folder], options), options):
            pass
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "photos": len(photos),
            "precision": engine.precision if engine else ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--size", default="4000x3000")
    parser.add_argument("--mode", default="fast", choices=("fast", "full"))
    parser.add_argument("--rounds", type=int, default=1, help="alternate the ways this often")
    parser.add_argument("--one", nargs=2, metavar=("WAY", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = run_way(args.one[0], Path(args.one[1]), args.mode)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    width, height = map(int, args.size.split("x"))
    folder = Path(tempfile.mkdtemp())
    make_folder(folder, args.photos, height, width)
    print(f"{args.photos} photos of {args.size}, {args.mode} mode; load average "
          f"{os.getloadavg()[0]:.1f}")
    results: dict[str, list[dict]] = {way: [] for way in WAYS}
    for _ in range(args.rounds):
        for way in WAYS:
            done = subprocess.run([sys.executable, __file__, "--one", way, str(folder),
                                   "--mode", args.mode], capture_output=True, text=True,
                                  check=True)
            results[way].append(json.loads(done.stdout.strip().splitlines()[-1]))
    compute = min(r["seconds"] for r in results["compute"])
    print("| way | seconds | photos/s | s per photo | vs compute only | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for way in WAYS:
        best = min(results[way], key=lambda r: r["seconds"])
        per = best["seconds"] / best["photos"]
        print(f"| {way} | {best['seconds']:.2f} | {1 / per:.2f} | {per:.3f} | "
              f"{best['seconds'] / compute:.2f}x | {best['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
