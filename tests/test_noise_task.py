"""The noise model's training samples: lifted as the engine lifts, told what the engine tells."""

import numpy as np
import pytest

from zerodce_core import noise_task
from zerodce_core.noise_task import make_sample, random_gain


def textured_photo(size: int = 128) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / size
    base = np.stack([0.3 + 0.4 * x, 0.5 + 0.1 * np.sin(20 * y), 0.2 + 0.5 * y], axis=2)
    return np.round(base * 255).astype(np.uint8)


def test_a_clean_sample_asks_for_no_change(monkeypatch):
    monkeypatch.setattr(noise_task, "CLEAN_SHARE", 1.0)
    noisy, target, sigma = make_sample(textured_photo(), np.random.default_rng(0), 64)
    assert noisy.shape == target.shape == (64, 64, 3) and sigma.shape == (32, 32, 3)
    assert np.abs(noisy / 255.0 - target).max() <= 0.5 / 255 + 1e-6


def test_a_noisy_sample_is_lifted_and_its_target_is_smoother(monkeypatch):
    monkeypatch.setattr(noise_task, "CLEAN_SHARE", 0.0)
    photo = np.empty((128, 128, 3), np.uint8)
    photo[:] = (150, 120, 90)  # flat: any roughness is noise
    for seed in range(4):
        noisy, target, sigma = make_sample(photo, np.random.default_rng(seed), 64)
        assert noisy.mean() / 255 > 0.2  # lifted from a 1/4-1/50 exposure
        roughness = np.abs(np.diff(noisy / 255.0, 2, axis=1)).mean()  # the curves' smooth
        assert np.abs(np.diff(target, 2, axis=1)).mean() < roughness / 4  # field cancels
        assert sigma.min() >= 0 and sigma.mean() > 0.001


@pytest.mark.parametrize("seed", range(6))
def test_random_gain_does_at_most_the_whole_lift(seed):
    dark = (textured_photo() // 16).astype(np.uint8)
    gain = random_gain(dark, 0.45, np.random.default_rng(seed))
    lifted = noise_task.exposure_lut(gain, 255)[dark[::4, ::4]].mean()
    assert gain >= 1.0 and lifted <= 0.45 + 1e-3
