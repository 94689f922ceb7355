"""Desktop app benchmark: start-up time, slider-to-repaint latency and memory at 12 MP.

    python benchmarks/bench_app.py [--size 4000x3000] [--repeats 20]

Runs offscreen unless QT_QPA_PLATFORM says otherwise. The model is a randomly initialised
DCENet (speed does not depend on the weights), so nothing outside the repository is needed.
Start-up is measured in a fresh process, from launch to a shown window with an idle event
loop, and to the first photo displayed with its curves.
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
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STARTUP_CHILD = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.main_window import MainWindow
from desktop_app.settings import Settings
from desktop_app import workers
t0 = float(sys.argv[1])
window = MainWindow(Settings(sys.argv[2]), model=sys.argv[3])
window.show()
def usable():
    print(f"window {time.time() - t0:.3f}", flush=True)
    window.open_sample()
QTimer.singleShot(0, usable)
def shown():
    if window.document.maps is not None:
        print(f"photo {time.time() - t0:.3f}", flush=True)
        app.quit()
window.document_shown.connect(shown)
app.exec()
workers.shutdown()
"""


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB, from /proc."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def wait_for(signal: Any, action: Callable[..., object] | None = None, *args: object) -> None:
    """Run `action(*args)` and block in an event loop (not a busy loop) until `signal`."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    signal.connect(loop.quit)
    if action is not None:
        action(*args)
    loop.exec()
    signal.disconnect(loop.quit)


def make_model(folder: Path) -> Path:
    import torch

    from zerodce_core.checkpoint import save_checkpoint
    from zerodce_core.model import DCENet

    torch.manual_seed(0)
    return save_checkpoint(folder / "bench.safetensors", DCENet())


def make_photo(folder: Path, width: int, height: int) -> Path:
    """A dark synthetic photo: smooth gradients plus sensor-like noise, saved as JPEG."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    tint = np.array([1.0, 0.8, 0.6], np.float32)
    base = 10 + 50 * (0.5 + 0.5 * np.sin(6 * x + 3 * y)) * tint
    pixels = np.clip(base + rng.normal(0, 3, (height, width, 3)), 0, 255).astype(np.uint8)
    path = folder / f"synthetic_{width}x{height}.jpg"
    Image.fromarray(pixels).save(path, quality=92)
    return path


def bench_startup(folder: Path, model: Path) -> dict[str, float]:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", STARTUP_CHILD, str(start),
                          str(folder / "startup.ini"), str(model)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    return {key: float(value) for key, value in
            (line.split() for line in out.stdout.splitlines() if line.strip())}


def bench_interactive(folder: Path, model: Path, photo: Path, repeats: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from desktop_app import workers
    from desktop_app.main_window import MainWindow
    from desktop_app.settings import Settings

    window = MainWindow(Settings(folder / "bench.ini"), model=str(model))
    window.resize(1600, 1000)
    window.show()
    wait_for(window.engine_changed)
    idle_rss, _ = rss_mb()
    started = time.perf_counter()
    window.open_file(photo)
    wait_for(window.document_shown)
    opened = time.perf_counter() - started

    slider = window.strength.slider
    slider.setSliderDown(True)
    latencies = []
    for i in range(repeats):
        tick = time.perf_counter()
        slider.setValue(slider.maximum() * (i % 10 + 1) // 12)
        app.processEvents()  # the coalescing timer fires: render the preview, set the pixmap
        window.compare.repaint()  # and the paint itself, synchronously
        latencies.append(time.perf_counter() - tick)

    full = []
    for _ in range(3):
        tick = time.perf_counter()
        wait_for(window.render_shown, slider.setSliderDown, False)  # full resolution, worker
        window.compare.repaint()
        full.append(time.perf_counter() - tick)
        slider.setSliderDown(True)
        slider.setValue(slider.value() - 5)

    wait_for(window.render_shown, slider.setSliderDown, False)  # paint the full-res pixmaps
    paints = {}
    for name, zoom in (("fit", window.compare.zoom_fit), ("actual", window.compare.zoom_actual)):
        zoom()
        times = []
        for _ in range(repeats):
            tick = time.perf_counter()
            window.compare.repaint()
            times.append(time.perf_counter() - tick)
        paints[name] = statistics.median(times)
    preview = "x".join(map(str, window.document.preview.size))
    current, peak = rss_mb()
    window.close()
    workers.shutdown()
    return {
        "open": opened,
        "slider_median": statistics.median(latencies),
        "slider_max": max(latencies),
        "release_full": statistics.median(full),
        "paint_fit": paints["fit"],
        "paint_actual": paints["actual"],
        "rss": current,
        "rss_peak": peak,
        "preview": preview,
        "rss_idle": idle_rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="4000x3000", help="synthetic photo size, WxH")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    width, height = map(int, args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = make_model(folder)
        photo = make_photo(folder, width, height)
        startup = bench_startup(folder, model)
        result = bench_interactive(folder, model, photo, args.repeats)
    megapixels = width * height / 1e6
    print(f"launch -> usable window:          {startup['window']:.2f} s")
    print(f"launch -> sample photo enhanced:  {startup['photo']:.2f} s")
    print(f"open {width}x{height} ({megapixels:.0f} MP) -> shown: {result['open']:.2f} s")
    print(f"slider -> repaint (preview):      median {result['slider_median'] * 1000:.0f} ms, "
          f"max {result['slider_max'] * 1000:.0f} ms over {args.repeats} moves "
          f"({result['preview']} px preview)")
    print(f"slider release -> full-res shown: {result['release_full'] * 1000:.0f} ms (median)")
    print(f"repaint (pan frame) at fit / 100%: {result['paint_fit'] * 1000:.1f} / "
          f"{result['paint_actual'] * 1000:.1f} ms (median)")
    print(f"process RSS with the photo open:  {result['rss']:.0f} MB "
          f"(peak {result['rss_peak']:.0f} MB; {result['rss_idle']:.0f} MB before opening it)")


if __name__ == "__main__":
    main()
