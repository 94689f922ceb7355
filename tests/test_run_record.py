"""A checkpoint's record of its run: no local paths in, steps done of planned out."""

from pathlib import Path, PureWindowsPath

import pytest

from zerodce_core.run_record import RunRecord, path_name, shareable_command, shareable_config
from zerodce_core.trainer import TrainConfig


@pytest.mark.parametrize("value, name", [
    ("/home/ann/photos/SICE/", "SICE"), (Path("/tmp/run"), "run"), ("SICE", "SICE"),
    (PureWindowsPath(r"C:\Users\ann\held.txt"), "held.txt"), (r"D:\data\night", "night"),
    ("~ann/x.pth", "x.pth"), (None, None), ("", None),
])
def test_paths_become_their_names(value, name):
    assert path_name(value) == name


def test_the_command_keeps_everything_but_the_folders():
    argv = ["train", "--data", "/home/ann/SICE part1", "--out=/tmp/run", "--epochs", "5",
            "--exclude", "~/held.txt", "--lr", "1e-3", "-v"]
    assert shareable_command(argv) == ("zerodce train --data 'SICE part1' --out=run --epochs 5 "
                                       "--exclude held.txt --lr 1e-3 -v")


def test_train_config_stores_names_only():
    config = TrainConfig(data_dir=Path("/home/ann/SICE"), out_dir="/tmp/x/run",
                         exclude="/work/held.txt", init_checkpoint="/home/ann/m.pth",
                         commands=["zerodce train --data SICE"])
    stored = config.to_dict()
    assert (stored["data_dir"], stored["out_dir"], stored["exclude"],
            stored["init_checkpoint"], stored["resume_checkpoint"]) == (
        "SICE", "run", "held.txt", "m.pth", None)
    assert stored["commands"] == ["zerodce train --data SICE"]
    assert shareable_config({"data_dir": "/a/b", "lr": 0.1}) == {"data_dir": "b", "lr": 0.1}


def test_a_run_stopped_early_says_so():
    config = {"data_dir": "SICE", "epochs": 10, "commands": ["zerodce train --data SICE"]}
    stopped = RunRecord.read(config, {"step": 30, "epoch": 3, "planned_steps": 100,
                                      "resume": {"step": 30, "steps_per_epoch": 10}})
    assert stopped.stopped_early and (stopped.step, stopped.planned_steps) == (30, 100)
    finished = RunRecord.read(config, {"step": 100, "epoch": 10, "planned_steps": 100,
                                       "resume": {"step": 100, "steps_per_epoch": 10}})
    assert not finished.stopped_early
    best = RunRecord.read(config, {"step": 30, "epoch": 3, "planned_steps": 100,
                                   "val_loss": 0.5})
    assert not best.stopped_early and best.val_loss == 0.5  # best weights: not a stopped run


def test_files_from_before_planned_steps_was_stored():
    record = RunRecord.read({"data_dir": "/work/x/SICE_part1_512", "epochs": 55},
                            {"step": 12561, "epoch": 53})
    assert (record.data, record.planned_steps, record.planned_epochs) == (
        "SICE_part1_512", 237 * 55, 55)
    assert RunRecord.read({}, {"parameters": 5}) is None  # peer weights: no record
