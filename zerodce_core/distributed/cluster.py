"""A planned batch run as a Ray Data pipeline: `zerodce enhance INPUT... --ray [ADDRESS]`.

The driver (this process) plans the batch exactly as a local run does (`batch.plan_batch`);
the queued files go to a Ray Data job (`job.py`) whose workers each load the engine once,
read the inputs and write the outputs themselves through the guarded writer: inputs,
outputs and a `--model` file live on a file system every node sees at the same paths. The
outcomes come back as the local batch's `ItemEvent`s, so the command line's progress bar,
report and exit code are the local ones.

Reliability, as locally: a file that fails is a failed row. A worker that dies (a crash, out
of memory, a lost node) is restarted by Ray and its file tried again, up to
`attempts.ATTEMPTS` times; a file that kills every worker it meets is then a failed row too.
Stopping a job leaves no partial file (outputs are atomic renames), and running the same
command again skips every output that exists: it finishes the rest with no duplicates.

This module imports Ray; the command line imports it only for `--ray`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..batch import BatchItem, BatchOptions, ItemEvent, Status
from ..defaults import COLOUR, Colour
from ..validate import OptionError, in_range, optional_in_range
from . import RayError
from .enhancer import WARNING_SEPARATOR

try:
    import ray

    from . import job
except ModuleNotFoundError as exc:  # Ray, or a package Ray Data needs
    raise RayError(f"--ray needs Ray ({exc}): pip install 'zerodce[ray]'") from None

#: `--ray` without an address: a new Ray instance on this machine, using all of it.
LOCAL = "local"
_ADDRESS = re.compile(r"(ray://)?[\w.\-]+:\d+|(ray://)?\[[0-9A-Fa-f:.]+\]:\d+")
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
        if self.address not in (LOCAL, "auto") and not _ADDRESS.fullmatch(self.address):
            raise OptionError(f"the Ray address must be auto, HOST:PORT or ray://HOST:PORT, not "
                              f"{self.address!r} (an input? put --ray after the inputs)")
        optional_in_range("Ray workers", self.workers, 1, integer=True)
        in_range("CPUs per Ray worker", self.cpus_per_worker, 0.01)
        in_range("GPUs per Ray worker", self.gpus_per_worker, 0.0)


def enhance_on_ray(items: list[BatchItem], options: BatchOptions, ray_options: RayOptions, *,
                   model: str | Path | None = None, device: str = "auto",
                   threads: int | None = None, colour: Colour = COLOUR) -> Iterator[ItemEvent]:
    """The local `run_batch`'s events for `items` (from `batch.plan_batch`), the queued ones
    enhanced by Ray workers (engines of `colour`, `defaults.Colour`), in the order they
    finish. Ray is joined (`connected`) only if there is work; closing the generator stops
    the job and leaves Ray."""
    queued = [index for index, item in enumerate(items) if item.status is Status.QUEUED]
    for index, item in enumerate(items):
        if item.status is not Status.QUEUED:
            yield ItemEvent(index, item)
    if not queued:
        return
    enhancer = {"options": options, "model": model, "protect": [str(i.source) for i in items],
              "device": "cpu" if device == "auto" and not ray_options.gpus_per_worker else device,
              "threads": threads or max(1, int(ray_options.cpus_per_worker)), "colour": colour}
    with connected(ray_options.address):
        yield from _run(items, queued, ray_options, enhancer)


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


def _run(items: list[BatchItem], queued: list[int], ray_options: RayOptions,
         enhancer: dict[str, Any]) -> Iterator[ItemEvent]:
    rows = [{"index": index, "source": str(items[index].source),
             "target": str(items[index].target)} for index in queued]
    remote_args = {"num_cpus": ray_options.cpus_per_worker,
                   "num_gpus": ray_options.gpus_per_worker or None}
    pending = set(queued)
    try:
        for outcome in job.outcomes(rows, ray_options.workers, remote_args, enhancer):
            index = outcome["index"]
            pending.discard(index)
            yield ItemEvent(index, dataclasses.replace(
                items[index], status=Status(outcome["status"]), reason=outcome["reason"],
                warnings=tuple(filter(None, outcome["warnings"].split(WARNING_SEPARATOR))),
                seconds=outcome["seconds"]))
    except ray.exceptions.RayError as exc:
        raise RayError(f"the Ray job stopped: {_cause(exc)}") from None
    for index in sorted(pending):  # rows of blocks Ray Data gave up on (see `job._quiet`)
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


def _code_path() -> str:
    """PYTHONPATH with the folder this package was imported from first."""
    root = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))


def _cause(exc: BaseException) -> str:
    """The innermost reason Ray reports, in one line."""
    text = str(getattr(exc, "cause", None) or exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
