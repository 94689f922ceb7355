"""The learned noise-reduction stage: identity where there is no noise, tiling, refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import zerodce_core.denoiser as denoiser_module
from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.denoiser import Denoiser
from zerodce_core.engine import Engine
from zerodce_core.errors import ZeroDCEError
from zerodce_core.model import DCENet, NoiseNet, NoiseUNet
from zerodce_core.noise import measure_noise


def random_net(seed: int = 0, cls: type[NoiseNet] = NoiseNet) -> NoiseNet:
    torch.manual_seed(seed)
    net = cls()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)  # visibly non-identity
    return net


def noisy(shape: tuple[int, ...], dtype=np.uint8, seed: int = 0) -> np.ndarray:
    peak = np.iinfo(dtype).max
    rng = np.random.default_rng(seed)
    base = np.linspace(0.2, 0.7, shape[1])[None, :, None] * np.ones(shape)
    return np.clip((base + rng.normal(0, 0.05, shape)) * peak, 0, peak).astype(dtype)


def cpu() -> torch.device:
    return torch.device("cpu")


def test_zero_residual_net_and_zero_map_change_nothing():
    image = noisy((40, 50, 3))
    identity = NoiseNet()
    with torch.no_grad():
        identity.body[-1].weight.zero_()
        identity.body[-1].bias.zero_()
    sigma = np.full((20, 25, 3), 0.05, np.float32)
    assert np.array_equal(Denoiser(identity, cpu())(image, sigma), image)
    nothing = np.zeros_like(sigma)
    assert Denoiser(random_net(), cpu())(image, nothing) is image  # clean: skipped


@pytest.mark.parametrize(("dtype", "cls"), [(np.uint8, NoiseNet), (np.uint16, NoiseNet),
                                           (np.uint8, NoiseUNet)])
def test_tiles_match_one_whole_pass_and_strength_blends(monkeypatch, dtype, cls):
    image = noisy((601, 777, 3), dtype)  # odd sizes, several tiles
    sigma = np.full((80, 100, 3), 0.05, np.float32)
    stage = Denoiser(random_net(cls=cls), cpu())
    tiled = stage(image, sigma).astype(np.int64)
    monkeypatch.setattr(denoiser_module, "TILE", 4096)
    whole = stage(image, sigma).astype(np.int64)
    peak = np.iinfo(dtype).max
    assert np.abs(tiled - whole).max() <= peak / 255  # within one 8-bit level
    assert not np.array_equal(whole, image)
    half = stage(image, sigma, 0.5).astype(np.int64)
    low, high = np.minimum(image, whole), np.maximum(image, whole)
    assert np.all((half >= low - 1) & (half <= high + 1))  # between off and full
    assert 0 < np.abs(half - image).mean() < np.abs(whole - image).mean()
    assert stage(image, sigma, 0.0) is image


def test_checkpoints_of_the_wrong_kind_are_refused(tmp_path: Path):
    curve_file = save_checkpoint(tmp_path / "curves.safetensors", DCENet())
    noise_file = save_checkpoint(tmp_path / "noise.safetensors", NoiseNet())
    with pytest.raises(ZeroDCEError, match="not a noise-reduction model"):
        Denoiser(curve_file, cpu())
    with pytest.raises(ZeroDCEError, match="needs a curve model"):
        Engine(noise_file)
    assert isinstance(Denoiser(noise_file, cpu()).net, NoiseNet)
    wide_file = save_checkpoint(tmp_path / "wide.safetensors", NoiseUNet())
    assert type(Denoiser(wide_file, cpu()).net) is NoiseUNet


@pytest.mark.parametrize("shape", [(1, 3, 130, 126), (2, 3, 66, 70)])
def test_the_wide_noise_net_takes_any_even_size_and_is_exact_where_sigma_is_zero(shape):
    net = random_net(cls=NoiseUNet)
    image = torch.rand(shape)
    sigma = torch.full((shape[0], 3, shape[2] // 2, shape[3] // 2), 0.05)
    sigma[..., :10, :] = 0
    residual = net.residual(image, sigma)
    assert residual.shape == image.shape
    assert torch.all(residual[..., :20, :] == 0) and residual[..., 20:, :].abs().mean() > 0


def test_engine_reduces_amplified_noise_only_where_the_curves_lifted():
    engine = Engine(DCENet(), precision="fp32", denoiser=random_net())
    with torch.no_grad():  # a net whose curves brighten everything strongly
        engine.net.e_conv7.weight.zero_()
        engine.net.e_conv7.bias.fill_(-3.0)
    dark = noisy((64, 96, 3), seed=1) // 6
    maps = engine.estimate(dark)
    rendered = engine.render(maps)
    cleaned = engine.reduce_noise(rendered, maps, maps.iterations, 1.0)
    assert not np.array_equal(cleaned, rendered)
    assert engine.reduce_noise(rendered, maps, maps.iterations, 0.0) is rendered
    untouched = engine.reduce_noise(dark, maps, 0.0, 1.0)  # strength 0 curves: gain 1
    assert maps.noise is not None and maps.noise.typical < 0.01 or untouched is dark


def test_the_network_is_never_told_more_noise_than_it_was_trained_for():
    image = noisy((64, 80, 3))
    stage = Denoiser(random_net(), cpu())
    at_most = stage(image, np.full((32, 40, 3), denoiser_module.SIGMA_MAX, np.float32))
    beyond = stage(image, np.full((32, 40, 3), 0.9, np.float32))  # pure noise lifted 40x
    assert np.array_equal(at_most, beyond)


def test_only_the_noise_the_lift_added_is_removed():
    assert np.allclose(denoiser_module.amplified(np.array([0.5, 1.0, 7.0])),
                       [0.0, 0.0, np.sqrt(48.0)])
    photo = noisy((64, 80, 3)) // 4  # dark: the curves lift it
    profile = measure_noise(photo)
    maps = np.full((24, 64, 80), -0.5, np.float32)
    unlifted = Denoiser.sigma_map(profile, photo, maps, 0.0, 8)  # strength 0: nothing lifted
    assert not unlifted.any()
    lifted = Denoiser.sigma_map(profile, photo, maps, 8.0, 8)
    assert (lifted > 0).mean() > 0.5 and lifted.max() > 0.02
