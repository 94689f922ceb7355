"""The Ray Data job behind `cluster.enhance_on_ray`: rows naming files in, outcomes out.

The rows become a dataset of one row per block, so outcomes stream back file by file and a
lost worker costs one file, not a shard. `map_batches` runs `BatchEnhancer` in a pool of
actors that each load the engine once, one row per call, each row first counted by the
`Attempts` actor so a file that keeps killing its worker ends as a failed row.

A Ray Client driver (`ray://`) cannot run Ray Data's executor itself (Ray 2.60 needs a core
worker in the driver process), so there a small actor inside the cluster runs the job and
the client fetches its finished rows every `POLL` seconds.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import ray
import ray.data
import ray.util.client
from ray.data import ActorPoolStrategy, DataContext

from ..batch import Status
from .attempts import ATTEMPTS, Attempts
from .enhancer import BatchEnhancer

LOST = f"the Ray worker enhancing it died (crash or out of memory) on all {ATTEMPTS} tries"
POLL = 0.25  # seconds between a Ray Client's fetches of finished rows

Row = dict[str, Any]


def outcomes(rows: list[Row], workers: int | None, remote_args: dict[str, Any],
             enhancer: dict[str, Any]) -> Iterator[Row]:
    """`{index, status, reason, warnings, seconds}` for each row `{index, source, target}`,
    in the order they finish, from a pool of `workers` actors (None: as many as fit) made with
    `remote_args` (num_cpus, num_gpus) and the `BatchEnhancer` arguments `enhancer`."""
    if ray.util.client.ray.is_connected():
        yield from _through_cluster(rows, workers, remote_args, enhancer)
    else:
        yield from _execute(rows, workers, remote_args, enhancer)


class _CountedEnhancer(BatchEnhancer):
    """`BatchEnhancer` for one-row batches that gives a file up after `ATTEMPTS` starts."""

    def __init__(self, attempts: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attempts = attempts

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        (index,) = batch["index"]
        try:
            starts = ray.get(self.attempts.start.remote(int(index)))
        except ray.exceptions.RayError:  # the counter is being restarted: enhance, not guess
            starts = 1
        if starts <= ATTEMPTS:
            return super().__call__(batch)
        return {**batch, "status": np.array([Status.FAILED.value], dtype=object),
                "reason": np.array([LOST], dtype=object), "warnings": np.array([""], dtype=object),
                "seconds": np.zeros(1)}


def _execute(rows: list[Row], workers: int | None, remote_args: dict[str, Any],
             enhancer: dict[str, Any]) -> Iterator[Row]:
    _quiet()
    # Restarted if it dies (Ray's memory monitor may pick it); its counts then start over.
    attempts = ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)(Attempts).remote()
    pool = (ActorPoolStrategy(size=workers) if workers is not None
            else ActorPoolStrategy(min_size=1, max_size=None))
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
        _CountedEnhancer, batch_size=1, batch_format="numpy", compute=pool, **remote_args,
        fn_constructor_kwargs={"attempts": attempts, **enhancer})
    for row in dataset.iter_rows():
        yield {"index": int(row["index"]), "status": str(row["status"]),
               "reason": str(row["reason"]), "warnings": str(row["warnings"]),
               "seconds": float(row["seconds"])}


def _quiet() -> None:
    """The caller's progress bar instead of Ray Data's, its notices off the console (they
    stay in the Ray logs), and a block that errors a lost row (the caller reports it
    failed), not a failed job."""
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.max_errored_blocks = -1
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setLevel(logging.ERROR)


class _Driver:
    """Runs `_execute` inside the cluster for a Ray Client; `take` hands over what finished."""

    def __init__(self, *job: Any) -> None:
        self.job = job
        self.finished: collections.deque[Row] = collections.deque()

    def run(self) -> None:
        self.finished.extend(_execute(*self.job))

    def take(self) -> list[Row]:
        taken = []
        while self.finished:
            taken.append(self.finished.popleft())
        return taken


def _through_cluster(*job: Any) -> Iterator[Row]:
    driver = ray.remote(num_cpus=0, max_concurrency=2)(_Driver).remote(*job)
    running = driver.run.remote()
    while True:
        done, _ = ray.wait([running], timeout=POLL)
        yield from ray.get(driver.take.remote())
        if done:
            ray.get(running)  # raises what stopped the job, if anything did
            return
