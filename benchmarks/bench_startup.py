"""How fast the `zerodce` command answers when it has no real work: help, version, usage errors.

Each case runs as a fresh process (as a user's shell starts it) several times; the median and
the fastest wall-clock times are printed, with the heavy modules the process imported (torch
alone takes seconds). A bare `python -c pass` is the floor nothing can go under.

Usage: python benchmarks/bench_startup.py [--repeats N] [--repo DIR]
(--repo: the checkout to time, default this one, so an older worktree can be compared.)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("torch", "numba", "numpy", "cv2", "av", "PIL")
CASES: dict[str, list[str]] = {
    "zerodce --help": ["--help"],
    "zerodce --version": ["--version"],
    "zerodce enhance --help": ["enhance", "--help"],
    "zerodce train --help": ["train", "--help"],
    "zerodce info --help": ["info", "--help"],
    "zerodce enhance (no input)": ["enhance"],
    "zerodce enhance x.jpg --bogus": ["enhance", "x.jpg", "--bogus"],
    "zerodce enhance x.jpg --strength -1": ["enhance", "x.jpg", "--strength", "-1"],
    "zerodce enhance x.jpg --format gif": ["enhance", "x.jpg", "--format", "gif"],
}
# Runs the command in-process, then says which heavy modules it loaded.
PROBE = """
import sys
from zerodce_core.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("HEAVY", *[m for m in {heavy!r} if m in sys.modules], file=sys.stderr)
"""


def time_command(argv: list[str], repo: Path, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(argv, cwd=repo, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return times


def heavy_modules(args: list[str], repo: Path) -> str:
    probe = [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args]
    done = subprocess.run(probe, cwd=repo, capture_output=True, text=True, check=False)
    line = next((x for x in done.stderr.splitlines() if x.startswith("HEAVY")), "HEAVY ?")
    return " ".join(line.split()[1:]) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    repo = args.repo.resolve()
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    print(f"{repo}, {args.repeats} runs each, load average {load}")
    print(f"{'case':38} {'median':>8} {'fastest':>8}  heavy modules imported")
    floor = time_command([sys.executable, "-c", "pass"], repo, args.repeats)
    print(f"{'python -c pass (the floor)':38} {statistics.median(floor):7.3f}s "
          f"{min(floor):7.3f}s")
    for name, extra in CASES.items():
        times = time_command([sys.executable, "-m", "zerodce_core", *extra], repo, args.repeats)
        print(f"{name:38} {statistics.median(times):7.3f}s {min(times):7.3f}s  "
              f"{heavy_modules(extra, repo)}")


if __name__ == "__main__":
    main()
