"""Video: flicker of frame-by-frame vs smoothed curves, and throughput at 720p and 1080p.

Flicker is measured on a static scene (scikit-image's CC0 astronaut, darkened) with fresh
Poisson + Gaussian sensor noise in every frame, two ways:
- output: mean absolute frame-to-frame change of the output's mean brightness;
- curves: the same, with every frame's curves applied to one fixed frame, i.e. the brightness
  change the curves themselves add (what smoothing targets; the output number also carries
  the input's own noise, which no curve can remove).
Throughput is end to end (decode, enhance, encode with the input's codec, remux audio) on a
generated H.264 clip. Timings share the CPU with whatever else runs: repeat on a quiet machine.

Usage: python benchmarks/bench_video.py [--model PATH] [--frames N]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from zerodce_core.runtime import configure_runtime

configure_runtime()  # as the CLI and the app do, before torch loads
from zerodce_core.bundled import sample_photo_path  # noqa: E402
from zerodce_core.engine import Engine  # noqa: E402
from zerodce_core.pipeline import Look  # noqa: E402
from zerodce_core.video import (  # noqa: E402
    CurveSmoother,
    FrameEnhancer,
    VideoOptions,
    enhance_video,
    flicker,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
PEER_MODEL = SHARED / "peer_weights" / "zerodce_official_Epoch99.pth"
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def dark_scene(width: int, height: int, level: float = 25.0) -> np.ndarray:
    """The bundled sample photo in linear light, scaled so its brightest pixel is `level`."""
    photo = Image.open(sample_photo_path()).convert("RGB").resize((width, height),
                                                                  Image.Resampling.BICUBIC)
    return (np.asarray(photo, np.float32) / 255) ** 2.2 * level


def noisy(scene: np.ndarray, rng: np.random.Generator, photons: float = 0.5,
          read_noise: float = 3.0) -> np.ndarray:
    """Poisson shot noise (`photons` per level) plus Gaussian read noise, as uint8."""
    shot = rng.poisson(scene * photons) / photons
    return np.clip(shot + rng.normal(0, read_noise, scene.shape), 0, 255).astype(np.uint8)


def measure_flicker(engine: Engine, frames: int, smoothing: float) -> dict[str, float]:
    rng = np.random.default_rng(0)
    scene = dark_scene(*SIZES["720p"])
    reference = scene.round().astype(np.uint8)
    enhancer = FrameEnhancer(engine, CurveSmoother.for_rate(30, smoothing))
    output, curves = [], []
    for _ in range(frames):
        maps = enhancer.curves(noisy(scene, rng))
        output.append(float(engine.render(maps).mean()))
        curves.append(float(engine.render(dataclasses.replace(maps, rgb=reference)).mean()))
    settle = frames // 4  # the average's first frames are still filling up
    return {"output": flicker(output[settle:]), "curves": flicker(curves[settle:]),
            "mean": float(np.mean(output[settle:]))}


def make_clip(path: Path, size: tuple[int, int], frames: int, fps: int = 30) -> Path:
    """A dark noisy H.264 clip with an AAC track, encoded fast (the input's quality is moot)."""
    rng = np.random.default_rng(1)
    scene = dark_scene(*size)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "mono"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(noisy(scene, rng), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        wave = np.sin(np.arange(48000 * frames // fps) / 20.0)[None].astype(np.float32) * 0.1
        sound = av.AudioFrame.from_ndarray(wave, format="flt", layout="mono")
        sound.sample_rate, sound.pts = 48000, 0
        out.mux(audio.encode(sound))
        out.mux(audio.encode(None))
    return path


def throughput(engine: Engine, clip: Path, frames: int, denoise: float = 0.0,
               curve_size: int = VideoOptions.curve_size) -> float:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for _ in enhance_video(engine, clip, Path(folder) / "out.mp4",
                               VideoOptions(curve_size=curve_size), look=Look(denoise=denoise)):
            pass
        return frames / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(PEER_MODEL) if PEER_MODEL.is_file() else None)
    parser.add_argument("--frames", type=int, default=40)
    args = parser.parse_args()
    engine = Engine(args.model, device="cpu")
    print(f"model: {args.model or 'bundled'}")
    print("\n| curves | output flicker (levels) | curve flicker (levels) | mean brightness |")
    print("|---|---|---|---|")
    results = {s: measure_flicker(engine, args.frames, s) for s in (0.0, VideoOptions.smoothing)}
    for seconds, r in results.items():
        name = "frame by frame" if seconds == 0 else f"smoothed, {seconds} s"
        print(f"| {name} | {r['output']:.4f} | {r['curves']:.4f} | {r['mean']:.2f} |")
    single, smooth = results[0.0], results[VideoOptions.smoothing]
    print(f"\nflicker ratio (frame by frame / smoothed): output "
          f"{single['output'] / smooth['output']:.2f}x, curves "
          f"{single['curves'] / max(smooth['curves'], 1e-9):.1f}x")
    print("\n| video | fps | fps with --denoise 0.5 | fps, curves at 512 px like photos |")
    print("|---|---|---|---|")
    for name, size in SIZES.items():
        with tempfile.TemporaryDirectory() as folder:
            clip = make_clip(Path(folder) / "clip.mp4", size, args.frames)
            fps = [throughput(engine, clip, args.frames),
                   throughput(engine, clip, args.frames, denoise=0.5),
                   throughput(engine, clip, args.frames, curve_size=512)]
        print(f"| {name} ({size[0]}x{size[1]}), {args.frames} frames | "
              + " | ".join(f"{f:.2f}" for f in fps) + " |")


if __name__ == "__main__":
    main()
