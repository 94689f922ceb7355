"""BatchEnhancer on its own: no Ray needed, it is plain Python."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zerodce_core.batch import BatchOptions, Status
from zerodce_core.distributed.enhancer import BatchEnhancer
from zerodce_core.output import REFUSED_INPUT


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
