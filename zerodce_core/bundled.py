"""Locate the files shipped in the `resources` package, from a checkout or a wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import NoBundledModelError

DEFAULT_MODEL = "models/default.safetensors"
DEFAULT_DENOISER = "models/noise.safetensors"
SAMPLE_PHOTO = "sample.jpg"


def resource_path(relative: str) -> Path:
    return Path(str(resources.files("resources").joinpath(relative)))


def default_model_path() -> Path:
    return _bundled_model(DEFAULT_MODEL, "default model",
                          "pass a checkpoint explicitly, e.g. --model path/to/model.safetensors")


def default_denoiser_path() -> Path:
    return _bundled_model(DEFAULT_DENOISER, "noise-reduction model",
                          "pass one explicitly or turn noise reduction off (--denoise 0)")


def _bundled_model(relative: str, what: str, advice: str) -> Path:
    path = resource_path(relative)
    if not path.is_file():
        raise NoBundledModelError(
            f"no {what} is bundled with this installation ({path} is missing); {advice}")
    return path


def sample_photo_path() -> Path:
    return resource_path(SAMPLE_PHOTO)
