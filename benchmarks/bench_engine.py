"""Engine speed and memory: fast, full, render and the official flow side by side, per precision.

Every measurement runs in its own process, so peak RSS is that of one job (Python, torch,
numba, the image, the output). Rows marked "no-bf16 ISA" run with
ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI, so oneDNN uses only what a CPU without bf16 and AMX has
(AVX-512 with VNNI: the CPUs of issue 13); fp32 rows force fp32 on any CPU.

    python benchmarks/bench_engine.py [--model PATH] [--sizes 1200x900,4000x3000]
                                      [--skip-official-12mp] [--rounds 2]

Also prints the fp32 FLOP floor of DCE-Net's convolutions on this CPU (each layer alone,
channels-last, at the fast-mode network size) next to the fast-mode estimate, and the
render kernel against the one of `--baseline` (a git revision; default: before issue 13).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from photos import night_photo

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"1200x900": (900, 1200), "4000x3000": (3000, 4000)}
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


def run_job(job: str, size: str, precision: str, model: str | None, repeats: int) -> dict:
    from zerodce_core.runtime import configure_runtime

    configure_runtime()  # as the CLI and the app do, before torch loads
    import numpy as np
    import torch

    height, width = SIZES[size]
    image = night_photo(height, width)
    if job == "official":
        return _official(image, model, repeats)
    from zerodce_core.engine import Engine

    engine = Engine(model, device="cpu", mode="full" if job == "full" else "fast",
                    precision=precision)
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


def flop_floor(size: str, model: str | None) -> dict:
    """fp32 channels-last time of each DCE-Net conv alone at the fast-mode network size
    (best of 5), summed: no implementation of the network in fp32 can beat it here."""
    import torch

    from zerodce_core.bundled import default_model_path
    from zerodce_core.checkpoint import load_checkpoint

    torch.set_flush_denormal(True)
    height, width = SIZES[size]
    scale = 512 / max(height, width)
    h, w = round(height * scale), round(width * scale)
    net = load_checkpoint(model or default_model_path()).model.eval()
    total = flop = 0.0
    with torch.inference_mode():
        for i in range(1, 8):
            conv = getattr(net, f"e_conv{i}").to(memory_format=torch.channels_last)
            x = torch.rand(1, conv.in_channels, h, w).contiguous(memory_format=torch.channels_last)
            conv(x)
            best = min(_timed(conv, x) for _ in range(5))
            total += best
            flop += 2 * conv.in_channels * conv.out_channels * 9 * h * w
    return {"seconds": total, "gflops": flop / total / 1e9, "size": f"{w}x{h}"}


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


def first_enhancement(size: str, precision: str, model: str | None) -> dict:
    """A fresh install: empty kernel cache. The first enhancement of a photo against the
    second, in one process (the engine starts compiling the kernel when it is made)."""
    from zerodce_core.runtime import configure_runtime

    configure_runtime()
    from zerodce_core.engine import Engine

    image = night_photo(*SIZES[size])
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
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--rows", help="comma-separated row numbers to run (default: all)")
    parser.add_argument("--skip-official-12mp", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old kernel")
    parser.add_argument("--one", nargs=3, metavar=("JOB", "SIZE", "PRECISION"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = ["--model", args.model] if args.model else []
    if args.one:
        job, size, precision = args.one
        if job == "floor":
            result = flop_floor(size, args.model)
        elif job == "render":
            result = render_speed(args.baseline, args.repeats)
        elif job == "first":
            result = first_enhancement(size, precision, args.model)
        else:
            result = run_job(job, size, precision, args.model, args.repeats)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    print(f"CPU flags: {_cpu_summary()}; load average {os.getloadavg()[0]:.1f}")
    chosen = {int(r) for r in args.rows.split(",")} if args.rows else set(range(len(ROWS)))
    print("| # | job | size | seconds | estimate s | peak RSS MB | network |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        for number, (label, job, precision, env) in enumerate(ROWS):
            if number not in chosen:
                continue
            if job == "official" and size == "4000x3000" and args.skip_official_12mp:
                continue
            repeats = 1 if job == "official" and size == "4000x3000" else args.repeats
            r = subprocess_json(["--one", job, size, precision, "--repeats", str(repeats),
                                 *model], env)
            estimate = f"{r['estimate']:.3f}" if "estimate" in r else ""
            print(f"| {number} | {label} | {size} | {r['seconds']:.3f} | {estimate} | "
                  f"{r['peak_rss_mb']:.0f} | {r['precision']} |", flush=True)
    for size in args.sizes.split(","):
        floor = subprocess_json(["--one", "floor", size, "fp32", *model], NO_BF16_ISA)
        print(f"fp32 FLOP floor of the fast-mode network ({floor['size']}, {size} photo): "
              f"{floor['seconds']:.3f} s ({floor['gflops']:.0f} GFLOP/s)")
    render = subprocess_json(["--one", "render", "4000x3000", "auto", "--repeats",
                              str(max(args.repeats, 5)), "--baseline", args.baseline],
                             {"NUMBA_CACHE_DIR": tempfile.mkdtemp()})
    print(f"render kernel at 12 MP: {render['now']:.3f} s, baseline {args.baseline} "
          f"{render['baseline']:.3f} s ({render['baseline'] / render['now']:.2f}x); first "
          f"call with an empty cache {render['now_first_call']:.2f} s "
          f"(baseline {render['baseline_first_call']:.2f} s)")
    for precision in ("auto", "int8"):
        first = subprocess_json(["--one", "first", "4000x3000", precision, *model],
                                {"NUMBA_CACHE_DIR": tempfile.mkdtemp(), **NO_BF16_ISA})
        print(f"fresh install, 12 MP, {precision}: first enhancement {first['first']:.2f} s, "
              f"later {first['later']:.2f} s (+{first['first'] - first['later']:.2f} s)")


def _cpu_summary() -> str:
    from zerodce_core.device import cpu_flags

    flags = cpu_flags()
    wanted = ("avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
    return ", ".join(f for f in wanted if f in flags) or "none of AVX-512/VNNI/BF16/AMX"


if __name__ == "__main__":
    main()
