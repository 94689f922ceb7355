"""The automatic exposure target and how the engine passes it to conditioned models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zerodce_core.engine import Engine
from zerodce_core.exposure import (
    DARK,
    TARGET,
    WELL_EXPOSED,
    auto_exposure,
    check_exposure,
    mean_level,
)
from zerodce_core.model import build_model


def test_dark_photos_go_to_the_target_and_well_exposed_ones_keep_their_level():
    assert auto_exposure(0.02) == TARGET
    assert auto_exposure(DARK) == TARGET
    assert auto_exposure(0.5) == 0.5
    assert auto_exposure(WELL_EXPOSED) == pytest.approx(WELL_EXPOSED)
    middle = auto_exposure((DARK + WELL_EXPOSED) / 2)
    assert WELL_EXPOSED < middle < TARGET  # continuous slide between the two regimes


def test_mean_level_of_8_and_16_bit():
    assert mean_level(np.full((4, 4, 3), 51, np.uint8)) == pytest.approx(0.2)
    assert mean_level(np.full((4, 4, 3), 65535, np.uint16)) == pytest.approx(1.0)


@pytest.mark.parametrize("value", [0.0, 1.2, float("nan"), float("inf")])
def test_unusable_levels_are_refused(value: float):
    with pytest.raises(ValueError, match="between 0.05 and 0.95"):
        check_exposure(value)


@pytest.fixture()
def conditioned_engine() -> Engine:
    torch.manual_seed(0)
    net = build_model("zerodce-exposure")
    with torch.no_grad():
        net.exposure_shift.normal_(0, 2.0)
    return Engine(net, precision="fp32")


def test_engine_estimates_for_the_asked_level_or_the_automatic_one(conditioned_engine):
    photo = np.random.default_rng(0).integers(0, 40, (64, 48, 3), dtype=np.uint8)
    auto = conditioned_engine.estimate(photo)
    assert auto.exposure == TARGET  # a dark photo
    low = conditioned_engine.estimate(photo, exposure=0.2)
    high = conditioned_engine.estimate(photo, exposure=0.8)
    assert (low.exposure, high.exposure) == (0.2, 0.8)
    assert not np.array_equal(low.maps, high.maps)
    with pytest.raises(ValueError, match="exposure must be"):
        conditioned_engine.estimate(photo, exposure=3.0)


def test_models_for_one_level_ignore_the_exposure():
    engine = Engine(build_model("zerodce"), precision="fp32")
    photo = np.zeros((8, 8, 3), np.uint8)
    maps = engine.estimate(photo, exposure=0.3)
    assert maps.exposure is None
    assert np.array_equal(maps.maps, engine.estimate(photo).maps)
