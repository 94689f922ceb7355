"""Settings round-trip, nonsense in the file falls back to defaults, old keys still read."""

from __future__ import annotations

from PySide6.QtCore import QByteArray

from desktop_app.settings import Settings
from zerodce_core.pipeline import EncodeOptions, Look


def test_round_trip(tmp_path):
    path = tmp_path / "s.ini"
    settings = Settings(path)
    settings.look = Look(strength=3.25, denoise=0.5)
    settings.view_mode = "side_by_side"
    settings.encode = EncodeOptions(format="png", quality=80, bit_depth=16, keep_metadata=False)
    settings.window_geometry = QByteArray(b"\x01\x02geometry")
    settings.add_recent("recent_files", "/a.jpg")
    settings.add_recent("recent_files", "/b.jpg")
    settings.add_recent("recent_files", "/a.jpg")
    settings.sync()

    again = Settings(path)
    assert again.look == Look(strength=3.25, denoise=0.5)
    assert again.view_mode == "side_by_side"
    assert again.encode == EncodeOptions(format="png", quality=80, bit_depth=16,
                                         keep_metadata=False)
    assert again.window_geometry == QByteArray(b"\x01\x02geometry")
    assert again.recent_files == ["/a.jpg", "/b.jpg"]
    assert again.first_run is True


def test_invalid_values_fall_back_to_defaults(tmp_path):
    path = tmp_path / "s.ini"
    path.write_text("[General]\nview_mode=cubist\nrecent_files=not json\nmode=full\n"
                    'look="{\\"strength\\": \\"lots\\", \\"denoise\\": 0.25}"\n'
                    'encode="{\\"format\\": \\"gif\\", \\"quality\\": 400, '
                    '\\"keep_metadata\\": false}"\n'
                    'batch_look=not json\n')
    settings = Settings(path)
    assert settings.view_mode == "split"
    assert settings.recent_files == []
    assert settings.mode == "full"
    assert settings.look == Look(strength=None, denoise=0.25)  # each field on its own
    assert settings.encode == EncodeOptions(keep_metadata=False)
    assert settings.batch_look == Look()


def test_settings_of_older_versions_are_still_read(tmp_path):
    path = tmp_path / "s.ini"
    path.write_text("[General]\nstrength=3.5\ndenoise=0.4\nexport_format=keep\n"
                    "export_quality=80\nexport_bit_depth=16\nexport_metadata=false\n"
                    "batch_strength=2\nbatch_suffix=_lit\nexport_suffix=_enhanced\n")
    settings = Settings(path)
    assert settings.look == Look(strength=3.5, denoise=0.4)
    assert settings.batch_look == Look(strength=2.0, denoise=None)
    assert settings.encode == EncodeOptions(format=None, quality=80, bit_depth=16,
                                            keep_metadata=False)
    assert settings.output_suffix == "_lit"  # the one the batch form showed
    settings.encode = EncodeOptions(format="jpeg")  # the new key wins from now on
    assert Settings(path).encode == EncodeOptions(format="jpeg")
