"""`zerodce train` as a user meets it: options, records, resuming, signals, logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors import safe_open

from zerodce_core.checkpoint import load_checkpoint
from zerodce_core.cli import build_parser, main
from zerodce_core.cli.train import config_from_args
from zerodce_core.validate import OptionError

from .test_data import write_flat_folder

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--size", "32", "--batch", "2", "--threads", "1", "--precision", "fp32"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_flat_folder(tmp_path_factory.mktemp("night_photos"), 12)


def parse(*argv: str):
    return build_parser().parse_args(["train", *argv])


def header(path: Path) -> str:
    with safe_open(str(path), framework="pt") as fh:
        return json.dumps(fh.metadata())


def test_usage_shows_the_required_options(capsys):
    assert main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: zerodce train --data DIR --out DIR [options]\n"
                           "       zerodce train --resume CKPT --data DIR [options]")
    assert "required (with --resume: --data only):\n  --data DIR" in text


def test_the_dialogs_options_reach_the_config(tmp_path):
    args = parse("--data", "d", "--out", "o", "--iterations", "4", "--spatial-weight", "2",
                 "--smoothness-weight", "50", "--preview-every", "7", "--exposure-range",
                 "0.2", "0.8", "--no-random-crop")
    config = config_from_args(args)
    assert (config.iterations, config.preview_every, config.exposure_range) == (4, 7, (0.2, 0.8))
    assert (config.loss_weights.spatial, config.loss_weights.exposure,
            config.loss_weights.smoothness) == (2.0, 10.0, 50.0)
    assert config.random_crop is False


@pytest.mark.parametrize("argv, message", [
    (["--iterations", "0"], "iterations must be a whole number from 1 to 32, not 0"),
    (["--color-weight", "-1"], "the color loss weight must be a number of at least 0, not -1.0"),
    (["--val-fraction", "1"], "validation fraction must be a number from 0 to 0.99, not 1.0"),
    (["--size", "8"], "image size must be a whole number of at least 16, not 8"),
    (["--exposure-range", "0.5", "0.99"], "exposure range must be a number from 0.05 to 0.95"),
])
def test_out_of_range_options_are_usage_errors(argv, message, capsys):
    assert main(["train", "--data", "d", "--out", "o", *argv]) == 2
    assert message in capsys.readouterr().err


def test_data_and_out_are_required_unless_resuming(capsys):
    assert main(["train", "--out", "o"]) == 2
    assert "--data is required (usage: zerodce train --data DIR" in capsys.readouterr().err
    assert main(["train"]) == 2
    assert "--data and --out are required" in capsys.readouterr().err


def test_a_run_records_names_and_commands_never_local_paths(data_dir, tmp_path, capsys):
    out = tmp_path / "runs" / "mine"
    argv = ["train", "--data", str(data_dir), "--out", str(out), "--epochs", "1", *QUICK,
            "--preview-every", "2"]
    assert main(argv) == 0
    output = capsys.readouterr().out
    assert "Done: 5 steps" in output and "best.safetensors" in output  # 11 train images
    for name in ("best.safetensors", "last.safetensors"):
        text = header(out / name)
        assert str(tmp_path) not in text and os.path.expanduser("~") + "/" not in text
    config = load_checkpoint(out / "best.safetensors").info.training_config
    assert (config["data_dir"], config["out_dir"]) == (data_dir.name, "mine")
    assert config["commands"] == [f"zerodce train --data {data_dir.name} --out mine "
                                  f"--epochs 1 {' '.join(QUICK)} --preview-every 2"]
    assert sorted(p.name for p in (out / "previews").iterdir()) == [
        "step_0000002.jpg", "step_0000004.jpg"]  # 11 training images, batch 2: 5 steps


def test_resume_asks_for_the_data_again_and_finds_out_by_itself(data_dir, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--data", str(data_dir), "--out", str(out), "--epochs", "1",
                 *QUICK]) == 0
    last = out / "last.safetensors"
    with pytest.raises(OptionError, match="--data is required with --resume too"):
        config_from_args(parse("--resume", str(last)))
    config = config_from_args(parse("--resume", str(last), "--data", str(data_dir),
                                    "--epochs", "2"), ["train", "--resume", str(last)])
    assert (Path(config.out_dir), Path(config.data_dir), config.epochs) == (out, data_dir, 2)
    assert len(config.commands) == 2 and config.commands[1] == (
        "zerodce train --resume last.safetensors")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_kill_saves_a_resumable_run_and_logs_whole_lines(data_dir, tmp_path, capsys,
                                                                   stop):
    """kill (a job scheduler, a closed session) must not lose the run any more than Ctrl-C;
    and into a pipe or a log the progress comes as lines, never carriage returns."""
    out = tmp_path / "run"
    command = [sys.executable, "-m", "zerodce_core", "train", *QUICK]
    process = subprocess.Popen(
        [*command, "--data", str(data_dir), "--out", str(out), "--epochs", "100000"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "last.safetensors").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(stop)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert f"zerodce train --resume {out / 'last.safetensors'} --data {data_dir}" in stdout
    assert "\r" not in stdout + stderr and "Traceback" not in stderr
    assert "epoch 1/100000: train loss" in stdout and " img/s, " in stdout  # the bar's figures
    step = load_checkpoint(out / "last.safetensors").info.metadata["step"]

    assert main(["info", str(out / "last.safetensors")]) == 0
    assert f"stopped early at step {step} of 500,000 planned" in capsys.readouterr().out

    epochs = step // 5 + 1  # 11 training images, batch 2: 5 steps per epoch
    resumed = subprocess.run([*command, "--resume", str(out / "last.safetensors"), "--data",
                              str(data_dir), "--epochs", str(epochs)],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming at step {step}" in resumed.stdout
    assert f"Done: {5 * epochs} steps" in resumed.stdout

