"""Ray Data batch: photos per second with 1 and 2 workers, against the local batch.

A folder of low-light photos (the bundled sample, scikit-image's CC0 coffee photo darkened,
resized, mirrored every other time and given fresh sensor noise) is enhanced with the
command line's defaults (fast mode, automatic noise reduction, same format) four ways, each
into its own folder:
- local, 1 thread and 2 threads: `run_batch` in this process (what `zerodce enhance` does);
- Ray, 1 worker and 2 workers of 1 CPU each: `enhance_on_ray` on one local Ray instance of
  `--cpus` CPUs (what `zerodce enhance --ray` does).
Figures: wall time of the whole batch (for Ray: from submitting the job, so actor start-up
and model loading are in it), and the rate once working: photos per second from the moment
the first photo was started (its finish time less its own seconds) to the last finish. All
outputs are checked to be byte-identical. On a machine shared with other jobs the rates say
more about the load than about Ray, so the CPU time each photo cost is printed too: all
the CPU this process and everything it started (Ray's processes and workers included)
used during the run (actor start-up included), per photo, from /proc (Linux).
Timings share the CPU with whatever else runs: the load average is printed with them.

Usage: python benchmarks/bench_ray.py [--photos N] [--size WxH] [--cpus N] [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from zerodce_core.runtime import configure_runtime

configure_runtime()  # as the CLI does, before torch loads
from zerodce_core.batch import (  # noqa: E402
    BatchItem,
    BatchOptions,
    ItemEvent,
    Status,
    plan_batch,
    run_batch,
)
from zerodce_core.distributed.cluster import RayOptions, connected, enhance_on_ray  # noqa: E402
from zerodce_core.engine import Engine  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample.jpg"


def make_photos(folder: Path, count: int, size: tuple[int, int]) -> None:
    rng = np.random.default_rng(0)
    base = np.asarray(Image.open(SAMPLE).convert("RGB").resize(size), np.float32)
    for i in range(count):
        photo = base[:, ::-1] if i % 2 else base
        noisy = photo + rng.normal(0, 2, photo.shape)
        Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(
            folder / f"night_{i:03d}.jpg", quality=92)


def timed(events: Iterator[ItemEvent]) -> tuple[float, float]:
    """(wall seconds, photos per second from the first start to the last finish)."""
    started = time.perf_counter()
    finished: list[tuple[float, float]] = []  # (finish time, seconds the photo took)
    for event in events:
        item = event.item
        if item.status is Status.RUNNING:
            continue
        if item.status is not Status.DONE:
            raise SystemExit(f"{item.source}: {item.status.value} {item.reason}")
        finished.append((time.perf_counter(), item.seconds))
    last = max(when for when, _ in finished)
    first_start = min(when - seconds for when, seconds in finished)
    return last - started, len(finished) / (last - first_start)


class TreeCPU:
    """CPU seconds used by this process and every process it started (Ray's included) while
    the block runs, read from /proc every 0.2 s: Ray's workers exit unreaped by us, so each
    process is followed while it lives (the last 0.2 s of one that exits are missed)."""

    def __enter__(self) -> TreeCPU:
        self.before = _tree()
        self.last = dict(self.before)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.last.update(_tree())
        self.seconds = sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.last.items())

    def _follow(self) -> None:
        while not self.stop.wait(0.2):
            self.last.update(_tree())


def _tree() -> dict[int, float]:
    """{pid: CPU seconds} of this process and its living descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu: dict[int, float] = {}
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {}, [os.getpid()]
    while todo:
        pid = todo.pop()
        found[pid] = cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return found


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--size", default="1600x1200", help="WIDTHxHEIGHT of each photo")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray instance")
    parser.add_argument("--model", type=Path, help="checkpoint (default: the bundled model)")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        make_photos(root / "in", args.photos, size)
        results: dict[str, tuple[float, float, float]] = {}
        outputs: dict[str, dict[str, bytes]] = {}

        def plan(name: str) -> tuple[list[BatchItem], BatchOptions]:
            options = BatchOptions(out_dir=root / name)
            return plan_batch([root / "in"], options), options

        for threads in (1, 2):
            name = f"local, {threads} thread{'s' * (threads > 1)}"
            configure_runtime(threads)
            engine = Engine(args.model, device="cpu")
            items, options = plan(name)
            with TreeCPU() as cpu:
                wall, rate = timed(run_batch(engine, items, options))
            results[name] = wall, rate, cpu.seconds / args.photos
            outputs[name] = contents(root / name)
        with connected(num_cpus=args.cpus):
            for workers in (1, 2):
                name = f"Ray, {workers} worker{'s' * (workers > 1)}"
                items, options = plan(name)
                ray_options = RayOptions(workers=workers, cpus_per_worker=1)
                with TreeCPU() as cpu:
                    wall, rate = timed(enhance_on_ray(items, options, ray_options,
                                                      model=args.model))
                results[name] = wall, rate, cpu.seconds / args.photos
                outputs[name] = contents(root / name)
    reference = outputs["local, 1 thread"]
    differ = {name: sum(found[k] != reference[k] for k in reference)
              for name, found in outputs.items() if found != reference}
    same = "yes" if not differ else f"no, files that differ: {differ}"
    print(f"{args.photos} photos of {size[0]}x{size[1]}, fast mode, automatic noise reduction; "
          f"load average {os.getloadavg()[0]:.1f} at the end; outputs identical: {same}")
    print("| run | wall s | photos/s once working | CPU s per photo, all included |")
    print("|---|---|---|---|")
    for name, (wall, rate, cpu) in results.items():
        print(f"| {name} | {wall:.1f} | {rate:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
