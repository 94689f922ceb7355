"""The training loop: events, checkpoints, exact resume, NaN guard, DDP and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import zerodce_core.curve_task as curve_task
from zerodce_core.checkpoint import load_checkpoint
from zerodce_core.data import DatasetError
from zerodce_core.trainer import (
    CancelledEvent,
    CheckpointEvent,
    DoneEvent,
    EpochEvent,
    PreviewEvent,
    StartEvent,
    StepEvent,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    TrainingError,
)

from .test_data import write_flat_folder

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 dark 32x32 images: 9 for training, 3 for validation."""
    return write_flat_folder(tmp_path_factory.mktemp("images"), 12)


def config(data_dir: Path, out_dir: Path, **overrides: object) -> TrainConfig:
    values: dict = dict(data_dir=data_dir, out_dir=out_dir, image_size=32, batch_size=2,
                        epochs=2, val_fraction=0.25, preview_every=3, precision="fp32",
                        threads=1, lr=1e-3)
    values.update(overrides)
    return TrainConfig(**values)


def weights(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path))


def test_events_and_checkpoints(data_dir: Path, tmp_path: Path) -> None:
    events = list(Trainer(config(data_dir, tmp_path)).run())
    assert isinstance(events[0], StartEvent) and isinstance(events[-1], DoneEvent)
    start = events[0]
    assert (start.train_images, start.val_images, start.steps_per_epoch) == (9, 3, 4)
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [e.step for e in steps] == list(range(1, 9))
    assert all(e.total > 0 and e.images_per_second > 0 and e.eta_seconds >= 0 for e in steps)
    assert steps[-1].eta_seconds == 0 and steps[-1].epoch == 2
    previews = [e for e in events if isinstance(e, PreviewEvent)]
    assert [p.step for p in previews] == [3, 6]
    assert previews[0].image.shape == (32, 32, 3) and previews[0].image.dtype.name == "uint8"
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert [e.epoch for e in epochs] == [1, 2] and epochs[0].is_best
    kinds = [e.kind for e in events if isinstance(e, CheckpointEvent)]
    assert kinds.count("last") == 2 and "best" in kinds

    done = events[-1]
    assert done.steps == 8 and done.best_path.is_file() and done.last_path.is_file()
    best = load_checkpoint(done.best_path)
    assert best.info.training_config["image_size"] == 32 and not best.extra_tensors
    for name, tensor in weights(done.last_path).items():
        if tensor.is_floating_point():
            tiny = torch.finfo(tensor.dtype).tiny
            assert not ((tensor != 0) & (tensor.abs() < tiny)).any(), f"subnormal in {name}"


def test_a_few_steps_reduce_the_loss(data_dir: Path, tmp_path: Path) -> None:
    cfg = config(data_dir, tmp_path, epochs=6, preview_every=0, val_fraction=0.0, lr=3e-3)
    totals = [e.total for e in Trainer(cfg).run() if isinstance(e, StepEvent)]
    assert sum(totals[-4:]) < 0.7 * sum(totals[:4])


def test_cancel_then_resume_equals_uninterrupted(data_dir: Path, tmp_path: Path) -> None:
    for _ in Trainer(config(data_dir, tmp_path / "straight", epochs=3)).run():
        pass
    trainer = Trainer(config(data_dir, tmp_path / "stopped", epochs=3))
    for event in trainer.run():
        if isinstance(event, StepEvent) and event.step == 6:  # mid-epoch 2
            trainer.cancel()
    assert isinstance(event, CancelledEvent) and event.step == 6
    resume = config(data_dir, tmp_path / "stopped", epochs=3, resume_checkpoint=event.checkpoint)
    events = list(Trainer(resume).run())
    assert events[0].resumed_step == 6 and events[-1].steps == 12
    straight = weights(tmp_path / "straight" / "last.safetensors")
    resumed = weights(tmp_path / "stopped" / "last.safetensors")
    assert straight.keys() == resumed.keys()
    for key in straight:
        assert torch.equal(straight[key], resumed[key]), key


def test_non_finite_loss_stops_and_keeps_last_checkpoint(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = curve_task.loss_vector
    calls = []

    def poisoned(*args: object) -> torch.Tensor:
        calls.append(1)
        values = real(*args)
        return values * float("nan") if len(calls) > 4 else values  # epoch 1 has 4 steps

    monkeypatch.setattr(curve_task, "loss_vector", poisoned)
    trainer = Trainer(config(data_dir, tmp_path, preview_every=0))
    with pytest.raises(TrainingDiverged, match="non-finite at step 5"):
        for _ in trainer.run():
            pass
    last = load_checkpoint(tmp_path / "last.safetensors")
    assert last.info.metadata["step"] == 4
    assert all(torch.isfinite(p).all() for p in last.model.parameters())


def test_init_from_checkpoint_checks_architecture(data_dir: Path, tmp_path: Path) -> None:
    first = list(Trainer(config(data_dir, tmp_path / "a", epochs=1)).run())[-1]
    fine_tuned = config(data_dir, tmp_path / "b", epochs=1, init_checkpoint=first.best_path)
    assert isinstance(list(Trainer(fine_tuned).run())[-1], DoneEvent)
    wrong = config(data_dir, tmp_path / "c", arch="zerodce++", init_checkpoint=first.best_path)
    with pytest.raises(TrainingError, match="holds zerodce"):
        list(Trainer(wrong).run())


def test_exposure_net_fine_tunes_from_a_paper_net_with_exclusions(
        data_dir: Path, tmp_path: Path) -> None:
    base = list(Trainer(config(data_dir, tmp_path / "a", epochs=1)).run())[-1]
    listing = tmp_path / "exclude.txt"
    listing.write_text("# held out\n000.png\n001.png  # reference\n", encoding="utf-8")
    run = config(data_dir, tmp_path / "b", epochs=1, arch="zerodce-exposure",
                 init_checkpoint=base.best_path, exposure_range=(0.3, 0.7),
                 exposure_patch_share=0.5, exclude=listing)
    trainer = Trainer(run)
    events = list(trainer.run())
    assert events[0].train_images + events[0].val_images == 10  # 12 minus the two listed
    tuned = load_checkpoint(events[-1].last_path)
    assert tuned.model.arch == "zerodce-exposure"
    assert tuned.info.training_config["exposure_range"] == [0.3, 0.7]
    assert tuned.model.exposure_shift.abs().sum() > 0  # the new parameters were trained
    levels = trainer._batch(torch.arange(9).numpy(), 0, 0)[1]
    assert levels.shape == (2,) and ((levels >= 0.05) & (levels <= 0.95)).all()


def test_exclusion_list_that_names_nothing_is_refused(data_dir: Path, tmp_path: Path) -> None:
    listing = tmp_path / "exclude.txt"
    listing.write_text("not-there.jpg\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="none of its 1 names"):
        list(Trainer(config(data_dir, tmp_path / "o", exclude=listing)).run())


DDP_SCRIPT = """
import os, sys
from safetensors.torch import save_file
from zerodce_core.trainer import TrainConfig, Trainer
data, out = sys.argv[1:3]
trainer = Trainer(TrainConfig(data_dir=data, out_dir=out, image_size=32, batch_size=2, epochs=2,
                              val_fraction=0.25, preview_every=0, precision="fp32", threads=1))
events = list(trainer.run())
assert type(events[-1]).__name__ == "DoneEvent", events[-1]
state = {k: v.contiguous() for k, v in trainer.model.state_dict().items()}
save_file(state, os.path.join(out, f"rank{os.environ['RANK']}.safetensors"))
"""


def test_two_process_gloo_run_keeps_ranks_identical(data_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "ddp_train.py"
    script.write_text(DDP_SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(script), str(data_dir), str(out)],
        check=True, env=env, timeout=180, capture_output=True,
    )
    rank0, rank1 = weights(out / "rank0.safetensors"), weights(out / "rank1.safetensors")
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)
    assert (out / "best.safetensors").is_file() and (out / "last.safetensors").is_file()
    # 9 training images, global batch 2 x 2 ranks: 2 steps per epoch.
    assert load_checkpoint(out / "last.safetensors").info.metadata["step"] == 4


@pytest.fixture(scope="module")
def bright_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Well-exposed photos: the clean references of the noise model's synthetic shots."""
    from PIL import Image

    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("bright")
    for i in range(8):
        ramp = np.linspace(0.3, 0.7, 64)[None, :, None] * rng.uniform(0.8, 1.0, 3)
        pixels = ramp + rng.normal(0, 0.02, (64, 64, 3))
        Image.fromarray((pixels.clip(0, 1) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    return folder


def test_noise_model_trains_in_the_same_loop(bright_dir: Path, tmp_path: Path) -> None:
    from zerodce_core.model import NoiseNet

    run = config(bright_dir, tmp_path / "out", arch="noisenet", image_size=16, epochs=2)
    events = list(Trainer(run).run())
    start, done = events[0], events[-1]
    assert start.term_names == ("l1", "gradient", "total")
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert set(steps[0].terms) == {"l1", "gradient", "total"}
    previews = [e for e in events if isinstance(e, PreviewEvent)]
    assert previews and previews[0].image.shape == (16, 48, 3)  # input | output | target
    model = load_checkpoint(done.best_path).model
    assert isinstance(model, NoiseNet)


def test_weight_decay_does_not_silence_a_branch_of_the_noise_model(bright_dir: Path,
                                                                    tmp_path: Path) -> None:
    """Adam's coupled weight decay drove NoiseUNet's quarter-resolution middle to ~1e-31 (its
    loss gradient starts far below the decay term); decoupled decay only shrinks weights by
    lr * decay a step."""
    run = config(bright_dir, tmp_path / "out", arch="noisenet-u", image_size=16, epochs=3,
                 lr=1e-2, weight_decay=1e-2, batch_size=2)
    done = list(Trainer(run).run())[-1]
    middle = load_checkpoint(done.last_path).model.middle
    weights_now = [float(m.weight.abs().mean()) for m in middle if hasattr(m, "weight")]
    assert min(weights_now) > 0.01  # fresh layers hold 0.02-0.07
