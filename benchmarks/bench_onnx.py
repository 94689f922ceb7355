"""ONNX export: accuracy against the engine, and speed in ONNX Runtime and OpenVINO.

Exports the bundled model (and peer checkpoints with --peers) with `export_onnx`, then
- PSNR of each exported graph's output against the fp32 engine on the same photo (automatic
  exposure and strength, and a chosen exposure for exposure-conditioned models);
- seconds (best of --repeats) and peak RSS of the fast graph at 12 MP in ONNX Runtime,
  OpenVINO fp32, OpenVINO with its default precision (bf16 on CPUs that have it), and the
  engine itself, each in its own process.
Usage: python benchmarks/bench_onnx.py [--peers DIR] [--model FILE] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHOTO_12MP = (3000, 4000)
PHOTO_SMALL = (900, 1200)  # the full variant runs the network on every pixel
CHOSEN_EXPOSURE = 0.35  # the second accuracy row of exposure-conditioned models
RUNTIMES = ("onnxruntime", "openvino-f32", "openvino-default", "engine")


def synthetic_photo(height: int, width: int):
    """The bundled sample (a darkened real photo, CC0) resized to `height` x `width`."""
    import numpy as np
    from PIL import Image

    from zerodce_core.bundled import sample_photo_path

    with Image.open(sample_photo_path()) as img:
        resized = img.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(resized)


def psnr(a, b) -> float:
    import numpy as np

    return float(10 * np.log10(1.0 / np.mean((a - b) ** 2)))


def accuracy(models: dict[str, str | None], folder: Path) -> list[dict]:
    """PSNR of each variant against the fp32 engine (16-bit photo, so output rounding is
    not what is measured); exposure-conditioned models also at a chosen exposure."""
    import numpy as np
    import onnxruntime as ort

    from zerodce_core.engine import Engine
    from zerodce_core.export import export_onnx
    from zerodce_core.exposure import exposure_lut
    from zerodce_core.kernels import render_curves

    ort.set_default_logger_severity(3)  # not the optional inputs' load-time warning
    rows = []
    for name, model in models.items():
        engine = Engine(model, device="cpu", precision="fp32")
        exposures = (None, CHOSEN_EXPOSURE) if engine.takes_exposure else (None,)
        for mode, (height, width) in (("fast", PHOTO_12MP), ("full", PHOTO_SMALL)):
            path = export_onnx(engine, folder / f"{name}-{mode}.onnx", mode=mode)
            session = ort.InferenceSession(str(path))
            photo = synthetic_photo(height, width).astype(np.uint16) * 257
            x = (photo.astype(np.float32) / 65535).transpose(2, 0, 1)[None]
            for exposure in exposures:
                feed = {"image": x}
                if exposure is not None:
                    feed["exposure"] = np.array(exposure, np.float32)
                out, *scalars = session.run(None, feed)
                out = out[0]
                if mode == "full":  # conditioned models say at which strength to render,
                    strength, gain = ((float(scalars[1]), float(scalars[2])) if scalars
                                      else (engine.iterations, 1.0))  # after which gain
                    levels = None if gain == 1.0 else exposure_lut(gain, 65535)
                    out = render_curves(photo, out, 1.0, engine.net.shared_maps, strength,
                                        engine.iterations, levels=levels)
                    out = out.astype(np.float32).transpose(2, 0, 1) / 65535
                maps = engine.estimate(photo, mode=mode, exposure=exposure)
                expected = engine.render(maps).astype(np.float64) / 65535
                got = out.transpose(1, 2, 0).astype(np.float64)
                rows.append({"model": name, "variant": mode, "size": f"{width}x{height}",
                             "exposure": "auto" if exposure is None else f"{exposure:g}",
                             "psnr": psnr(got, expected),
                             "max_abs": float(np.abs(got - expected).max())})
    return rows


def speed_job(runtime: str, path: str, repeats: int) -> dict:
    import numpy as np

    photo = synthetic_photo(*PHOTO_12MP)
    x = (photo.astype(np.float32) / 255).transpose(2, 0, 1)[None].copy()
    if runtime == "onnxruntime":
        import onnxruntime as ort

        session = ort.InferenceSession(path)

        def run() -> object:
            return session.run(None, {"image": x})[0]
    elif runtime.startswith("openvino"):
        import openvino as ov

        config = {"INFERENCE_PRECISION_HINT": "f32"} if runtime == "openvino-f32" else {}
        compiled = ov.Core().compile_model(path, "CPU", config)

        def run() -> object:
            return compiled({"image": x})[0]
    else:
        from zerodce_core.engine import Engine

        engine = Engine(device="cpu")

        def run() -> object:
            return engine.enhance(photo)
    run()  # warm-up: compilation, caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    # VmHWM, not getrusage: ru_maxrss survives exec, so it would report the parent's peak.
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line.split()[1] for line in status.splitlines()
                       if line.startswith("VmHWM:")))
    return {"seconds": min(times), "peak_rss_mb": peak_kb // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=Path, help="folder with the peer checkpoints")
    parser.add_argument("--model", type=Path, help="measure this checkpoint too")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("accuracy", "speed"), help="run one of the two parts")
    parser.add_argument("--job", nargs=2, metavar=("RUNTIME", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        print(json.dumps(speed_job(args.job[0], args.job[1], args.repeats)))
        return
    models: dict[str, str | None] = {"bundled": None}
    if args.model:
        models[args.model.name] = str(args.model)
    if args.peers:
        for name in ("zerodce_official_Epoch99.pth", "zerodcepp_official_Epoch99.pth",
                     "bsun0802_8LE-color-loss2_best_model.pth"):
            if (args.peers / name).exists():
                models[name] = str(args.peers / name)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only != "speed":
            print("| model | variant | photo | exposure | PSNR vs engine (fp32) | max abs diff |")
            print("|---|---|---|---|---|---|")
            for row in accuracy(models, folder):
                print(f"| {row['model']} | {row['variant']} | {row['size']} | "
                      f"{row['exposure']} | {row['psnr']:.1f} dB | {row['max_abs']:.1e} |")
            print()
        if args.only == "accuracy":
            return
        from zerodce_core.engine import Engine
        from zerodce_core.export import export_onnx

        if not (folder / "bundled-fast.onnx").exists():
            export_onnx(Engine(device="cpu", precision="fp32"), folder / "bundled-fast.onnx")
        print("| runtime (fast graph, bundled model, 4000x3000) | seconds | peak RSS |")
        print("|---|---|---|")
        for runtime in RUNTIMES:
            out = subprocess.run(
                [sys.executable, __file__, "--repeats", str(args.repeats), "--job", runtime,
                 str(folder / "bundled-fast.onnx")], capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {runtime} | {result['seconds']:.2f} | {result['peak_rss_mb']:,} MB |")


if __name__ == "__main__":
    main()
