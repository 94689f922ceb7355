"""The one photo pipeline: exposure reaches the network, bit depth, automatic noise reduction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import zerodce_core.bundled as bundled
from zerodce_core.engine import CurveMaps, Engine
from zerodce_core.errors import NoBundledModelError
from zerodce_core.model import DCENet, NoiseNet, build_model
from zerodce_core.pipeline import Look, develop, estimate, finish, render


def brightening_engine(**kwargs) -> Engine:
    engine = Engine(DCENet(), precision="fp32", **kwargs)
    with torch.no_grad():
        engine.net.e_conv7.weight.zero_()
        engine.net.e_conv7.bias.fill_(-0.5)  # the same gentle lift everywhere
    return engine


def gradient(height: int = 16, width: int = 1024) -> np.ndarray:
    ramp = np.linspace(0, 60, width)[None, :, None].repeat(height, 0).repeat(3, 2)
    return ramp.round().astype(np.uint8)


def test_16_bit_output_of_an_8_bit_photo_keeps_the_curves_precision():
    engine = brightening_engine()
    photo = gradient()
    lift = np.linspace(-0.9, -0.3, photo.shape[1], dtype=np.float32)  # smooth, as real maps
    maps = CurveMaps(rgb=photo, maps=np.broadcast_to(lift, (24, *photo.shape[:2])).copy(),
                     iterations=8, shared=False)
    eight = render(engine, maps, Look())
    sixteen = render(engine, maps, Look(), bit_depth=16)
    assert sixteen.dtype == np.uint16
    assert len(np.unique(eight[..., 0])) <= 256
    assert len(np.unique(sixteen[..., 0])) > 900  # the float curves' in-between values
    assert np.abs(sixteen.astype(np.int64) / 257 - eight).max() <= 1


def test_the_looks_exposure_reaches_a_conditioned_network():
    torch.manual_seed(0)
    net = build_model("zerodce-exposure")
    with torch.no_grad():
        net.exposure_shift.normal_(0, 2.0)
    engine = Engine(net, precision="fp32")
    photo = gradient(32, 64)
    assert estimate(engine, photo, Look(exposure=0.3)).exposure == 0.3
    assert estimate(engine, photo, Look()).exposure == pytest.approx(0.47)  # a dark photo
    with pytest.raises(ValueError, match="exposure"):
        Look(exposure=1.5)


def test_automatic_noise_reduction_is_skipped_without_a_noise_model(monkeypatch):
    def missing() -> None:
        raise NoBundledModelError("no noise model")

    monkeypatch.setattr(bundled, "default_denoiser_path", missing)
    engine = brightening_engine()
    maps = engine.estimate(gradient())
    rendered = render(engine, maps, Look())
    assert finish(engine, rendered, maps, Look()) is rendered
    with pytest.raises(NoBundledModelError):
        finish(engine, rendered, maps, Look(denoise=0.5))


def test_noise_reduction_cleans_a_lifted_noisy_photo_and_leaves_a_clean_one():
    torch.manual_seed(0)
    engine = brightening_engine(denoiser=NoiseNet())
    rng = np.random.default_rng(0)
    noisy = np.clip(gradient(64, 256) + rng.normal(0, 4, (64, 256, 3)), 0, 255).astype(np.uint8)
    maps = engine.estimate(noisy)
    assert not np.array_equal(develop(engine, maps, Look()), render(engine, maps, Look()))
    assert np.array_equal(develop(engine, maps, Look(denoise=0)), render(engine, maps, Look()))
    clean = engine.estimate(np.full((64, 256, 3), 40, np.uint8))  # flat: no noise measured
    assert np.array_equal(develop(engine, clean, Look()), render(engine, clean, Look()))
