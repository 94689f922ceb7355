import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch
from PIL import Image

import zerodce_core.batch
import zerodce_core.imageio
from tests.conftest import brightening_model
from tests.test_video import make_clip
from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.cli import main
from zerodce_core.model import build_model
from zerodce_core.output import STALE_AFTER, is_temp_file
from zerodce_core.video import open_video

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, name in enumerate(["one.jpg", "two.png"]):
        Image.fromarray(np.full((24, 32, 3), 20 + 10 * i, np.uint8)).save(folder / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return folder


def test_enhance_folder_reports_failures_and_exits_nonzero(photos, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["enhance", str(photos), "-o", str(out), "--model", str(model_file),
                 "--format", "png", "--report", str(tmp_path / "r.json")])
    captured = capsys.readouterr()
    assert code == 1
    assert "broken.jpg" in captured.err and "2 enhanced, 0 skipped, 1 failed" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["one_enhanced.png", "two_enhanced.png"]
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["failed"] == 1


def test_enhance_strength_zero_and_skip_existing(photos, model_file, tmp_path):
    out = tmp_path / "out"
    args = ["enhance", str(photos / "two.png"), "-o", str(out), "--model", str(model_file),
            "--strength", "0"]
    assert main(args) == 0
    written = np.asarray(Image.open(out / "two_enhanced.png"))
    assert np.array_equal(written, np.asarray(Image.open(photos / "two.png")))
    stamp = (out / "two_enhanced.png").stat().st_mtime_ns
    assert main(args) == 0 and (out / "two_enhanced.png").stat().st_mtime_ns == stamp


def test_interrupted_write_leaves_no_partial_file(photos, model_file, tmp_path, monkeypatch):
    real_save = zerodce_core.imageio.Image.Image.save

    def save_then_interrupt(self, fp, *args, **kwargs):
        real_save(self, fp, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(zerodce_core.imageio.Image.Image, "save", save_then_interrupt)
    out = tmp_path / "out"
    code = main(["enhance", str(photos / "one.jpg"), "-o", str(out), "--model", str(model_file)])
    assert code == 130
    assert list(out.iterdir()) == []


def test_bad_model_is_a_clear_error(photos, tmp_path, capsys):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"garbage")
    assert main(["enhance", str(photos), "--model", str(bad)]) == 2
    assert "bad.pth" in capsys.readouterr().err


def test_console_script_runs_as_module(model_file):
    done = subprocess.run([sys.executable, "-m", "zerodce_core", "info", str(model_file)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "model:        zerodce, 8 curve iterations" in done.stdout


def test_enhance_video_with_codec_and_quality(model_file, tmp_path, capsys):
    clip = make_clip(tmp_path / "clip.mp4")
    out = tmp_path / "out"
    code = main(["enhance", str(clip), "-o", str(out), "--model", str(model_file),
                 "--video-codec", "libx264", "--crf", "30", "--fps", "4", "--smoothing", "0.2",
                 "--denoise", "0.5"])
    assert code == 0 and "1 enhanced" in capsys.readouterr().out
    info = open_video(out / "clip_enhanced.mp4")
    assert (info.frames, info.fps, info.codec, info.has_audio) == (4, 4.0, "h264", True)


def test_enhance_denoise_option(photos, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    base = ["enhance", str(photos / "two.png"), "--model", str(model_file), "--format", "png"]
    assert main(base + ["-o", str(out / "plain")]) == 0
    assert main(base + ["-o", str(out / "clean"), "--denoise", "1"]) == 0
    plain = np.asarray(Image.open(out / "plain" / "two_enhanced.png"))
    clean = np.asarray(Image.open(out / "clean" / "two_enhanced.png"))
    assert plain.shape == clean.shape and abs(plain.mean() - clean.mean()) < 2
    assert main(base + ["--denoise", "1.5"]) == 2
    assert "denoise must be a number from 0 to 1, not 1.5" in capsys.readouterr().err


def test_enhance_compare_gamma_writes_sheets_and_pdf(photos, model_file, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["enhance", str(photos), "-o", str(out), "--model", str(model_file),
                 "--compare-gamma"])
    assert code == 1  # broken.jpg
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.pdf", "one_enhanced.jpg", "one_enhanced_vs_gamma.jpg", "two_enhanced.png",
        "two_enhanced_vs_gamma.jpg"]
    assert Image.open(out / "one_enhanced_vs_gamma.jpg").width == 3 * 640
    assert (out / "comparison.pdf").read_bytes().count(b"/Type /Page\n") == 2
    assert "comparison.pdf" in capsys.readouterr().out


# --- hostile input: nothing lost, nothing left behind, no tracebacks (issue 12) -----------


def _dark(folder: Path, *names: str) -> Path:
    folder.mkdir(exist_ok=True)
    for i, name in enumerate(names):
        Image.fromarray(np.full((24, 32, 3), 20 + 5 * i, np.uint8)).save(folder / name)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_path_is_checked_before_any_work(model_file, tmp_path, monkeypatch, capsys):
    folder = _dark(tmp_path / "d", "01.jpg", "02.jpg", "03.jpg")
    monkeypatch.chdir(folder)
    before = _snapshot(folder)
    for extra in ([], ["--overwrite"]):  # `--report *.jpg` makes 01.jpg the report path
        assert main(["enhance", "--model", str(model_file), *extra,
                     "--report", "01.jpg", "02.jpg", "03.jpg"]) == 2
        assert "report is JSON" in capsys.readouterr().err
    (folder / "r.json").write_text("mine")
    assert main(["enhance", "--model", str(model_file), "--report", "r.json", "02.jpg"]) == 2
    assert "r.json: already exists" in capsys.readouterr().err
    assert main(["enhance", "--model", str(model_file), "--report", ".", "02.jpg"]) == 2
    assert _snapshot(folder) == {**before, "r.json": b"mine"}  # nothing ran

    assert main(["enhance", "--model", str(model_file), "--report", "new/r.json", "02.jpg"]) == 0
    assert json.loads((folder / "new" / "r.json").read_text())["summary"]["done"] == 1


def test_a_report_that_fails_at_the_end_is_a_message(photos, model_file, tmp_path,
                                                      monkeypatch, capsys):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zerodce_core.batch.json, "dumps", disk_full)
    code = main(["enhance", str(photos / "one.jpg"), "-o", str(tmp_path / "out"), "--model",
                 str(model_file), "--report", str(tmp_path / "r.json")])
    captured = capsys.readouterr()
    assert code == 1 and "1 enhanced" in captured.out
    assert f"could not write {tmp_path / 'r.json'}: disk is full" in captured.err
    assert not (tmp_path / "r.json").exists()


def test_compare_gamma_never_replaces_files_it_does_not_own(photos, model_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "one_enhanced_vs_gamma.jpg").write_bytes(b"my own sheet")
    (out / "comparison.pdf").write_bytes(b"my own pdf")
    assert main(["enhance", str(photos / "one.jpg"), str(photos / "two.png"), "-o", str(out),
                 "--model", str(model_file), "--compare-gamma"]) == 0
    assert (out / "one_enhanced_vs_gamma.jpg").read_bytes() == b"my own sheet"
    assert (out / "comparison.pdf").read_bytes() == b"my own pdf"
    assert not (out / "one_enhanced.jpg").exists()  # skipped whole: one of its outputs exists
    assert (out / "two_enhanced_vs_gamma.jpg").is_file()


def test_a_symlinked_output_folder_never_replaces_originals(photos, model_file, tmp_path):
    link = tmp_path / "link-to-photos"
    link.symlink_to(photos, target_is_directory=True)
    before = _snapshot(photos)
    assert main(["enhance", str(photos), "-o", str(link), "--suffix", "", "--overwrite",
                 "--model", str(model_file)]) == 1
    assert _snapshot(photos) == before


def test_a_second_run_in_place_is_a_no_op(model_file, tmp_path, capsys):
    folder = _dark(tmp_path / "d", "one.jpg", "two.png")
    args = ["enhance", str(folder), "--model", str(model_file), "--compare-gamma"]
    assert main(args) == 0
    first = _snapshot(folder)
    capsys.readouterr()
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "0 enhanced, 2 skipped, 0 failed" in captured.out and "Nothing to do" in captured.out
    assert _snapshot(folder) == first and not captured.err


def test_stale_temp_files_are_not_inputs_and_are_cleaned(model_file, tmp_path):
    folder = _dark(tmp_path / "d", "one.jpg")
    stale = [folder / ".one_enhanced.abcd1234.part.jpg",  # an earlier version's
             folder / ".one_enhanced.efgh5678.zerodce-part.jpg"]
    fresh = folder / ".two_enhanced.ijkl9012.zerodce-part.jpg"  # maybe a concurrent run's
    old = time.time() - STALE_AFTER - 60
    for path in (*stale, fresh):
        path.write_bytes(b"\xff\xd8 half a photo")
    for path in stale:
        os.utime(path, (old, old))
    assert main(["enhance", str(folder), "--model", str(model_file)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["one.jpg", "one_enhanced.jpg", fresh.name])


SLOW_FRAMES = """
import sys, time
from zerodce_core import video
enhance = video.FrameEnhancer.__call__
def slow(self, rgb):
    print("frame", flush=True)
    time.sleep(0.5)
    return enhance(self, rgb)
video.FrameEnhancer.__call__ = slow
from zerodce_core.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_stops_like_ctrl_c_and_leaves_no_partial_file(model_file, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", frames=16)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", SLOW_FRAMES, "enhance", str(clip), "-o",
                              str(out), "--model", str(model_file)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "frame"
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("option, value, message", [
    ("--strength", "nan", "strength must be a number of at least 0, not nan"),
    ("--strength", "-1", "strength must be a number of at least 0"),
    ("--smoothing", "nan", "smoothing must be a number from 0 to 3600, not nan"),
    ("--fps", "nan", "frame rate must be a number from 0.01 to 1000, not nan"),
    ("--fps", "0", "frame rate must be"),
    ("--crf", "-1", "crf must be a whole number from 0 to 63"),
    ("--quality", "0", "quality must be a whole number from 1 to 100"),
    ("--threads", "0", "threads must be a whole number of at least 1"),
    ("--suffix", "/../../x", "must not contain a path separator"),
    ("--denoise", "3", "denoise must be a number from 0 to 1, not 3.0"),
    ("--exposure", "0.99", "exposure must be a number from 0.05 to 0.95, not 0.99"),
    ("--quality", "1.5", "quality must be a whole number from 1 to 100, not 1.5"),
    ("--crf", "abc", "crf must be a number, not 'abc'"),
    ("--strength", "20", "strength must be a number from 0 to 8 (this model's curve "
                         "iterations), not 20.0"),
])
def test_bad_numbers_and_suffixes_are_refused_before_any_work(photos, model_file, tmp_path,
                                                              capsys, option, value, message):
    out = tmp_path / "out"
    assert main(["enhance", str(photos / "one.jpg"), "-o", str(out), "--model", str(model_file),
                 option, value]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists() and not (tmp_path / "x.jpg").exists()


def test_a_too_long_file_name_fails_alone(model_file, tmp_path, capsys):
    folder = _dark(tmp_path / "d", "a" * 250 + ".jpg", "b.jpg")
    assert main(["enhance", str(folder), "--model", str(model_file)]) == 1
    captured = capsys.readouterr()
    assert "1 enhanced, 0 skipped, 1 failed" in captured.out
    assert "file name is too long" in captured.err and (folder / "b_enhanced.jpg").is_file()


def test_an_output_folder_that_is_a_file_is_said_once(photos, model_file, tmp_path, capsys):
    (tmp_path / "existing.txt").write_text("notes")
    assert main(["enhance", str(photos), "-o", str(tmp_path / "existing.txt"), "--model",
                 str(model_file)]) == 2
    err = capsys.readouterr().err
    assert err == f"zerodce: error: {tmp_path / 'existing.txt'}: is a file, not a folder\n"


def test_an_unreadable_folder_says_so(model_file, tmp_path, monkeypatch, capsys):
    folder = _dark(tmp_path / "locked", "one.jpg")
    scandir = os.scandir

    def refuse(path="."):
        if Path(path) == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)  # as root, chmod 000 would not stop us
    assert main(["enhance", str(folder), "--model", str(model_file)]) == 1
    captured = capsys.readouterr()
    assert f"{folder}: can't read the folder: permission denied" in captured.err
    assert "no images" not in captured.err


def test_train_into_a_file_and_an_unreadable_model_are_messages(photos, model_file, tmp_path,
                                                                 monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("notes")
    assert main(["train", "--data", str(photos), "--out", str(tmp_path / "notes.txt")]) == 2
    assert "notes.txt: is a file, not a folder" in capsys.readouterr().err
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self == model_file:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    assert main(["info", str(model_file)]) == 2
    assert f"{model_file}: permission denied" in capsys.readouterr().err


def test_animations_and_truncated_videos_finish_with_warnings_in_the_report(
        model_file, tmp_path, capsys):
    from tests.test_video import make_faststart_clip

    folder = tmp_path / "in"
    folder.mkdir()
    frames = [Image.fromarray(np.full((16, 24, 3), 20 * i + 10, np.uint8)) for i in range(4)]
    frames[0].save(folder / "anim.png", save_all=True, append_images=frames[1:])
    whole = make_faststart_clip(tmp_path / "clip.mkv", 24, {}).read_bytes()
    (folder / "clip.mkv").write_bytes(whole[: len(whole) // 2])
    report = tmp_path / "report.json"
    code = main(["enhance", str(folder), "-o", str(tmp_path / "out"), "--model", str(model_file),
                 "--denoise", "0", "--report", str(report)])
    assert code == 0
    err = capsys.readouterr().err
    png_warning = "animated PNG with 4 frames: only the first frame is enhanced"
    assert f"warning: {folder / 'anim.png'}: {png_warning}" in err
    assert f"warning: {folder / 'clip.mkv'}: only " in err
    items = {Path(i["source"]).name: i for i in json.loads(report.read_text())["items"]}
    assert items["anim.png"]["status"] == "done" and items["anim.png"]["warnings"] == [png_warning]
    assert items["clip.mkv"]["status"] == "done"
    assert items["clip.mkv"]["warnings"][0].endswith(
        "of its 24 frames could be decoded: the file looks truncated or damaged")


def test_a_deeply_nested_checkpoint_is_a_message_everywhere(photos, tmp_path, capsys):
    from tests.test_checkpoint import DEEP, tampered

    for key in ("training_config", "metadata"):
        path = tampered(tmp_path, f"{key}.safetensors", **{key: DEEP})
        for argv in (["info", str(path)], ["enhance", str(photos), "--model", str(path)],
                     ["train", "--resume", str(path), "--data", str(photos)]):
            assert main(argv) == 2, argv
            err = capsys.readouterr().err
            assert err.startswith(f"zerodce: error: {path}: malformed ") and "nested too" in err
            assert "Traceback" not in err


def test_info_prints_a_hostile_model_card_as_plain_text(tmp_path, capsys):
    from tests.test_checkpoint import tampered

    card = "\x1b]0;owned\x07\x1b[1A\x1b[2Kfile:         bundled\r\n" + "z" * 100_000
    assert main(["info", "--card", str(tampered(tmp_path, model_card=card))]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert len(out) < 25_000 and "[... cut: 100,022 characters, the first 20,000 shown]" in out


# --- the README's promises that no other test states end to end ---


def test_kill_9_debris_is_never_an_input_and_the_next_run_cleans_it(model_file, tmp_path):
    """README: temp files a `kill -9` leaves are never taken as inputs and are cleaned up
    by the next run. Here a real kill -9 hits a run writing a video in place."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_clip(folder / "clip.mp4", frames=16)
    child = subprocess.Popen([sys.executable, "-c", SLOW_FRAMES, "enhance", str(folder),
                              "--model", str(model_file)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(3):  # the container and its first frames are on disk by now
            assert child.stdout.readline().strip() == "frame"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        child.kill()
    debris = [p for p in folder.iterdir() if p.name != "clip.mp4"]
    assert len(debris) == 1 and is_temp_file(debris[0]) and debris[0].stat().st_size > 0
    old = time.time() - STALE_AFTER - 60  # as if the next run came later
    os.utime(debris[0], (old, old))
    assert main(["enhance", str(folder), "--model", str(model_file), "--denoise", "0"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["clip.mp4", "clip_enhanced.mp4"]
    assert open_video(folder / "clip_enhanced.mp4").frames == 16


def _tagged_photo(path: Path, icc: bytes) -> Path:
    """A 32x24 (w x h) JPEG stored sideways: EXIF orientation 6, a camera make, a profile."""
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "TestCam"
    pixels = np.full((24, 32, 3), 30, np.uint8)
    pixels[:, :4] = 90  # a bright left edge: upright, it is the top edge
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), icc_profile=icc)
    return path


def test_exif_and_colour_profile_are_carried_over_or_stripped(model_file, tmp_path):
    """README: EXIF (orientation reset to normal) and ICC profiles are carried over;
    `--strip-metadata` drops them."""
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    (tmp_path / "in").mkdir()
    source = _tagged_photo(tmp_path / "in" / "photo.jpg", icc)
    for strip, out in ((False, tmp_path / "kept"), (True, tmp_path / "stripped")):
        argv = ["enhance", str(source), "-o", str(out), "--model", str(model_file),
                "--strength", "0", "--denoise", "0"]  # the original's pixels: easy to check
        assert main(argv + ["--strip-metadata"] * strip) == 0
        with Image.open(out / "photo_enhanced.jpg") as result:
            assert result.size == (24, 32)  # turned upright
            assert np.asarray(result)[:4].mean() > np.asarray(result)[8:].mean() + 20
            exif = result.getexif()
            if strip:
                assert not exif and "icc_profile" not in result.info
            else:
                assert result.info["icc_profile"] == icc
                assert exif[0x010F] == "TestCam" and exif[0x0112] == 1


def test_every_promised_format_is_read(model_file, tmp_path):
    """README: JPEG, PNG, TIFF (8/16-bit), BMP, WebP are read (HEIC and RAW: test_imageio)."""
    folder = tmp_path / "in"
    folder.mkdir()
    pixels = np.full((24, 32, 3), 30, np.uint8)
    for name in ("a.jpg", "b.jpeg", "c.png", "d.tif", "e.bmp", "f.webp"):
        Image.fromarray(pixels).save(folder / name)
    tifffile.imwrite(folder / "g.tiff", pixels.astype(np.uint16) * 257, photometric="rgb")
    assert main(["enhance", str(folder), "-o", str(tmp_path / "out"), "--model",
                 str(model_file)]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a_enhanced.jpg", "b_enhanced.jpg", "c_enhanced.png", "d_enhanced.tif", "e_enhanced.png",
        "f_enhanced.webp", "g_enhanced.tif"]
# --- issue 11: what a newcomer hits in the first hour ---------------------------------------


def test_a_re_run_names_every_skipped_file_with_reason_and_flag(photos, model_file, tmp_path,
                                                                capsys):
    base = ["enhance", str(photos / "one.jpg"), str(photos / "two.png"), "-o",
            str(tmp_path / "out"), "--model", str(model_file)]
    assert main(base) == 0
    capsys.readouterr()
    report = tmp_path / "r.json"
    assert main([*base, "--strength", "4", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    for name in ("one.jpg", "two.png"):
        assert f"skipped: {photos / name}: output exists: " in out
    assert out.count("(--overwrite replaces it)") == 2 and "0 enhanced, 2 skipped" in out
    items = json.loads(report.read_text())["items"]
    assert [i["status"] for i in items] == ["skipped", "skipped"]
    assert items[0]["reason"] == "output exists: one_enhanced.jpg (--overwrite replaces it)"
    assert main([*base, "--strength", "4", "--overwrite"]) == 0
    assert "2 enhanced, 0 skipped" in capsys.readouterr().out


@pytest.mark.parametrize("typed, written", [("jpg", ".jpg"), ("JPG", ".jpg"), ("tif", ".tif"),
                                            ("TIFF", ".tif"), ("Png", ".png")])
def test_format_aliases_and_any_case(photos, model_file, tmp_path, typed, written):
    out = tmp_path / "out"
    assert main(["enhance", str(photos / "two.png"), "-o", str(out), "--model",
                 str(model_file), "--format", typed]) == 0
    assert [p.suffix for p in out.iterdir()] == [written]


def test_exposure_option_sets_the_level_of_exposure_models(photos, tmp_path, capsys):
    torch.manual_seed(0)
    model = build_model("zerodce-exposure")
    with torch.no_grad():
        model.exposure_shift.normal_(0, 2)
        model.e_conv7.bias.fill_(-0.5)
    checkpoint = save_checkpoint(tmp_path / "exposure.safetensors", model)
    means = []
    for level in ("0.2", "0.8"):
        out = tmp_path / level
        assert main(["enhance", str(photos / "two.png"), "-o", str(out), "--model",
                     str(checkpoint), "--exposure", level, "--denoise", "0"]) == 0
        means.append(np.asarray(Image.open(out / "two_enhanced.png"), np.float64).mean())
    assert means[0] != means[1]


def test_exposure_on_a_model_without_it_is_refused(photos, model_file, tmp_path, capsys):
    assert main(["enhance", str(photos / "two.png"), "-o", str(tmp_path / "out"), "--model",
                 str(model_file), "--exposure", "0.5"]) == 2
    assert ("--exposure needs an exposure-conditioned model (zerodce-exposure); "
            "tiny.safetensors is zerodce") in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_help_says_what_is_automatic(capsys):
    assert main(["enhance", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--exposure LEVEL target mean level, 0.05 (dark) to 0.95 (bright)" in text
    assert "(default: automatic, fitted to each photo" in text
    assert "--denoise STRENGTH noise reduction, 0 (off) to 1 (full); automatic" in text
    assert "video: an average over frames where nothing moves (--video-denoiser)" in text
    assert "--video-denoiser {temporal,learned} what --denoise runs on video" in text


def test_video_denoiser_option_reaches_the_video_options():
    from zerodce_core.cli import build_parser
    from zerodce_core.cli.enhance import options_from_args

    def denoiser(*extra: str) -> str:
        args = build_parser().parse_args(["enhance", "clip.mp4", *extra])
        return options_from_args(args).video.denoiser

    assert denoiser() == "temporal"
    assert denoiser("--video-denoiser", "learned") == "learned"


def test_colour_option_reaches_the_engine(tmp_path, capsys):
    """keep (the default) lifts a pixel's channels by one curve, so a grey patch stays grey;
    model applies the model's curve per channel, which casts it."""
    model = brightening_model()
    with torch.no_grad():  # the model lifts red most and blue least
        model.e_conv7.bias.view(-1, 3)[:] = torch.tensor([-0.9, -0.5, -0.1])
    model_file = save_checkpoint(tmp_path / "warm.safetensors", model)
    rng = np.random.default_rng(3)
    pixels = np.clip(rng.normal(0, 3, (48, 64, 3)) + [40, 25, 12], 0, 255)  # dim orange
    pixels[:, :16] = 20  # a neutral grey patch
    source = tmp_path / "dark.png"
    Image.fromarray(pixels.astype(np.uint8)).save(source)
    written = {}
    for colour in (None, "keep", "model"):
        out = tmp_path / str(colour)
        extra = [] if colour is None else ["--colour", colour]
        assert main(["enhance", str(source), "-o", str(out), "--model", str(model_file),
                     "--denoise", "0", "--strength", "3", *extra]) == 0
        written[colour] = np.asarray(Image.open(out / "dark_enhanced.png"), np.int16)
    assert np.array_equal(written[None], written["keep"])  # keep is the default
    assert np.abs(written["model"] - written["keep"]).max() > 5
    grey = written["keep"][:, :16]
    assert grey.mean() > 30 and np.array_equal(grey[..., 0], grey[..., 1])
    assert np.array_equal(grey[..., 1], grey[..., 2])
    red, green, blue = written["model"][:, :16].mean((0, 1))
    assert red > green + 5 and green > blue + 5


def test_a_bad_colour_is_refused_naming_the_choices(model_file, tmp_path, capsys):
    assert main(["enhance", str(tmp_path / "x.png"), "-o", str(tmp_path / "out"), "--model",
                 str(model_file), "--colour", "vivid"]) == 2
    err = capsys.readouterr().err
    # argparse quotes the choices or not by Python version
    assert "--colour: invalid choice: 'vivid' (choose from " in err
    assert "keep" in err and "model" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_help_names_the_colour_choices(capsys):
    assert main(["enhance", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert ("--colour {keep,model} keep: one curve per pixel for all three channels, no colour "
            "cast (default); model: the model's own curve per channel, as the paper") in text
