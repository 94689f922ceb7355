"""Desktop app benchmark: start-up time, slider-to-repaint latency and memory at 12 MP.

    python benchmarks/bench_app.py [--size 4000x3000] [--repeats 20] [--startups 5]
                                   [--baseline DIR] [--startup-only]

Runs offscreen unless QT_QPA_PLATFORM says otherwise (under `xvfb-run -a` with
QT_QPA_PLATFORM=xcb it includes the X connection). Start-up runs the real entry point
(`desktop_app.__main__.main`) in a fresh process with fresh settings, so it is a first start
on the bundled model: from launch to a shown window with a running event loop, and to the
sample photo shown enhanced. `--baseline DIR` starts another checkout's app (e.g.
`git archive main | tar -x -C DIR`) alternately with this one, so a busy machine slows all
alike: compare the ratios. The interactive part uses a randomly initialised DCENet (speed
does not depend on the weights) on a synthetic photo.
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

#: Run in a fresh process whose working directory is the checkout to measure. A 5 ms timer,
#: started where the entry point installs its excepthook (the QApplication exists, the window
#: not yet), notes when the window is visible with the event loop running, then stops (so it
#: takes no time from the model loading) and waits for the first document with curves: the
#: window's own slot has shown it enhanced by then.
STARTUP_CHILD = """
import resource, sys, time
t0 = float(sys.argv[1])
import desktop_app.__main__ as entry
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
marks = {}
def mark(key):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    marks[key] = time.time() - t0
    marks[key + "_cpu"] = usage.ru_utime + usage.ru_stime
def shown(prepared):
    if prepared.document.maps is not None and "photo" not in marks:
        mark("photo")
        QApplication.instance().quit()
def watch():
    app = QApplication.instance()
    window = next((w for w in app.topLevelWidgets() if hasattr(w, "session")), None)
    if window is not None and window.isVisible():
        mark("window")
        timer.stop()
        window.session.document_ready.connect(shown)
timer = QTimer()
timer.timeout.connect(watch)
install = entry.install_excepthook
def install_and_watch():
    install()
    timer.start(5)
entry.install_excepthook = install_and_watch
entry.main(["--settings", sys.argv[2]])
for key, value in marks.items():
    print(key, f"{value:.3f}")
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


def bench_startup(root: Path, folder: Path) -> dict[str, float]:
    """One first start of the app in `root` (fresh settings): seconds to window and photo."""
    settings = folder / f"startup-{time.monotonic_ns()}.ini"
    start = time.time()
    out = subprocess.run([sys.executable, "-c", STARTUP_CHILD, str(start), str(settings)],
                         capture_output=True, text=True, cwd=root, timeout=300, check=True)
    marks = {key: float(value) for key, value in
             (line.split() for line in out.stdout.splitlines() if line.strip())}
    if not {"window", "photo"} <= set(marks):
        raise RuntimeError(f"{root}: the app did not show the sample photo\n{out.stderr}")
    return marks


def startup_table(roots: dict[str, Path], folder: Path, runs: int) -> None:
    """Alternate first starts of each checkout; print median and range, and the ratios.

    Also the CPU seconds the process used until then (all its threads): on a busy machine
    that varies much less than the wall time, and on an idle one with a core per busy
    thread the wall time comes close to it."""
    times: dict[str, dict[str, list[float]]] = {
        name: {key: [] for key in ("window", "photo", "window_cpu", "photo_cpu")}
        for name in roots}
    for _ in range(runs):
        for name, root in roots.items():
            for key, value in bench_startup(root, folder).items():
                times[name][key].append(value)
    for key, what in (("window", "launch -> usable window"),
                      ("photo", "launch -> sample photo enhanced"),
                      ("window_cpu", "CPU seconds until the window"),
                      ("photo_cpu", "CPU seconds until the photo")):
        cells = [f"{name} median {statistics.median(values[key]):.2f} s "
                 f"({min(values[key]):.2f}-{max(values[key]):.2f})"
                 for name, values in times.items()]
        print(f"{what + ':':34}" + "; ".join(cells))
        for name in list(times)[1:]:
            ratio = statistics.median(times["this"][key]) / statistics.median(times[name][key])
            print(f"{'':34}this / {name} = {ratio:.2f}")


def bench_interactive(folder: Path, model: Path, photo: Path, repeats: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from desktop_app import workers
    from desktop_app.main_window import MainWindow
    from desktop_app.settings import Settings

    window = MainWindow(Settings(folder / "bench.ini"), model=str(model))
    window.resize(1600, 1000)
    window.show()
    session = window.session
    if session.engine is None:
        wait_for(session.engine_ready)
    idle_rss, _ = rss_mb()
    started = time.perf_counter()
    wait_for(session.document_ready, window.opener.open_file, photo)
    opened = time.perf_counter() - started

    slider = window.looks.controls["strength"].slider
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
        wait_for(session.render_finished, slider.setSliderDown, False)  # full resolution, worker
        window.compare.repaint()
        full.append(time.perf_counter() - tick)
        slider.setSliderDown(True)
        slider.setValue(slider.value() - 5)

    wait_for(session.render_finished, slider.setSliderDown, False)  # paint the full-res pixmaps
    paints = {}
    for name, zoom in (("fit", window.compare.zoom_fit), ("actual", window.compare.zoom_actual)):
        zoom()
        times = []
        for _ in range(repeats):
            tick = time.perf_counter()
            window.compare.repaint()
            times.append(time.perf_counter() - tick)
        paints[name] = statistics.median(times)
    preview = "x".join(map(str, session.document.preview.size))
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
    parser.add_argument("--startups", type=int, default=5, help="first starts per checkout")
    parser.add_argument("--baseline", type=Path, action="append", default=[],
                        help="another checkout whose start-up to measure alternately "
                        "(repeatable)")
    parser.add_argument("--startup-only", action="store_true")
    args = parser.parse_args()
    width, height = map(int, args.size.lower().split("x"))
    roots = {"this": ROOT, **{path.name: path.resolve() for path in args.baseline}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        startup_table(roots, folder, args.startups)
        if args.startup_only:
            return
        model = make_model(folder)
        photo = make_photo(folder, width, height)
        result = bench_interactive(folder, model, photo, args.repeats)
    megapixels = width * height / 1e6
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
