"""`zerodce info [MODEL] [--card]`: what a model file is, how it was trained, its model card.

Everything shown comes from the file, which may come from anyone, so every text from it is
plain (`text.plain_text`: no escape sequences or control characters, a stated cut; the card
is made so by `load_checkpoint`): a card must not retitle the terminal or forge the lines
printed before it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..text import plain_text

if TYPE_CHECKING:
    from ..checkpoint import ModelInfo
    from ..run_record import RunRecord

LINE_LIMIT = 300  # characters of any one value in the summary


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "info", help="show what a model is and how it was trained",
        description="A short summary of a model file: architecture, what it was trained on, "
                    "how far, and the commands that trained it.")
    parser.add_argument("model", nargs="?", help="checkpoint file (default: the bundled model)")
    parser.add_argument("--card", action="store_true",
                        help="also print every training setting and the full model card")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..bundled import default_model_path
    from ..checkpoint import load_checkpoint
    from ..run_record import RunRecord

    info = load_checkpoint(args.model or default_model_path()).info
    record = RunRecord.read(info.training_config, info.metadata)
    print("\n".join(summary(info, record)))
    if args.card:
        print("\n".join(settings(info.training_config)))
        print()
        print(info.model_card or "(no model card)")  # plain and cut by load_checkpoint
    return 0


def summary(info: ModelInfo, record: RunRecord | None) -> list[str]:
    """A few lines: the file, the network, the training run and where the card is."""
    curves = f"{info.iterations} curve iterations, " if info.iterations else ""
    lines = [f"file:         {info.path}",
             f"model:        {_line(info.arch)}, {curves}{info.parameter_count:,} parameters "
             f"({_line(info.source_format)} format)"]
    if record is not None:
        lines += _training(record)
    card = info.model_card.strip()
    if card:
        title = _line(card.splitlines()[0].lstrip("# "))
        count = len(card.splitlines())
        lines.append(f"model card:   {title} ({count} line{'s' * (count != 1)}; --card prints it)")
    return lines


def settings(config: dict[str, object]) -> list[str]:
    """Every stored training setting, one a line."""
    if not config:
        return ["settings:     (not recorded)"]
    width = max(map(len, config))
    return ["settings:"] + [f"  {_line(str(key)):{width}}  {_line(str(value))}"
                            for key, value in config.items()]


def _training(record: RunRecord) -> list[str]:
    lines = [f"trained on:   {_line(record.data or '(not recorded)')}"]
    if record.step is not None:
        of_steps = f" of {record.planned_steps:,} planned" if record.planned_steps else ""
        of_epochs = f" of {record.planned_epochs}" if record.planned_epochs else ""
        loss = ("" if record.val_loss is None
                else f", validation loss {record.val_loss:.4f}")
        lines.append(f"progress:     step {record.step:,}{of_steps}, epoch {record.epoch}"
                     f"{of_epochs}{loss}")
    if record.stopped_early:
        lines.append(f"              stopped early at step {record.step:,} of "
                     f"{record.planned_steps:,} planned; `zerodce train --resume FILE --data DIR` "
                     "continues it")
    for number, command in enumerate(record.commands):
        lines.append(f"{'command:' if number == 0 else '':14}{_line(command)}")
    return lines


def _line(text: str) -> str:
    """One value on one line: plain, newlines as spaces, cut at LINE_LIMIT."""
    flat = plain_text(text, LINE_LIMIT).replace("\n[... cut:", " [... cut:")
    return " ".join(flat.split())
