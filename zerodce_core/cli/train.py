"""`zerodce train`: train or fine-tune a curve network, with a progress bar.

Ctrl-C stops after the current step and writes a resumable checkpoint;
`zerodce train --resume OUT/last.safetensors` then continues exactly where it
stopped, taking every setting from the checkpoint unless given again.
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType
from typing import Any

from tqdm import tqdm

from ..checkpoint import load_checkpoint
from ..model import NETWORKS
from ..progress import format_duration
from ..trainer import (
    PRECISIONS,
    CancelledEvent,
    DoneEvent,
    EpochEvent,
    StartEvent,
    StepEvent,
    TrainConfig,
    Trainer,
    TrainingError,
)

#: Command-line option (argparse dest) -> TrainConfig field.
OPTION_FIELDS = {
    "data": "data_dir", "out": "out_dir", "arch": "arch", "epochs": "epochs",
    "size": "image_size", "random_crop": "random_crop", "batch": "batch_size", "lr": "lr",
    "exposure_level": "exposure_level", "exposure_range": "exposure_range",
    "exposure_patch_share": "exposure_patch_share", "exclude": "exclude",
    "val_fraction": "val_fraction", "init": "init_checkpoint",
    "seed": "seed", "device": "device", "threads": "threads", "precision": "precision",
    "compile": "compile",
}


def register(subparsers: Any) -> None:
    """Add the `train` subcommand to the `zerodce` parser."""
    parser = subparsers.add_parser(
        "train", help="train or fine-tune a model on a folder of images",
        description="Train Zero-DCE with its zero-reference losses (no paired data needed). "
                    "Accepts SICE Part 1 (sequence folders + Label), a flat folder, or any "
                    "folder of images. Ctrl-C stops with a resumable checkpoint.",
    )
    add = parser.add_argument
    add("--data", type=Path, metavar="DIR", help="training images (required unless --resume)")
    add("--out", type=Path, metavar="DIR", help="where best/last.safetensors go")
    add("--arch", choices=sorted(NETWORKS),
        help="network (default zerodce); noisenet trains the noise-reduction model")
    add("--epochs", type=int, help="passes over the training images (default 100)")
    add("--size", type=int, help="training image size in px (default 256)")
    add("--random-crop", action=argparse.BooleanOptionalAction, default=None,
        help="random SIZE crops of images scaled to 2*SIZE, instead of resizing to SIZE")
    add("--batch", type=int, help="images per step (default 8)")
    add("--lr", type=float, help="Adam learning rate (default 1e-4)")
    add("--exposure-level", type=float, help="target exposure E (default 0.6)")
    add("--exposure-range", type=float, nargs=2, metavar=("LOW", "HIGH"),
        help="exposure-conditioned nets (--arch zerodce-exposure): draw each image's target E "
             "from this range, so the model learns every brightness")
    add("--exposure-patch-share", type=float, metavar="SHARE",
        help="share of the exposure loss on 16x16 patches, the rest on the image mean "
             "(default 1, the paper's)")
    add("--exclude", type=Path, metavar="LIST",
        help="text file of image names never to train on (e.g. a benchmark's held-out set)")
    add("--val-fraction", type=float, help="share of scenes held out (default 0.05)")
    add("--resume", type=Path, metavar="CKPT", help="continue a stopped run from last.safetensors")
    add("--init", type=Path, metavar="CKPT", help="start from these weights (ours or official)")
    add("--seed", type=int, help="seed for initialisation, split, order, augmentation")
    add("--device", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    add("--threads", type=int, help="CPU threads (default: torch's choice)")
    add("--precision", choices=PRECISIONS, help="auto uses bf16 where the hardware has it")
    add("--compile", action=argparse.BooleanOptionalAction, default=None,
        help="torch.compile the losses: faster steps after ~30 s of compiling")
    parser.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Settings from --resume's checkpoint (if any), overridden by the options given."""
    values: dict[str, Any] = {}
    if args.resume:
        values = dict(load_checkpoint(args.resume).info.training_config)
        if not values:
            raise TrainingError(f"{args.resume}: no training settings stored; not resumable")
        try:  # the stored settings on their own, so that a damaged file is the one named
            TrainConfig.from_dict(values)
        except TrainingError as exc:
            raise TrainingError(f"{args.resume}: unusable training settings: {exc}") from None
        values["resume_checkpoint"] = args.resume
    values.update({name: getattr(args, option) for option, name in OPTION_FIELDS.items()
                   if getattr(args, option) is not None})
    if not values.get("data_dir") or not values.get("out_dir"):
        raise TrainingError("--data and --out are required (unless resuming with --resume)")
    values["preview_every"] = 0  # previews are for the app
    return TrainConfig.from_dict(values)


def run(args: argparse.Namespace) -> int:
    """Handler of `zerodce train`: 0 when done, 130 when stopped by Ctrl-C."""
    trainer = Trainer(config_from_args(args))
    show = trainer.dist.is_main
    bar: tqdm | None = None

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C aborts
        trainer.cancel()
        if show:
            tqdm.write("Stopping after this step and saving a resumable checkpoint "
                       "(Ctrl-C again to abort without saving)...")

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        for event in trainer.run():
            if not show:
                continue
            if isinstance(event, StartEvent):
                print(f"Training on {event.train_images} images ({event.val_images} for "
                      f"validation), {event.steps_per_epoch} steps per epoch, {event.device} "
                      f"{event.precision}, {event.world_size} process(es)"
                      + (f"; resuming at step {event.resumed_step}" if event.resumed_step else ""))
                bar = tqdm(total=event.total_steps, initial=event.resumed_step, unit="step",
                           dynamic_ncols=True)
            elif isinstance(event, StepEvent) and bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"epoch {event.epoch} loss {event.total:.4f} "
                                    f"{event.images_per_second:.1f} img/s "
                                    f"ETA {format_duration(event.eta_seconds)}", refresh=False)
            elif isinstance(event, EpochEvent):
                val = "-" if event.val_loss is None else f"{event.val_loss:.4f}"
                tqdm.write(f"epoch {event.epoch}/{event.epochs}: train loss "
                           f"{event.train_loss:.4f}, validation loss {val}"
                           + (" (best so far)" if event.is_best else ""))
            elif isinstance(event, CancelledEvent):
                _close(bar)
                print(f"Stopped at step {event.step} (epoch {event.epoch}). Resume with:\n"
                      f"  zerodce train --resume {event.checkpoint}")
                return 130
            elif isinstance(event, DoneEvent):
                _close(bar)
                print(_summary(event))
    finally:
        signal.signal(signal.SIGINT, previous)
        _close(bar)
    return 0


def _summary(event: DoneEvent) -> str:
    best = "-" if event.best_val_loss is None else f"{event.best_val_loss:.4f}"
    final = "-" if event.final_train_loss is None else f"{event.final_train_loss:.4f}"
    return (f"Done: {event.steps} steps, {event.epochs} epochs in {format_duration(event.seconds)} "
            f"(this session); final train loss {final}, best validation loss {best}\n"
            f"  best weights: {event.best_path}\n  last (resumable): {event.last_path}")


def _close(bar: tqdm | None) -> None:
    if bar is not None:
        bar.close()
