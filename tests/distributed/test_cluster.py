"""`zerodce enhance --ray` and `BatchEnhancer` on a local Ray instance of 2 CPUs that the test
run starts: the same bytes and outcomes as a local run, and a killed job finishes on re-run."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zerodce_core.batch import BatchOptions
from zerodce_core.cli import main
from zerodce_core.distributed import BatchEnhancer
from zerodce_core.imageio import write_image
from zerodce_core.output import is_temp_file
from zerodce_core.pipeline import EncodeOptions

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'zerodce[ray]')")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance whose workers, those of other jobs too, import this checkout."""
    from zerodce_core.distributed import cluster

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", str(ROOT))
        with cluster.connected(num_cpus=2):
            yield ray.get_runtime_context().gcs_address


def photos(folder: Path, count: int = 3, size: tuple[int, int] = (48, 32)) -> Path:
    """Dark photos in several formats and depths, a sub-folder, an animation (only its first
    frame is enhanced, with a warning) and a broken file."""
    rng = np.random.default_rng(0)
    width, height = size
    for i in range(count):
        pixels = np.clip(rng.normal(20 + 5 * i, 6, (height, width, 3)), 0, 255)
        name = ["a.jpg", "b.png", "sub/c.tif"][i % 3].replace(".", f"{i}.")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".tif"):
            write_image(folder / name, (pixels * 257).astype(np.uint16), bit_depth=16)
        else:
            Image.fromarray(pixels.astype(np.uint8)).save(folder / name)
    frames = [Image.fromarray(np.full((height, width, 3), 20 + 10 * i, np.uint8))
              for i in range(3)]
    frames[0].save(folder / "anim.webp", save_all=True, append_images=frames[1:], lossless=True)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return folder


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def outcomes(report: Path) -> list[tuple[str, str, str, list[str]]]:
    items = json.loads(report.read_text())["items"]
    return sorted((Path(i["source"]).name, i["status"], i["reason"], i["warnings"])
                  for i in items)


def test_a_ray_run_writes_and_reports_what_a_local_run_does(local_ray, model_file, tmp_path,
                                                            capsys):
    inputs = photos(tmp_path / "in")
    common = ["enhance", str(inputs), "-r", "--model", str(model_file)]
    assert main([*common, "-o", str(tmp_path / "local"), "--report",
                 str(tmp_path / "local.json")]) == 1
    capsys.readouterr()
    assert main([*common, "-o", str(tmp_path / "ray"), "--report", str(tmp_path / "ray.json"),
                 "--ray"]) == 1
    captured = capsys.readouterr()
    assert "4 enhanced, 0 skipped, 1 failed (on Ray" in captured.out
    assert "failed: " in captured.err and "broken.jpg" in captured.err
    assert "warning: " in captured.err and "only the first frame" in captured.err
    local = files(tmp_path / "local")
    assert sorted(local) == ["a0_enhanced.jpg", "anim_enhanced.webp", "b1_enhanced.png",
                             "sub/c2_enhanced.tif"]
    assert files(tmp_path / "ray") == local  # byte for byte
    assert outcomes(tmp_path / "ray.json") == outcomes(tmp_path / "local.json")
    assert ("broken.jpg", "failed", "file is truncated or corrupt", []) in outcomes(
        tmp_path / "ray.json")
    assert ("anim.webp", "done", "", ["animated WebP with 3 frames: only the first frame is "
                                     "enhanced"]) in outcomes(tmp_path / "ray.json")


def test_a_killed_ray_job_run_again_finishes_the_rest(local_ray, model_file, tmp_path,
                                                      monkeypatch):
    inputs = photos(tmp_path / "in", count=9, size=(320, 240))
    command = ["enhance", str(inputs), "-r", "--model", str(model_file), "-o"]
    assert main([*command, str(tmp_path / "local")]) == 1
    reference = files(tmp_path / "local")
    out = tmp_path / "out"
    # A job of its own joining the running instance as a cluster, stopped once some outputs
    # are written.
    child = subprocess.Popen([sys.executable, "-m", "zerodce_core", *command, str(out),
                              "--ray", local_ray, "--ray-workers", "1"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while child.poll() is None and time.monotonic() < deadline and not _written(out):
            time.sleep(0.05)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 130 and "interrupted" in err
    stopped = files(out)
    finished = {name: data for name, data in stopped.items() if not is_temp_file(name)}
    assert 0 < len(finished) < len(reference)
    assert all(reference[name] == data for name, data in finished.items())  # none partial
    # The re-run goes the way a Ray Client (`ray://`) driver's does: the Ray Data job runs
    # in an actor inside the cluster, and the driver fetches its finished rows.
    from zerodce_core.distributed import job

    monkeypatch.setattr(job.ray.util.client.ray, "is_connected", lambda: True)
    assert main([*command, str(out), "--ray", "--report", str(tmp_path / "r.json")]) == 1
    assert {k: v for k, v in files(out).items() if not is_temp_file(k)} == reference
    counts = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert counts["skipped"] == len(finished) and counts["done"] == 10 - len(finished)


def _written(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() and not is_temp_file(p) for p in folder.rglob("*"))


def test_an_input_taken_for_the_ray_address_is_said_before_any_work(model_file, tmp_path,
                                                                    capsys):
    inputs = photos(tmp_path / "in")
    assert main(["enhance", "--ray", str(inputs / "a0.jpg"), str(inputs / "b1.png"),
                 "--model", str(model_file)]) == 2
    assert "put --ray after the inputs" in capsys.readouterr().err
    assert sorted(p.name for p in inputs.iterdir()) == ["a0.jpg", "anim.webp", "b1.png",
                                                        "broken.jpg", "sub"]


def test_batch_enhancer_in_a_users_own_pipeline(local_ray, model_file, tmp_path):
    inputs = photos(tmp_path / "in")
    paths = sorted(str(p) for p in inputs.rglob("*") if p.is_file())
    options = BatchOptions(out_dir=tmp_path / "out", encode=EncodeOptions(format="png"))
    results = ray.data.from_items([{"source": p} for p in paths]).map_batches(
        BatchEnhancer, fn_constructor_kwargs={"options": options, "model": model_file},
        batch_size=2, concurrency=1, num_cpus=1)
    rows = {Path(row["source"]).name: row for row in results.iter_rows()}
    assert {name: row["status"] for name, row in rows.items()} == {
        "a0.jpg": "done", "anim.webp": "done", "b1.png": "done", "c2.tif": "done",
        "broken.jpg": "failed"}
    assert rows["c2.tif"]["target"] == str(tmp_path / "out" / "c2_enhanced.png")
    assert rows["anim.webp"]["warnings"].startswith("animated WebP with 3 frames")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a0_enhanced.png", "anim_enhanced.png", "b1_enhanced.png", "c2_enhanced.png"]
