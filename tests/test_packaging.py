"""The wheel carries everything an installed copy needs, not only a source checkout."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, timeout=300)
    return zipfile.ZipFile(next(out.glob("zerodce-*.whl")))


def test_wheel_ships_resources(wheel):
    names = set(wheel.namelist())
    for required in ["resources/sample.jpg", "resources/icons/zerodce.svg",
                     "resources/models/default.safetensors", "resources/models/MODEL_CARD.md",
                     "zerodce_core/cli/__init__.py", "desktop_app/__main__.py"]:
        assert required in names, required


def test_wheel_declares_both_commands(wheel):
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    text = wheel.read(entry_points).decode()
    assert "zerodce = zerodce_core.cli:main" in text
    assert "zerodce-app = desktop_app.__main__:main" in text
