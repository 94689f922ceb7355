"""Noise reduction: compute time and memory of the default path at 12 MP, and preview speed.

Side by side in one run, on a synthetic 12 MP night shot (a held-out SICE reference scaled
to 4000x3000 and given camera noise by `zerodce_core.noise`):
1. in-process compute, best and median of N: curves alone (estimate + render); curves +
   learned noise reduction (the default); curves + the old bilateral filter at 1.0;
2. peak RSS of a whole `zerodce enhance` process, default settings vs `--denoise 0`;
3. the app's interactivity: render of a 2 MP preview (slider moving) and the denoised
   preview that follows it.

    python benchmarks/bench_denoise.py --sice ../shared/datasets/SICE_part1_512 [--repeats 3]
        [--no-bf16] [--float-noise] [--tiles 768,1024]

`--no-bf16` measures the path of CPUs without bf16 on one that has it: oneDNN limited to
AVX-512 VNNI (ONEDNN_MAX_CPU_ISA, set by re-running this script) and the bf16 flags hidden
from the engine's precision choice. `--float-noise` adds the noise model in the engine's
float type (fp32 there: the path before int8) beside the default, interleaved.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from bilateral_baseline import bilateral_denoise
from quality import references

import zerodce_core.denoiser as denoiser_module
from zerodce_core import device
from zerodce_core.bundled import default_denoiser_path
from zerodce_core.denoiser import Denoiser
from zerodce_core.engine import Engine
from zerodce_core.noise import CameraNoise, synthesize_low_light
from zerodce_core.runtime import configure_runtime

NO_BF16_ISA = "AVX512_CORE_VNNI"


def night_shot(sice: Path, size: tuple[int, int] = (4000, 3000)) -> np.ndarray:
    _, reference = references(sice)[0]
    big = cv2.resize(reference, size, interpolation=cv2.INTER_CUBIC)
    noisy, _ = synthesize_low_light(big, CameraNoise(1 / 20, 1500.0, 1.5e-3, 90),
                                    np.random.default_rng(0))
    return noisy


def timed(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, float]]:
    """Best and median seconds of each run, the runs interleaved (a machine shared with other
    jobs slows them alike)."""
    for run in runs.values():
        run()  # warm-up: kernels compiled, weights loaded
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def compute(engine: Engine, image: np.ndarray, repeats: int,
            others: dict[str, Engine], tiles: list[int]) -> None:
    def curves() -> np.ndarray:
        return engine.render(engine.estimate(image))

    def learned(engine: Engine) -> Callable[[], np.ndarray]:
        def run() -> np.ndarray:
            maps = engine.estimate(image)
            return engine.reduce_noise(engine.render(maps), maps, maps.default_strength, 1.0)
        return run

    def tiled(size: int) -> Callable[[], np.ndarray]:
        def run() -> np.ndarray:
            default = denoiser_module.TILE, denoiser_module.INT8_TILE
            denoiser_module.TILE = denoiser_module.INT8_TILE = size
            try:
                return learned(engine)()
            finally:
                denoiser_module.TILE, denoiser_module.INT8_TILE = default
        return run

    def bilateral() -> np.ndarray:
        return bilateral_denoise(curves(), image, 1.0)

    print("| 4000x3000 synthetic night shot, fast mode | best s | median s |\n|---|---|---|")
    rows = [("curves only (estimate + render)", curves),
            ("curves + learned noise reduction (default)", learned(engine))]
    rows += [(f"curves + {label}", learned(other)) for label, other in others.items()]
    rows += [(f"curves + default noise reduction, {size} px tiles", tiled(size))
             for size in tiles]
    rows.append(("curves + old bilateral 1.0", bilateral))
    for name, (best, median) in timed(dict(rows), repeats).items():
        print(f"| {name} | {best:.3f} | {median:.3f} |")


def preview(engine: Engine, image: np.ndarray, repeats: int) -> None:
    maps = engine.estimate(image).preview(1600)
    strength = [3.0]

    def slider() -> np.ndarray:
        strength[0] = 11.0 - strength[0]  # alternate 3 and 8: a new strength each time
        return engine.render(maps, strength[0])

    def denoised() -> np.ndarray:
        return engine.reduce_noise(slider(), maps, strength[0], 1.0)

    print("\n| 2 MP preview (1600x1200) | best ms | median ms | target |\n|---|---|---|---|")
    targets = {"render at a new strength": "<= 50", "render + noise reduction": "<= 300"}
    results = timed({"render at a new strength": slider, "render + noise reduction": denoised},
                    repeats)
    for name, (best, median) in results.items():
        print(f"| {name} | {best * 1000:.0f} | {median * 1000:.0f} | {targets[name]} |")


def peak_rss(image: np.ndarray, no_bf16: bool) -> None:
    print("\n| whole `zerodce enhance` process, 12 MP | wall s | peak RSS MB |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "night.png"
        cv2.imwrite(str(source), image[..., ::-1])
        for label, extra in (("default (learned noise reduction)", []),
                             ("--denoise 0", ["--denoise", "0"])):
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking
            # parent, which here holds the 12 MP images (it read 2.4 GB for a 0.67 GB run).
            hide = ("import zerodce_core.device as d; f = d.cpu_flags() - {'avx512_bf16', "
                    "'amx_bf16'}; d.cpu_flags = lambda: f; ") if no_bf16 else ""
            code = (hide + "import re, sys; from zerodce_core.cli import main; "
                    "code = main(sys.argv[1:]); status = open('/proc/self/status').read(); "
                    "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))")
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", code, "enhance", str(source), "-o",
                                   str(Path(folder) / label[:7]), "--overwrite", *extra],
                                  capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - started
            rss = int(done.stdout.split()[-1]) / 1024
            print(f"| {label} | {seconds:.2f} | {rss:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sice", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--curves", type=Path, help="curve model (default: bundled)")
    parser.add_argument("--denoiser", type=Path, help="noise model (default: bundled)")
    parser.add_argument("--compare", action="append", default=[], metavar="LABEL=PATH",
                        help="also time this noise model, side by side")
    parser.add_argument("--tiles", type=lambda text: [int(t) for t in text.split(",")],
                        default=[], help="also time the default with these tile sizes")
    parser.add_argument("--no-bf16", action="store_true",
                        help="the path of CPUs with VNNI but no bf16 (see above)")
    parser.add_argument("--float-noise", action="store_true",
                        help="also time the noise model in float, side by side")
    args = parser.parse_args()
    if args.no_bf16 and os.environ.get("ONEDNN_MAX_CPU_ISA") != NO_BF16_ISA:
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "ONEDNN_MAX_CPU_ISA": NO_BF16_ISA})
    if args.no_bf16:
        flags = device.cpu_flags() - {"avx512_bf16", "amx_bf16"}
        device.cpu_flags = lambda: flags
    configure_runtime(None)
    engine = Engine(args.curves, denoiser=args.denoiser)
    others = {label: Engine(args.curves, denoiser=path)
              for label, path in (spec.split("=", 1) for spec in args.compare)}
    if args.float_noise:
        plain = Engine(args.curves)
        # The engine has no public switch for the noise model's precision alone.
        plain._denoiser = Denoiser(args.denoiser or default_denoiser_path(), plain.device,
                                   plain.dtype)
        others[f"noise model in {plain.dtype} (no int8)"] = plain
    image = night_shot(args.sice)
    noise = engine.denoiser
    print(f"device {engine.device}, curve network {engine.precision}, noise model "
          f"{'int8' if noise.int8 else noise.dtype}\n")
    compute(engine, image, args.repeats, others, args.tiles)
    preview(engine, image, args.repeats)
    peak_rss(image, args.no_bf16)


if __name__ == "__main__":
    main()
