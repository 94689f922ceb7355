import numpy as np
import pytest
import torch

from tests.conftest import brightening_model
from zerodce_core.curves import apply_curves
from zerodce_core.engine import Engine, UnsupportedImageError
from zerodce_core.errors import Cancelled, NoBundledModelError
from zerodce_core.validate import OptionError


@pytest.fixture
def engine(model_file):
    return Engine(model_file, device="cpu", precision="fp32")


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(peak**2 / mse)


def test_full_mode_matches_the_plain_official_flow(model_file, dark_image):
    engine = Engine(model_file, device="cpu", precision="fp32", colour="model")
    model = brightening_model()
    x = torch.from_numpy(dark_image).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        ref = apply_curves(x, model(x), 8).clamp(0, 1)[0].permute(1, 2, 0).numpy() * 255
    out = engine.enhance(dark_image, mode="full")
    assert np.abs(out - ref).max() <= 1.0
    assert out.mean() > dark_image.mean() + 20


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_kept_colour_lifts_a_grey_pixel_to_grey_and_model_colour_may_not(mode):
    torch.manual_seed(3)
    model = brightening_model(seed=3)
    with torch.no_grad():  # make the three channels' curves visibly different
        model.e_conv7.bias.add_(torch.tensor([0.0, 0.4, -0.4] * 8))
    grey = np.repeat(np.random.default_rng(0).integers(5, 60, (48, 40, 1), np.uint8), 3, 2)
    kept = Engine(model, device="cpu", precision="fp32").enhance(grey, mode=mode)
    assert np.array_equal(kept[..., 0], kept[..., 1]) and np.array_equal(kept[..., 1],
                                                                         kept[..., 2])
    own = Engine(model, device="cpu", precision="fp32", colour="model").enhance(grey, mode=mode)
    assert np.abs(own[..., 1].astype(int) - own[..., 2].astype(int)).mean() > 5
    assert abs(float(kept.mean()) - float(own.mean())) < 0.25 * float(own.mean())


def test_tiled_equals_untiled_within_one_level(model_file, dark_image):
    whole = Engine(model_file, device="cpu", mode="full", tile_size=4096).enhance(dark_image)
    tiled = Engine(model_file, device="cpu", mode="full", tile_size=24).enhance(dark_image)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1


def test_fast_mode_agrees_with_full_mode(model_file):
    y, x = np.mgrid[0:600, 0:800]
    image = np.stack([20 + 30 * np.sin(x / 90), 25 + 20 * np.cos(y / 70), 15 + 0 * x], 2)
    image = image.astype(np.uint8)
    engine = Engine(model_file, device="cpu", fast_size=256)
    fast, full = engine.enhance(image, mode="fast"), engine.enhance(image, mode="full")
    assert psnr(fast, full) > 30


def test_render_is_network_free_and_strength_zero_is_original(engine, dark_image, monkeypatch):
    maps = engine.estimate(dark_image)
    monkeypatch.setattr(engine.net, "forward", lambda *a: pytest.fail("network ran"))
    assert np.array_equal(engine.render(maps, 0.0), dark_image)
    assert engine.render(maps, 2.0).mean() < engine.render(maps, 8.0).mean()


@pytest.mark.parametrize("shape, dtype", [
    ((40, 50), np.uint8), ((40, 50, 3), np.uint16), ((40, 50), np.uint16),
    ((1, 1, 3), np.uint8), ((2, 1, 3), np.uint8),
])
def test_layouts_and_depths_are_preserved(engine, shape, dtype):
    image = (np.random.default_rng(0).random(shape) * np.iinfo(dtype).max * 0.2).astype(dtype)
    out = engine.enhance(image)
    assert out.shape == image.shape and out.dtype == dtype
    assert out.astype(np.float64).mean() > image.astype(np.float64).mean()


def test_alpha_passes_through_untouched(engine, dark_image):
    alpha = np.random.default_rng(2).integers(0, 256, dark_image.shape[:2], dtype=np.uint8)
    rgba = np.dstack([dark_image, alpha])
    out = engine.enhance(rgba)
    assert out.shape == rgba.shape and np.array_equal(out[..., 3], alpha)


@pytest.mark.parametrize("value", [0, 1, 255])
def test_black_dark_and_white_images_stay_valid(engine, value):
    image = np.full((30, 30, 3), value, np.uint8)
    out = engine.enhance(image, mode="full")
    assert out.dtype == np.uint8 and out.shape == image.shape
    if value == 255:
        assert (out == 255).all()
    if value == 0:
        assert (out == 0).all()  # the curves keep 0 at 0: no invented light


def test_bf16_stays_within_40_db_of_fp32(model_file, dark_image):
    fp32 = Engine(model_file, device="cpu", precision="fp32").enhance(dark_image, mode="full")
    auto = Engine(model_file, device="cpu").enhance(dark_image, mode="full")
    assert psnr(fp32, auto) >= 40


def test_preview_is_screen_sized(engine):
    image = np.full((300, 400, 3), 30, np.uint8)
    for mode in ("fast", "full"):
        preview = engine.estimate(image, mode=mode).preview(200)
        assert preview.size == (200, 150)
        assert engine.render(preview).shape == (150, 200, 3)


def test_progress_reports_tiles_and_can_cancel(model_file, dark_image):
    engine = Engine(model_file, device="cpu", mode="full", tile_size=32)
    calls = []
    engine.estimate(dark_image, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]

    def cancel(done, total):
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        engine.estimate(dark_image, progress=cancel)


def test_bad_arrays_are_refused(engine):
    with pytest.raises(UnsupportedImageError):
        engine.enhance(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(UnsupportedImageError):
        engine.enhance(np.zeros((0, 4, 3), np.uint8))


def test_missing_bundled_model_explains_how_to_proceed(monkeypatch, tmp_path):
    monkeypatch.setattr("zerodce_core.bundled.DEFAULT_MODEL", "models/absent.safetensors")
    with pytest.raises(NoBundledModelError, match="--model"):
        Engine(None, device="cpu")


@pytest.mark.parametrize("option, value", [
    ("tile_size", 0), ("tile_size", -1), ("tile_size", 8.5), ("fast_size", 0),
    ("mode", "fastest"), ("precision", "fp8"), ("colour", "auto"),
])
def test_engine_arguments_are_checked(option, value):
    with pytest.raises(OptionError, match=option.replace("_", ".")):
        Engine(brightening_model(), device="cpu", **{option: value})


@pytest.mark.parametrize("strength", [float("nan"), float("inf"), -0.5])
def test_render_refuses_a_strength_that_is_not_a_number_of_iterations(engine, dark_image,
                                                                      strength):
    maps = engine.estimate(dark_image)
    with pytest.raises(OptionError, match="strength must be a number of at least 0"):
        engine.render(maps, strength)


def test_a_read_only_photo_is_estimated_without_warnings(engine, recwarn):
    for shape in ((900, 700, 3), (300, 200, 3)):  # downscaled, and seen as it is
        photo = np.random.default_rng(0).integers(0, 60, shape, dtype=np.uint8)
        photo.flags.writeable = False  # as np.asarray of a PIL image gives it
        engine.render(engine.estimate(photo))
    assert not [w for w in recwarn if "not writable" in str(w.message)]
