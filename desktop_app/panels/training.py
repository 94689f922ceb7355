"""Model > Train custom model: configure, run and watch a training through the core trainer.

`Trainer.run()` is a generator of typed events; a worker pulls it and each event updates
the curves, progress and preview here. Cancel goes through `Trainer.cancel()`, so the
trainer stops at a step boundary and writes a resumable checkpoint first.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from zerodce_core.checkpoint import load_checkpoint
from zerodce_core.device import available_devices
from zerodce_core.errors import ZeroDCEError
from zerodce_core.losses import LossWeights
from zerodce_core.model import ARCHITECTURES
from zerodce_core.progress import format_duration
from zerodce_core.trainer import (
    LAST_NAME,
    CancelledEvent,
    CheckpointEvent,
    DoneEvent,
    EpochEvent,
    PreviewEvent,
    StartEvent,
    StepEvent,
    TrainConfig,
    Trainer,
    TrainEvent,
)

from ..errors import describe_error
from ..images import to_display_qimage
from ..settings import Settings
from ..widgets.model_selector import CHECKPOINT_FILTER
from ..workers import JobSlot

LOSS_TERMS = ("spatial", "exposure", "color", "smoothness")
TERM_COLORS = {"total": "#e8e8e8", "spatial": "#4c9be8", "exposure": "#e8a23c",
               "color": "#c46ae8", "smoothness": "#56c271", "validation": "#e8544c"}
PREVIEW_SIDE = 240
STOP_WAIT_MS = 15000
CHOOSE_HINT = "Choose a folder of training images and an output folder."
READY_HINT = "Ready: Start trains a new model into the output folder."
EMPTY_PLOT = "The loss curves appear here once training starts."


def legend_html() -> str:
    """The curves' colours as a line of text beside the plot, so it never covers a curve."""
    return " &nbsp; ".join(f"<span style='color:{color}'>\u2501\u2501</span> {name}"
                           for name, color in TERM_COLORS.items())


def _spin(low: float, high: float, value: float, decimals: int = 0,
          step: float = 1.0) -> QSpinBox | QDoubleSpinBox:
    box: QSpinBox | QDoubleSpinBox
    if decimals:
        box = QDoubleSpinBox()
        box.setDecimals(decimals)
        box.setSingleStep(step)
    else:
        box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


class _PathField(QWidget):
    """A line edit with a Browse button, for a folder or a checkpoint file."""

    def __init__(self, title: str, folder: bool, placeholder: str = "") -> None:
        super().__init__()
        self.title = title
        self.folder = folder
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        browse = QPushButton("Browse\u2026")
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def text(self) -> str:
        return self.edit.text().strip()

    def _browse(self) -> None:
        if self.folder:
            name = QFileDialog.getExistingDirectory(self, self.title, self.text())
        else:
            name, _ = QFileDialog.getOpenFileName(self, self.title, self.text(),
                                                  CHECKPOINT_FILTER)
        if name:
            self.edit.setText(name)


class TrainingDialog(QDialog):
    """Non-modal: closing only hides it, and training carries on in the background."""

    use_model = Signal(str)
    training_finished = Signal(str)  # "done", "cancelled" or "failed"

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train a custom model")
        self.settings = settings
        self.slot = JobSlot(self)
        self.slot.busy_changed.connect(self._update_buttons)
        self.trainer: Trainer | None = None
        self.result_path: Path | None = None
        self._curves: dict[str, tuple[list[float], list[float]]] = {}
        self._build()
        self._folders_changed()
        self.resize(1240, 640)

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        defaults = TrainConfig(data_dir="", out_dir="")
        self.data_dir = _PathField("Training images", True, "a folder of low-light photos")
        self.data_dir.edit.setText(self.settings.train_data_dir)
        self.out_dir = _PathField("Output folder", True, "where checkpoints are written")
        self.out_dir.edit.setText(self.settings.train_out_dir)
        for field in (self.data_dir, self.out_dir):
            field.edit.textChanged.connect(self._folders_changed)
        self.arch = QComboBox()
        self.arch.addItems(sorted(ARCHITECTURES))
        self.arch.setCurrentText(defaults.arch)
        self.iterations = _spin(1, 16, defaults.iterations)
        self.epochs = _spin(1, 10000, defaults.epochs)
        self.image_size = _spin(16, 2048, defaults.image_size)
        self.image_size.setSingleStep(16)
        self.batch_size = _spin(1, 256, defaults.batch_size)
        self.lr = _spin(1e-6, 1.0, defaults.lr, decimals=6, step=1e-5)
        self.exposure = _spin(0.05, 0.95, defaults.exposure_level, decimals=2, step=0.05)
        self.weights = {name: _spin(0.0, 10000.0, getattr(defaults.loss_weights, name),
                                    decimals=2, step=0.5) for name in LOSS_TERMS}
        weights_row = QGridLayout()
        for column, (name, box) in enumerate(self.weights.items()):
            weights_row.addWidget(QLabel(name.capitalize()), 0, column)
            weights_row.addWidget(box, 1, column)
        self.init_checkpoint = _PathField("Start from checkpoint", False,
                                          "optional: fine-tune an existing model")
        self.preview_every = _spin(0, 100000, defaults.preview_every)
        self.preview_every.setToolTip("Show a preview every N steps (0: never)")
        self.device = QComboBox()
        self.device.addItems(["auto", *available_devices()])

        form = QFormLayout()
        form.addRow("&Training images:", self.data_dir)
        form.addRow("&Output folder:", self.out_dir)
        form.addRow("&Architecture:", self.arch)
        form.addRow("Curve &iterations:", self.iterations)
        form.addRow("&Epochs:", self.epochs)
        form.addRow("Image si&ze (px):", self.image_size)
        form.addRow("&Batch size:", self.batch_size)
        form.addRow("&Learning rate:", self.lr)
        form.addRow("Exposure level &E:", self.exposure)
        form.addRow("Loss weights:", weights_row)
        form.addRow("&Start from:", self.init_checkpoint)
        form.addRow("&Preview every:", self.preview_every)
        form.addRow("&Device:", self.device)
        setup = QGroupBox("Setup")
        setup.setLayout(form)
        setup.setMaximumWidth(470)

        self.plot = pg.PlotWidget()
        self.plot.setBackground("#262628")
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss (log scale; terms unweighted)")
        self.plot.setLogMode(y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = QLabel(legend_html())
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("background: #262628; color: #ddd; padding: 4px;")
        empty = QLabel(EMPTY_PLOT)
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setStyleSheet("background: #262628; color: #aaa;")
        self.plot_stack = QStackedWidget()
        self.plot_stack.addWidget(empty)
        self.plot_stack.addWidget(self.plot)
        self.lines = {
            name: self.plot.plot([], [], name=name, pen=pg.mkPen(color, width=2 if name in
                                                                 ("total", "validation") else 1),
                                 symbol="o" if name == "validation" else None, symbolSize=6,
                                 symbolBrush=color)
            for name, color in TERM_COLORS.items()
        }
        self.preview = QLabel("The preview appears here\nduring training.")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview.setStyleSheet("background: #262628; color: #aaa;")
        self.progress = QProgressBar()
        self.status = QLabel(CHOOSE_HINT)
        self.status.setWordWrap(True)
        self.epoch_label = QLabel("")
        self.epoch_label.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(QLabel("Preview (validation image):"))
        side.addWidget(self.preview)
        side.addWidget(self.epoch_label)
        side.addStretch(1)
        watch = QGridLayout()
        watch.addWidget(self.plot_stack, 0, 0)
        watch.addLayout(side, 0, 1)
        watch.addWidget(self.legend, 1, 0, 1, 2)
        watch.addWidget(self.progress, 2, 0, 1, 2)
        watch.addWidget(self.status, 3, 0, 1, 2)
        watch.setColumnStretch(0, 1)
        monitor = QGroupBox("Progress")
        monitor.setLayout(watch)

        self.start_button = QPushButton("Start")
        self.cancel_button = QPushButton("Cancel")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip(f"Continue from {LAST_NAME} in the output folder, with "
                                      "the settings it was trained with (raise Epochs to "
                                      "train longer)")
        self.use_button = QPushButton("Use this model")
        close = QPushButton("Close")
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button.clicked.connect(self._use_model)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.cancel_button, self.resume_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(close)

        top = QHBoxLayout()
        top.addWidget(setup)
        top.addWidget(monitor, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addLayout(buttons)

    # -- running ---------------------------------------------------------------------------

    def config(self) -> TrainConfig:
        """The form as a TrainConfig (raises TrainingError with a readable message)."""
        out_dir = self.out_dir.text()
        return TrainConfig(
            data_dir=self.data_dir.text(), out_dir=out_dir, arch=self.arch.currentText(),
            iterations=self.iterations.value(), epochs=self.epochs.value(),
            image_size=self.image_size.value(), batch_size=self.batch_size.value(),
            lr=self.lr.value(), exposure_level=self.exposure.value(),
            loss_weights=LossWeights(**{n: box.value() for n, box in self.weights.items()}),
            preview_every=self.preview_every.value(),
            init_checkpoint=self.init_checkpoint.text() or None,
            device=self.device.currentText(),
        )

    def _resume_config(self) -> TrainConfig:
        """The interrupted run's own settings (stored in its checkpoint), shown in the form.

        Only the folders (checkpoints keep no paths), the epoch count and the device come
        from the form, so a run can also be extended.
        """
        path = Path(self.out_dir.text()) / LAST_NAME
        stored = load_checkpoint(path).info.training_config
        config = TrainConfig.from_dict({**stored, "out_dir": self.out_dir.text(),
                                        "data_dir": self.data_dir.text(),
                                        "epochs": self.epochs.value(),
                                        "device": self.device.currentText(),
                                        "resume_checkpoint": str(path)})
        self.set_config(config)
        return config

    def set_config(self, config: TrainConfig) -> None:
        """Fill the form from a configuration."""
        self.data_dir.edit.setText(str(config.data_dir))
        self.out_dir.edit.setText(str(config.out_dir))
        self.arch.setCurrentText(config.arch)
        for name in ("iterations", "epochs", "image_size", "batch_size", "lr",
                     "preview_every"):
            getattr(self, name).setValue(getattr(config, name))
        self.exposure.setValue(config.exposure_level)
        for field in fields(LossWeights):
            self.weights[field.name].setValue(getattr(config.loss_weights, field.name))
        self.init_checkpoint.edit.setText(str(config.init_checkpoint or ""))
        self.device.setCurrentText(config.device)

    def start(self, resume: bool = False) -> None:
        if self.slot.busy:
            return
        if not self.data_dir.text() or not self.out_dir.text():
            self.status.setText(CHOOSE_HINT)
            return
        try:
            config = self._resume_config() if resume else self.config()
        except (ZeroDCEError, ValueError, TypeError) as exc:  # read as sentences
            self.status.setText(describe_error(exc))
            return
        self.settings.train_data_dir = str(config.data_dir)
        self.settings.train_out_dir = str(config.out_dir)
        self.trainer = Trainer(config)
        self.result_path = None
        if not resume:
            self._curves = {name: ([], []) for name in TERM_COLORS}
            for line in self.lines.values():
                line.setData([], [])
            self.plot_stack.setCurrentIndex(0)
        self.progress.setRange(0, 0)
        self.status.setText("Loading the training images\u2026")
        self.slot.start(self.trainer.run, on_progress=self._on_event,
                        on_failure=self._on_failure)

    def cancel(self) -> None:
        if self.trainer is not None and self.slot.busy:
            self.trainer.cancel()
            self.status.setText("Stopping after this step and saving a resumable checkpoint\u2026")

    def stop(self) -> None:
        """Cancel and wait briefly, so closing the app still leaves a resumable checkpoint."""
        job = self.slot.current
        if job is not None and self.trainer is not None:
            self.trainer.cancel()
            job.wait(STOP_WAIT_MS)

    def _use_model(self) -> None:
        if self.result_path is not None:
            self.use_model.emit(str(self.result_path))

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, event: TrainEvent) -> None:
        if isinstance(event, StartEvent):
            self.progress.setRange(0, event.total_steps)
            self.progress.setValue(event.resumed_step)
            resumed = f", resuming at step {event.resumed_step}" if event.resumed_step else ""
            self.status.setText(f"Training on {event.train_images} images "
                                f"({event.val_images} for validation) on {event.device}, "
                                f"{event.precision}{resumed}.")
        elif isinstance(event, StepEvent):
            self._add_point("total", event.step, event.total)
            for name in LOSS_TERMS:
                if name in event.terms:
                    self._add_point(name, event.step, event.terms[name])
            self.progress.setValue(event.step)
            self.status.setText(
                f"Step {event.step} / {event.total_steps} \u00b7 epoch {event.epoch} \u00b7 "
                f"loss {event.total:.4f} \u00b7 {event.images_per_second:.1f} images/s \u00b7 "
                f"about {format_duration(event.eta_seconds)} left")
        elif isinstance(event, EpochEvent):
            if event.val_loss is not None:
                step = self.progress.value()
                self._add_point("validation", step, event.val_loss)
            val = "n/a" if event.val_loss is None else f"{event.val_loss:.4f}"
            best = " (best so far)" if event.is_best else ""
            self.epoch_label.setText(f"Epoch {event.epoch} / {event.epochs}: train "
                                     f"{event.train_loss:.4f}, validation {val}{best}")
        elif isinstance(event, PreviewEvent):
            pixmap = QPixmap.fromImage(to_display_qimage(event.image))
            self.preview.setPixmap(pixmap.scaled(
                PREVIEW_SIDE, PREVIEW_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        elif isinstance(event, CheckpointEvent):
            self.result_path = event.path if event.kind == "best" else (self.result_path
                                                                        or event.path)
        elif isinstance(event, CancelledEvent):
            self.status.setText(f"Cancelled at step {event.step}. Resume continues from "
                                f"{event.checkpoint}.")
            self.training_finished.emit("cancelled")
        elif isinstance(event, DoneEvent):
            for path in (event.best_path, event.last_path):
                if path is not None and path.is_file():
                    self.result_path = path
                    break
            self.progress.setValue(self.progress.maximum())
            self.status.setText(f"Done: {event.steps} steps in {format_duration(event.seconds)}."
                                f" Model saved as {self.result_path}.")
            self.training_finished.emit("done")
        self._update_buttons()

    def _on_failure(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(f"Training stopped: {describe_error(exc)}")
        self.training_finished.emit("failed")

    def _add_point(self, name: str, x: float, y: float) -> None:
        xs, ys = self._curves.setdefault(name, ([], []))
        if y > 0:  # log axis
            xs.append(x)
            ys.append(y)
            self.lines[name].setData(xs, ys)
            self.plot_stack.setCurrentWidget(self.plot)

    def _folders_changed(self) -> None:
        """The hint says what is missing until both folders are chosen."""
        if not self.slot.busy and self.status.text() in (CHOOSE_HINT, READY_HINT):
            ready = bool(self.data_dir.text() and self.out_dir.text())
            self.status.setText(READY_HINT if ready else CHOOSE_HINT)
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.slot.busy
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        out_dir = self.out_dir.text()
        self.resume_button.setEnabled(not running and bool(out_dir)
                                      and (Path(out_dir) / LAST_NAME).is_file())
        self.use_button.setEnabled(not running and self.result_path is not None)
