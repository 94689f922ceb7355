"""`zerodce info`: a short summary by default, the card on request, nothing a file could abuse."""

from pathlib import Path

from tests.conftest import brightening_model
from zerodce_core.checkpoint import save_checkpoint
from zerodce_core.cli import main

CARD = "# Night model\n\nTrained on SICE.\n" + "\n".join(f"line {i}" for i in range(60))
CONFIG = {"data_dir": "SICE_part1", "out_dir": "mine", "epochs": 10,
          "commands": ["zerodce train --data SICE_part1 --out mine --epochs 10"]}


def _model(tmp_path: Path, card: str = CARD, config: dict = CONFIG, **metadata) -> Path:
    return save_checkpoint(tmp_path / "night.safetensors", brightening_model(), model_card=card,
                           training_config=config, metadata=metadata)


def test_a_short_summary_by_default(tmp_path, capsys):
    path = _model(tmp_path, step=40, epoch=4, planned_steps=100, val_loss=0.25)
    assert main(["info", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"file:         {path}",
        "model:        zerodce, 8 curve iterations, 79,416 parameters (zerodce format)",
        "trained on:   SICE_part1",
        "progress:     step 40 of 100 planned, epoch 4 of 10, validation loss 0.2500",
        "command:      zerodce train --data SICE_part1 --out mine --epochs 10",
        "model card:   Night model (63 lines; --card prints it)",
    ]


def test_card_prints_settings_and_the_whole_card(tmp_path, capsys):
    assert main(["info", "--card", str(_model(tmp_path))]) == 0
    text = capsys.readouterr().out
    assert "settings:\n  data_dir  SICE_part1\n" in text and text.rstrip().endswith("line 59")


def test_a_stopped_run_says_so(tmp_path, capsys):
    path = _model(tmp_path, step=30, epoch=3, planned_steps=100,
                  resume={"step": 30, "steps_per_epoch": 10, "best_loss": 0.5,
                          "epoch_loss_sum": 0.0})
    assert main(["info", str(path)]) == 0
    assert "stopped early at step 30 of 100 planned" in capsys.readouterr().out


def test_escape_sequences_are_removed_and_long_cards_cut(tmp_path, capsys):
    hostile = ("\x1b]0;owned\x07\x1b[2J\x1b[31mRed title\x1b[0m\u202e\n" + "x" * 30_000)
    config = {**CONFIG, "data_dir": "evil\x1b[8mhidden\x1b[0m", "commands": ["a\rb\x9bc"]}
    path = _model(tmp_path, card=hostile, config=config)
    assert main(["info", "--card", str(path)]) == 0
    text = capsys.readouterr().out
    assert not any(c in text for c in "\x1b\x07\r\x9b\u202e")
    assert "model card:   Red title" in text and "trained on:   evilhidden" in text
    assert "[... cut: 30,010 characters, the first 20,000 shown]" in text
    assert len(text) < 21_000


def test_peer_weights_have_no_training_record(tmp_path, capsys):
    path = save_checkpoint(tmp_path / "plain.safetensors", brightening_model())
    assert main(["info", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[2:] == []
