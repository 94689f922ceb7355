"""One list of training options for the command line and the app, true to TrainConfig."""

from dataclasses import fields

from zerodce_core import train_limits, trainer
from zerodce_core.exposure import LIMITS as EXPOSURE_LIMITS
from zerodce_core.losses import LossWeights
from zerodce_core.model import NETWORKS
from zerodce_core.train_options import (
    ARCHITECTURES,
    LOSS_WEIGHT,
    PRECISIONS,
    REQUIRED,
    TRAIN_OPTIONS,
)


def test_defaults_and_choices_are_train_configs():
    defaults = trainer.TrainConfig(data_dir="d", out_dir="o")
    for option in TRAIN_OPTIONS:
        if option.field.startswith(LOSS_WEIGHT):
            value = getattr(defaults.loss_weights, option.field.removeprefix(LOSS_WEIGHT))
        elif option.field in REQUIRED:
            continue
        else:
            value = getattr(defaults, option.field)
        assert option.default == value, option.field
    assert set(ARCHITECTURES) == set(NETWORKS) and PRECISIONS == trainer.PRECISIONS


def test_every_setting_a_person_chooses_is_offered():
    offered = {option.field for option in TRAIN_OPTIONS}
    internal = {"weight_decay", "grad_clip", "loss_weights", "resume_checkpoint", "commands"}
    config_fields = {f.name for f in fields(trainer.TrainConfig)} - internal
    assert config_fields <= offered, config_fields - offered
    assert {f"{LOSS_WEIGHT}{f.name}" for f in fields(LossWeights)} <= offered
    assert {"iterations", "preview_every"} <= offered  # what the dialog had and the CLI lacked


def test_ranges_hold_their_defaults_and_flags_are_unique():
    for option in TRAIN_OPTIONS:
        if option.low is not None and option.default is not None:
            assert option.low <= option.default <= option.high, option.field
        assert not option.choices or option.default in option.choices
    assert len({o.flag for o in TRAIN_OPTIONS}) == len(TRAIN_OPTIONS)


def test_ranges_are_what_train_config_accepts():
    by_field = {option.field: option for option in TRAIN_OPTIONS}
    for field, (_, low, high, whole) in train_limits.NUMBERS.items():
        if field in by_field:
            option = by_field[field]
            assert (option.low, option.high, option.kind is int) == (low, high, whole), field
            assert option.what == train_limits.NUMBERS[field][0]  # the same messages
    assert (by_field["threads"].low, by_field["threads"].high) == (1, train_limits.MAX_THREADS)
    exposure = by_field["exposure_range"]
    assert (exposure.low, exposure.high) == EXPOSURE_LIMITS
