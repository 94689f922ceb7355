"""int8 DCE-Net stays within the 35 dB PSNR of fp32 that reduced precision is allowed."""

import numpy as np
import pytest
import torch

from tests.conftest import brightening_model
from zerodce_core.engine import Engine
from zerodce_core.errors import ZeroDCEError
from zerodce_core.model import ExposureDCENet
from zerodce_core.quantized import int8_available, stress_chart

pytestmark = pytest.mark.skipif(not int8_available(), reason="needs oneDNN int8 (x86 torch)")


def psnr(a: np.ndarray, b: np.ndarray, peak: float) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(peak**2 / mse)


def scene(dtype=np.uint8, seed: int = 0) -> np.ndarray:
    """A dark photo-like image: gradients, edges, texture and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:120, 0:160]
    base = 0.04 + 0.1 * (x / 160) + 0.06 * ((x // 20 + y // 20) % 2) * np.sin(y / 5) ** 2
    rgb = np.stack([base, base * 0.8, base * 1.2], 2) + rng.normal(0, 0.01, (120, 160, 3))
    return (np.clip(rgb, 0, 1) * np.iinfo(dtype).max).astype(dtype)


def exposure_model() -> ExposureDCENet:
    model = ExposureDCENet()
    model.load_state_dict(brightening_model().state_dict(), strict=False)
    with torch.no_grad():
        model.exposure_shift.normal_(0, 0.5)
    return model.eval()


@pytest.mark.parametrize("model", [brightening_model, exposure_model])
@pytest.mark.parametrize("mode", ["fast", "full"])
def test_int8_is_within_35_db_of_fp32(model, mode):
    image = scene()
    fp32 = Engine(model(), device="cpu", precision="fp32", fast_size=64)
    int8 = Engine(model(), device="cpu", precision="int8", fast_size=64)
    assert int8.precision == "int8"
    for exposure in ([None] if not fp32.takes_exposure else [0.2, 0.47, 0.8]):
        ref = fp32.render(fp32.estimate(image, mode=mode, exposure=exposure))
        out = int8.render(int8.estimate(image, mode=mode, exposure=exposure))
        assert psnr(out, ref, 255) > 35


def test_16_bit_photos_keep_every_bit_through_the_curves():
    image = scene(np.uint16, seed=1)
    fp32 = Engine(brightening_model(), device="cpu", precision="fp32")
    int8 = Engine(brightening_model(), device="cpu", precision="int8")
    out = int8.enhance(image, mode="full")
    assert out.dtype == np.uint16 and len(np.unique(out)) > 4096
    assert psnr(out, fp32.enhance(image, mode="full"), 65535) > 35


def test_int8_is_refused_where_it_cannot_run():
    from zerodce_core.model import DCENetPP

    with pytest.raises(ZeroDCEError, match="int8 needs"):
        Engine(DCENetPP().eval(), device="cpu", precision="int8")


def test_the_stress_chart_spans_black_to_white_with_fine_detail():
    chart = stress_chart()
    assert chart.shape == (1, 3, 128, 128) and chart.min() == 0 and chart.max() == 1
