import dataclasses
import json
import os
import stat
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zerodce_core.batch import BatchOptions, Status, plan_batch, run_batch, summarize, write_report
from zerodce_core.engine import Engine
from zerodce_core.errors import Cancelled
from zerodce_core.pipeline import EncodeOptions


@pytest.fixture
def engine(model_file):
    return Engine(model_file, device="cpu")


def _photo(path: Path, value: int = 30, size=(48, 32)) -> Path:
    rng = np.random.default_rng(value)
    pixels = np.clip(rng.normal(value, 5, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    _photo(folder / "a.jpg")
    _photo(folder / "b.png", 20)
    _photo(folder / "sub" / "c.JPG", 25)
    good = (folder / "a.jpg").read_bytes()
    (folder / "corrupt.jpg").write_bytes(good[: len(good) // 2])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.png").write_text("this is text, not a picture")
    return folder


def finished(engine, items, options):
    """The items' final states: the last event of each."""
    final = list(items)
    for event in run_batch(engine, items, options):
        final[event.index] = event.item
    return final


def _run(engine, inputs, options):
    return finished(engine, plan_batch(inputs, options), options)


def test_bad_files_fail_alone_and_the_rest_is_written(engine, messy_folder, tmp_path):
    before = {p: p.read_bytes() for p in messy_folder.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    items = _run(engine, [messy_folder], BatchOptions(out_dir=out, recursive=True))
    states = {i.source.name: i.status for i in items}
    assert states == {"a.jpg": Status.DONE, "b.png": Status.DONE, "c.JPG": Status.DONE,
                      "corrupt.jpg": Status.FAILED, "empty.jpg": Status.FAILED,
                      "notes.png": Status.FAILED}
    reasons = {i.source.name: i.reason for i in items if i.status is Status.FAILED}
    assert "empty" in reasons["empty.jpg"] and "not an image" in reasons["notes.png"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "a_enhanced.jpg", "b_enhanced.png", "sub/c_enhanced.jpg"]
    assert not [p for p in out.rglob("*") if ".part" in p.name]
    assert {p: p.read_bytes() for p in before} == before  # inputs untouched
    brighter = np.asarray(Image.open(out / "b_enhanced.png")).mean()
    assert brighter > np.asarray(Image.open(messy_folder / "b.png")).mean() + 10


def test_read_only_output_folder_fails_each_item_cleanly(engine, messy_folder, tmp_path,
                                                         monkeypatch):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # root ignores permission bits: make the OS refusal explicit
        real = tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):
            if dir is not None and Path(dir) == out:
                raise PermissionError(13, "Permission denied", str(dir))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    items = _run(engine, [messy_folder / "a.jpg", messy_folder / "b.png"],
                 BatchOptions(out_dir=out))
    assert [i.status for i in items] == [Status.FAILED, Status.FAILED]
    assert all("ermission" in i.reason for i in items)
    assert list(out.iterdir()) == []
    out.chmod(stat.S_IRWXU)


def test_existing_outputs_are_skipped_or_overwritten(engine, tmp_path):
    src = _photo(tmp_path / "p.png")
    target = tmp_path / "p_enhanced.png"
    target.write_bytes(b"old")
    items = _run(engine, [src], BatchOptions())
    assert items[0].status is Status.SKIPPED and target.read_bytes() == b"old"
    items = _run(engine, [src], BatchOptions(existing="overwrite"))
    assert items[0].status is Status.DONE and target.read_bytes() != b"old"


def test_output_equal_to_input_is_refused(engine, tmp_path):
    src = _photo(tmp_path / "p.png")
    original = src.read_bytes()
    items = _run(engine, [src], BatchOptions(suffix="", existing="overwrite"))
    assert items[0].status is Status.FAILED and "replace an input" in items[0].reason
    assert src.read_bytes() == original


def test_generator_reports_running_then_final_state(engine, tmp_path):
    items = plan_batch([_photo(tmp_path / "x.png")], BatchOptions(out_dir=tmp_path / "o"))
    events = list(run_batch(engine, items, BatchOptions(out_dir=tmp_path / "o")))
    seen = [(e.index, e.item.source.name, e.item.status) for e in events]
    assert seen == [(0, "x.png", Status.RUNNING), (0, "x.png", Status.DONE)]
    assert items[0].status is Status.QUEUED  # events are new snapshots; the plan is unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].item.status = Status.DONE


def test_format_and_report(engine, messy_folder, tmp_path):
    options = BatchOptions(out_dir=tmp_path / "o", encode=EncodeOptions("tif"), suffix="_x")
    items = _run(engine, [messy_folder / "a.jpg", messy_folder / "empty.jpg"], options)
    assert (tmp_path / "o" / "a_x.tif").is_file()
    write_report(tmp_path / "r.json", items, options)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"] == summarize(items) == {
        "queued": 0, "running": 0, "done": 1, "failed": 1, "skipped": 0}
    assert report["items"][1]["reason"]


def test_cancel_inside_a_file_leaves_it_queued_and_unwritten(model_file, tmp_path):
    engine = Engine(model_file, device="cpu", mode="full", tile_size=16)
    options = BatchOptions(out_dir=tmp_path / "o", mode="full")
    items = plan_batch([_photo(tmp_path / "big.png")], options)

    def stop_at_second_tile(done, total):
        if done == 2:
            raise Cancelled("stop")

    with pytest.raises(Cancelled):
        list(run_batch(engine, items, options, progress=stop_at_second_tile))
    assert items[0].status is Status.QUEUED
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_earlier_outputs_are_not_inputs_unless_names_could_be_originals(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    for name in ("a.jpg", "a_enhanced.jpg", "a_enhanced_vs_gamma.jpg", "b.png"):
        _photo(folder / name)
    planned = plan_batch([folder], BatchOptions())
    assert [(i.source.name, i.status) for i in planned] == [
        ("a.jpg", Status.QUEUED), ("b.png", Status.QUEUED)]
    # Without a suffix an output's name is also an original's: everything stays an input.
    same = plan_batch([folder], BatchOptions(suffix="", existing="overwrite"))
    assert len(same) == 4 and {i.status for i in same} == {Status.FAILED}


def test_any_error_in_one_file_fails_that_file_only(engine, tmp_path, monkeypatch):
    sources = [_photo(tmp_path / "x.png"), _photo(tmp_path / "y.png", 40)]
    real = Engine.estimate

    def broken_once(self, pixels, **kwargs):
        if pixels.mean() < 35:
            raise KeyError("a bug in a stage")
        return real(self, pixels, **kwargs)

    monkeypatch.setattr(Engine, "estimate", broken_once)
    items = _run(engine, sources, BatchOptions(out_dir=tmp_path / "o"))
    assert [(i.status, i.reason) for i in items] == [
        (Status.FAILED, "'a bug in a stage'"), (Status.DONE, "")]


def test_pipelined_batch_writes_what_one_photo_at_a_time_writes(engine, tmp_path):
    """Decode-ahead and write-behind change when things happen, never the bytes written."""
    from zerodce_core.pipeline import Look, enhance_photo

    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(5):
        _photo(folder / f"{index}.jpg", 15 + 8 * index, size=(160, 120))
    _photo(folder / "16bit.png", 22, size=(64, 48))
    options = BatchOptions(out_dir=tmp_path / "out", look=Look(strength=6.5),
                           encode=EncodeOptions(quality=90), compare_gamma=True)
    events = list(run_batch(engine, plan_batch([folder], options), options))
    assert {e.item.status for e in events} == {Status.RUNNING, Status.DONE}
    # The next photo starts before the previous one is reported written.
    order = [(e.index, e.item.status) for e in events]
    assert order.index((1, Status.RUNNING)) < order.index((0, Status.DONE))
    serial = tmp_path / "serial"
    for source in sorted(folder.iterdir()):
        target = serial / f"{source.stem}_enhanced{source.suffix}"
        enhance_photo(engine, source, target, options.look, options.encode)
    for target in serial.iterdir():
        assert (tmp_path / "out" / target.name).read_bytes() == target.read_bytes()
    assert len(list((tmp_path / "out").glob("*_vs_gamma.jpg"))) == 6


def test_a_failed_write_fails_only_its_photo(engine, tmp_path, monkeypatch):
    import zerodce_core.batch as batch

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        _photo(folder / f"{name}.png")
    real = batch.write_developed

    def failing(developed, *args, **kwargs):
        if developed.path.stem.startswith("b"):
            raise OSError(28, "No space left on device")
        return real(developed, *args, **kwargs)

    monkeypatch.setattr(batch, "write_developed", failing)
    items = _run(engine, [folder], BatchOptions(out_dir=tmp_path / "out"))
    assert [i.status for i in items] == [Status.DONE, Status.FAILED, Status.DONE]
    assert items[1].reason == "disk is full"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a_enhanced.png", "c_enhanced.png"]


def test_cancelling_the_next_photo_still_reports_the_previous_one_written(model_file, tmp_path):
    engine = Engine(model_file, device="cpu", mode="full", tile_size=16)
    options = BatchOptions(out_dir=tmp_path / "o", mode="full")
    items = plan_batch([_photo(tmp_path / "a.png"), _photo(tmp_path / "b.png")], options)
    calls = []

    def stop_in_the_second_photo(done, total):
        calls.append(done)
        if done == 1 and len(calls) > 1:
            raise Cancelled("stop")

    events = []
    with pytest.raises(Cancelled):
        for event in run_batch(engine, items, options, progress=stop_in_the_second_photo):
            events.append((event.index, event.item.status))
    assert events[-1] == (0, Status.DONE)
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["a_enhanced.png"]
