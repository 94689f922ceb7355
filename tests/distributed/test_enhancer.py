"""BatchEnhancer on its own: no Ray needed, it is plain Python."""

import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from zerodce_core.batch import BatchOptions, Status
from zerodce_core.cli import main
from zerodce_core.distributed.enhancer import BatchEnhancer
from zerodce_core.output import REFUSED_INPUT
from zerodce_core.pipeline import Look


def photo(path: Path, value: int = 25) -> Path:
    rng = np.random.default_rng(value)
    pixels = np.clip(rng.normal(value, 5, (32, 48, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def enhancer(model_file, tmp_path):
    return BatchEnhancer(BatchOptions(out_dir=tmp_path / "out"), model=model_file, device="cpu",
                         threads=1, protect=[tmp_path / "in" / "kept.png"])


def test_rows_come_back_with_their_outcomes_and_extra_columns(enhancer, tmp_path):
    good = photo(tmp_path / "in" / "a.jpg")
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really")
    batch = {"source": np.array([str(good), str(broken)], dtype=object),
             "id": np.array([7, 8])}
    result = enhancer(batch)
    assert list(result["id"]) == [7, 8]
    assert list(result["status"]) == [Status.DONE.value, Status.FAILED.value]
    assert result["reason"][0] == "" and "corrupt" in result["reason"][1]
    assert list(result["warnings"]) == ["", ""]
    assert list(result["target"]) == [str(tmp_path / "out" / "a_enhanced.jpg"),
                                      str(tmp_path / "out" / "broken_enhanced.jpg")]
    assert (tmp_path / "out" / "a_enhanced.jpg").is_file() and result["seconds"][0] > 0
    again = enhancer(batch)  # skip-existing, as in a local batch
    assert list(again["status"]) == [Status.SKIPPED.value, Status.FAILED.value]


def test_even_overwriting_no_row_replaces_a_protected_file_or_a_source(model_file, tmp_path):
    enhancer = BatchEnhancer(BatchOptions(existing="overwrite"), model=model_file, device="cpu",
                             protect=[tmp_path / "in" / "kept.png"])
    kept = photo(tmp_path / "in" / "kept.png")
    source = photo(tmp_path / "in" / "b.png", 30)
    before = kept.read_bytes(), source.read_bytes()
    result = enhancer({"source": np.array([str(source), str(source)], dtype=object),
                       "target": np.array([str(kept), str(source)], dtype=object)})
    assert list(result["status"]) == [Status.FAILED.value] * 2
    assert all(REFUSED_INPUT in reason for reason in result["reason"])
    assert (kept.read_bytes(), source.read_bytes()) == before


def warm_model(tmp_path: Path) -> Path:
    """A model that lifts red most and blue least: its own curves cast a grey photo."""
    from tests.conftest import brightening_model
    from zerodce_core.checkpoint import save_checkpoint

    model = brightening_model()
    with torch.no_grad():
        model.e_conv7.bias.view(-1, 3)[:] = torch.tensor([-0.9, -0.5, -0.1])
    return save_checkpoint(tmp_path / "warm.safetensors", model)


def test_workers_render_the_colour_asked_for(tmp_path):
    source = tmp_path / "grey.png"
    shades = np.random.default_rng(1).normal(25, 5, (32, 48, 1)).clip(0, 255)
    Image.fromarray(np.repeat(shades, 3, axis=2).astype(np.uint8)).save(source)
    model = warm_model(tmp_path)
    means, outputs = {}, {}
    for colour in ("keep", "model"):
        options = BatchOptions(out_dir=tmp_path / colour, look=Look(strength=3, denoise=0))
        enhancer = BatchEnhancer(options, model=model, device="cpu", threads=1, colour=colour)
        assert enhancer.engine.colour == colour
        enhancer({"source": np.array([str(source)], dtype=object)})
        pixels = np.asarray(Image.open(tmp_path / colour / "grey_enhanced.png"), np.float64)
        means[colour], outputs[colour] = pixels.mean((0, 1)), pixels
    red, green, blue = means["model"]
    assert red > green + 5 > blue + 10  # the model's cast ...
    kept = outputs["keep"]  # ... which keep does not add to a grey photo
    assert kept.mean() > 40 and np.ptp(kept, axis=2).max() == 0


def test_the_ray_path_hands_colour_to_the_workers(model_file, tmp_path, monkeypatch):
    """`zerodce enhance --ray --colour model` builds the workers' engines with it (the
    Ray side is faked: what the command line passes is what is checked)."""
    passed = {}

    def enhance_on_ray(items, options, ray, **kwargs):
        passed.update(kwargs)
        yield from ()

    fake = types.ModuleType("zerodce_core.distributed.cluster")
    fake.RayOptions = lambda *args: types.SimpleNamespace(gpus_per_worker=0)
    fake.enhance_on_ray = enhance_on_ray
    monkeypatch.setitem(sys.modules, "zerodce_core.distributed.cluster", fake)
    source = photo(tmp_path / "in" / "a.png")
    for extra, colour in (([], "keep"), (["--colour", "model"], "model")):
        main(["enhance", str(source), "--model", str(model_file), "--ray", *extra])
        assert passed["colour"] == colour
