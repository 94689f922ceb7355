"""`BatchEnhancer`: the local batch as a callable class for Ray Data's `map_batches`.

Ray Data runs a callable class as a pool of actors: each actor makes one instance, so the
model loads once per worker, then calls it on batch after batch of rows. A row names a photo
or video (`source`) and, optionally, its output (`target`); it comes back with the outcome
(`status`, `reason`, `seconds`) and any other columns it had. The work is the local batch
itself (`batch.run_batch` on the batch's rows): the same pipeline, skip-existing, per-file
failures and the one guarded writer (atomic, never onto an input), so a Ray run and a local
run write the same bytes and report the same outcomes.

Nothing here imports Ray: the class is plain Python, so it runs anywhere and a user's own
Ray program needs nothing from us but this class.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..batch import BatchItem, BatchOptions, output_path, run_batch
from ..defaults import COLOUR, Colour
from ..engine import Engine
from ..output import OutputGuard
from ..runtime import configure_runtime

#: Between the warnings of one file in the `warnings` column (a string, so every row has
#: the same column type however many warnings it has).
WARNING_SEPARATOR = "\n"


class BatchEnhancer:
    """Enhance the files named in a batch of rows; for `Dataset.map_batches`.

    `options` are the batch's (output folder, suffix, format, look, mode, skip or
    overwrite); a row without a `target` column goes to `output_path(source, out_dir)`.
    Each row comes back with `target`, `status` ("done", "skipped" or "failed"), `reason`,
    `warnings` (e.g. only an animation's first frame enhanced; separated by
    `WARNING_SEPARATOR`) and `seconds`.
    `colour` is the engine's (`defaults.Colour`).
    `protect` lists files no output may replace beyond each batch's own sources (a
    planned run passes all of its inputs). `threads` is the worker's CPU threads (None:
    what Ray gives the worker). Making one configures the process it runs in (threads,
    flush-to-zero), as the command line does: it is meant for a worker process.
    """

    def __init__(self, options: BatchOptions = BatchOptions(), *,
                 model: str | Path | None = None, device: str = "auto",
                 threads: int | None = None, protect: Iterable[str | Path] = (),
                 colour: Colour = COLOUR) -> None:
        configure_runtime(threads)
        self.options = options
        self.engine = Engine(model, device=device, mode=options.mode, colour=colour)
        self.guard = OutputGuard(protect, replace=options.existing == "overwrite")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The rows of `batch` with their outcomes; a file that fails is a failed row."""
        sources = [Path(str(source)) for source in batch["source"]]
        if "target" in batch:
            targets = [Path(str(target)) for target in batch["target"]]
        else:
            targets = [self._target(source) for source in sources]
        items = [BatchItem(source, target) for source, target in zip(sources, targets)]
        self.guard.protect(*sources)
        final = list(items)
        for event in run_batch(self.engine, items, self.options, guard=self.guard):
            final[event.index] = event.item
        result = dict(batch)
        result["target"] = np.array([str(item.target) for item in final], dtype=object)
        result["status"] = np.array([item.status.value for item in final], dtype=object)
        result["reason"] = np.array([item.reason for item in final], dtype=object)
        result["warnings"] = np.array([WARNING_SEPARATOR.join(item.warnings) for item in final],
                                      dtype=object)
        result["seconds"] = np.array([item.seconds for item in final], dtype=np.float64)
        return result

    def _target(self, source: Path) -> Path:
        options = self.options
        return output_path(source, options.out_dir, suffix=options.suffix,
                           format=options.encode.format)
