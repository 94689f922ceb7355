"""The training dialog runs the core trainer to completion and hands the model over."""

from __future__ import annotations

from pathlib import Path

from desktop_app.panels.training import CHOOSE_HINT, READY_HINT, TERM_COLORS
from zerodce_core.trainer import LAST_NAME, TrainConfig

from ..conftest import write_photo


def tiny_config(tmp_path: Path, epochs: int = 1) -> TrainConfig:
    data = tmp_path / "train"
    data.mkdir(exist_ok=True)
    for i in range(6):
        write_photo(data / f"img{i}.png", width=40, height=40, seed=i)
    return TrainConfig(data_dir=data, out_dir=tmp_path / "run", epochs=epochs, image_size=16,
                       batch_size=2, iterations=4, preview_every=1, device="cpu")


def open_dialog(window, config: TrainConfig):
    window.action["train"].trigger()
    dialog = window._training
    dialog.set_config(config)
    return dialog


def test_training_runs_and_use_this_model_switches(qtbot, window, tmp_path):
    dialog = open_dialog(window, tiny_config(tmp_path, epochs=2))
    assert dialog.plot_stack.currentWidget() is not dialog.plot  # no axes before a curve
    with qtbot.waitSignal(dialog.training_finished, timeout=60000) as finished:
        dialog.start_button.click()
    assert finished.args == ["done"]
    assert dialog.plot_stack.currentWidget() is dialog.plot
    assert dialog.lines["total"].getData()[0] is not None
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    qtbot.waitUntil(dialog.use_button.isEnabled)
    with qtbot.waitSignal(window.session.engine_ready, timeout=10000):
        dialog.use_button.click()
    assert window.session.engine.info.path == dialog.result_path
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


def test_legend_beside_the_plot_and_a_hint_that_follows_the_folders(qtbot, window, tmp_path):
    window.settings.train_data_dir = window.settings.train_out_dir = ""
    window.action["train"].trigger()
    dialog = window._training
    assert dialog.plot.plotItem.legend is None  # nothing drawn over the curves
    assert all(name in dialog.legend.text() for name in TERM_COLORS)
    assert dialog.status.text() == CHOOSE_HINT
    dialog.data_dir.edit.setText(str(tmp_path / "train"))
    assert dialog.status.text() == CHOOSE_HINT
    dialog.out_dir.edit.setText(str(tmp_path / "run"))
    assert dialog.status.text() == READY_HINT
    dialog.out_dir.edit.setText("")
    assert dialog.status.text() == CHOOSE_HINT
