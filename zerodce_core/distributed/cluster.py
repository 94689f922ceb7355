"""A planned batch run as a Ray Data pipeline: `zerodce enhance INPUT... --ray [ADDRESS]`.

The driver (this process) plans the batch exactly as a local run does (`batch.plan_batch`);
the queued files become a dataset of rows, one row per block, so results stream back file
by file and a lost worker costs one file, not a shard. `map_batches` runs `BatchEnhancer` in
a pool of actors that each load the engine once; the workers read the inputs and write the
outputs themselves, through the guarded writer, so inputs, outputs and a `--model` file live
on a file system every node sees at the same paths. Rows come back as `ItemEvent`s, so the
command line's progress bar, report and exit code are the local ones.

Reliability, as locally: a file that fails is a failed row. A worker that dies (a crash, out
of memory, a lost node) is restarted by Ray and its file tried again, `ATTEMPTS` times in
all (`attempts.py`); a file that kills every worker it meets is then a failed row too.
Stopping a job leaves no partial file (outputs are atomic renames), and running the same
command again skips every output that exists: it finishes the rest with no duplicates.

This module imports Ray; the command line imports it only for `--ray`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..batch import BatchItem, BatchOptions, ItemEvent, Status
from ..validate import in_range, optional_in_range
from . import RayError
from .attempts import ATTEMPTS, Attempts
from .enhancer import BatchEnhancer

try:
    import ray
    import ray.data
    from ray.data import ActorPoolStrategy, DataContext
except ModuleNotFoundError as exc:
    raise RayError(f"--ray needs Ray ({exc}): pip install 'zerodce[ray]'") from None

#: `--ray` without an address: a new Ray instance on this machine, using all of it.
LOCAL = "local"
LOST = f"the Ray worker enhancing it died (crash or out of memory) on all {ATTEMPTS} tries"
# Runs in every worker process Ray starts for this job, before a task imports torch: the
# environment part of the command line's process settings (the rest: `BatchEnhancer`).
_SETUP_HOOK = "zerodce_core.runtime.configure_environment"


@dataclasses.dataclass(frozen=True)
class RayOptions:
    """Where and how wide a batch runs on Ray."""

    address: str = LOCAL  # or "auto" (the cluster this node is in), "ray://HOST:10001"
    workers: int | None = None  # None: as many as the cluster has room for
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0  # above 0: GPU workers (fractions share a GPU)

    def __post_init__(self) -> None:
        optional_in_range("Ray workers", self.workers, 1, integer=True)
        in_range("CPUs per Ray worker", self.cpus_per_worker, 0.01)
        in_range("GPUs per Ray worker", self.gpus_per_worker, 0.0)


def enhance_on_ray(items: list[BatchItem], options: BatchOptions, ray_options: RayOptions, *,
                   model: str | Path | None = None, device: str = "auto",
                   threads: int | None = None) -> Iterator[ItemEvent]:
    """The local `run_batch`'s events for `items` (from `batch.plan_batch`), the queued ones
    enhanced by Ray workers, in the order they finish. Ray is joined (`connected`) only if
    there is work; closing the generator stops the job and leaves Ray."""
    queued = [index for index, item in enumerate(items) if item.status is Status.QUEUED]
    for index, item in enumerate(items):
        if item.status is not Status.QUEUED:
            yield ItemEvent(index, item)
    if not queued:
        return
    worker = {"options": options, "model": model, "protect": [str(i.source) for i in items],
              "device": "cpu" if device == "auto" and not ray_options.gpus_per_worker else device,
              "threads": threads or max(1, int(ray_options.cpus_per_worker))}
    with connected(ray_options.address):
        yield from _run(items, queued, ray_options, worker)


@contextlib.contextmanager
def connected(address: str = LOCAL, *, num_cpus: int | None = None) -> Iterator[None]:
    """Ray for the duration of the block: the connection this process already has, else a
    new local instance (`LOCAL`, of `num_cpus`; None: all cores) or the cluster at
    `address`, left again at the end."""
    if ray.is_initialized():
        yield
        return
    local = address == LOCAL
    runtime_env: dict[str, Any] = {"worker_process_setup_hook": _SETUP_HOOK}
    if local:  # the workers run the very code this process runs (a checkout, a venv)
        runtime_env["env_vars"] = {"PYTHONPATH": _code_path()}
    try:
        with _own_sigterm_handler():
            ray.init(address=address, runtime_env=runtime_env, logging_level=logging.WARNING,
                     **({"include_dashboard": False, "num_cpus": num_cpus} if local else {}))
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "start Ray on this machine" if local else f"join the Ray cluster at {address}"
        raise RayError(f"could not {where}: {exc}") from None
    try:
        yield
    finally:
        ray.shutdown()


class _CountedEnhancer(BatchEnhancer):
    """`BatchEnhancer` for the one-row batches of `_run`, giving up on a file after
    `ATTEMPTS` tries."""

    def __init__(self, attempts: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attempts = attempts

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        (index,) = batch["index"]
        if ray.get(self.attempts.start.remote(int(index))) <= ATTEMPTS:
            return super().__call__(batch)
        return {**batch, "status": np.array([Status.FAILED.value], dtype=object),
                "reason": np.array([LOST], dtype=object), "seconds": np.zeros(1)}


def _run(items: list[BatchItem], queued: list[int], ray_options: RayOptions,
         worker: dict[str, Any]) -> Iterator[ItemEvent]:
    _quiet()
    attempts = ray.remote(num_cpus=0)(Attempts).remote()
    rows = [{"index": index, "source": str(items[index].source),
             "target": str(items[index].target)} for index in queued]
    results = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
        _CountedEnhancer, batch_size=1, batch_format="numpy", compute=_pool(ray_options),
        num_cpus=ray_options.cpus_per_worker, num_gpus=ray_options.gpus_per_worker or None,
        fn_constructor_kwargs={"attempts": attempts, **worker})
    pending = set(queued)
    try:
        for row in results.iter_rows():
            index = int(row["index"])
            pending.discard(index)
            yield ItemEvent(index, dataclasses.replace(
                items[index], status=Status(row["status"]), reason=str(row["reason"]),
                seconds=float(row["seconds"])))
    except ray.exceptions.RayError as exc:
        raise RayError(f"the Ray job stopped: {_cause(exc)}") from None
    for index in sorted(pending):  # rows of blocks Ray Data gave up on (see `_quiet`)
        yield ItemEvent(index, dataclasses.replace(items[index], status=Status.FAILED,
                                                   reason="lost by Ray (see the Ray logs)"))


@contextlib.contextmanager
def _own_sigterm_handler() -> Iterator[None]:
    """Keep the program's SIGTERM handler: `ray.init` replaces it with an exit (code 15),
    where the command line stops like Ctrl-C does (and then leaves Ray itself)."""
    previous = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, TypeError):  # not the main thread: untouched
            signal.signal(signal.SIGTERM, previous)


def _pool(ray_options: RayOptions) -> ActorPoolStrategy:
    if ray_options.workers is not None:
        return ActorPoolStrategy(size=ray_options.workers)
    return ActorPoolStrategy(min_size=1, max_size=None)


def _quiet() -> None:
    """Our progress bar instead of Ray Data's, and its notices off the console (they stay
    in the Ray logs); a block that errors is a failed row, not a failed job."""
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.max_errored_blocks = -1
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setLevel(logging.ERROR)


def _code_path() -> str:
    """PYTHONPATH with the folder this package was imported from first."""
    root = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))


def _cause(exc: BaseException) -> str:
    """The innermost reason Ray reports, in one line."""
    text = str(getattr(exc, "cause", None) or exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
