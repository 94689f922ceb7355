"""The batch queue: per-item states, files on disk, failures that don't stop it, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.panels.batch import batch_job
from tests.test_video import make_clip
from zerodce_core.batch import BatchOptions, Status, plan_batch
from zerodce_core.engine import Engine
from zerodce_core.errors import Cancelled

from ..conftest import write_photo


def make_folder(root: Path, good: int, corrupt: int = 0) -> Path:
    folder = root / "inputs"
    folder.mkdir()
    for i in range(good):
        write_photo(folder / f"photo{i}.png", seed=i)
    for i in range(corrupt):
        (folder / f"zbroken{i}.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    return folder


def configure(panel, out_dir: Path) -> None:
    panel.options_box.out_dir.setText(str(out_dir))
    panel.options_box.suffix.setText("_lit")


def test_a_corrupt_file_fails_alone(qtbot, window, tmp_path):
    panel = window.batch
    panel.add_paths([make_folder(tmp_path, good=3, corrupt=1)])
    configure(panel, tmp_path / "out")
    with qtbot.waitSignal(panel.run_finished, timeout=20000) as finished:
        panel.start()
    assert finished.args[0]["done"] == 3 and finished.args[0]["failed"] == 1
    states = panel.states()
    assert [s[1] for s in states] == ["done", "done", "done", "failed"]
    assert "corrupt" in states[3][2] or "not an image" in states[3][2]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "photo0_lit.png", "photo1_lit.png", "photo2_lit.png"]
    assert "3 done, 1 failed" in panel.eta_label.text()
    assert panel.retry_button.isEnabled()

    with qtbot.waitSignal(panel.run_finished, timeout=20000) as retried:
        panel.retry_failed()
    assert retried.args[0] == {"queued": 0, "running": 0, "done": 0, "failed": 1, "skipped": 0}

    with qtbot.waitSignal(panel.run_finished, timeout=20000) as again:
        panel.start()
    assert again.args[0]["skipped"] == 3  # outputs exist: never silently overwritten


def test_cancel_stops_between_files(qtbot, window, tmp_path):
    panel = window.batch
    panel.add_paths([make_folder(tmp_path, good=5)])
    configure(panel, tmp_path / "out")
    panel.item_finished.connect(lambda row, status: panel.cancel())
    with qtbot.waitSignal(panel.run_finished, timeout=20000) as finished:
        panel.start()
    counts = finished.args[0]
    # The worker may have begun the next photo before the GUI saw the first one finish.
    assert counts["done"] in (1, 2) and counts["queued"] == 5 - counts["done"]
    assert len(list((tmp_path / "out").iterdir())) == counts["done"]
    assert "cancelled" in panel.eta_label.text()
    assert panel.start_button.isEnabled()


def test_a_cancel_between_files_still_reports_the_photo_written_behind(tmp_path, tiny_model):
    folder = make_folder(tmp_path, good=4)
    out = tmp_path / "out"
    out.mkdir()
    (out / "photo2_lit.png").write_bytes(b"an earlier output")  # photo2 will be skipped
    options = BatchOptions(out_dir=out, suffix="_lit")
    items = plan_batch([folder], options)
    calls = []

    def checkpoint() -> None:  # cancel at the skip, while photo1 is still being written
        calls.append(1)
        if len(calls) == 2:
            raise Cancelled("cancelled")

    events = []
    with pytest.raises(Cancelled):
        for event in batch_job(Engine(tiny_model, device="cpu"), items, options,
                               checkpoint=checkpoint, raise_if_cancelled=lambda: None):
            events.append(event)
    done = sorted(e.item.target.name for e in events if e.item.status is Status.DONE)
    assert done == ["photo0_lit.png", "photo1_lit.png"]
    assert sorted(p.name for p in out.iterdir()) == done + ["photo2_lit.png"]


def test_pause_holds_the_queue_until_resumed(qtbot, window, tmp_path):
    panel = window.batch
    panel.add_paths([make_folder(tmp_path, good=3)])
    configure(panel, tmp_path / "out")
    with qtbot.waitSignal(panel.item_finished, timeout=20000):
        panel.start()
        panel.toggle_pause()  # takes effect once the photo in progress is written
    # The batch is a pipeline: the next photo may already be computed, held unwritten.
    assert [s[1] for s in panel.states()] in (["done", "queued", "queued"],
                                              ["done", "running", "queued"])
    assert panel.pause_button.text() == "Resume"
    assert panel.eta_label.text().endswith("paused")
    assert len(list((tmp_path / "out").iterdir())) == 1
    with qtbot.waitSignal(panel.run_finished, timeout=20000):
        panel.toggle_pause()
    assert [s[1] for s in panel.states()] == ["done", "done", "done"]


def test_queue_editing(qtbot, window, tmp_path):
    panel = window.batch
    folder = make_folder(tmp_path, good=3)
    assert panel.add_paths([folder]) == 3
    assert panel.add_paths([folder / "photo1.png"]) == 0  # no duplicates
    panel.tree.topLevelItem(2).setSelected(True)
    panel.up_button.click()
    assert [s[0] for s in panel.states()] == ["photo0.png", "photo2.png", "photo1.png"]
    panel.remove_button.click()
    assert [s[0] for s in panel.states()] == ["photo0.png", "photo1.png"]
    panel.clear_button.click()
    assert panel.states() == []


def test_subfolders_are_mirrored_in_the_output_folder(qtbot, window, tmp_path):
    panel = window.batch
    folder = make_folder(tmp_path, good=1)
    (folder / "night").mkdir()
    write_photo(folder / "night" / "photo0.png", seed=7)  # same name, other folder
    panel.recursive_box.setChecked(True)
    assert panel.add_paths([folder]) == 2
    configure(panel, tmp_path / "out")
    panel.recursive_box.setChecked(False)  # rows already queued still run
    with qtbot.waitSignal(panel.run_finished, timeout=20000) as finished:
        panel.start()
    assert finished.args[0]["done"] == 2
    assert (tmp_path / "out" / "photo0_lit.png").is_file()
    assert (tmp_path / "out" / "night" / "photo0_lit.png").is_file()


def test_counters_and_labels_follow_the_queue(qtbot, window, tmp_path):
    panel = window.batch
    assert panel.progress.text() == "" and "Add photos" in panel.eta_label.text()
    clip = make_clip(tmp_path / "clip.mp4", frames=2)
    panel.add_paths([clip])  # what saving a video used to do
    assert panel.eta_label.text() == "1 video queued."
    assert panel.progress.text() == "0 / 1"
    panel.add_paths([make_folder(tmp_path, good=2)])
    assert panel.eta_label.text() == "2 photos and 1 video queued."
    assert panel.progress.text() == "0 / 3"
    panel.tree.topLevelItem(0).setSelected(True)
    panel.remove_button.click()
    assert panel.progress.text() == "0 / 2" and panel.eta_label.text() == "2 photos queued."


def test_details_show_the_whole_error(qtbot, window, tmp_path):
    panel = window.batch
    window.batch_dock.show()
    panel.add_paths([make_folder(tmp_path, good=1)])
    reason = ("photo0.png: the disk is full, so the output could not be written; free some "
              "space or choose another output folder, then use Retry failed")
    row = panel.rows()[0]
    panel.tree.set_state(row, Status.FAILED, reason)
    qtbot.waitUntil(lambda: panel.tree.visualItemRect(row).height()
                    >= 3 * panel.tree.fontMetrics().height())  # wrapped over several lines
    assert panel.states()[0][2] == reason
