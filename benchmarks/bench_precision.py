"""Reduced precision against fp32 on real photos: PSNR of int8 and bf16 outputs, and speed.

    python benchmarks/bench_precision.py [--data ../shared/datasets/DICM] [--model PATH]

For every photo: the curves alone (fast and full mode) and the whole default path (curves,
then the learned noise reduction), each in int8 and bf16 against fp32. The project allows
reduced precision where the output stays at least 35 dB PSNR from fp32 on real photos.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's zerodce_core, not an installed one


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/datasets/DICM")
    parser.add_argument("--model", help="checkpoint (default: the bundled model)")
    parser.add_argument("--limit", type=int, default=0, help="first N photos only")
    args = parser.parse_args()
    from zerodce_core.runtime import configure_runtime

    configure_runtime()
    from zerodce_core.engine import Engine
    from zerodce_core.imageio import read_image
    from zerodce_core.pipeline import Look, develop

    engines = {p: Engine(args.model, device="cpu", precision=p) for p in ("fp32", "int8", "bf16")}
    photos = sorted(p for p in args.data.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    photos = photos[: args.limit or None]
    scores: dict[tuple[str, str], list[float]] = {}
    seconds: dict[tuple[str, str], list[float]] = {}
    for path in photos:
        pixels = read_image(path).pixels
        outputs: dict[tuple[str, str], np.ndarray] = {}
        for precision, engine in engines.items():
            for mode in ("fast", "full"):
                started = time.perf_counter()
                maps = engine.estimate(pixels, mode=mode)
                seconds.setdefault((precision, mode), []).append(
                    time.perf_counter() - started)
                outputs[precision, mode] = engine.render(maps)
                if mode == "fast":
                    outputs[precision, "default path"] = develop(engine, maps, Look())
        for precision in ("int8", "bf16"):
            for what in ("fast", "full", "default path"):
                scores.setdefault((precision, what), []).append(
                    psnr(outputs[precision, what], outputs["fp32", what]))
    print(f"{len(photos)} photos from {args.data}")
    print("| precision | output | PSNR vs fp32: min (photo) | median | identical to fp32 |")
    print("|---|---|---|---|---|")
    for (precision, what), values in scores.items():
        same = sum(v == float("inf") for v in values)
        worst = photos[values.index(min(values))].name
        print(f"| {precision} | {what} | {min(values):.1f} dB ({worst}) | "
              f"{statistics.median(values):.1f} dB | {same} photos |")
    print("\n| precision | mode | estimate median s |")
    print("|---|---|---|")
    for (precision, mode), values in seconds.items():
        print(f"| {precision} | {mode} | {statistics.median(values):.4f} |")


if __name__ == "__main__":
    main()
