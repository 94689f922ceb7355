"""The I/O ends of a streaming pipeline in threads: a producer ahead, a consumer behind.

A video is decode -> enhance -> encode, frame after frame. Run in one thread, the decoder
and the encoder wait for the enhancement and the other way round. `Ahead` runs the
producer (demuxing and decoding) a few items ahead in a thread of its own, `Behind` runs
the consumer (encoding and muxing) a few items behind; both queues are bounded, so memory
holds a handful of frames whatever the length. FFmpeg releases the GIL while it decodes and
encodes, so the three stages really overlap.

The stage threads run at a lower priority (`yield_to_compute`): on a machine whose cores
the enhancement keeps busy, they use the moments a core is idle instead of slowing the
enhancement's parallel sections (there, one straggling thread holds up all the others).

Errors in either thread are raised in the caller's thread, at its next call. `depth=0`
runs the stage inline, one item at a time: the same code path without threads (tests
compare the two byte for byte).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_POLL = 0.1  # seconds between looks at the stop flag while a queue is full
#: Nice value of I/O threads (0 is normal; higher yields the core to other threads).
IO_NICENESS = 10


def yield_to_compute() -> None:
    """Lower the calling thread's scheduling priority (Linux gives each thread its own nice
    value; elsewhere this does nothing)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), IO_NICENESS)


class Ahead(Generic[T]):
    """Iterate `source` in a thread, at most `depth` items ahead of the caller."""

    def __init__(self, source: Iterable[T], depth: int, name: str = "zerodce-ahead") -> None:
        self._source = iter(source)
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(max(depth, 1))
        self._stop = threading.Event()
        self._thread = _started(self._run, name) if depth > 0 else None

    def _run(self) -> None:
        yield_to_compute()
        try:
            for item in self._source:
                if not self._put(("item", item)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # handed to the caller's thread
            self._put(("error", exc))

    def _put(self, entry: tuple[str, object]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._thread is None:
            return next(self._source)
        kind, value = self._queue.get()
        if kind == "item":
            return value  # type: ignore[return-value]
        self._queue.put((kind, value))  # stays ended (or failed) for later calls
        if kind == "error":
            raise value  # type: ignore[misc]
        raise StopIteration

    def close(self) -> None:
        """Stop the producer (at its next item) and wait for its thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class Behind:
    """Run the jobs handed to `put` in a thread, in order, at most `depth` waiting."""

    def __init__(self, depth: int, name: str = "zerodce-behind") -> None:
        self._queue: queue.Queue[Callable[[], object] | None] = queue.Queue(max(depth, 1))
        self._error: BaseException | None = None
        self._abort = threading.Event()
        self._thread = _started(self._run, name) if depth > 0 else None

    def _run(self) -> None:
        yield_to_compute()
        while (job := self._queue.get()) is not None:
            if self._error is None and not self._abort.is_set():  # else drained, not run
                try:
                    job()
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc

    def put(self, job: Callable[[], object]) -> None:
        """Queue `job` (waiting while `depth` jobs wait); raises an earlier job's error."""
        self._raise()
        if self._thread is None:
            job()
        else:
            self._queue.put(job)

    def finish(self) -> None:
        """Wait until every job has run; raises the first job's error, if any."""
        self.close()
        self._raise()

    def close(self, abort: bool = False) -> None:
        """Let the queued jobs run (or drop them: `abort`) and wait for the thread."""
        if abort:
            self._abort.set()
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _started(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name)
    thread.start()
    return thread
