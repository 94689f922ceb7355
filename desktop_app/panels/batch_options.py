"""The batch queue's "Output" box: where and how files are written, and with which look.

The encoding and the file name suffix are the settings Save uses too (one `encode`
setting), so the queue and Save name and encode files alike; the look has one spin box
per field of `Look` (see `widgets.look_controls`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
)

from zerodce_core.batch import BatchOptions
from zerodce_core.pipeline import Look

from ..settings import Settings
from ..widgets.look_controls import LOOK_FIELDS, NO_EXPOSURE, LookSpinBox
from .export import OutputOptionsForm


class BatchOptionsBox(QGroupBox):
    """Output folder, suffix, encoding, look, quality mode, gamma sheets, existing files."""

    encode_changed = Signal()  # the shared encoding or suffix was edited here

    def __init__(self, settings: Settings, current_look: Callable[[], Look]) -> None:
        super().__init__("Output")
        self.settings = settings
        self._current_look = current_look
        self.out_dir = QLineEdit()
        self.out_dir.setPlaceholderText("next to each file")
        browse = QPushButton("\u2026")
        browse.setToolTip("Choose the output folder")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._choose_out_dir)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_dir, 1)
        out_row.addWidget(browse)
        self.suffix = QLineEdit()
        self.suffix.setToolTip("Added to each output file name (Save uses it too)")
        self.suffix.editingFinished.connect(self._store_encode)
        self.look_boxes = {field.name: LookSpinBox(field) for field in LOOK_FIELDS}
        use_current = QPushButton("Use current")
        use_current.setToolTip("Take the settings shown in the main window")
        use_current.clicked.connect(lambda: self._show_look(self._current_look()))
        self.mode = QComboBox()
        self.mode.addItem("Fast", "fast")
        self.mode.addItem("Full", "full")
        self.compare_gamma = QCheckBox("Also write a gamma-curve comparison sheet")
        self.existing = QComboBox()
        self.existing.addItem("Skip existing outputs", "skip")
        self.existing.addItem("Overwrite existing outputs", "overwrite")
        form = self.encode_form = OutputOptionsForm(settings.encode)
        form.changed.connect(self._store_encode)
        form.insertRow(0, "Output folder:", out_row)
        form.insertRow(1, "File name &suffix:", self.suffix)
        for field in LOOK_FIELDS:
            form.addRow(field.label, self.look_boxes[field.name])
        form.addRow("", use_current)
        form.addRow("&Quality mode:", self.mode)
        form.addRow("", self.compare_gamma)
        form.addRow("Existing:", self.existing)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setLayout(form)
        self._restore()

    def options(self, recursive: bool) -> BatchOptions:
        """The options shown (OptionError, a sentence, for a suffix that is a path)."""
        out_dir = self.out_dir.text().strip()
        return BatchOptions(
            out_dir=Path(out_dir).expanduser() if out_dir else None, suffix=self.suffix.text(),
            encode=self.encode_form.options(), look=self.look(), mode=self.mode.currentData(),
            existing=self.existing.currentData(), recursive=recursive,
            compare_gamma=self.compare_gamma.isChecked())

    def look(self) -> Look:
        return Look(**{name: box.look_value() for name, box in self.look_boxes.items()})

    def set_model(self, iterations: int, takes_exposure: bool) -> None:
        """The look follows the model in use: fields measured in curve iterations take its
        count, and Brightness needs an exposure-conditioned model (else it stays "auto")."""
        for field in LOOK_FIELDS:
            if field.maximum is None:
                box = self.look_boxes[field.name]
                box.setMaximum(float(iterations))
                box.setSuffix(f" of {iterations}" if field.of_maximum else "")
        exposure = self.look_boxes["exposure"]
        exposure.setEnabled(takes_exposure)
        exposure.setToolTip(exposure.field.tip if takes_exposure else NO_EXPOSURE)
        if not takes_exposure:
            exposure.setValue(exposure.minimum())

    def store(self) -> None:
        """Remember what a started run used."""
        s = self.settings
        s.batch_out_dir = self.out_dir.text().strip()
        s.batch_look = self.look()
        s.batch_mode = self.mode.currentData()
        s.batch_existing = self.existing.currentData()
        s.batch_compare_gamma = self.compare_gamma.isChecked()
        self._store_encode()

    def show_encode(self) -> None:
        """Show the shared encoding and suffix again (Export... changed them)."""
        self.encode_form.set_options(self.settings.encode)
        self.suffix.setText(self.settings.output_suffix)

    def _restore(self) -> None:
        s = self.settings
        self.out_dir.setText(s.batch_out_dir)
        self.suffix.setText(s.output_suffix)
        self._show_look(s.batch_look)
        self.mode.setCurrentIndex(max(self.mode.findData(s.batch_mode), 0))
        self.existing.setCurrentIndex(max(self.existing.findData(s.batch_existing), 0))
        self.compare_gamma.setChecked(s.batch_compare_gamma)

    def _store_encode(self) -> None:
        self.settings.encode = self.encode_form.options()
        self.settings.output_suffix = self.suffix.text()
        self.encode_changed.emit()

    def _show_look(self, look: Look) -> None:
        for box in self.look_boxes.values():
            box.show_look(look)

    def _choose_out_dir(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Output folder", self.out_dir.text())
        if name:
            self.out_dir.setText(name)
