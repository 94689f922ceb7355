"""Settings round-trip, and nonsense in the file falls back to defaults."""

from __future__ import annotations

from PySide6.QtCore import QByteArray

from desktop_app.settings import Settings


def test_round_trip(tmp_path):
    path = tmp_path / "s.ini"
    settings = Settings(path)
    settings.strength = 3.25
    settings.view_mode = "side_by_side"
    settings.export_metadata = False
    settings.export_quality = 80
    settings.window_geometry = QByteArray(b"\x01\x02geometry")
    settings.add_recent("recent_files", "/a.jpg")
    settings.add_recent("recent_files", "/b.jpg")
    settings.add_recent("recent_files", "/a.jpg")
    settings.sync()

    again = Settings(path)
    assert again.strength == 3.25
    assert again.view_mode == "side_by_side"
    assert again.export_metadata is False
    assert again.export_quality == 80
    assert again.window_geometry == QByteArray(b"\x01\x02geometry")
    assert again.recent_files == ["/a.jpg", "/b.jpg"]
    assert again.first_run is True


def test_invalid_values_fall_back_to_defaults(tmp_path):
    path = tmp_path / "s.ini"
    path.write_text("[General]\nstrength=lots\nview_mode=cubist\nexport_quality=400\n"
                    "export_metadata=maybe\nrecent_files=not json\nmode=full\n")
    settings = Settings(path)
    assert settings.strength == 8.0
    assert settings.view_mode == "split"
    assert settings.export_quality == 95
    assert settings.export_metadata is True
    assert settings.recent_files == []
    assert settings.mode == "full"
