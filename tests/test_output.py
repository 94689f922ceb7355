import errno
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import brightening_model
from tests.test_video import make_clip
from zerodce_core.batch import BatchItem, BatchOptions, write_report
from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.engine import Engine
from zerodce_core.errors import OutputError
from zerodce_core.gamma import write_contact_pdf
from zerodce_core.imageio import read_image, write_image
from zerodce_core.output import STALE_AFTER, OutputGuard, check_folder, is_temp_file
from zerodce_core.pipeline import enhance_photo
from zerodce_core.video import enhance_video


@pytest.fixture
def original(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "photo.png"
    Image.fromarray(np.full((16, 24, 3), 30, np.uint8)).save(path)
    return path


def test_links_never_reach_a_protected_file(original, tmp_path):
    link = tmp_path / "link-to-in"
    link.symlink_to(original.parent, target_is_directory=True)
    hard = tmp_path / "hard.png"
    os.link(original, hard)
    guard = OutputGuard([original], replace=True)
    for alias in (link / "photo.png", hard, original.parent / ".." / "in" / "photo.png"):
        with pytest.raises(OutputError, match="originals are never replaced"):
            guard.check(alias)
    assert not guard.is_protected(tmp_path / "other.png")


def test_existing_files_are_replaced_only_when_allowed(tmp_path):
    target = tmp_path / "out.txt"
    with OutputGuard(replace=False).writing(target) as tmp:
        tmp.write_text("first")
    with pytest.raises(OutputError, match="already exists"):
        OutputGuard(replace=False).check(target)
    with OutputGuard(replace=True).writing(target) as tmp:
        tmp.write_text("second")
    assert target.read_text() == "second"


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(OutputError, match="already exists"), \
            OutputGuard(replace=False).writing(target) as tmp:
        tmp.write_text("ours")
        target.write_text("someone else's")  # a concurrent run, say
    assert target.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_temp_files_are_recognisable_and_removed_on_failure(tmp_path):
    target = tmp_path / ("x" * 240 + ".jpg")  # the temp name still fits the file system
    with pytest.raises(RuntimeError), OutputGuard().writing(target) as tmp:
        assert is_temp_file(tmp) and tmp.parent == tmp_path
        tmp.write_bytes(b"partial")
        raise RuntimeError("encoder failed")
    assert list(tmp_path.iterdir()) == []
    assert is_temp_file(".a_enhanced.k3j2h1g0.part.png")  # an earlier version's
    assert not is_temp_file("a_enhanced.png") and not is_temp_file(".hidden.png")


def test_stale_temp_files_are_swept_fresh_ones_kept(tmp_path):
    stale = tmp_path / ".a_enhanced.abcd1234.zerodce-part.jpg"
    fresh = tmp_path / ".b_enhanced.efgh5678.zerodce-part.jpg"
    mine = tmp_path / ".notes.abcd1234.txt"  # not our pattern: never touched
    for path in (stale, fresh, mine):
        path.write_bytes(b"")
    old = time.time() - STALE_AFTER - 60
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    with OutputGuard().writing(tmp_path / "c.txt") as tmp:
        tmp.write_text("c")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, mine.name, "c.txt"])


def test_ready_checks_before_the_work(tmp_path):
    guard = OutputGuard(replace=False)
    assert guard.ready(tmp_path / "new" / "report.json") == tmp_path / "new" / "report.json"
    assert (tmp_path / "new").is_dir() and list((tmp_path / "new").iterdir()) == []
    with pytest.raises(OutputError, match="is a folder, not a file"):
        guard.ready(tmp_path / "new")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder") as caught:
        guard.ready(tmp_path / "file.txt" / "report.json")
    assert caught.value.path == tmp_path / "file.txt"
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_folder(tmp_path / "file.txt" / "deeper")


def test_a_full_disk_while_writing_names_the_target(tmp_path):
    target = tmp_path / "report.json"
    with pytest.raises(OutputError) as caught, OutputGuard().writing(target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(caught.value) == f"{target}: disk is full"
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def engine(model_file):
    return Engine(model_file, device="cpu")


def test_every_writer_refuses_to_replace_a_protected_file(original, tmp_path, engine):
    """Photos, videos, reports, sheets, PDFs and checkpoints all go through the one guarded
    writer."""
    clip = make_clip(tmp_path / "clip.mp4", frames=2)
    link = tmp_path / "link"
    link.symlink_to(original.parent, target_is_directory=True)
    target = link / original.name
    before = original.read_bytes()
    guard = OutputGuard([original, clip])
    writers = [
        lambda: write_image(target, np.zeros((4, 4, 3), np.uint8), guard=guard),
        lambda: write_contact_pdf(target, [original], guard),
        lambda: write_report(target, [BatchItem(original, target)], BatchOptions(), guard),
        lambda: save_checkpoint(target, brightening_model(), guard=guard),
        lambda: enhance_photo(engine, tmp_path / "clip.mp4", target, guard=guard),
        lambda: list(enhance_video(engine, clip, target, guard=guard)),
        lambda: list(enhance_video(engine, clip, clip)),  # its own source, whatever the guard
        lambda: enhance_photo(engine, original, target),
    ]
    for write in writers:
        with pytest.raises(OutputError, match="originals are never replaced"):
            write()
    assert original.read_bytes() == before and read_image(original).size == (24, 16)
    assert sorted(p.name for p in original.parent.iterdir()) == ["photo.png"]
