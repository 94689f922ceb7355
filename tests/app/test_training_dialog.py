"""The training dialog runs the core trainer to completion and hands the model over."""

from __future__ import annotations

from pathlib import Path

from zerodce_core.trainer import LAST_NAME, TrainConfig

from .conftest import write_photo


def tiny_config(tmp_path: Path, epochs: int = 1) -> TrainConfig:
    data = tmp_path / "train"
    data.mkdir(exist_ok=True)
    for i in range(6):
        write_photo(data / f"img{i}.png", width=40, height=40, seed=i)
    return TrainConfig(data_dir=data, out_dir=tmp_path / "run", epochs=epochs, image_size=16,
                       batch_size=2, iterations=4, preview_every=1, device="cpu")


def open_dialog(window, config: TrainConfig):
    window.train_action.trigger()
    dialog = window._training
    dialog.set_config(config)
    return dialog


def test_training_runs_and_use_this_model_switches(qtbot, window, tmp_path):
    dialog = open_dialog(window, tiny_config(tmp_path, epochs=2))
    with qtbot.waitSignal(dialog.training_finished, timeout=60000) as finished:
        dialog.start_button.click()
    assert finished.args == ["done"]
    assert dialog.lines["total"].getData()[0] is not None
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    qtbot.waitUntil(dialog.use_button.isEnabled)
    with qtbot.waitSignal(window.engine_changed, timeout=10000):
        dialog.use_button.click()
    assert window.engine.info.path == dialog.result_path
    assert window.model_selector.findData(str(dialog.result_path)) >= 0


def test_cancel_leaves_a_resumable_checkpoint(qtbot, window, tmp_path):
    dialog = open_dialog(window, tiny_config(tmp_path, epochs=2))
    with qtbot.waitSignal(dialog.training_finished, timeout=60000) as finished:
        dialog.start_button.click()
        dialog.cancel_button.click()
    assert finished.args == ["cancelled"]
    assert (tmp_path / "run" / LAST_NAME).is_file()
    qtbot.waitUntil(dialog.resume_button.isEnabled)
    dialog.batch_size.setValue(3)  # the run's own settings win over an edited form
    with qtbot.waitSignal(dialog.training_finished, timeout=60000) as resumed:
        dialog.resume_button.click()
    assert resumed.args == ["done"]
    assert dialog.batch_size.value() == 2


def test_a_bad_dataset_reads_as_a_sentence(qtbot, window, tmp_path):
    config = tiny_config(tmp_path)
    config.data_dir = tmp_path / "missing"
    dialog = open_dialog(window, config)
    with qtbot.waitSignal(dialog.training_finished, timeout=20000) as finished:
        dialog.start_button.click()
    assert finished.args == ["failed"]
    assert "training folder not found" in dialog.status.text()
