"""Video frames as a pipeline: threaded decode and encode against one stage at a time.

    python benchmarks/bench_video_pipeline.py [--size 1920x1080] [--frames 48] [--rounds 2]

Makes an H.264 clip of dark, noisy frames (from real low-light photos), then times, in one
process and alternating: the frames' compute alone (`FrameEnhancer` on frames decoded
beforehand), `enhance_video` with decoding ahead and encoding behind in threads (as
shipped), and the same code with the stages inline (`PIPELINE_DEPTH = 0`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from photos import night_photo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's zerodce_core, not an installed one


def make_clip(path: Path, frames: int, width: int, height: int) -> None:
    import av
    import numpy as np

    base = [night_photo(height, width, seed=s) for s in range(4)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=24, options={"crf": "18"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            pixels = np.roll(base[(i // 12) % 4], 4 * i, axis=1)  # a cut every 12 frames
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 24)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, help="compute threads (default: one per core)")
    args = parser.parse_args()
    from zerodce_core.runtime import configure_runtime

    configure_runtime(args.threads)
    import av

    from zerodce_core import video
    from zerodce_core.engine import Engine
    from zerodce_core.video import CurveSmoother, FrameEnhancer, enhance_video

    width, height = map(int, args.size.split("x"))
    folder = Path(tempfile.mkdtemp())
    clip = folder / "night.mp4"
    make_clip(clip, args.frames, width, height)
    with av.open(str(clip)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    engine = Engine(device="cpu")
    times: dict[str, list[float]] = {"compute only": [], "pipelined": [], "inline": []}
    for _ in range(args.rounds):
        enhancer = FrameEnhancer(engine, CurveSmoother.for_rate(24.0, 0.5))
        started = time.perf_counter()
        for rgb in frames:
            enhancer(rgb)
        times["compute only"].append(time.perf_counter() - started)
        for name, depth in (("pipelined", 4), ("inline", 0)):
            video.PIPELINE_DEPTH = depth
            started = time.perf_counter()
            for _ in enhance_video(engine, clip, folder / f"{name}.mp4"):
                pass
            times[name].append(time.perf_counter() - started)
    compute = min(times["compute only"])
    print(f"{args.frames} frames of {args.size}, H.264 in and out, {engine.precision}, "
          f"compute threads {args.threads or 'one per core'}")
    print("| way | seconds | fps | vs compute only |")
    print("|---|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {min(values):.2f} | {args.frames / min(values):.2f} | "
              f"{min(values) / compute:.2f}x |")


if __name__ == "__main__":
    main()
