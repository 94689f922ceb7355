"""Save and Export: never the original, the chosen encoding, and exactly what the CLI writes."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from tests.test_video import make_clip
from zerodce_core.cli import main as cli_main
from zerodce_core.imageio import read_image
from zerodce_core.pipeline import EncodeOptions, Look
from zerodce_core.video import FrameEnhancer

from ..conftest import export_and_wait, open_and_wait, write_photo


def test_save_never_overwrites_without_asking(qtbot, window, photo, monkeypatch):
    open_and_wait(qtbot, window, photo)
    export_and_wait(qtbot, window, window.exports.save)
    target = photo.with_name("dark_enhanced.png")
    assert target.is_file()
    stamp = target.stat().st_mtime_ns

    monkeypatch.setattr(window.exports, "confirm_overwrite", lambda path: False)
    window.exports.save()
    assert not window.session.export_slot.busy and target.stat().st_mtime_ns == stamp

    window.exports.export_to(photo, window.settings.encode)
    assert "original" in window.message_bar.text()


def test_export_writes_the_chosen_format_and_depth(qtbot, window, photo, tmp_path):
    open_and_wait(qtbot, window, photo)
    target = tmp_path / "out" / "lit.tif"
    target.parent.mkdir()
    export_and_wait(qtbot, window, lambda: window.exports.export_to(
        target, EncodeOptions(format="tiff", bit_depth=16)))
    written = read_image(target)
    assert written.pixels.dtype == np.uint16 and written.size == (96, 64)
    assert "Saved lit.tif" in window.message_bar.text()


def decoded_frames(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def set_look(window, strength: float, denoise: float) -> None:
    """As the user does: type values into the toolbar's spin boxes."""
    controls = window.looks.controls
    controls["strength"].spin.setValue(strength)
    controls["denoise"].spin.setValue(denoise)
    assert window.session.look == Look(strength=strength, denoise=denoise)


def test_saving_a_photo_writes_what_the_cli_writes(qtbot, noise_model, window, tiny_model,
                                                   tmp_path):
    photo = write_photo(tmp_path / "night.png", width=700, height=500)  # fast mode downscales
    open_and_wait(qtbot, window, photo)
    set_look(window, 2.5, 0.6)
    export_and_wait(qtbot, window, window.exports.save)
    app = photo.with_name("night_enhanced.png")

    assert cli_main(["enhance", str(photo), "-o", str(tmp_path / "cli"), "--model",
                     str(tiny_model), "--strength", "2.5", "--denoise", "0.6"]) == 0
    cli = tmp_path / "cli" / "night_enhanced.png"
    assert np.array_equal(read_image(app).pixels, read_image(cli).pixels)
    assert app.read_bytes() == cli.read_bytes()


def test_saving_a_video_writes_what_the_cli_writes(qtbot, noise_model, window, tiny_model,
                                                   tmp_path, monkeypatch):
    """Frame for frame, the app and the CLI enhance alike. The frames are compared as the
    pipeline made them: libx264 with threads may encode equal frames a little differently
    from run to run, so the files are only compared within a few levels."""
    enhanced: list[np.ndarray] = []
    enhance = FrameEnhancer.__call__

    def recorded(self, rgb: np.ndarray) -> np.ndarray:
        enhanced.append(enhance(self, rgb))
        return enhanced[-1]

    monkeypatch.setattr(FrameEnhancer, "__call__", recorded)
    clip = make_clip(tmp_path / "clip.mp4", frames=6, step=4)
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.opener.open_file(clip)
    set_look(window, 2.5, 0.6)  # the bug: Save used the batch queue's own strength
    export_and_wait(qtbot, window, window.exports.save)
    app, app_frames = decoded_frames(clip.with_name("clip_enhanced.mp4")), enhanced[:]

    enhanced.clear()
    assert cli_main(["enhance", str(clip), "-o", str(tmp_path / "cli"), "--model",
                     str(tiny_model), "--strength", "2.5", "--denoise", "0.6"]) == 0
    assert len(app_frames) == 6 and all(map(np.array_equal, app_frames, enhanced))
    cli = decoded_frames(tmp_path / "cli" / "clip_enhanced.mp4")
    assert app.shape == cli.shape and np.abs(app.astype(int) - cli).max() <= 8
