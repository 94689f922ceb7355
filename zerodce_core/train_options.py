"""The training settings people choose, described once for `zerodce train` and the app's dialog.

Each `TrainOption` names its `trainer.TrainConfig` field (or one loss weight) and says how a
person sets it: the command-line flag, a form label, one line of help (also a tooltip), the
kind of value, its default and the range a front end offers. The command line builds its
options from `TRAIN_OPTIONS`, and a form can build its fields from the same list, so the two
offer the same settings with the same limits.

This module imports nothing heavy, so `zerodce train --help` and its usage errors answer
without loading torch; that is also why the defaults and ranges are written here and not read
from `TrainConfig` and `train_limits.NUMBERS` (tests keep them equal). The ranges are what
`TrainConfig` accepts; a form picks its own upper end where a setting has none (math.inf).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .defaults import EXPOSURE_RANGE

INF = math.inf

#: `model.NETWORKS`, without importing torch (a test keeps the two equal).
ARCHITECTURES = ("noisenet", "noisenet-u", "zerodce", "zerodce++", "zerodce-exposure")
#: `defaults.Colour`.
COLOURS = ("model", "keep")
#: `trainer.PRECISIONS`.
PRECISIONS = ("auto", "fp32", "bf16")
LOSS_WEIGHT = "loss_weights."  # prefix of the options that set one `losses.LossWeights` term


@dataclass(frozen=True)
class TrainOption:
    """One training setting: where it goes, how it is offered, what it may be."""

    field: str  # TrainConfig field, or LOSS_WEIGHT + a LossWeights term
    flag: str  # the command-line option
    label: str  # for a form
    help: str  # one line, for --help and tooltips
    kind: type = float  # int, float, bool, str or Path
    default: object = None  # TrainConfig's; None: no default (required, or automatic)
    low: float | None = None  # None: not a number
    high: float = INF
    step: float | None = None  # a spin box's step
    choices: tuple[str, ...] = ()
    count: int = 1  # values the option takes (the exposure range takes 2)
    metavar: str | None = None
    group: str = "training"  # data, model, training, loss, run
    name: str | None = None  # what messages call it (TrainConfig's name); None: the label

    @property
    def dest(self) -> str:
        """The argparse destination (and a form field's name)."""
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def what(self) -> str:
        """The setting's name in messages, as `TrainConfig`'s own checks call it."""
        return self.name or self.label.lower()


def _weight(term: str, default: float, what: str) -> TrainOption:
    return TrainOption(f"{LOSS_WEIGHT}{term}", f"--{term}-weight", f"{term.capitalize()} weight",
                       f"weight of the {what} loss (curve models)", float, default, 0.0, INF,
                       0.5, metavar="W", group="loss", name=f"the {term} loss weight")


TRAIN_OPTIONS: tuple[TrainOption, ...] = (
    TrainOption("data_dir", "--data", "Training images",
                "folder of training images: SICE Part 1, a flat folder, or any images",
                Path, metavar="DIR", group="data"),
    TrainOption("out_dir", "--out", "Output folder",
                "where best.safetensors and last.safetensors (resumable) go",
                Path, metavar="DIR", group="data"),
    TrainOption("exclude", "--exclude", "Exclusion list",
                "text file of image names never to train on (e.g. a benchmark's held-out set)",
                Path, metavar="LIST", group="data"),
    TrainOption("val_fraction", "--val-fraction", "Validation share",
                "share of the scenes held out for validation", float, 0.05, 0.0, 0.99, 0.01,
                metavar="SHARE", group="data", name="validation fraction"),
    TrainOption("arch", "--arch", "Architecture",
                "network; noisenet and noisenet-u (which sees wider) train noise reduction",
                str, "zerodce",
                choices=ARCHITECTURES, group="model"),
    TrainOption("iterations", "--iterations", "Curve iterations",
                "curve iterations of the network (the paper's 8)", int, 8, 1, 32, 1,
                metavar="N", group="model", name="iterations"),
    TrainOption("init_checkpoint", "--init", "Start from",
                "start from these weights (ours or official) to fine-tune", Path,
                metavar="CKPT", group="model"),
    TrainOption("epochs", "--epochs", "Epochs", "passes over the training images", int, 100,
                1, INF, 1, metavar="N"),
    TrainOption("image_size", "--size", "Image size (px)", "training image size", int, 256,
                16, INF, 16, metavar="PX", name="image size"),
    TrainOption("random_crop", "--random-crop", "Random crops",
                "random SIZE crops of images scaled to 2*SIZE, instead of resizing to SIZE",
                bool, False),
    TrainOption("batch_size", "--batch", "Batch size", "images per step", int, 8, 1, INF, 1,
                metavar="N"),
    TrainOption("lr", "--lr", "Learning rate", "Adam learning rate", float, 1e-4, 1e-9, 1.0,
                1e-5, metavar="RATE"),
    TrainOption("seed", "--seed", "Seed",
                "seed for initialisation, split, order and augmentation", int, 0, 0, 2**32 - 1,
                1, metavar="N"),
    TrainOption("exposure_level", "--exposure-level", "Exposure level E",
                "target mean level the exposure loss pulls towards", float, 0.6,
                *EXPOSURE_RANGE, 0.05, metavar="E", group="loss", name="exposure level"),
    TrainOption("exposure_range", "--exposure-range", "Exposure range",
                "exposure-conditioned nets (zerodce-exposure): draw each image's target level "
                "from this range, so the model learns every brightness", float, None,
                *EXPOSURE_RANGE, 0.05, count=2, metavar="E", group="loss"),
    TrainOption("exposure_patch_share", "--exposure-patch-share", "Exposure patch share",
                "share of the exposure loss on 16x16 patches, the rest on the image mean "
                "(1: the paper's)", float, 1.0, 0.0, 1.0, 0.1, metavar="SHARE", group="loss"),
    TrainOption("colour", "--colour", "Colour",
                "curve models: model learns a curve per channel (the paper's), keep one curve "
                "for all three, as the app renders by default", str, "model",
                choices=COLOURS, group="loss"),
    _weight("spatial", 1.0, "spatial consistency"),
    _weight("exposure", 10.0, "exposure control"),
    _weight("color", 5.0, "colour constancy"),
    _weight("smoothness", 200.0, "curve smoothness"),
    TrainOption("preview_every", "--preview-every", "Preview every",
                "a preview of the first validation image every N steps (0: none); the "
                "command line saves them in OUT/previews/", int, 100, 0, INF, 10,
                metavar="STEPS", group="run", name="preview interval"),
    TrainOption("device", "--device", "Device", "auto, cpu, cuda, cuda:N or mps", str, "auto",
                metavar="DEVICE", group="run"),
    TrainOption("threads", "--threads", "CPU threads", "CPU threads (default: all cores)",
                int, None, 1, 4096, 1, metavar="N", group="run", name="threads"),
    TrainOption("precision", "--precision", "Precision",
                "auto uses bf16 where the hardware has it", str, "auto", choices=PRECISIONS,
                group="run"),
    TrainOption("compile", "--compile", "Compile",
                "torch.compile the losses: faster steps after ~30 s of compiling", bool, False,
                group="run"),
)
#: The options a run cannot start without (the command line takes them from --resume too).
REQUIRED = ("data_dir", "out_dir")
