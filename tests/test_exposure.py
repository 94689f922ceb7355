"""The automatic exposure target and how the engine passes it to conditioned models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zerodce_core.engine import Engine
from zerodce_core.exposure import (
    DARK,
    LOW_KEY_FROM,
    LOW_KEY_FULL,
    NIGHT_TARGET,
    TARGET,
    WELL_EXPOSED,
    auto_exposure,
    auto_strength,
    check_exposure,
    exposure_lut,
    fit_gain,
    highlight_level,
    mean_level,
    to_linear,
    to_srgb,
)
from zerodce_core.model import build_model


def test_dark_photos_go_to_the_target_and_well_exposed_ones_keep_their_level():
    assert auto_exposure(0.02) == TARGET
    assert auto_exposure(DARK) == TARGET
    assert auto_exposure(0.5) == 0.5
    assert auto_exposure(WELL_EXPOSED) == pytest.approx(WELL_EXPOSED)
    middle = auto_exposure((DARK + WELL_EXPOSED) / 2)
    assert WELL_EXPOSED < middle < TARGET  # continuous slide between the two regimes


def night_scene(seed: int = 0) -> np.ndarray:
    """A black sky and ground with a few lamps: mean ~0.02, brightest 1% near white."""
    rng = np.random.default_rng(seed)
    photo = rng.integers(0, 6, (96, 128, 3), dtype=np.uint8)
    photo[40:44, 10:50] = (250, 220, 140)  # a lit building: 1.3% of the pixels
    return photo


def test_night_scenes_go_to_a_lower_target_than_underexposed_rooms():
    assert highlight_level(np.full((10, 10, 3), 51, np.uint8)) == pytest.approx(0.2)
    photo = night_scene()
    level, highlight = mean_level(photo), highlight_level(photo)
    assert highlight / level > LOW_KEY_FULL
    assert auto_exposure(level, highlight) == pytest.approx(NIGHT_TARGET)
    # The same scene scaled down as a whole (an exposure cut): highlights only ~2x the mean.
    room = np.random.default_rng(1).integers(0, 12, (96, 128, 3), dtype=np.uint8)
    assert auto_exposure(mean_level(room), highlight_level(room)) == TARGET
    between = auto_exposure(0.05, 0.05 * (LOW_KEY_FROM + LOW_KEY_FULL) / 2)
    assert NIGHT_TARGET < between < TARGET


@pytest.mark.parametrize("ratio", [1.0, 6.0, 30.0])
def test_the_automatic_target_is_continuous_and_never_darkens(ratio: float):
    levels = np.linspace(0.005, 0.9, 400)
    targets = np.array([auto_exposure(x, min(x * ratio, 1.0)) for x in levels])
    assert np.all(targets >= levels - 1e-9)
    assert np.abs(np.diff(targets)).max() < 0.01  # no jumps at DARK or WELL_EXPOSED


def test_the_engine_fits_a_night_scene_to_the_night_target(conditioned_engine):
    maps = conditioned_engine.estimate(night_scene())
    assert maps.exposure == pytest.approx(NIGHT_TARGET)
    assert maps.gain == 1.0 and maps.auto_strength == 8  # lamps: the curves do the lifting
    assert mean_level(conditioned_engine.render(maps)) == pytest.approx(NIGHT_TARGET, abs=0.03)


def test_mean_level_of_8_and_16_bit():
    assert mean_level(np.full((4, 4, 3), 51, np.uint8)) == pytest.approx(0.2)
    assert mean_level(np.full((4, 4, 3), 65535, np.uint16)) == pytest.approx(1.0)


@pytest.mark.parametrize("value", [0.0, 1.2, float("nan"), float("inf")])
def test_unusable_levels_are_refused(value: float):
    with pytest.raises(ValueError, match="between 0.05 and 0.95"):
        check_exposure(value)


@pytest.fixture()
def conditioned_engine() -> Engine:
    """A hand-made conditioned net whose lift grows with the level it is asked for."""
    net = build_model("zerodce-exposure")
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net.exposure_shift[5] = 0.05  # last hidden layer switches on above E = 0.6 ...
        net.e_conv7.weight[:, 32:] = -0.2  # ... and drives every curve towards brightening
        net.e_conv7.bias.fill_(-0.2)
    return Engine(net, precision="fp32")


def test_engine_brings_the_output_to_the_asked_or_the_automatic_level(conditioned_engine):
    photo = np.random.default_rng(0).integers(0, 40, (64, 48, 3), dtype=np.uint8)
    auto = conditioned_engine.estimate(photo)
    # Uniformly underexposed: the linear-light gain lifts it all, the curves stay off.
    assert auto.exposure == TARGET and auto.gain > 4 and auto.auto_strength < 0.1
    assert mean_level(conditioned_engine.render(auto)) == pytest.approx(TARGET, abs=0.02)
    curves_only = conditioned_engine.estimate(photo, gain=1.0)
    assert curves_only.auto_strength == 8  # far below the target: the curves at full strength
    assert mean_level(conditioned_engine.render(curves_only)) == pytest.approx(TARGET, abs=0.02)
    bright = conditioned_engine.estimate(photo, exposure=0.8)
    assert bright.exposure == 0.8
    assert mean_level(conditioned_engine.render(bright)) == pytest.approx(0.8, abs=0.02)
    with pytest.raises(ValueError, match="exposure must be"):
        conditioned_engine.estimate(photo, exposure=3.0)


def test_a_well_exposed_photo_is_left_as_it_is(conditioned_engine):
    rng = np.random.default_rng(1)
    photo = rng.integers(40, 200, (64, 48, 3), dtype=np.uint8)  # mean level ~0.47
    maps = conditioned_engine.estimate(photo)
    assert maps.auto_strength == 0.0
    assert np.array_equal(conditioned_engine.render(maps), photo)
    assert auto_strength(0.30, 0.34, 8) == pytest.approx(4.0)  # half the full gap: half
    assert auto_strength(0.05, TARGET, 8) == 8


def test_models_for_one_level_ignore_the_exposure():
    engine = Engine(build_model("zerodce"), precision="fp32")
    photo = np.zeros((8, 8, 3), np.uint8)
    maps = engine.estimate(photo, exposure=0.3)
    assert maps.exposure is None
    assert np.array_equal(maps.maps, engine.estimate(photo).maps)


def test_the_exposure_gain_is_identity_at_one_smooth_and_never_clips():
    assert np.array_equal(exposure_lut(1.0, 255), np.arange(256, dtype=np.float32) / 255)
    for gain in (1.01, 2.0, 40.0):
        lut = exposure_lut(gain, 65535)
        assert np.all(np.diff(lut) >= 0) and lut[-1] <= 1.0 and lut[0] == 0.0
    # Highlights two stops over white still roll off instead of clipping flat.
    assert np.unique(exposure_lut(2.0, 65535)[-8192:]).size > 1000
    near = exposure_lut(1.001, 255) - exposure_lut(1.0, 255)
    assert np.abs(near).max() < 0.002  # no jump as the gain leaves 1
    # Below the knee it is exactly the gain in linear light, as a longer exposure.
    codes = np.arange(40) / 255
    assert to_linear(exposure_lut(16.0, 255)[:40]) == pytest.approx(16 * to_linear(codes),
                                                                     rel=1e-4, abs=1e-7)


@pytest.mark.parametrize("target", [0.2, 0.47])
def test_the_fitted_gain_brings_the_mean_to_the_target(target: float):
    photo = np.random.default_rng(2).integers(0, 30, (64, 80, 3), dtype=np.uint8)
    gain = fit_gain(photo, target)
    assert gain > 1
    assert float(exposure_lut(gain, 255)[photo].mean()) == pytest.approx(target, abs=0.002)
    assert fit_gain(np.full((4, 4, 3), 200, np.uint8), target) == 1.0  # bright enough already


def test_srgb_round_trip():
    v = np.linspace(0, 1, 101)
    assert np.allclose(to_srgb(to_linear(v)), v, atol=1e-9)
