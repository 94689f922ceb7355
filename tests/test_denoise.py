import numpy as np
import pytest

from zerodce_core.denoise import denoise, gain_weight, noise_sigma
from zerodce_core.engine import Engine


@pytest.fixture
def engine(model_file):
    return Engine(model_file, device="cpu")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def clean_dark(height: int = 96, width: int = 128) -> np.ndarray:
    """Smooth shading with one sharp edge: detail a smearing filter would blur."""
    y, x = np.mgrid[0:height, 0:width]
    base = 10 + 25 * x / width + 8 * np.sin(y / 9.0)
    base[:, width // 2 :] += 15
    return np.repeat(base[..., None], 3, axis=2) * [1.0, 0.9, 0.8]


def test_strength_zero_is_identity(engine, dark_image):
    enhanced = engine.enhance(dark_image)
    assert denoise(enhanced, dark_image, 0.0) is enhanced


def test_reduces_amplified_noise(engine):
    rng = np.random.default_rng(0)
    clean = clean_dark()
    noisy = np.clip(rng.poisson(clean) + rng.normal(0, 2, clean.shape), 0, 255).astype(np.uint8)
    reference = engine.enhance(clean.round().astype(np.uint8))
    enhanced = engine.enhance(noisy)
    cleaned = denoise(enhanced, noisy, 1.0)
    assert psnr(cleaned, reference) > psnr(enhanced, reference) + 2
    half = denoise(enhanced, noisy, 0.5)
    assert psnr(enhanced, reference) < psnr(half, reference) < psnr(cleaned, reference)


def test_leaves_clean_detail_and_unlifted_areas_alone(engine):
    clean = clean_dark().round().astype(np.uint8)
    enhanced = engine.enhance(clean)
    assert psnr(denoise(enhanced, clean, 1.0), enhanced) > 40
    bright = np.full((32, 48, 3), 200, np.uint8)
    bright[:, ::2] = 120  # fine stripes in a region the curves did not lift
    assert np.abs(denoise(bright, bright, 1.0).astype(int) - bright).max() <= 2
    assert gain_weight(bright, bright, 1.0).max() == 0


@pytest.mark.parametrize("shape, dtype", [((40, 56), np.uint8), ((40, 56, 4), np.uint8),
                                          ((40, 56, 3), np.uint16)])
def test_keeps_shape_dtype_and_alpha(shape, dtype):
    rng = np.random.default_rng(1)
    peak = np.iinfo(dtype).max
    source = (rng.random(shape) * peak * 0.1).astype(dtype)
    enhanced = (source.astype(np.float64) * 4).clip(0, peak).astype(dtype)
    out = denoise(enhanced, source, 0.8)
    assert out.shape == shape and out.dtype == dtype
    if len(shape) == 3 and shape[2] == 4:
        assert np.array_equal(out[..., 3], enhanced[..., 3])
    assert np.abs(out.astype(np.float64) - enhanced).mean() < 0.2 * peak


def test_rejects_mismatched_source(dark_image):
    with pytest.raises(ValueError, match="differ in size"):
        denoise(dark_image, dark_image[:10], 0.5)


def test_noise_estimate_ignores_shading():
    rng = np.random.default_rng(2)
    shading = np.clip(clean_dark(300, 200) * 3, 0, 250)
    assert noise_sigma(shading.round().astype(np.uint8)) < 1
    grain = rng.normal(0, 5, (300, 200, 1))  # the same in every channel: luma noise std 5
    noisy = np.clip(shading + grain, 0, 255).astype(np.uint8)
    assert noise_sigma(noisy) == pytest.approx(5, rel=0.15)
    assert noise_sigma(noisy.astype(np.uint16) * 257) == pytest.approx(5 * 257, rel=0.15)
