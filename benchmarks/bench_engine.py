"""Engine speed and memory: fast, full, render and the official flow side by side, per precision.

Every measurement runs in its own process, so peak RSS is that of one job (Python, torch,
numba, the image, the output). Rows marked "no-bf16 ISA" run with
ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI, so oneDNN uses only what a CPU without bf16 and AMX has
(AVX-512 with VNNI: the CPUs of issue 13); fp32 rows force fp32 on any CPU.

    python benchmarks/bench_engine.py [--model PATH] [--sizes 1200x900,4000x3000]
        [--skip-official-12mp] [--repeats 3] [--rows 0,4] [--full-memory 8000x6000]
        [--peers ../shared/peer_weights]

Also prints the fp32 FLOP floor of DCE-Net's convolutions on this CPU (each layer alone,
channels-last, at the fast-mode network size) next to the fast-mode estimate, and the
render kernel against the one of `--baseline` (a git revision; default: before issue 13).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from photos import night_photo, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's zerodce_core, not an installed one
NO_BF16_ISA = {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_VNNI"}
#: (label, job, precision, environment)
ROWS = [
    ("fast, auto precision", "fast", "auto", {}),
    ("fast, int8, no-bf16 ISA", "fast", "int8", NO_BF16_ISA),
    ("fast, fp32 (no-bf16 path before int8)", "fast", "fp32", NO_BF16_ISA),
    ("fast, bf16", "fast", "bf16", {}),
    ("full, auto precision", "full", "auto", {}),
    ("full, int8, no-bf16 ISA", "full", "int8", NO_BF16_ISA),
    ("full, fp32, no-bf16 ISA", "full", "fp32", NO_BF16_ISA),
    ("full, bf16", "full", "bf16", {}),
    ("default path: read JPEG, fast, denoise, write JPEG", "photo", "auto", {}),
    ("official flow: fp32 NCHW whole image", "official", "fp32", NO_BF16_ISA),
]
BASELINE = "70abe55"  # main when issue 13 was started


def photo_file(size: str, folder: Path) -> Path:
    """The test photo for `size` ("WxH"), made once by the parent process: making it costs
    memory that must not count in a job's peak RSS."""
    import numpy as np

    path = folder / f"night_{size}.npy"
    if not path.exists():
        width, height = map(int, size.split("x"))
        np.save(path, night_photo(height, width))
    return path


def run_job(job: str, image, precision: str, model: str | None, repeats: int,
            budget_mb: int | None = None) -> dict:
    from zerodce_core.runtime import configure_runtime

    configure_runtime()  # as the CLI and the app do, before torch loads
    import numpy as np
    import torch

    if job == "official":
        return _official(image, model, repeats)
    from zerodce_core.engine import Engine

    budget = {} if budget_mb is None else {"map_budget": budget_mb << 20}
    engine = Engine(model, device="cpu", mode="full" if job == "full" else "fast",
                    precision=precision, **budget)
    # Warm up (kernel cache, oneDNN primitives) without keeping a second set of maps alive,
    # so peak RSS is that of one photo in flight.
    engine.render(engine.estimate(image[:600, :800]), 7.0)
    if job == "photo":
        return _photo(engine, image, repeats)
    times, estimates = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        maps = engine.estimate(image)
        estimates.append(time.perf_counter() - started)
        engine.render(maps, None)
        times.append(time.perf_counter() - started)
        del maps
    return {"seconds": min(times), "estimate": min(estimates), "precision": engine.precision,
            "threads": torch.get_num_threads(),
            "mean_out": float(np.mean(engine.render(engine.estimate(image))))}


def _photo(engine, image, repeats: int) -> dict:
    """The whole default path on a file, as `zerodce enhance` runs it."""
    from PIL import Image

    from zerodce_core.pipeline import enhance_photo

    folder = Path(tempfile.mkdtemp())
    source = folder / "night.jpg"
    Image.fromarray(image).save(source, quality=92)
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        enhance_photo(engine, source, folder / f"out{i}.jpg")
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "precision": engine.precision}


def _official(image, model: str | None, repeats: int) -> dict:
    """The official test flow: fp32, NCHW, whole image at once, maps then 8 curve steps."""
    import torch

    from zerodce_core.bundled import default_model_path
    from zerodce_core.checkpoint import load_checkpoint
    from zerodce_core.curves import apply_curves

    torch.set_flush_denormal(True)  # without it the official weights run ~30x slower
    net = load_checkpoint(model or default_model_path()).model
    x = torch.from_numpy(image).float().div(255).permute(2, 0, 1)[None].contiguous()
    level = torch.full((1,), 0.6)
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            started = time.perf_counter()
            out = apply_curves(x, net(x, level), net.iterations)
            (out[0].permute(1, 2, 0) * 255).clamp(0, 255).byte().numpy()
            times.append(time.perf_counter() - started)
    return {"seconds": min(times), "precision": "fp32"}


def flop_floor(image, model: str | None, repeats: int) -> dict:
    """The fp32 FLOP floor of the fast-mode network against the fast-mode estimate, measured
    alternately in one process (a shared machine slows both alike).

    Floor: each DCE-Net conv alone, fp32 channels-last, at the fast-mode network size, best
    of 5, summed: no fp32 implementation of the network can beat it on this CPU. The
    estimate is `Engine.estimate` in fast mode (downscale, exposure calibration, network)."""
    from zerodce_core.runtime import configure_runtime

    configure_runtime()
    import torch

    from zerodce_core.engine import Engine

    height, width = image.shape[:2]
    scale = 512 / max(height, width)
    h, w = round(height * scale), round(width * scale)
    floors = []
    with torch.inference_mode():
        engines = {p: Engine(model, device="cpu", precision=p) for p in ("fp32", "int8")}
        for engine in engines.values():
            engine.estimate(image)
        convs = [getattr(engines["fp32"].net, f"e_conv{i}") for i in range(1, 8)]
        inputs = [torch.rand(1, c.in_channels, h, w).contiguous(memory_format=torch.channels_last)
                  for c in convs]
        flop = sum(2 * c.in_channels * c.out_channels * 9 * h * w for c in convs)
        times: dict[str, list[float]] = {p: [] for p in engines}
        for _ in range(repeats):
            floors.append(sum(min(_timed(c, x) for _ in range(5)) for c, x in
                              zip(convs, inputs)))
            for precision, engine in engines.items():
                times[precision].append(_timed(engine.estimate, image))
    floor = min(floors)
    return {"seconds": floor, "gflops": flop / floor / 1e9, "size": f"{w}x{h}",
            **{f"estimate_{p}": min(t) for p, t in times.items()}}


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def render_speed(baseline: str, repeats: int) -> dict:
    """The render kernel at 12 MP (fast-mode maps) against the baseline revision's, in one
    process, alternating; and each one's first call with an empty numba cache."""
    import importlib.util

    import numpy as np

    from zerodce_core import kernels

    old_source = subprocess.run(["git", "show", f"{baseline}:zerodce_core/kernels.py"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "kernels_baseline.py"
    path.write_text(old_source)
    spec = importlib.util.spec_from_file_location("kernels_baseline", path)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    rng = np.random.default_rng(0)
    src = (rng.random((3000, 4000, 3)) * 80).astype(np.uint8)
    maps = (rng.random((24, 384, 512)).astype(np.float32) - 0.9) * 0.8
    result = {}
    for name, module in (("baseline", old), ("now", kernels)):
        started = time.perf_counter()
        module.render_curves(src[:64, :64], maps, 1.0, False, 8.0, 8)
        result[f"{name}_first_call"] = time.perf_counter() - started
    times: dict[str, list[float]] = {"baseline": [], "now": []}
    for i in range(repeats):
        for name, module in (("baseline", old), ("now", kernels)):
            times[name].append(_timed(module.render_curves, src, maps, 1.0, False,
                                      8.0 - 0.1 * i, 8))
    result.update({name: min(t) for name, t in times.items()})
    return result


def first_enhancement(image, precision: str, model: str | None) -> dict:
    """A fresh install: empty kernel cache. The first enhancement of a photo against the
    second, in one process (the engine starts compiling the kernel when it is made)."""
    from zerodce_core.runtime import configure_runtime

    configure_runtime()
    from zerodce_core.engine import Engine

    engine = Engine(model, device="cpu", precision=precision)
    times = [_timed(lambda: engine.render(engine.estimate(image))) for _ in range(3)]
    return {"first": times[0], "later": min(times[1:])}


def subprocess_json(args: list[str], env: dict[str, str] | None = None) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="checkpoint (default: the bundled model)")
    parser.add_argument("--peers", type=Path, help="folder of peer checkpoints to time too")
    parser.add_argument("--sizes", default="1200x900,4000x3000", help="WxH,...")
    parser.add_argument("--full-memory", default="", help="WxH,...: full-mode peak RSS")
    parser.add_argument("--rows", help="comma-separated row numbers to run (default: all; "
                        "'none' for the extra measurements only)")
    parser.add_argument("--skip-official-12mp", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old kernel")
    parser.add_argument("--budget", type=int, help="full mode: map budget in MB")
    parser.add_argument("--one", nargs=3, metavar=("JOB", "PHOTO", "PRECISION"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = ["--model", args.model] if args.model else []
    if args.one:
        job, photo, precision = args.one
        import numpy as np

        image = np.load(photo) if photo.endswith(".npy") else None
        if job == "floor":
            result = flop_floor(image, args.model, args.repeats)
        elif job == "render":
            result = render_speed(args.baseline, args.repeats)
        elif job == "first":
            result = first_enhancement(image, precision, args.model)
        else:
            result = run_job(job, image, precision, args.model, args.repeats, args.budget)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    print(f"CPU flags: {_cpu_summary()}; load average {os.getloadavg()[0]:.1f}")
    chosen = set(range(len(ROWS)))
    if args.rows:
        chosen = set() if args.rows == "none" else {int(r) for r in args.rows.split(",")}
    folder = Path(tempfile.mkdtemp())
    photos = {size: str(photo_file(size, folder)) for size in args.sizes.split(",")}
    print("| # | job | size | seconds | estimate s | peak RSS MB | network |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        for number, (label, job, precision, env) in enumerate(ROWS):
            if number not in chosen:
                continue
            if job == "official" and size == "4000x3000" and args.skip_official_12mp:
                continue
            repeats = 1 if job == "official" and size == "4000x3000" else args.repeats
            r = subprocess_json(["--one", job, photos[size], precision, "--repeats",
                                 str(repeats), *model], env)
            estimate = f"{r['estimate']:.3f}" if "estimate" in r else ""
            print(f"| {number} | {label} | {size} | {r['seconds']:.3f} | {estimate} | "
                  f"{r['peak_rss_mb']:.0f} | {r['precision']} |", flush=True)
    for size in args.sizes.split(","):
        floor = subprocess_json(["--one", "floor", photos[size], "fp32", "--repeats",
                                 str(max(args.repeats, 5)), *model], NO_BF16_ISA)
        print(f"no-bf16 ISA, {size} photo: fp32 FLOP floor of the fast-mode network "
              f"({floor['size']}) {floor['seconds']:.3f} s ({floor['gflops']:.0f} GFLOP/s); "
              f"fast-mode estimate int8 {floor['estimate_int8']:.3f} s "
              f"({floor['estimate_int8'] / floor['seconds']:.2f}x the floor), fp32 "
              f"{floor['estimate_fp32']:.3f} s ({floor['estimate_fp32'] / floor['seconds']:.2f}x)")
    render = subprocess_json(["--one", "render", "-", "auto", "--repeats",
                              str(max(args.repeats, 5)), "--baseline", args.baseline],
                             {"NUMBA_CACHE_DIR": tempfile.mkdtemp()})
    print(f"render kernel at 12 MP: {render['now']:.3f} s, baseline {args.baseline} "
          f"{render['baseline']:.3f} s ({render['baseline'] / render['now']:.2f}x); first "
          f"call with an empty cache {render['now_first_call']:.2f} s "
          f"(baseline {render['baseline_first_call']:.2f} s)")
    big = photos[max(photos, key=lambda size: math.prod(map(int, size.split("x"))))]
    if args.peers:
        small = photos[min(photos, key=lambda size: math.prod(map(int, size.split("x"))))]
        print("\n| peer checkpoint (our engine) | fast, largest size s | full, smallest size s "
              "| network | mean output |")
        print("|---|---|---|---|---|")
        for path in sorted(args.peers.glob("*.pth")):
            fast = subprocess_json(["--one", "fast", big, "auto", "--model", str(path)])
            full = subprocess_json(["--one", "full", small, "auto", "--model", str(path)])
            print(f"| {path.name} | {fast['seconds']:.3f} | {full['seconds']:.3f} | "
                  f"{fast['precision']} | {fast['mean_out']:.1f} |", flush=True)
    first = subprocess_json(["--one", "first", big, "auto", *model],
                            {"NUMBA_CACHE_DIR": tempfile.mkdtemp()})
    print(f"fresh install (empty kernel cache), largest size: first enhancement "
          f"{first['first']:.2f} s, later {first['later']:.2f} s "
          f"(+{first['first'] - first['later']:.2f} s)")
    for size in args.full_memory.split(",") if args.full_memory else []:
        path = str(photo_file(size, folder))
        for budget in (None, 128):
            extra = ["--budget", str(budget)] if budget else []
            r = subprocess_json(["--one", "full", path, "auto", "--repeats", "1", *extra, *model])
            print(f"full mode {size}, map budget {budget or 1024} MB: {r['seconds']:.1f} s, "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB")


def _cpu_summary() -> str:
    from zerodce_core.device import cpu_flags

    flags = cpu_flags()
    wanted = ("avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
    return ", ".join(f for f in wanted if f in flags) or "none of AVX-512/VNNI/BF16/AMX"


if __name__ == "__main__":
    main()
