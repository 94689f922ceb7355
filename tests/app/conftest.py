"""App test fixtures: offscreen Qt, a throwaway settings file and a tiny random model.

Nothing here needs ../shared or the bundled model: the model is a randomly initialised
DCENet saved into tmp_path, and the photos are synthesised.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from desktop_app import workers  # noqa: E402
from desktop_app.main_window import MainWindow  # noqa: E402
from desktop_app.settings import Settings  # noqa: E402
from zerodce_core.checkpoint import save_checkpoint  # noqa: E402
from zerodce_core.model import DCENet  # noqa: E402

TINY_ITERATIONS = 4


def write_photo(path: Path, width: int = 96, height: int = 64, seed: int = 0) -> Path:
    """A dark, noisy gradient: what a low-light photo looks like to the network."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(5, 70, width, dtype=np.float32)[None, :, None]
    pixels = np.clip(ramp + rng.normal(0, 4, (height, width, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    return save_checkpoint(tmp_path / "tiny.safetensors", DCENet(TINY_ITERATIONS),
                           model_card="Tiny random test model.")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return write_photo(tmp_path / "dark.png")


@pytest.fixture
def window(qtbot, settings: Settings, tiny_model: Path):
    """The main window on the tiny model; closed here (not by qtbot) once its work is stopped."""
    win = MainWindow(settings, model=str(tiny_model))
    win.show()
    qtbot.waitUntil(lambda: win.engine is not None, timeout=10000)
    yield win
    win.batch.stop()
    win.close()
    workers.shutdown()
    win.deleteLater()
