"""Noise reduction: speed at 12 MP, and what it does to noisy and to clean dark photos.

1. Timing: fast-mode enhance and denoise on a 4000x3000 photo (best and median of N).
2. Synthetic: scikit-image's CC0 photos darkened (linear light) with Poisson + Gaussian noise;
   PSNR/SSIM of enhance(noisy) [+ denoise] against enhance(clean dark), and for the clean
   input, of enhance(clean) + denoise against enhance(clean) (does it smear clean detail?).
3. DICM (real low-light photos, no ground truth; research-only data, measurements only):
   the output's noise (Immerkaer's estimate, the one denoise uses on its input) before and
   after, and the mean change in areas the curves did not lift.
Timings share the CPU with whatever else runs: repeat on a quiet machine.

Usage: python benchmarks/bench_denoise.py [--model PATH] [--dicm DIR] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from bench_video import PEER_MODEL, SHARED, noisy
from PIL import Image
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from zerodce_core.denoise import denoise, gain_weight, noise_sigma
from zerodce_core.engine import Engine
from zerodce_core.imageio import read_image

PHOTOS = {"astronaut": data.astronaut, "chelsea": data.chelsea, "coffee": data.coffee,
          "rocket": data.rocket, "motorcycle": lambda: data.stereo_motorcycle()[0]}
STRENGTHS = (0.0, 0.5, 1.0)
NOISE = {"moderate": (2.0, 2.0), "heavy": (0.5, 3.0)}  # (photons per level, read noise)


def darken(photo: np.ndarray, level: float = 40.0) -> np.ndarray:
    return (photo.astype(np.float32) / 255) ** 2.2 * level


def timing(engine: Engine, repeats: int) -> None:
    photo = Image.fromarray(data.astronaut()).resize((4000, 3000), Image.Resampling.BICUBIC)
    image = noisy(darken(np.asarray(photo)), np.random.default_rng(0))
    enhanced = engine.enhance(image)  # warm-up
    denoise(enhanced, image, 0.5)
    enhance_s, denoise_s = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        enhanced = engine.enhance(image)
        middle = time.perf_counter()
        denoise(enhanced, image, 0.5)
        enhance_s.append(middle - started)
        denoise_s.append(time.perf_counter() - middle)
    total = [a + b for a, b in zip(enhance_s, denoise_s)]
    print("\n| 4000x3000, fast mode | best s | median s |\n|---|---|---|")
    for name, values in (("enhance", enhance_s), ("denoise 0.5", denoise_s),
                         ("enhance + denoise", total)):
        print(f"| {name} | {min(values):.3f} | {statistics.median(values):.3f} |")


def scores(result: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    return (peak_signal_noise_ratio(reference, result, data_range=255),
            structural_similarity(reference, result, channel_axis=2, data_range=255))


def synthetic(engine: Engine) -> None:
    rng = np.random.default_rng(0)
    rows: dict[str, list[tuple[float, float]]] = {}
    for photo in PHOTOS.values():
        clean = darken(photo())
        reference = engine.enhance(clean.round().astype(np.uint8))
        for strength in STRENGTHS[1:]:  # strength 0 is the identity
            rows.setdefault(f"clean input | {strength}", []).append(
                scores(denoise(reference, clean.round().astype(np.uint8), strength), reference))
        for noise, (photons, read) in NOISE.items():
            image = noisy(clean, rng, photons, read)
            enhanced = engine.enhance(image)
            for strength in STRENGTHS:
                rows.setdefault(f"{noise} noise | {strength}", []).append(
                    scores(denoise(enhanced, image, strength), reference))
    print(f"\nSynthetic ({', '.join(PHOTOS)}; mean over photos), reference = enhance(clean dark)")
    print("\n| input | denoise | PSNR dB | SSIM |\n|---|---|---|---|")
    for name, values in rows.items():
        psnr, ssim = np.mean(values, axis=0)
        print(f"| {name} | {psnr:.2f} | {ssim:.4f} |")


def dicm(engine: Engine, folder: Path) -> None:
    files = sorted(folder.glob("*.jpg"))
    if not files:
        print(f"\n(no DICM photos in {folder}; skipped)")
        return
    sigma = {s: [] for s in STRENGTHS}
    unlifted = {s: [] for s in STRENGTHS[1:]}
    seconds = []
    for path in files:
        image = read_image(path).pixels
        enhanced = engine.enhance(image)
        calm = gain_weight(image, enhanced, 1.0) < 0.05
        for strength in STRENGTHS:
            started = time.perf_counter()
            out = denoise(enhanced, image, strength)
            if strength == 0.5:
                seconds.append(time.perf_counter() - started)
            sigma[strength].append(noise_sigma(out))
            if strength and calm.any():
                unlifted[strength].append(np.abs(out.astype(float) - enhanced)[calm].mean())
    print(f"\nDICM ({len(files)} photos, 480x640 to 960x720; denoise 0.5 takes "
          f"{statistics.median(seconds) * 1000:.0f} ms median)")
    print("\n| denoise | output noise sigma (levels) | mean change where gain < 1.1 |")
    print("|---|---|---|")
    for strength in STRENGTHS:
        change = f"{np.mean(unlifted[strength]):.2f}" if strength else "0"
        print(f"| {strength} | {np.mean(sigma[strength]):.2f} | {change} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(PEER_MODEL) if PEER_MODEL.is_file() else None)
    parser.add_argument("--dicm", type=Path, default=SHARED / "datasets" / "DICM")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    engine = Engine(args.model, device="cpu")
    print(f"model: {args.model or 'bundled'}")
    timing(engine, args.repeats)
    synthetic(engine)
    dicm(engine, args.dicm)


if __name__ == "__main__":
    main()
