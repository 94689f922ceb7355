"""What a checkpoint says about the training run that made it, safe to share, and reading it back.

Checkpoints travel: the bundled model ships in the wheel, users pass theirs around. So the
record a checkpoint keeps of its run holds no absolute path and no user name: every path is
reduced to its last part (the dataset folder's name, the exclusion list's file name), and the
commands that ran it are kept as typed with their paths reduced the same way. Resuming a run
therefore asks for the data folder again; the record still says which folder it was.

Reading back, `RunRecord` answers what people ask of a model: what it was trained on, how
(the commands), how far (steps done of planned) and whether the run stopped early.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

#: TrainConfig fields holding paths: stored as their last part only.
PATH_FIELDS = ("data_dir", "out_dir", "exclude", "init_checkpoint", "resume_checkpoint")


def path_name(value: object) -> str | None:
    """The last part of a path (`/home/ann/photos/` -> `photos`); None stays None."""
    if value is None or value == "":
        return None
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    return _last_part(text)


def shareable_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` with every path field reduced to its name."""
    return {key: path_name(value) if key in PATH_FIELDS else value
            for key, value in config.items()}


def shareable_command(argv: Sequence[str], program: str = "zerodce") -> str:
    """The command line as typed, with every argument that looks like a path reduced to its
    name (`--data=/home/ann/x` -> `--data=x`), quoted so that it can be pasted back."""
    return shlex.join([program, *map(_shareable_argument, argv)])


@dataclass(frozen=True)
class RunRecord:
    """A checkpoint's account of its training run (whatever of it the file holds)."""

    data: str | None  # the dataset folder's name
    commands: tuple[str, ...]  # the command of each session, as typed, paths reduced
    step: int | None  # optimiser steps done when these weights were saved
    planned_steps: int | None  # steps the run was set up for (epochs x steps per epoch)
    epoch: int | None
    planned_epochs: int | None
    resumable: bool  # holds the optimiser state: `--resume` continues it
    val_loss: float | None
    train_loss: float | None

    @property
    def stopped_early(self) -> bool:
        """The run was stopped (Ctrl-C, kill, Cancel) before its planned last step."""
        return (self.resumable and None not in (self.step, self.planned_steps)
                and self.step < self.planned_steps)

    @classmethod
    def read(cls, training_config: Mapping[str, Any],
             metadata: Mapping[str, Any]) -> RunRecord | None:
        """The record in a checkpoint's header; None for files without one (peer weights)."""
        if not training_config:
            return None
        resume = metadata.get("resume") or {}
        step, epoch = _int(metadata.get("step")), _int(metadata.get("epoch"))
        planned_epochs = _int(training_config.get("epochs"))
        planned = _int(metadata.get("planned_steps"))
        per_epoch = _int(resume.get("steps_per_epoch"))
        if per_epoch is None and step and epoch and step % epoch == 0:
            per_epoch = step // epoch  # files from before planned_steps was stored
        if planned is None and per_epoch and planned_epochs:
            planned = per_epoch * planned_epochs
        commands = training_config.get("commands") or ()
        return cls(
            data=path_name(training_config.get("data_dir")),
            commands=tuple(str(c) for c in commands) if isinstance(commands, list) else (),
            step=step, planned_steps=planned, epoch=epoch, planned_epochs=planned_epochs,
            resumable=bool(resume), val_loss=_float(metadata.get("val_loss")),
            train_loss=_float(metadata.get("train_loss")),
        )


def _last_part(text: str) -> str:
    """A path's last part, for POSIX and Windows spellings alike (checkpoints move between)."""
    parts = [p for p in text.replace("\\", "/").split("/") if p]
    return PurePath(parts[-1]).name if parts else text


def _shareable_argument(argument: str) -> str:
    flag, equals, value = argument.partition("=") if argument.startswith("-") else (
        "", "", argument)
    if not equals and argument.startswith("-"):
        return argument
    return f"{flag}{equals}{_last_part(value) if _looks_like_path(value) else value}"


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith("~")


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None
