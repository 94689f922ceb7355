import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import zerodce_core.imageio
from tests.test_video import make_clip
from zerodce_core.cli import main
from zerodce_core.video import open_video


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


def test_info_prints_architecture_and_card(model_file, capsys):
    assert main(["info", str(model_file)]) == 0
    text = capsys.readouterr().out
    assert "zerodce" in text and "iterations:   8" in text and "A test model." in text


def test_bad_model_is_a_clear_error(photos, tmp_path, capsys):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"garbage")
    assert main(["enhance", str(photos), "--model", str(bad)]) == 2
    assert "bad.pth" in capsys.readouterr().err


def test_console_script_runs_as_module(model_file):
    done = subprocess.run([sys.executable, "-m", "zerodce_core", "info", str(model_file)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "architecture: zerodce" in done.stdout


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
