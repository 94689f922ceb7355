"""`zerodce train`: train or fine-tune a curve network (or the noise model), with a progress bar.

The options are `train_options.TRAIN_OPTIONS`, the list the app's training dialog offers too.
Ctrl-C or `kill` stops after the current step and writes a resumable checkpoint;
`zerodce train --resume OUT/last.safetensors --data DIR` then continues exactly where it
stopped, taking every other setting from the checkpoint unless given again (checkpoints
keep no paths, so the data folder is given again). On a terminal a progress bar shows each
step; into a pipe or a log file only whole lines are written, one per epoch.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..train_options import LOSS_WEIGHT, REQUIRED, TRAIN_OPTIONS, TrainOption
from ..validate import OptionError
from .arguments import number

if TYPE_CHECKING:
    from ..trainer import DoneEvent, PreviewEvent, TrainConfig

PREVIEWS = "previews"  # sub-folder of --out the previews go to
USAGE = ("zerodce train --data DIR --out DIR [options]\n"
         "       zerodce train --resume CKPT --data DIR [options]")
GROUPS = {"data": "data", "model": "model", "training": "training", "loss": "loss",
          "run": "running"}


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `train` subcommand to the `zerodce` parser."""
    parser = subparsers.add_parser(
        "train", help="train or fine-tune a model on a folder of images", usage=USAGE,
        description="Train Zero-DCE with its zero-reference losses (no paired data needed). "
                    "Accepts SICE Part 1 (sequence folders + Label), a flat folder, or any "
                    "folder of images. Ctrl-C or kill stops with a resumable checkpoint.")
    required = parser.add_argument_group("required (with --resume: --data only)")
    groups = {name: parser.add_argument_group(title) for name, title in GROUPS.items()}
    for option in TRAIN_OPTIONS:
        _add(required if option.field in REQUIRED else groups[option.group], option)
    groups["run"].add_argument("--resume", type=Path, metavar="CKPT",
                               help="continue a stopped run from its last.safetensors; --out "
                                    "defaults to that file's folder")
    parser.set_defaults(func=run, check=check_required)
    return parser


def _add(group: argparse._ArgumentGroup, option: TrainOption) -> None:
    default = "" if option.default is None else f" (default {option.default})"
    if option.kind is bool:
        group.add_argument(option.flag, action=argparse.BooleanOptionalAction, default=None,
                           help=f"{option.help}{default}")
        return
    kind: Callable[[str], Any] = option.kind
    if option.low is not None:
        kind = number(option.what, option.low, option.high, integer=option.kind is int)
    group.add_argument(option.flag, type=kind, choices=option.choices or None,
                       nargs=option.count if option.count > 1 else None,
                       metavar=option.metavar, help=f"{option.help}{default}")


def config_from_args(args: argparse.Namespace, argv: list[str] | None = None) -> TrainConfig:
    """Settings from --resume's checkpoint (if any), overridden by the options given.

    `argv` is the command line as typed; it is recorded, paths reduced to names."""
    from ..checkpoint import load_checkpoint
    from ..run_record import shareable_command
    from ..trainer import TrainConfig, TrainingError

    check_required(args)
    values: dict[str, Any] = {}
    if args.resume:
        values = dict(load_checkpoint(args.resume).info.training_config)
        if not values:
            raise TrainingError(f"{args.resume}: no training settings stored; not resumable")
        try:  # the stored settings on their own, so that a damaged file is the one named
            TrainConfig.from_dict(values)
        except TrainingError as exc:
            raise TrainingError(f"{args.resume}: unusable training settings: {exc}") from None
        if values.get("exclude") and args.exclude is None:
            raise TrainingError(f"--resume needs the exclusion list again: give --exclude "
                                f"(checkpoints keep no paths; the run used {values['exclude']!r})")
        values.update(resume_checkpoint=args.resume, out_dir=args.resume.parent)
    weights = dict(values.get("loss_weights") or {})
    for option in TRAIN_OPTIONS:
        value = getattr(args, option.dest)
        if value is None:
            continue
        if option.field.startswith(LOSS_WEIGHT):
            weights[option.field.removeprefix(LOSS_WEIGHT)] = value
        else:
            values[option.field] = value
    if weights:
        values["loss_weights"] = weights
    if argv is not None:
        values["commands"] = [*values.get("commands", []), shareable_command(argv)]
    return TrainConfig.from_dict(values)


def check_required(args: argparse.Namespace) -> None:
    """--data always, --out unless resuming (it defaults to the checkpoint's folder); said
    before anything heavy loads."""
    missing = [option.flag for option in TRAIN_OPTIONS if option.field in REQUIRED
               and getattr(args, option.dest) is None
               and not (args.resume and option.field == "out_dir")]
    if missing:
        again = " with --resume too: checkpoints keep no paths" if args.resume else ""
        raise OptionError(f"{' and '.join(missing)} {'are' if len(missing) > 1 else 'is'} "
                          f"required{again} (usage: {USAGE.splitlines()[0]})")


def run(args: argparse.Namespace) -> int:
    """Handler of `zerodce train`: 0 when done, 130 when stopped by Ctrl-C or kill."""
    from ..trainer import Trainer

    config = config_from_args(args, getattr(args, "argv", None))
    trainer = Trainer(config)
    with _signals_cancel(trainer.cancel):
        return _Report(config, trainer.dist.is_main).follow(trainer)


class _Report:
    """Turns the trainer's events into a progress bar (on a terminal) and lines."""

    def __init__(self, config: TrainConfig, show: bool) -> None:
        self.config = config
        self.show = show
        self.bar: Any = None
        self.speed = ""

    def follow(self, trainer: Any) -> int:
        from ..trainer import (
            CancelledEvent,
            DoneEvent,
            EpochEvent,
            PreviewEvent,
            StartEvent,
            StepEvent,
        )

        try:
            for event in trainer.run():
                if not self.show:
                    continue
                if isinstance(event, StartEvent):
                    self._start(event)
                elif isinstance(event, StepEvent):
                    self._step(event)
                elif isinstance(event, PreviewEvent):
                    self._preview(event)
                elif isinstance(event, EpochEvent):
                    val = "-" if event.val_loss is None else f"{event.val_loss:.4f}"
                    self._write(f"epoch {event.epoch}/{event.epochs}: train loss "
                                f"{event.train_loss:.4f}, validation loss {val}{self.speed}"
                                + (" (best so far)" if event.is_best else ""))
                elif isinstance(event, CancelledEvent):
                    self._close()
                    print(f"Stopped at step {event.step} (epoch {event.epoch}). Resume with:\n"
                          f"  {self._resume_command(event.checkpoint)}")
                    return 130
                elif isinstance(event, DoneEvent):
                    self._close()
                    print(_summary(event))
        finally:
            self._close()
        return 0

    def _start(self, event: Any) -> None:
        from tqdm import tqdm

        print(f"Training on {event.train_images} images ({event.val_images} for validation), "
              f"{event.steps_per_epoch} steps per epoch, {event.device} {event.precision}, "
              f"{event.world_size} process(es)"
              + (f"; resuming at step {event.resumed_step}" if event.resumed_step else ""),
              flush=True)
        # disable=None: no bar (and no carriage returns) unless stderr is a terminal.
        self.bar = tqdm(total=event.total_steps, initial=event.resumed_step, unit="step",
                        dynamic_ncols=True, disable=None)

    def _step(self, event: Any) -> None:
        from ..progress import format_duration

        self.speed = (f", {event.images_per_second:.1f} img/s, "
                      f"{format_duration(event.eta_seconds)} left")
        self.bar.update(1)
        self.bar.set_postfix_str(f"epoch {event.epoch} loss {event.total:.4f}"
                                 f"{self.speed}", refresh=False)

    def _preview(self, event: PreviewEvent) -> None:
        """Save the preview as OUT/previews/step_NNNNNNN.jpg; a failure only warns."""
        from ..errors import OutputError
        from ..imageio import write_image
        from ..output import ensure_folder

        try:
            folder = ensure_folder(Path(self.config.out_dir) / PREVIEWS)
            write_image(folder / f"step_{event.step:07d}.jpg", event.image, format="jpeg",
                        quality=90)
        except OutputError as exc:
            self._write(f"zerodce: could not save a preview: {exc}", sys.stderr)

    def _write(self, line: str, file: Any = None) -> None:
        from tqdm import tqdm

        tqdm.write(line, file=file or sys.stdout)
        (file or sys.stdout).flush()

    def _resume_command(self, checkpoint: Path | None) -> str:
        extra = ["--exclude", str(self.config.exclude)] if self.config.exclude else []
        return shlex.join(["zerodce", "train", "--resume", str(checkpoint), "--data",
                           str(self.config.data_dir), *extra])

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@contextmanager
def _signals_cancel(cancel: Callable[[], None]) -> Iterator[None]:
    """Ctrl-C and SIGTERM (`kill`, a job scheduler) stop after the current step with a
    resumable checkpoint; a second one aborts at once without saving."""
    def stop(signum: int, frame: FrameType | None) -> None:
        for number in handled:
            signal.signal(number, abort)
        cancel()
        print("Stopping after this step and saving a resumable checkpoint (Ctrl-C again to "
              "abort without saving)...", file=sys.stderr, flush=True)

    def abort(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, stop) for number in handled}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _summary(event: DoneEvent) -> str:
    from ..progress import format_duration

    best = "-" if event.best_val_loss is None else f"{event.best_val_loss:.4f}"
    final = "-" if event.final_train_loss is None else f"{event.final_train_loss:.4f}"
    return (f"Done: {event.steps} steps, {event.epochs} epochs in {format_duration(event.seconds)} "
            f"(this session); final train loss {final}, best validation loss {best}\n"
            f"  best weights: {event.best_path}\n  last (resumable): {event.last_path}")
