"""A planned batch run as a Ray Data pipeline: `zerodce enhance INPUT... --ray [ADDRESS]`.

The driver (this process) plans the batch exactly as a local run does (`batch.plan_batch`);
the queued files become a dataset of rows, one row per block so that results stream back
file by file and a worker lost to a crash costs one file, not a shard. `map_batches` runs
`BatchEnhancer` in a pool of actors, each loading the engine once; the workers read the
inputs and write the outputs themselves, through the guarded writer, so inputs and outputs
live on a file system every node sees at the same paths (and the model file too, when it
is not the bundled one). Rows come back as `ItemEvent`s, so the command line's progress
bar, report and exit code are the local ones.

Reliability, as locally: a file that fails is a failed row. A worker that dies (a crash, out
of memory, a lost node) is replaced and its file retried on another worker, up to
`RETRIES` times; a file that kills every worker it meets is reported failed and the job goes
on. Stopping a job leaves no partial file (outputs are atomic renames), and running the same
command again skips every output that exists, so it finishes the rest with no duplicates.

This module imports Ray; the command line imports it only for `--ray`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

from ..batch import BatchItem, BatchOptions, ItemEvent, Status
from ..validate import in_range, optional_in_range
from . import BatchEnhancer, RayError

try:
    import ray
    import ray.data
    from ray.data import ActorPoolStrategy, DataContext
except ModuleNotFoundError as exc:
    raise RayError(f"Ray is not installed ({exc}): pip install 'zerodce[ray]'") from None

#: `--ray` without an address: a new Ray instance on this machine, using all of it.
LOCAL = "local"
#: Times a file is retried after the worker enhancing it died.
RETRIES = 2
LOST = "the Ray worker enhancing it died (crash or out of memory) on every try"
# Runs in every worker process Ray starts for us, before anything else imports torch:
# the same process settings as the command line (threads, OpenMP waiting, kernel cache).
_SETUP_HOOK = "zerodce_core.runtime.configure_runtime"


@dataclasses.dataclass(frozen=True)
class RayOptions:
    """Where and how wide a batch runs on Ray."""

    address: str = LOCAL  # "local", "auto" (a cluster this node is part of), "ray://host:10001"
    workers: int | None = None  # None: as many as the cluster has room for
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0  # > 0: GPU workers (fractions share a GPU)

    def __post_init__(self) -> None:
        optional_in_range("Ray workers", self.workers, 1, integer=True)
        in_range("CPUs per Ray worker", self.cpus_per_worker, 0.01)
        in_range("GPUs per Ray worker", self.gpus_per_worker, 0.0)


@contextlib.contextmanager
def connected(address: str = LOCAL) -> Iterator[None]:
    """Ray for the duration of the block: the connection this process already has, else a
    new local instance ("local") or the cluster at `address`, left again at the end."""
    if ray.is_initialized():
        yield
        return
    local = address == LOCAL
    try:
        ray.init(address=address, runtime_env={"worker_process_setup_hook": _SETUP_HOOK},
                 logging_level=logging.WARNING, **({"include_dashboard": False} if local else {}))
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "start Ray on this machine" if local else f"join the Ray cluster at {address}"
        raise RayError(f"could not {where}: {exc}") from None
    try:
        yield
    finally:
        ray.shutdown()


def enhance_on_ray(items: list[BatchItem], options: BatchOptions, ray_options: RayOptions, *,
                   model: str | Path | None = None, device: str = "auto",
                   threads: int | None = None) -> Iterator[ItemEvent]:
    """The local `run_batch`'s events for `items` (from `batch.plan_batch`), the queued ones
    enhanced by Ray workers, in the order they finish. Ray is joined as `connected` says,
    only if there is work; closing the generator stops the job and leaves Ray."""
    queued = [index for index, item in enumerate(items) if item.status is Status.QUEUED]
    for index, item in enumerate(items):
        if item.status is not Status.QUEUED:
            yield ItemEvent(index, item)
    if queued:
        with connected(ray_options.address):
            yield from _run(items, queued, options, ray_options, model, device, threads)


def _run(items: list[BatchItem], queued: list[int], options: BatchOptions,
         ray_options: RayOptions, model: str | Path | None, device: str,
         threads: int | None) -> Iterator[ItemEvent]:
    _quiet_data_context()
    results = _dataset(items, queued).map_batches(
        BatchEnhancer, batch_size=1, batch_format="numpy",
        compute=_pool(ray_options), max_task_retries=RETRIES,
        num_cpus=ray_options.cpus_per_worker, num_gpus=ray_options.gpus_per_worker or None,
        fn_constructor_kwargs={
            "options": options, "model": model, "protect": [str(i.source) for i in items],
            "device": "cpu" if device == "auto" and not ray_options.gpus_per_worker else device,
            "threads": threads or max(1, int(ray_options.cpus_per_worker))})
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
    for index in sorted(pending):
        yield ItemEvent(index, dataclasses.replace(items[index], status=Status.FAILED,
                                                   reason=LOST))


def _dataset(items: list[BatchItem], queued: list[int]) -> ray.data.Dataset:
    rows = [{"index": index, "source": str(items[index].source),
             "target": str(items[index].target)} for index in queued]
    return ray.data.from_items(rows, override_num_blocks=len(rows))


def _pool(ray_options: RayOptions) -> ActorPoolStrategy:
    if ray_options.workers is not None:
        return ActorPoolStrategy(size=ray_options.workers)
    return ActorPoolStrategy(min_size=1, max_size=None)


def _quiet_data_context() -> None:
    """Our progress bar instead of Ray Data's; a block lost to dead workers is a failed
    file (reported by the caller), not a failed job."""
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.max_errored_blocks = -1


def _cause(exc: BaseException) -> str:
    """The innermost reason Ray reports, in one line."""
    cause = getattr(exc, "cause", None) or exc.__cause__
    text = str(cause if isinstance(cause, BaseException) else exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__
