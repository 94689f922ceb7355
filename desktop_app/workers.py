"""Long work off the GUI thread: a job per QThread, reporting through queued signals.

Work is written as plain functions or generators (superqt style) that know nothing of
threads: each `yield` becomes a `progressed` signal and a chance to stop. A function that
wants more declares it by keyword and only then receives it:
- `progress(done, total)`: a core progress callback; raises `Cancelled` once the job is
  cancelled (and waits while it is paused);
- `checkpoint()`: where a pause may take effect (and a cancel);
- `raise_if_cancelled()`: a cancel point that never pauses (deep inside one file).
`JobSlot` groups the jobs of one purpose; by default it keeps only the newest (Orange
style): a newer request cancels the stale one, whose results never reach the window.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from zerodce_core.errors import Cancelled

log = logging.getLogger(__name__)

#: Jobs whose thread is still running; kept referenced so Python never collects a live QThread.
_live: set[Job] = set()


#: The keyword arguments a job function may declare to receive its controls.
CONTROLS = ("progress", "checkpoint", "raise_if_cancelled")


class Job(QObject):
    """Runs `fn(*args)` on its own QThread; signals arrive queued on the GUI thread."""

    progressed = Signal(object)  # each value a generator yields
    ticked = Signal(int, int)  # (done, total) from `tick`
    succeeded = Signal(object)  # the return value
    failed = Signal(object)  # the exception
    cancelled = Signal()
    finished = Signal()  # always, after exactly one of succeeded / failed / cancelled

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        self._fn = fn
        self._args = args
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._thread = _Thread(self)
        self._thread.finished.connect(self._on_thread_finished)

    def start(self) -> Job:
        _live.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop at its next yield or tick; also releases a pause."""
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def is_paused(self) -> bool:
        return not self._running.is_set()

    def tick(self, done: int, total: int) -> None:
        """A core `progress` callback: reports, and raises Cancelled when asked to stop."""
        self.checkpoint()
        self.ticked.emit(done, total)

    def checkpoint(self) -> None:
        """Block while paused; raise Cancelled if cancelled. Called from the worker thread."""
        self._running.wait()
        self.raise_if_cancelled()

    def raise_if_cancelled(self) -> None:
        """Stop deep inside work (per network tile) while pauses wait for `checkpoint`."""
        if self._cancel.is_set():
            raise Cancelled("cancelled")

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has ended (for shutdown and tests)."""
        return self._thread.wait(timeout_ms) if timeout_ms >= 0 else self._thread.wait()

    def _execute(self) -> None:
        try:
            result = self._fn(*self._args, **self._controls())
            if inspect.isgenerator(result):
                result = self._drain(result)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # reported to the window, never lost in a thread
            log.debug("job failed", exc_info=True)
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.failed.emit(exc)
        else:
            self.succeeded.emit(result)

    def _controls(self) -> dict[str, Callable[..., None]]:
        """The controls `fn` declares among `CONTROLS`, and nothing else."""
        wanted = inspect.signature(self._fn).parameters
        own = {"progress": self.tick, "checkpoint": self.checkpoint,
               "raise_if_cancelled": self.raise_if_cancelled}
        return {name: own[name] for name in CONTROLS if name in wanted}

    def _drain(self, generator: Any) -> Any:
        """Emit what `generator` yields until it ends or the job is cancelled. A cancel is
        thrown into the generator, not closed over it, so work it already finished behind
        the scenes (a batch's photo still being written) is still reported."""
        try:
            while not self._cancel.is_set():
                try:
                    value = next(generator)
                except StopIteration as stop:
                    return stop.value
                self.progressed.emit(value)
            value = generator.throw(Cancelled("cancelled"))
            while True:
                self.progressed.emit(value)
                value = next(generator)
        except StopIteration:
            raise Cancelled("cancelled") from None  # it ended quietly, but on our cancel
        finally:
            generator.close()

    def _on_thread_finished(self) -> None:
        self.finished.emit()
        _live.discard(self)


class _Thread(QThread):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job

    def run(self) -> None:
        self._job._execute()


class JobSlot(QObject):
    """The live jobs of one purpose, reporting to the window only while they are live.

    Exclusive (the default): starting a job cancels and silences the one before, for work
    where only the newest request matters (a preview, a photo being opened). Otherwise
    jobs run side by side (two exports to different files are both wanted).
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, exclusive: bool = True) -> None:
        super().__init__(parent)
        self.exclusive = exclusive
        self.jobs: list[Job] = []

    def start(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        on_tick: Callable[[int, int], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> Job:
        if self.exclusive:
            self.cancel()
        job = Job(fn, *args)
        self.jobs.append(job)
        for signal, handler in ((job.succeeded, on_success), (job.failed, on_failure),
                                (job.progressed, on_progress), (job.ticked, on_tick),
                                (job.cancelled, on_cancel)):
            if handler is not None:
                signal.connect(self._if_live(job, handler))
        job.finished.connect(lambda: self._finished(job))
        if len(self.jobs) == 1:
            self.busy_changed.emit(True)
        return job.start()

    def cancel(self) -> None:
        """Cancel every live job; their late signals are ignored."""
        if self.jobs:
            for job in self.jobs:
                job.cancel()
            self.jobs.clear()
            self.busy_changed.emit(False)

    @property
    def current(self) -> Job | None:
        """The newest live job."""
        return self.jobs[-1] if self.jobs else None

    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def _if_live(self, job: Job, handler: Callable[..., None]) -> Callable[..., None]:
        def forward(*args: Any) -> None:
            if job in self.jobs:
                handler(*args)

        return forward

    def _finished(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
            if not self.jobs:
                self.busy_changed.emit(False)


def shutdown(timeout_ms: int = 5000) -> bool:
    """Cancel every live job and wait for the threads; False if one is still running.

    Jobs stop at their next yield or tick, but a single step of core work (one photo of a
    batch in full quality) cannot be interrupted.
    """
    for job in list(_live):
        job.cancel()
    stopped = True
    for job in list(_live):
        if not job.wait(timeout_ms):
            log.warning("a background job did not stop within %d ms", timeout_ms)
            stopped = False
    return stopped
