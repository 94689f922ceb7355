"""Training settings are checked when made, and a run that cannot fit in memory is refused
before any image is decoded (issue 12, items 8, 11 and 12, training side)."""

from __future__ import annotations

import math

import pytest
import torch

import zerodce_core.data
import zerodce_core.train_limits as train_limits
from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.cli import main
from zerodce_core.losses import LossWeights
from zerodce_core.model import DCENet
from zerodce_core.trainer import TrainConfig, Trainer, TrainingError

from .test_data import write_flat_folder


def make(**values: object) -> TrainConfig:
    return TrainConfig(**{"data_dir": "data", "out_dir": "out", **values})


@pytest.mark.parametrize("name, value, message", [
    ("lr", math.nan, "learning rate must be a number from 1e-09 to 1, not nan"),
    ("lr", math.inf, "learning rate must be a number from 1e-09 to 1, not inf"),
    ("lr", 0.0, "learning rate must be a number from 1e-09 to 1, not 0.0"),
    ("weight_decay", -1e-4, "weight decay must be a number from 0 to 1"),
    ("grad_clip", math.nan, "gradient clipping norm must be a number of at least 1e-06"),
    ("exposure_level", 1.5, "exposure level must be a number from 0.05 to 0.95, not 1.5"),
    ("exposure_patch_share", math.nan, "exposure patch share must be a number from 0 to 1"),
    ("val_fraction", 1.0, "validation fraction must be a number from 0 to 0.99, not 1.0"),
    ("epochs", "10", "epochs must be a whole number of at least 1, not '10'"),
    ("epochs", 2.5, "epochs must be a whole number of at least 1, not 2.5"),
    ("batch_size", 0, "batch size must be a whole number of at least 1, not 0"),
    ("image_size", 8, "image size must be a whole number of at least 16, not 8"),
    ("iterations", 1000, "iterations must be a whole number from 1 to 32, not 1000"),
    ("seed", -1, "seed must be a whole number from 0 to 4294967295, not -1"),
    ("threads", 0, "threads must be a whole number from 1 to 4096, not 0"),
    ("preview_every", True, "preview interval must be a whole number of at least 0, not True"),
    ("random_crop", "yes", "random_crop must be true or false, not 'yes'"),
    ("arch", ["zerodce"], "arch must be a name, not ['zerodce']"),
    ("data_dir", 7, "data_dir must be a file or folder path, not 7"),
    ("exposure_range", (0.3, math.nan), "exposure range high must be a number from 0.3 to 0.95"),
    ("exposure_range", (0.8, 0.3), "exposure range high must be a number from 0.8 to 0.95"),
    ("exposure_range", "0.3-0.8", "exposure range must be two levels, low and high"),
    ("loss_weights", {"spatial": 1, "exposure": 10, "colour": 5},
     "unknown loss name 'colour' in the loss weights (known: spatial, exposure, color, "
     "smoothness)"),
    ("loss_weights", {"exposure": math.nan}, "the exposure loss weight must be a number of at"),
    ("loss_weights", LossWeights(smoothness=-200), "the smoothness loss weight must be a number"),
    ("loss_weights", [1, 10, 5, 200], "loss weights must map loss names"),
])
def test_bad_settings_are_refused_naming_the_range(name, value, message):
    with pytest.raises(TrainingError) as caught:
        make(**{name: value})
    assert str(caught.value).startswith(message)


def test_settings_as_a_checkpoint_stores_them_are_read_back():
    stored = make(exposure_range=(0.2, 0.8), loss_weights=LossWeights(color=2.0)).to_dict()
    stored["exposure_range"] = list(stored["exposure_range"])  # what JSON gives back
    again = TrainConfig.from_dict(stored)
    assert again.exposure_range == (0.2, 0.8) and again.loss_weights == LossWeights(color=2.0)
    assert make(loss_weights={"smoothness": 100}).loss_weights == LossWeights(smoothness=100)


@pytest.mark.parametrize("argv, message", [
    (["--lr", "nan"], "learning rate must be a number from 1e-09 to 1, not nan"),
    (["--epochs", "0"], "epochs must be a whole number of at least 1, not 0"),
    (["--exposure-range", "0.8", "inf"], "exposure range must be a number from 0.05 to 0.95"),
    (["--val-fraction", "-0.5"], "validation fraction must be a number from 0 to 0.99"),
])
def test_the_command_line_refuses_bad_numbers_before_any_work(tmp_path, capsys, argv, message):
    out = tmp_path / "run"
    code = main(["train", "--data", str(tmp_path), "--out", str(out), *argv])
    assert code == 2 and f"error: argument {argv[0]}: {message}" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("settings, message", [
    ({"epochs": "ten"}, "epochs must be a whole number of at least 1, not 'ten'"),
    ({"loss_weights": {"sharpness": 3}}, "unknown loss name 'sharpness'"),
    ({"lr": None}, "learning rate must be a number from 1e-09 to 1, not None"),
])
def test_resume_refuses_a_checkpoint_with_broken_settings_naming_it(tmp_path, capsys,
                                                                     settings, message):
    stored = {**make(out_dir=str(tmp_path / "run")).to_dict(), **settings}
    path = save_checkpoint(tmp_path / "last.safetensors", DCENet(), training_config=stored)
    assert main(["train", "--resume", str(path), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"zerodce: error: {path}: unusable training settings: {message}")


@pytest.fixture
def no_decoding(monkeypatch):
    """Decoding an image at 100000 px would take 30 GB: the check must come first."""
    def decode(*args, **kwargs):
        pytest.fail("images were decoded before the memory check")

    monkeypatch.setattr(zerodce_core.data, "decode", decode)
    monkeypatch.setattr(train_limits, "machine_memory", lambda: 16 * 2**30)


def test_a_run_too_big_for_the_machine_is_refused_with_the_figure(tmp_path, no_decoding):
    data = write_flat_folder(tmp_path / "data", 10)
    config = make(data_dir=data, out_dir=tmp_path / "run", image_size=100_000, device="cpu")
    with pytest.raises(TrainingError) as caught:
        list(Trainer(config).run())
    assert str(caught.value) == (
        "this run needs at least 109.4 TB of memory, more than the 16.0 GB this machine "
        "has (caching 10 images at 100000x100000 px takes 279.4 GB and a training step on 8 "
        "images of 100000x100000 px takes 109.1 TB). Use a smaller image size or batch size.")


def test_the_estimate_lets_ordinary_runs_through(monkeypatch):
    monkeypatch.setattr(train_limits, "machine_memory", lambda: 8 * 2**30)  # a small laptop
    cpu = torch.device("cpu")
    for config in (make(image_size=256), make(image_size=512, random_crop=True),
                   make(arch="noisenet", image_size=128, batch_size=16)):
        assert train_limits.memory_shortfall(config, 2_002, cpu) is None  # SICE Part 1
    assert train_limits.memory_shortfall(make(image_size=2048, batch_size=64), 1, cpu)


def test_machine_memory_is_read():
    assert train_limits.machine_memory() > 2**30


def test_the_command_line_says_it_too(tmp_path, capsys, no_decoding):
    data = write_flat_folder(tmp_path / "data", 4)
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), "--size",
                 "100000", "--device", "cpu"]) == 2
    assert "zerodce: error: this run needs at least" in capsys.readouterr().err
