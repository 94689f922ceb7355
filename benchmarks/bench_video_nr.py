"""Video noise reduction: frame rate with it off and on, and what it does to the picture.

    python benchmarks/bench_video_nr.py [--frames 24] [--rounds 3] [--quality-frames 32] \\
        [--sice ../shared/datasets/SICE_part1_512]

Frames: a well-exposed still (the first held-out SICE reference, as the quality benchmark
uses them) with a patch of the second moving across it 8 px a frame, or the still panned
4 px a frame; each frame darkened by
`noise.synthesize_low_light` (the quality benchmark's camera model: 1/12 of the light,
1000 photons at full scale, read noise 0.0015, no JPEG) with fresh noise, and once more
without noise.

Speed: compute only (frames decoded beforehand, as `FrameEnhancer` gets them), noise
reduction off, temporal (the video default) and learned (the photos' network on every
frame), interleaved round by round in one process and the best round kept, so a load that
comes and goes hits all three alike.

Quality: every frame's curves come from its noisy version (one `FrameEnhancer`, smoothing
as shipped); the reference is the noise-free frame rendered with the same curves, and each
method's output of the noisy frame is scored against it: PSNR and SSIM over whole frames,
PSNR where the patch is and was over the last `temporal.FRAMES` frames (ghost trails would
show there; in the pan, everywhere), and the noise left in the static background (RMS
error there). The first
`temporal.FRAMES` frames, while the average fills, are scored too.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's zerodce_core
from zerodce_core.runtime import configure_runtime  # noqa: E402

configure_runtime()  # as the CLI and the app do, before torch loads
from quality import HERE, psnr, references, ssim  # noqa: E402

from zerodce_core.engine import Engine  # noqa: E402
from zerodce_core.noise import CameraNoise, synthesize_low_light  # noqa: E402
from zerodce_core.pipeline import Look  # noqa: E402
from zerodce_core.temporal import FRAMES, TemporalDenoiser  # noqa: E402
from zerodce_core.video import CurveSmoother, FrameEnhancer  # noqa: E402

SIZES = ((1280, 720), (1920, 1080))
FPS = 24.0
SHOT = CameraNoise(exposure=1 / 12, photons=1000.0, read_noise=0.0015, jpeg_quality=None)
STEP = {"moving object": 8, "pan": 4}  # px a frame
PAN_MARGIN = 0.15  # the panned still is this much wider than the frame


@dataclasses.dataclass
class Clip:
    noisy: list[np.ndarray]
    clean: list[np.ndarray]
    moving: list[np.ndarray]  # bool (H, W): what moves this frame


def scene(stills: list[np.ndarray], kind: str, size: tuple[int, int], frames: int,
          seed: int = 0) -> Clip:
    """A clip of `frames` dark frames of `size` (width, height): a patch of the second
    still crossing the first ("moving object") or the first panned ("pan")."""
    width, height = size
    wide = int(width * (1 + PAN_MARGIN)) if kind == "pan" else width
    still = cv2.resize(stills[0], (wide, height), interpolation=cv2.INTER_CUBIC)
    patch = cv2.resize(stills[1][128:384, 96:437], (height * 4 // 9, height // 3),
                     interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(seed)
    clip = Clip([], [], [])
    for i in range(frames):
        mask = np.zeros((height, width), bool)
        if kind == "pan":
            x = min(i * STEP["pan"], wide - width)
            frame = still[:, x : x + width].copy()
            mask[:] = True  # everything moves
        else:
            frame = still.copy()
            x, y = width // 8 + i * STEP[kind], height // 2
            x = min(x, width - patch.shape[1])
            frame[y : y + patch.shape[0], x : x + patch.shape[1]] = patch
            mask[y : y + patch.shape[0], x : x + patch.shape[1]] = True
        noisy, clean = synthesize_low_light(frame, SHOT, rng)
        clip.noisy.append(noisy)
        clip.clean.append(clean)
        clip.moving.append(mask)
    return clip


def rms(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """RMS difference over `mask` (NaN where it is empty: a pan has no static part)."""
    if not mask.any():
        return math.nan
    return float(np.sqrt(np.mean((a.astype(np.float64) - b.astype(np.float64))[mask] ** 2)))


def masked_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    error = rms(a, b, mask)
    return 99.0 if error == 0 else 20 * math.log10(255.0 / error)


def quality(engine: Engine, clip: Clip) -> dict[str, list[float]]:
    """Mean [PSNR, SSIM, moving-region PSNR, background RMS] per method."""
    enhancer = FrameEnhancer(engine, CurveSmoother.for_rate(FPS, 0.5))
    temporal = TemporalDenoiser()
    scores: dict[str, list[list[float]]] = {"off": [], "learned, per frame": [],
                                            "temporal (video default)": []}
    for i, (noisy, clean) in enumerate(zip(clip.noisy, clip.clean, strict=True)):
        maps = enhancer.curves(noisy)
        strength = maps.default_strength
        rendered = engine.render(maps)
        reference = engine.render(dataclasses.replace(maps, rgb=clean))
        outputs = {"off": rendered,
                   "learned, per frame": engine.reduce_noise(rendered, maps, strength),
                   "temporal (video default)": temporal(rendered, maps, strength)}
        trail = np.logical_or.reduce(clip.moving[max(0, i - FRAMES) : i + 1])
        for name, out in outputs.items():
            scores[name].append([psnr(out, reference), ssim(out, reference),
                                 masked_psnr(out, reference, trail),
                                 rms(out, reference, ~trail)])
    return {name: np.mean(np.array(rows), axis=0).tolist() for name, rows in scores.items()}


def speed(engine: Engine, frames: list[np.ndarray], rounds: int) -> dict[str, float]:
    """Best fps of each way over `rounds` interleaved rounds."""
    ways = {"off": (Look(denoise=0), "temporal"), "temporal": (Look(), "temporal"),
            "learned": (Look(), "learned")}
    best = dict.fromkeys(ways, math.inf)
    for _ in range(rounds):
        for name, (look, denoiser) in ways.items():
            enhancer = FrameEnhancer(engine, CurveSmoother.for_rate(FPS, 0.5), look,
                                     denoiser=denoiser)
            started = time.perf_counter()
            for rgb in frames:
                enhancer(rgb)
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: len(frames) / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24, help="frames timed per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quality-frames", type=int, default=32)
    parser.add_argument("--sice", type=Path, default=HERE.parents[1] / "shared" / "datasets"
                        / "SICE_part1_512", help="the SICE part 1 folder (512 px)")
    args = parser.parse_args()
    stills = [rgb for _, rgb in references(args.sice)[:2]]
    engine = Engine(device="cpu")
    # Compile the kernels and load the noise model before anything is timed.
    warm = scene(stills, "moving object", (64, 36), FRAMES + 1).noisy
    speed(engine, warm, 1)
    print(f"precision {engine.precision}; compute only, best of {args.rounds} interleaved "
          f"rounds of {args.frames} frames\n")
    print("| frames | fps NR off | fps NR temporal (default) | on / off | fps NR learned | "
          "learned / off |")
    print("|---|---|---|---|---|---|")
    for size in SIZES:
        fps = speed(engine, scene(stills, "moving object", size, args.frames).noisy,
                    args.rounds)
        print(f"| {size[0]}x{size[1]} | {fps['off']:.1f} | {fps['temporal']:.1f} | "
              f"{fps['temporal'] / fps['off']:.2f} | {fps['learned']:.2f} | "
              f"{fps['learned'] / fps['off']:.2f} |")
    size = SIZES[0]
    for kind in STEP:
        print(f"\n{kind}, {size[0]}x{size[1]}, {args.quality_frames} frames, mean over frames\n")
        print("| noise reduction | PSNR dB | SSIM | PSNR where it moves (dB) | "
              "RMS error, static part (levels) |")
        print("|---|---|---|---|---|")
        for name, (p, s, moving, background) in quality(
                engine, scene(stills, kind, size, args.quality_frames)).items():
            still = "-" if math.isnan(background) else f"{background:.2f}"
            print(f"| {name} | {p:.2f} | {s:.3f} | {moving:.2f} | {still} |")


if __name__ == "__main__":
    main()
