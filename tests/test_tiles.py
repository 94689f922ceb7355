"""Full mode keeps an overview and budgeted tiles; what it renders never depends on the budget."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from zerodce_core import tiles
from zerodce_core.engine import Engine


@pytest.fixture
def photo() -> np.ndarray:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:90, 0:130]
    base = np.stack([20 + 15 * np.sin(x / 9), 25 + 10 * np.cos(y / 7), 12 + 0 * x], 2)
    return np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)


def test_the_overview_is_the_block_average_of_the_full_maps(model_file, photo, monkeypatch):
    monkeypatch.setattr(tiles, "OVERVIEW_SIDE", 40)  # 130 px wide: blocks of 4 x 4
    engine = Engine(model_file, device="cpu", mode="full", tile_size=24, precision="fp32")
    maps = engine.estimate(photo)
    assert maps.tiles.factor == 4 and maps.maps.shape == (24, 23, 33)
    whole = engine.estimate(photo, mode="fast", fast_size=4096).maps / tiles.INT16_SCALE
    padded = torch.from_numpy(whole)[None]
    expected = F.avg_pool2d(padded, 4, 4, ceil_mode=True)[0].numpy()  # partial edge blocks
    assert np.abs(maps.maps - expected).max() < 1e-3


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_tiles_beyond_the_budget_are_recomputed_to_the_same_bytes(model_file, photo,
                                                                  precision):
    kept = Engine(model_file, device="cpu", mode="full", tile_size=32, precision=precision)
    lean = Engine(model_file, device="cpu", mode="full", tile_size=32, precision=precision,
                  map_budget=2 * 24 * 32 * 32)  # two tiles of int16 maps
    all_maps, few_maps = kept.estimate(photo), lean.estimate(photo)
    assert all_maps.tiles.complete and not few_maps.tiles.complete
    assert few_maps.tiles.kept_bytes <= 2 * 24 * 32 * 32
    for strength in (3.5, 8.0):
        assert np.array_equal(kept.render(all_maps, strength), lean.render(few_maps, strength))


def test_rendering_kept_tiles_needs_no_network_and_recomputing_does(model_file, photo,
                                                                     monkeypatch):
    engine = Engine(model_file, device="cpu", mode="full", tile_size=32, precision="fp32",
                    map_budget=24 * 32 * 32 * 2 * 3)  # three of the twelve tiles
    maps = engine.estimate(photo)
    calls = []
    forward = engine.net.forward
    monkeypatch.setattr(engine.net, "forward", lambda *a: calls.append(1) or forward(*a))
    engine.render(maps, 8.0)
    assert len(calls) == len(maps.tiles.boxes) - 3


def test_previews_of_full_mode_come_from_the_overview(model_file, photo):
    engine = Engine(model_file, device="cpu", mode="full", tile_size=32)
    maps = engine.estimate(photo)
    preview = maps.preview(64)
    assert preview.tiles is None and preview.rgb.shape[:2] == (44, 64)
    assert maps.preview(200) is maps  # fits: the full-resolution tiles render it
