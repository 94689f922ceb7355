"""The physical noise model, the noise measurement and the curves' gain."""

from __future__ import annotations

import numpy as np
import pytest

from zerodce_core.noise import (
    CameraNoise,
    curve_gain,
    measure_noise,
    synthesize_low_light,
)


def smooth_photo(size: int = 128) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / size
    rgb = np.stack([0.3 + 0.4 * x, 0.5 * np.ones_like(x), 0.2 + 0.5 * y], axis=2)
    return (rgb * 255).astype(np.uint8)


def test_low_light_shot_is_darker_and_noisier_than_its_clean_twin():
    rng = np.random.default_rng(0)
    reference = smooth_photo()
    noisy, clean = synthesize_low_light(reference, CameraNoise(0.05, 500.0, 2e-3, None), rng)
    assert noisy.dtype == np.uint8 and clean.dtype == np.float32
    assert clean.min() >= 0 and clean.max() <= 1
    assert clean.mean() * 255 < reference.mean() / 2
    assert abs(float(noisy.mean()) - 255 * float(clean.mean())) < 3  # noise is zero-mean
    assert (noisy - 255.0 * clean).std() > 2  # levels of noise the curves will amplify
    clean8 = np.round(clean * 255).astype(np.uint8)
    assert measure_noise(noisy).typical > 2 * measure_noise(clean8).typical


def test_the_clean_twin_is_neither_rounded_nor_compressed():
    """Dark shots fall on few 8-bit codes; the clean twin keeps the steps between them, so a
    denoiser trained toward it learns to remove the banding a lift makes of them."""
    rng = np.random.default_rng(2)
    noisy, clean = synthesize_low_light(smooth_photo(), CameraNoise(1 / 50, 3000.0, 1e-3, 75),
                                        rng)
    codes = clean * 255
    assert np.abs(codes - np.round(codes)).mean() > 0.1
    assert len(np.unique(clean)) > 4 * len(np.unique(noisy))


def test_drawn_shots_stay_in_the_calibrated_ranges():
    rng = np.random.default_rng(1)
    for _ in range(50):
        shot = CameraNoise.draw(rng)
        assert 1 / 50 <= shot.exposure <= 1 / 4
        assert shot.jpeg_quality is None or 70 <= shot.jpeg_quality <= 95


def test_measured_noise_follows_the_added_noise():
    rng = np.random.default_rng(2)
    flat = np.full((256, 256, 3), 100, np.uint8)
    for sigma in (2.0, 6.0):
        noisy = np.clip(flat + rng.normal(0, sigma, flat.shape), 0, 255).astype(np.uint8)
        measured = measure_noise(noisy).at(np.full((1, 3), 100 / 255))[0] * 255
        assert measured == pytest.approx(np.full(3, sigma), rel=0.2)
    assert measure_noise(flat).typical == 0.0


def test_curve_gain_is_the_derivative_of_the_curves():
    rng = np.random.default_rng(3)
    rgb = rng.uniform(0.05, 0.9, (6, 5, 3)).astype(np.float32)
    maps = rng.uniform(-1, 0, (24, 6, 5)).astype(np.float32)

    def curves(x: np.ndarray, strength: float) -> np.ndarray:
        x = x.transpose(2, 0, 1).astype(np.float64)
        for i in range(int(np.ceil(strength))):
            weight = min(strength - i, 1.0)
            x = x + weight * maps[3 * i : 3 * i + 3] * (x * x - x)
        return x.transpose(1, 2, 0)

    for strength in (8.0, 3.4):
        step = 1e-4
        numeric = (curves(rgb + step, strength) - curves(rgb - step, strength)) / (2 * step)
        assert curve_gain(rgb, maps, strength, 8) == pytest.approx(numeric, rel=1e-3, abs=1e-4)
    assert np.all(curve_gain(rgb, maps, 0.0, 8) == 1.0)


def test_a_dark_sky_beside_clipped_black_is_measured_at_its_own_noise():
    """A night shot: a sky at code 3 with one code of noise beside pure black. The black
    tells nothing of the noise and must not pull the sky's reading toward zero."""
    rng = np.random.default_rng(3)
    photo = np.zeros((256, 256, 3), np.uint8)
    photo[:128] = np.clip(np.round(rng.normal(3.0, 1.0, (128, 256, 3))), 0, 255)
    profile = measure_noise(photo)
    sky = profile.at(np.full((1, 3), 3 / 255, np.float32))[0] * 255
    assert np.all((sky > 0.7) & (sky < 1.3))
