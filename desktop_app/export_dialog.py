"""Export dialog: where to write the enhanced photo and how to encode it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from zerodce_core.formats import WRITABLE, image_format

from .document import ExportOptions

FORMAT_LABELS = {"": "Same as original"} | {fmt.name: fmt.label for fmt in WRITABLE}
EIGHT_BIT_ONLY = tuple(fmt.name for fmt in WRITABLE if fmt.bit_depths == (8,))
LOSSY = tuple(fmt.name for fmt in WRITABLE if fmt.lossy)


class OutputOptionsForm(QFormLayout):
    """Format, quality, bit depth and metadata fields; shared by export and the batch queue."""

    def __init__(self, options: ExportOptions) -> None:
        super().__init__()
        self.format = QComboBox()
        for key, label in FORMAT_LABELS.items():
            self.format.addItem(label, key)
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setToolTip("JPEG and WebP quality")
        self.bit_depth = QComboBox()
        for depth, label in ((0, "Same as original"), (8, "8 bits per channel"),
                             (16, "16 bits per channel")):
            self.bit_depth.addItem(label, depth)
        self.metadata = QCheckBox("Keep EXIF and colour profile")
        self.addRow("&Format:", self.format)
        self.addRow("&Quality:", self.quality)
        self.addRow("&Bit depth:", self.bit_depth)
        self.addRow("", self.metadata)
        self.format.currentIndexChanged.connect(self._update_enabled)
        self.set_options(options)

    def set_options(self, options: ExportOptions) -> None:
        self.format.setCurrentIndex(max(self.format.findData(options.format or ""), 0))
        self.quality.setValue(options.quality)
        self.bit_depth.setCurrentIndex(max(self.bit_depth.findData(options.bit_depth or 0), 0))
        self.metadata.setChecked(options.keep_metadata)
        self._update_enabled()

    def options(self, suffix: str) -> ExportOptions:
        return ExportOptions(format=self.format.currentData() or None,
                             quality=self.quality.value(),
                             bit_depth=self.bit_depth.currentData() or None,
                             keep_metadata=self.metadata.isChecked(), suffix=suffix)

    def _update_enabled(self) -> None:
        fmt = self.format.currentData()
        self.quality.setEnabled(not fmt or fmt in LOSSY)
        self.bit_depth.setEnabled(fmt not in EIGHT_BIT_ONLY)


class ExportDialog(QDialog):
    """Collects a target path and ExportOptions; the caller confirms overwriting."""

    def __init__(self, suggested: Path, options: ExportOptions,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export enhanced photo")
        self.setMinimumWidth(520)
        self._suffix = options.suffix
        self._keep_suffix = suggested.suffix
        self.path = QLineEdit(str(suggested))
        browse = QPushButton("Browse\u2026")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.form = OutputOptionsForm(options)
        self.form.insertRow(0, "Save as:", row)
        self.form.format.currentIndexChanged.connect(self._match_suffix)
        self._match_suffix()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.form.addRow(buttons)
        self.setLayout(self.form)

    def target(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def options(self) -> ExportOptions:
        return self.form.options(self._suffix)

    def _match_suffix(self) -> None:
        """Keep the file name's extension in step with the chosen format."""
        fmt = self.form.format.currentData()
        suffix = image_format(fmt).extension if fmt else self._keep_suffix
        if self.path.text().strip():
            self.path.setText(str(self.target().with_suffix(suffix)))

    def _browse(self) -> None:
        filters = ";;".join(f"{fmt.label} (*{fmt.extension})" for fmt in WRITABLE)
        name, _ = QFileDialog.getSaveFileName(
            self, "Export enhanced photo", str(self.target()), filters,
            options=QFileDialog.Option.DontConfirmOverwrite)
        if name:
            self.path.setText(name)
