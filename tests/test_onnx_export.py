"""ONNX export: the exported graphs run in ONNX Runtime and match the engine (fp32)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.conftest import PEER_WEIGHTS  # noqa: E402
from zerodce_core.bundled import default_model_path  # noqa: E402
from zerodce_core.cli import main  # noqa: E402
from zerodce_core.engine import Engine  # noqa: E402
from zerodce_core.export import ExportError, export_onnx  # noqa: E402
from zerodce_core.exposure import (  # noqa: E402
    KNEE,
    MAX_GAIN,
    NIGHT_TARGET,
    TARGET,
    auto_exposure,
    exposure_lut,
    fit_gain,
    gain_share,
    highlight_level,
    mean_level,
)
from zerodce_core.kernels import render_curves  # noqa: E402
from zerodce_core.model import build_model  # noqa: E402
from zerodce_core.output import is_temp_file  # noqa: E402

# Sizes: smaller than the 512 px fast size (the network sees every pixel), odd, non-square
# both ways, larger with a long side that does not divide evenly, and degenerate.
SIZES = [(37, 53), (301, 199), (613, 1024), (700, 700), (3, 701), (1, 1)]
MIN_PSNR = 40.0


def photo(height: int, width: int, level: float = 0.12, dtype: type = np.uint16,
          seed: int = 0) -> np.ndarray:
    """A dark photo-like image: smooth coloured shading, edges and sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = np.array([0.0, 1.0, 2.0], np.float32)
    shading = 1 + 0.8 * np.sin(x[..., None] / 17 + phase) * np.cos(y[..., None] / 23)
    edges = 0.5 * ((x // 40 + y // 30) % 2)[..., None]
    image = level * (shading + edges) + rng.normal(0, 0.01, (height, width, 3))
    peak = np.iinfo(dtype).max
    return (np.clip(image, 0, 1) * peak).round().astype(dtype)


def to_tensor(image: np.ndarray) -> np.ndarray:
    peak = np.iinfo(image.dtype).max
    return (image.astype(np.float32) / peak).transpose(2, 0, 1)[None]


def to_image(tensor: np.ndarray) -> np.ndarray:
    return tensor[0].transpose(1, 2, 0).astype(np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((a - b) ** 2)))


def assert_matches(onnx_out: np.ndarray, engine_out: np.ndarray) -> None:
    peak = np.iinfo(engine_out.dtype).max
    expected = engine_out.astype(np.float64) / peak
    assert psnr(onnx_out, expected) >= MIN_PSNR
    # Far tighter in practice (~100 dB at 16 bits): the engine's output rounding plus a
    # quarter of an 8-bit level catches subtle drift.
    assert np.abs(onnx_out - expected).max() < 0.5 / peak + 1e-3


def run(session: ort.InferenceSession, image: np.ndarray, **scalars: float) -> np.ndarray:
    feed = {"image": to_tensor(image)}
    feed.update({name: np.array(value, np.float32) for name, value in scalars.items()})
    return to_image(session.run(None, feed)[0])


def monotone_net() -> torch.nn.Module:
    """A conditioned net with a gentle monotone exposure response (tests/test_exposure.py's),
    plus a little image dependence so its maps vary across the photo."""
    net = build_model("zerodce-exposure")
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net.exposure_shift[5] = 0.05  # last hidden layer switches on above E = 0.6 ...
        net.e_conv7.weight[:, 32:] = -0.2  # ... and drives every curve towards brightening
        net.e_conv7.bias.fill_(-0.2)
        net.e_conv1.weight[0, :, 1, 1] = 1.0  # brightness, which makes bright pixels ...
        net.e_conv7.weight[:, 0, 1, 1] = 0.3  # ... brighten less
    return net


@pytest.fixture(scope="module")
def bundled() -> Engine:
    return Engine(device="cpu", precision="fp32")


@pytest.fixture(scope="module")
def fast_file(bundled: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_onnx(bundled, tmp_path_factory.mktemp("onnx") / "fast.onnx")


@pytest.fixture(scope="module")
def fast_session(fast_file: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(fast_file))


@pytest.fixture(scope="module")
def full_session(bundled: Engine, tmp_path_factory: pytest.TempPathFactory
                 ) -> ort.InferenceSession:
    path = export_onnx(bundled, tmp_path_factory.mktemp("onnx") / "full.onnx", mode="full")
    return ort.InferenceSession(str(path))


@pytest.mark.parametrize("size", SIZES)
def test_fast_graph_reproduces_the_engine(fast_session, bundled, size):
    image = photo(*size)
    assert_matches(run(fast_session, image), bundled.enhance(image))


def test_strength_input_has_the_cli_meaning(fast_session, bundled):
    image = photo(300, 400, seed=1)
    maps = bundled.estimate(image)
    for strength in (0.0, 2.5, 5.75, 8.0, 11.0):  # 11: clamped to the 8 iterations
        out = run(fast_session, image, strength=strength)
        assert_matches(out, bundled.render(maps, strength))
    # Strength 0: the photo after the exposure gain (conditioned models), else as it is.
    start = to_image(to_tensor(image)) if maps.levels is None else maps.levels[image]
    assert np.abs(run(fast_session, image, strength=0.0) - start).max() < 1e-6


def test_eight_bit_photo(fast_session, bundled):
    image = photo(480, 640, dtype=np.uint8, seed=2)
    assert_matches(run(fast_session, image), bundled.enhance(image))


def test_full_graph_gives_the_engines_full_mode_maps(bundled, full_session):
    image = photo(97, 130, seed=3)
    maps, *scalars = full_session.run(None, {"image": to_tensor(image)})
    expected = bundled.estimate(image, mode="full")
    assert maps[0].shape == expected.maps.shape == (3 * bundled.net.map_count, 97, 130)
    assert np.abs(maps[0] - expected.maps * expected.map_scale).max() < 1e-4
    strength, levels = bundled.iterations, None
    if bundled.takes_exposure:  # conditioned models also say at which strength to render,
        strength, gain = float(scalars[1]), float(scalars[2])  # from which gain
        assert strength == pytest.approx(expected.default_strength, abs=1e-5)
        assert gain == pytest.approx(expected.gain, rel=1e-6)
        levels = None if gain == 1.0 else exposure_lut(gain, 65535)
    rendered = render_curves(image, maps[0], 1.0, bundled.net.shared_maps, strength,
                             bundled.iterations, levels=levels)
    assert_matches(to_image(to_tensor(rendered)), bundled.render(expected))


@pytest.mark.parametrize("name", ["zerodce_official_Epoch99.pth",
                                  "zerodcepp_official_Epoch99.pth"])
def test_official_checkpoints_export(name, tmp_path):
    path = PEER_WEIGHTS / name
    if not path.exists():
        pytest.skip("../shared/peer_weights is not present")
    engine = Engine(path, device="cpu", precision="fp32")
    session = ort.InferenceSession(str(export_onnx(engine, tmp_path / "peer.onnx")))
    image = photo(600, 800, seed=4)
    assert_matches(run(session, image, strength=5.5), engine.enhance(image, 5.5))
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["license"].startswith("CC BY-NC 4.0") and meta["source_format"] == \
        engine.info.source_format


@pytest.fixture(scope="module")
def conditioned(tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Engine, ort.InferenceSession, ort.InferenceSession]:
    """The engine, and sessions of its fast and full graphs."""
    # A smaller fast size keeps the test quick and checks that the graph follows the engine's.
    engine = Engine(monotone_net(), device="cpu", precision="fp32", fast_size=256)
    folder = tmp_path_factory.mktemp("exposure")
    return (engine, ort.InferenceSession(str(export_onnx(engine, folder / "fast.onnx"))),
            ort.InferenceSession(str(export_onnx(engine, folder / "full.onnx", mode="full"))))


# Mean levels ~0.06 (dark: to the target at full strength), ~0.25 (sliding target), ~0.33
# (just below its target: part strength) and ~0.56 (well exposed: left as it is).
LEVELS = [0.05, 0.2, 0.265, 0.45]


@pytest.mark.parametrize("level", LEVELS)
def test_exposure_conditioned_fast_graph(conditioned, level):
    engine, session, _ = conditioned
    image = photo(300, 260, level=level, seed=5)
    for exposure in (None, 0.3):
        asked = {} if exposure is None else {"exposure": exposure}
        expected = engine.render(engine.estimate(image, exposure=exposure))
        out = run(session, image, **asked)
        assert_matches(out, expected)
        if level == 0.45 and exposure is None:  # well exposed: left as it is
            assert np.abs(out - to_image(to_tensor(image))).max() < 1e-6


def test_conditioned_strength_is_automatic_unless_asked(conditioned):
    engine, session, _ = conditioned
    # Lamps: the gain does a share of the lift (exposure.gain_share), the curves the rest.
    image = night_photo(240, 320, 0.2, seed=11)
    maps = engine.estimate(image)
    assert 0 < maps.default_strength < engine.iterations  # this photo gets part strength
    assert maps.gain > 1.5
    automatic = run(session, image)
    assert np.abs(run(session, image, strength=-1.0) - automatic).max() == 0
    assert_matches(automatic, engine.render(maps))
    for strength in (0.0, 3.5, 8.0):  # the maps fitted automatically, at the strength asked
        assert_matches(run(session, image, strength=strength), engine.render(maps, strength))


def test_exposure_conditioned_full_graph(conditioned):
    engine, _, session = conditioned
    assert [o.name for o in session.get_outputs()] == ["maps", "network_level",
                                                       "default_strength", "gain"]
    assert [i.name for i in session.get_overridable_initializers()] == ["exposure", "level",
                                                                        "fixed_gain"]
    image = photo(301, 199, level=0.2, seed=6)
    for exposure in (None, 0.8):
        asked = {} if exposure is None else {"exposure": np.array(exposure, np.float32)}
        maps, _, strength, gain = session.run(None, {"image": to_tensor(image), **asked})
        expected = engine.estimate(image, mode="full", exposure=exposure)
        assert expected.gain > 1.5  # the network sees the photo after the gain
        assert np.abs(maps[0] - expected.maps * expected.map_scale).max() < 1e-4
        assert float(strength) == pytest.approx(expected.default_strength, abs=1e-5)
        assert float(gain) == pytest.approx(expected.gain, rel=1e-6)


def test_full_graph_tiles_at_the_level_fitted_on_the_whole_photo(conditioned):
    engine, _, session = conditioned
    image = photo(400, 300, level=0.03, seed=12)
    image[:, :200] = photo(400, 200, level=0.3, seed=13)  # the tile is brighter than the photo
    expected = engine.estimate(image, mode="full")
    whole = expected.maps * expected.map_scale
    _, level, strength, gain = session.run(None, {"image": to_tensor(image)})
    assert float(gain) == pytest.approx(expected.gain, rel=1e-6) and expected.gain > 1.5
    tile = image[100:300, 50:250]  # 8 px beyond the 184 px core checked below
    maps, used, _, used_gain = session.run(None, {"image": to_tensor(tile), "level": level,
                                                  "fixed_gain": gain})
    assert used == level and used_gain == gain
    assert np.abs(maps[0][:, 8:-8, 8:-8] - whole[:, 108:292, 58:242]).max() < 1e-4
    _, fitted_on_tile, _, gain_of_tile = session.run(None, {"image": to_tensor(tile)})
    assert fitted_on_tile != level and gain_of_tile != gain  # why a tiler must pass both


def test_exposure_can_be_fixed_at_export(conditioned, tmp_path):
    engine = conditioned[0]
    path = export_onnx(engine, tmp_path / "fixed.onnx", exposure=0.3, image_only=True)
    assert [i.name for i in onnx.load(str(path)).graph.input] == ["image"]
    image = photo(300, 260, level=0.05, seed=10)
    expected = engine.render(engine.estimate(image, exposure=0.3))
    assert_matches(run(ort.InferenceSession(str(path)), image), expected)


def gain_graph() -> ort.InferenceSession:
    """`gain.lift` and `gain.fit_gain` alone: `x` (1, 3, h, w) float32, `gain` (float32) and
    `target` (double) -> `lifted` (x after the gain) and `fitted` (the gain for the target)."""
    from onnx import TensorProto, helper

    from zerodce_core.export.gain import fit_gain as fit_in_graph
    from zerodce_core.export.gain import lift, mean
    from zerodce_core.export.graph import GraphBuilder, image_info
    from zerodce_core.export.network import IR_VERSION, OPSET

    g = GraphBuilder()
    g.op("Identity", lift(g, "x", "gain"), output="lifted")
    g.op("Identity", fit_in_graph(g, "x", mean(g, "x"), "target"), output="fitted")
    info = helper.make_tensor_value_info
    graph = g.graph("gain", [image_info("x", 3), info("gain", TensorProto.FLOAT, []),
                             info("target", TensorProto.DOUBLE, [])],
                    [image_info("lifted", 3), info("fitted", TensorProto.DOUBLE, [])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   ir_version=IR_VERSION)
    onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(model.SerializeToString())


@pytest.mark.parametrize("gain", [1.0, 1.2, 1 / KNEE, 2.0, 37.5, MAX_GAIN])
def test_the_graph_lifts_every_code_as_the_engines_table(gain):
    session = gain_graph()
    for peak in (255, 65535):
        codes = np.arange(peak + 1, dtype=np.float32) / np.float32(peak)
        x = np.ascontiguousarray(np.broadcast_to(codes, (1, 3, 1, peak + 1)))
        lifted, _ = session.run(None, {"x": x, "gain": np.array(gain, np.float32),
                                       "target": np.array(0.5)})
        assert (lifted == lifted[:, :1]).all()  # elementwise: the same in every channel
        lifted = lifted[0, 0, 0]
        table = exposure_lut(float(np.float32(gain)), peak)  # the graph's gain is float32
        if gain == 1.0:
            assert np.array_equal(lifted, table)  # no gain: the input exactly
        assert np.abs(lifted - table).max() < 1e-6


@pytest.mark.parametrize("level, target", [
    (0.05, TARGET),  # bisection
    (0.2, 0.3),  # a little lift
    (0.3, 0.2),  # already brighter than the target: exactly 1
    (0.002, 0.95),  # not even MAX_GAIN gets there: MAX_GAIN
    (0.0, TARGET),  # black
])
def test_the_graph_fits_the_engines_gain(level, target):
    small = photo(97, 131, level=level, dtype=np.uint8, seed=19)
    expected = fit_gain(small, target)
    if level in (0.002, 0.0):
        assert expected == MAX_GAIN
    _, fitted = gain_graph().run(None, {"x": to_tensor(small), "gain": np.array(1.0, np.float32),
                                        "target": np.array(target)})
    assert float(fitted) == pytest.approx(expected, rel=1e-6)
    if expected == 1.0:
        assert float(fitted) == 1.0


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_an_evenly_underexposed_photo_is_lifted_by_the_gain(fast_session, full_session, bundled,
                                                            dtype):
    if not bundled.takes_exposure:
        pytest.skip(f"the bundled model ({bundled.info.arch}) is not exposure-conditioned")
    image = photo(480, 640, level=0.035, dtype=dtype, seed=20)
    maps = bundled.estimate(image)
    small = image[::2, ::2]  # the gain's share, from the engine's rule: all of it here
    assert gain_share(mean_level(small), highlight_level(small)) == 1.0
    assert maps.gain > 4 and maps.default_strength < bundled.iterations / 2
    assert_matches(run(fast_session, image), bundled.render(maps))
    # Strength 0 is the gain alone: the graph's tone function against the engine's table.
    assert_matches(run(fast_session, image, strength=0.0), bundled.render(maps, 0.0))
    gain = full_session.run(None, {"image": to_tensor(image)})[3]
    # The engine rounds its downscaled copy to the source's codes, the graph keeps it in
    # float: in 8 bits that moves this dark copy's mean after the gain by a hair (the tone
    # function is curved), and the gain by 0.07% (fed the engine's copy, the graph's
    # bisection gives its gain to 1e-6: test_the_graph_fits_the_engines_gain).
    assert float(gain) == pytest.approx(maps.gain, rel=1e-6 if dtype == np.uint16 else 2e-3)


def test_an_exposure_below_the_photos_level_gets_no_gain(conditioned):
    engine, fast, full = conditioned
    image = photo(300, 260, level=0.3, seed=21)  # mean ~0.37
    exposure = 0.25
    maps = engine.estimate(image, exposure=exposure)
    assert maps.gain == 1.0 and maps.default_strength == engine.iterations  # curves darken
    assert_matches(run(fast, image, exposure=exposure), engine.render(maps))
    _, level, strength, gain = full.run(None, {"image": to_tensor(image),
                                               "exposure": np.array(exposure, np.float32)})
    assert float(gain) == 1.0 and float(strength) == engine.iterations
    assert float(level) == pytest.approx(maps.network_level, abs=1e-6)
    _, _, _, gain_above = full.run(None, {"image": to_tensor(image),  # above it: a gain
                                          "exposure": np.array(0.5, np.float32)})
    assert float(gain_above) == pytest.approx(engine.estimate(image, exposure=0.5).gain,
                                              rel=1e-6) and float(gain_above) > 1.2


def night_photo(height: int, width: int, lamps: float, seed: int = 0) -> np.ndarray:
    """A night scene: a near-black 16-bit photo with a `lamps` share of bright, coloured
    pixels scattered over it (street lights, windows)."""
    rng = np.random.default_rng(seed)
    image = photo(height, width, level=0.015, seed=seed)
    lit = rng.random((height, width)) < lamps
    image[lit] = (np.array([0.95, 0.75, 0.45]) * rng.uniform(0.6, 1.0, (lit.sum(), 1))
                  * 65535).astype(np.uint16)
    return image


def target_graph() -> ort.InferenceSession:
    """`calibration.plan_exposure` alone: `small` (1, 3, h, w) -> its automatic target."""
    from onnx import TensorProto, helper

    from zerodce_core.export.calibration import plan_exposure
    from zerodce_core.export.graph import GraphBuilder, image_info
    from zerodce_core.export.network import IR_VERSION, OPSET

    g = GraphBuilder()
    g.constant(0.0, np.float32, name="exposure")
    plan = plan_exposure(g, "small", "exposure", iterations=8)
    g.op("Identity", plan.target, output="target")
    graph = g.graph("target", [image_info("small", 3)],
                    [helper.make_tensor_value_info("target", TensorProto.DOUBLE, [])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   ir_version=IR_VERSION)
    onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(model.SerializeToString())


# Lamp shares: a night scene (highlights ~15x the mean: NIGHT_TARGET), one along the slide
# (~7x), one at a mean level where the target slides to the photo's own (~5x), a dark photo
# without lamps (~2x: TARGET), and a tiny one (the top 1% of 25x15 pixels is max(1, floor(3.75))
# = 3 pixels) with one lamp in it.
@pytest.mark.parametrize("size, lamps", [((240, 320), 0.004), ((97, 131), 0.2),
                                         ((240, 320), 0.3), ((240, 320), 0.0),
                                         ((25, 15), 0.003)])
def test_the_graph_computes_the_automatic_target_with_the_night_rule(size, lamps):
    image = night_photo(*size, lamps, seed=14)
    expected = auto_exposure(mean_level(image), highlight_level(image))
    (target,) = target_graph().run(None, {"small": to_tensor(image)})
    assert float(target) == pytest.approx(expected, abs=1e-7)


def test_night_scenes_get_the_engines_target_and_output(conditioned):
    engine, fast, full = conditioned
    targets = []
    for size, lamps in [((300, 260), 0.004), ((301, 199), 0.2)]:  # both downscaled to 256
        image = night_photo(*size, lamps, seed=15)
        maps = engine.estimate(image)
        targets.append(maps.exposure)
        assert_matches(run(fast, image), engine.render(maps))
        _, level, strength, gain = full.run(None, {"image": to_tensor(image)})
        assert float(level) == pytest.approx(maps.network_level, abs=1e-6)
        assert float(strength) == pytest.approx(maps.default_strength, abs=1e-5)
        assert float(gain) == pytest.approx(maps.gain, rel=1e-6)
    night, between = targets
    assert night == pytest.approx(NIGHT_TARGET)  # the rule is what these photos test
    assert NIGHT_TARGET + 0.02 < between < TARGET - 0.02


@pytest.fixture(scope="module")
def model_colour(bundled: Engine, tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[Engine, ort.InferenceSession]:
    engine = Engine(device="cpu", precision="fp32", colour="model")
    path = export_onnx(engine, tmp_path_factory.mktemp("colour") / "model.onnx")
    return engine, ort.InferenceSession(str(path))


def test_colour_follows_the_engine(fast_session, bundled, model_colour):
    engine, session = model_colour
    assert bundled.colour == "keep"
    image = photo(240, 320, level=0.06, seed=16)  # coloured shading
    assert_matches(run(session, image), engine.enhance(image))
    assert_matches(run(fast_session, image), bundled.enhance(image))
    # The gain lifts this evenly dark photo nearly all the way, so the automatic strength
    # is small: the curves, where the two differ, are compared at full strength.
    kept, own = run(fast_session, image, strength=8.0), run(session, image, strength=8.0)
    assert_matches(own, engine.enhance(image, 8.0))
    assert_matches(kept, bundled.enhance(image, 8.0))
    assert np.abs(kept - own).max() > 0.02
    # "keep" lifts a pixel's channels by one curve: their order never changes.
    source = to_image(to_tensor(image))
    order = np.argsort(source, axis=-1)
    assert np.array_equal(np.argsort(kept, axis=-1)[source.std(-1) > 1e-3],
                          order[source.std(-1) > 1e-3])
    for session_, colour in ((fast_session, "keep"), (session, "model")):
        props = session_.get_modelmeta().custom_metadata_map
        assert props["colour"] == colour and f"colour {colour}:" in props["interface"]


def test_full_graph_maps_share_channels_when_keeping_colour(bundled, model_colour, tmp_path):
    image = photo(97, 130, seed=17)
    for engine in (bundled, model_colour[0]):
        path = export_onnx(engine, tmp_path / f"{engine.colour}.onnx", mode="full")
        maps = ort.InferenceSession(str(path)).run(None, {"image": to_tensor(image)})[0][0]
        triples = maps.reshape(-1, 3, *maps.shape[1:])
        spread = np.abs(triples - triples.mean(1, keepdims=True)).max()
        assert (spread < 1e-6) == (engine.colour == "keep")
        expected = engine.estimate(image, mode="full")
        assert np.abs(maps - expected.maps * expected.map_scale).max() < 1e-4


@pytest.mark.parametrize("level", [0.05, 0.2, 0.45])
def test_bundled_conditioned_model_fits_each_photo(fast_session, bundled, level):
    if not bundled.takes_exposure:
        pytest.skip(f"the bundled model ({bundled.info.arch}) is not exposure-conditioned")
    image = photo(480, 640, level=level, seed=13)
    maps = bundled.estimate(image)
    assert_matches(run(fast_session, image), bundled.render(maps))
    if level == 0.45:  # well exposed: left as it is
        assert maps.default_strength == 0
        assert np.abs(run(fast_session, image) - to_image(to_tensor(image))).max() < 1e-6


def test_metadata_carries_licence_training_data_and_card(fast_session, bundled):
    meta = fast_session.get_modelmeta()
    props = meta.custom_metadata_map
    assert meta.producer_name == "zerodce"
    assert props["license"] == "MIT" and props["variant"] == "fast"
    assert "SICE" in props["training_data"]
    assert props["model_card"] == bundled.info.model_card
    assert (props["architecture"], props["iterations"]) == (bundled.info.arch,
                                                             str(bundled.iterations))
    assert props["source_file"] == default_model_path().name
    assert "optional input strength" in props["interface"]


def test_graph_interface_and_opset(fast_file, bundled):
    model = onnx.load(str(fast_file))
    assert [o.version for o in model.opset_import if o.domain == ""] == [18]
    assert model.ir_version == 8
    session = ort.InferenceSession(str(fast_file))
    (image,) = session.get_inputs()  # strength is optional: an overridable initializer
    assert (image.name, image.shape, image.type) == ("image", [1, 3, "height", "width"],
                                                     "tensor(float)")
    optional = ["strength", "exposure"] if bundled.takes_exposure else ["strength"]
    assert [i.name for i in session.get_overridable_initializers()] == optional
    (out,) = session.get_outputs()
    assert (out.name, out.shape) == ("enhanced", [1, 3, "height", "width"])


def test_image_only_graph_has_one_input(bundled, tmp_path, fast_session):
    path = export_onnx(bundled, tmp_path / "one.onnx", strength=3.5, image_only=True)
    model = onnx.load(str(path))
    assert [i.name for i in model.graph.input] == ["image"]
    assert [o.name for o in model.graph.output] == ["enhanced"]
    image = photo(301, 199, seed=7)
    out = run(ort.InferenceSession(str(path)), image)
    assert np.abs(out - run(fast_session, image, strength=3.5)).max() < 1e-6
    # chaiNNer's loader fixes the input size of every graph input and runs strict shape
    # inference to find the scale; its upscale node feeds input 0 (RGB, BCHW) only.
    from onnx.tools import update_model_dims

    update_model_dims.update_inputs_outputs_dims(
        model, {"image": [1, 3, 256, 320]}, {"enhanced": [1, 3, "height", "width"]})
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    dims = inferred.graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims[:2]] == [1, 3]


def test_openvino_runs_the_fast_graph_like_onnx_runtime(fast_file, fast_session):
    ov = pytest.importorskip("openvino")
    compiled = ov.Core().compile_model(str(fast_file), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    image = photo(613, 1024, seed=8)
    out = to_image(compiled({"image": to_tensor(image)})[0])
    assert np.abs(out - run(fast_session, image)).max() < 1e-5


def test_cli_writes_the_file_and_prints_its_interface(model_file, tmp_path, capsys):
    target = tmp_path / "tiny.onnx"
    assert main(["export", "--onnx", str(target), "--model", str(model_file),
                 "--image-only", "--strength", "4"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {target}" in out and "strength fixed at 4 of 8" in out
    session = ort.InferenceSession(str(target))
    engine = Engine(model_file, device="cpu", precision="fp32")
    image = photo(64, 96, seed=9)
    assert_matches(run(session, image), engine.enhance(image, 4))
    assert not [p for p in tmp_path.iterdir() if is_temp_file(p)]


def test_cli_exports_the_colour_asked_for(model_file, tmp_path, capsys):
    target = tmp_path / "model.onnx"
    assert main(["export", "--onnx", str(target), "--model", str(model_file),
                 "--colour", "model"]) == 0
    assert "colour model" in capsys.readouterr().out
    session = ort.InferenceSession(str(target))
    assert session.get_modelmeta().custom_metadata_map["colour"] == "model"
    engine = Engine(model_file, device="cpu", precision="fp32", colour="model")
    image = photo(64, 96, seed=18)
    assert_matches(run(session, image), engine.enhance(image))
    assert main(["export", "--onnx", str(target), "--model", str(model_file),
                 "--colour", "vivid"]) == 2
    err = capsys.readouterr().err  # argparse quotes the choices or not by Python version
    assert "invalid choice: 'vivid' (choose from " in err and "keep" in err and "model" in err


@pytest.mark.parametrize("args, message", [
    (["--exposure", "0.4"], "exposure-conditioned models only"),
    (["--strength", "9"], "strength must be between 0 and 8"),
])
def test_cli_refuses_bad_settings(model_file, tmp_path, capsys, args, message):
    target = tmp_path / "x.onnx"
    assert main(["export", "--onnx", str(target), "--model", str(model_file), *args]) == 2
    assert message in capsys.readouterr().err
    assert not target.exists()


def test_cli_never_overwrites_the_model(model_file, capsys):
    before = model_file.read_bytes()
    assert main(["export", "--onnx", str(model_file), "--model", str(model_file)]) == 2
    assert "originals are never replaced" in capsys.readouterr().err
    assert model_file.read_bytes() == before


def test_missing_packages_are_named(monkeypatch, bundled, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxscript" else real(name, *a))
    with pytest.raises(ExportError, match=r"needs onnxscript: pip install 'zerodce\[onnx\]'"):
        export_onnx(bundled, tmp_path / "x.onnx")
