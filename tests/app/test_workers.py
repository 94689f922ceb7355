"""Background jobs: results, progress, failures, and a newer request silencing a stale one."""

from __future__ import annotations

import threading

from desktop_app.workers import Job, JobSlot
from zerodce_core.errors import Cancelled, ImageReadError


def counting(n: int):
    yield from range(n)
    return "done"


def test_generator_job_reports_each_yield_then_the_result(qtbot):
    job = Job(counting, 3)
    seen, results = [], []
    job.progressed.connect(seen.append)
    job.succeeded.connect(results.append)
    with qtbot.waitSignals([job.succeeded, job.finished], order="strict"):
        job.start()
    assert seen == [0, 1, 2]
    assert results == ["done"]


def test_failures_arrive_as_exceptions(qtbot):
    def broken() -> None:
        raise ImageReadError("photo.jpg", "file is truncated or corrupt")

    job = Job(broken)
    with qtbot.waitSignal(job.failed) as blocker:
        job.start()
    assert str(blocker.args[0]) == "photo.jpg: file is truncated or corrupt"


def test_a_newer_request_cancels_the_stale_one(qtbot):
    release = threading.Event()

    def stale(*, progress) -> str:
        while not release.wait(0.01):
            progress(0, 1)  # raises Cancelled once the slot has moved on
        return "stale"

    slot = JobSlot()
    results = []
    old = slot.start(stale, on_success=results.append)
    with qtbot.waitSignal(old.cancelled, timeout=5000):
        new = slot.start(lambda: "fresh", on_success=results.append)
    qtbot.waitUntil(lambda: not slot.busy)
    release.set()
    assert new.wait(5000) and old.wait(5000)
    assert results == ["fresh"]


def test_a_shared_slot_runs_jobs_side_by_side(qtbot):
    slot = JobSlot(exclusive=False)
    results = []
    with qtbot.waitSignal(slot.busy_changed, check_params_cb=lambda busy: not busy):
        slot.start(lambda: "first", on_success=results.append)
        slot.start(lambda: "second", on_success=results.append)
    assert sorted(results) == ["first", "second"]


def test_a_job_receives_only_the_controls_it_declares(qtbot):
    seen = {}

    def plain(value: int) -> int:
        return value

    def with_controls(value: int, *, progress, checkpoint, raise_if_cancelled) -> int:
        seen.update(progress=progress, checkpoint=checkpoint, cancel=raise_if_cancelled)
        progress(1, 2)
        checkpoint()
        raise_if_cancelled()
        return value * 2

    results, ticks = [], []
    slot = JobSlot(exclusive=False)
    with qtbot.waitSignal(slot.busy_changed, check_params_cb=lambda busy: not busy):
        slot.start(plain, 1, on_success=results.append)
        slot.start(with_controls, 2, on_success=results.append,
                   on_tick=lambda done, total: ticks.append((done, total)))
    assert sorted(results) == [1, 4]
    assert ticks == [(1, 2)] and set(seen) == {"progress", "checkpoint", "cancel"}


def test_a_cancel_is_thrown_into_a_generator_so_work_in_flight_still_reports(qtbot):
    started, release = threading.Event(), threading.Event()

    def writes_behind():
        try:
            started.set()
            release.wait(5)
            yield "first running"
        except Cancelled:
            yield "written behind"  # finished while the cancel arrived: still reported
            raise

    job = Job(writes_behind)
    seen = []
    job.progressed.connect(seen.append)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.start()
        assert started.wait(5)
        job.cancel()
        release.set()
    assert seen == ["first running", "written behind"]
