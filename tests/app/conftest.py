"""App test fixtures: offscreen Qt, a throwaway settings file and a tiny random model.

Nothing here needs ../shared or the bundled model: the model is a randomly initialised
DCENet saved into tmp_path, and the photos are synthesised.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_DRIVER", "PySide6")  # qimage2ndarray binds to PySide6, not PyQt

from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import qimage2ndarray  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from desktop_app import pyside_fixes, workers  # noqa: E402
from desktop_app.main_window import MainWindow  # noqa: E402
from desktop_app.settings import Settings  # noqa: E402
from zerodce_core.checkpoint import save_checkpoint  # noqa: E402
from zerodce_core.model import BASE_EXPOSURE, DCENet, ExposureDCENet, NoiseNet  # noqa: E402
from zerodce_core.pipeline import Look  # noqa: E402

TINY_ITERATIONS = 4
pyside_fixes.apply()  # as the app's entry point does: thousands of Qt calls follow


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


def brightness_net() -> ExposureDCENet:
    """An exposure-conditioned net whose curves brighten more for a higher target level:
    every curve map is tanh(-2 E), whatever the photo (E is the exposure asked for)."""
    net = ExposureDCENet(TINY_ITERATIONS)
    width = net.e_conv6.out_channels
    with torch.no_grad():
        for conv in (net.e_conv6, net.e_conv7):
            conv.weight.zero_()
            conv.bias.zero_()
        net.e_conv6.bias.fill_(BASE_EXPOSURE)  # the last hidden layer is E itself
        net.exposure_shift[5].fill_(1.0)
        net.e_conv7.weight[:, width:, 1, 1] = -2.0 / width
    return net


@pytest.fixture
def exposure_model(tmp_path: Path) -> Path:
    """A tiny exposure-conditioned model: what Brightness needs."""
    return save_checkpoint(tmp_path / "tiny-exposure.safetensors", brightness_net(),
                           model_card="Tiny exposure model.")


@pytest.fixture
def noise_model(tmp_path: Path, monkeypatch) -> Path:
    """A random noise-reduction model standing in for the bundled one (none ships yet);
    ask for it before `window`, so the window's engine finds it."""
    torch.manual_seed(1)
    net = NoiseNet()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.mul_(3.0)  # visibly not the identity
    path = save_checkpoint(tmp_path / "noise.safetensors", net)
    monkeypatch.setattr("zerodce_core.bundled.default_denoiser_path", lambda: path)
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Fresh preferences, with noise reduction off: only the tests about it pay for it."""
    settings = Settings(tmp_path / "settings.ini")
    settings.look = Look(denoise=0.0)
    return settings


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return write_photo(tmp_path / "dark.png")


@contextmanager
def open_window(qtbot, settings: Settings, model: Path) -> Iterator[MainWindow]:
    """The main window on `model`, once loaded; closed here once its work is stopped."""
    win = MainWindow(settings, model=str(model))
    try:
        win.show()
        qtbot.waitUntil(lambda: win.session.engine is not None, timeout=10000)
        yield win
    finally:
        win.batch.stop()
        win.close()
        workers.shutdown()
        win.deleteLater()


@pytest.fixture
def window(qtbot, settings: Settings, tiny_model: Path):
    """The main window on the tiny model (not closed by qtbot: see `open_window`)."""
    with open_window(qtbot, settings, tiny_model) as win:
        yield win


@pytest.fixture
def exposure_window(qtbot, settings: Settings, exposure_model: Path):
    """The main window on the tiny exposure-conditioned model."""
    with open_window(qtbot, settings, exposure_model) as win:
        yield win


def pixels(pixmap) -> np.ndarray:
    image = pixmap.toImage()  # keep the QImage alive while its memory is viewed
    return qimage2ndarray.rgb_view(image).copy()


def after_pixels(window) -> np.ndarray:
    return pixels(window.compare.after_pixmap())


def open_and_wait(qtbot, window, path: Path) -> None:
    with qtbot.waitSignal(window.session.document_ready, timeout=10000):
        window.opener.open_file(path)


def export_and_wait(qtbot, window, export) -> None:
    """Run `export()` (Save, Export... or a direct call) until its job has ended."""
    with qtbot.waitSignal(window.session.export_slot.busy_changed, timeout=30000,
                          check_params_cb=lambda busy: not busy):
        export()
