"""Save and Export: where to write what the viewer shows, and how to encode a photo.

`ExportFlow` is the policy (the suggested name, never the original, asking before
replacing a file, remembering the options); `ExportDialog` asks for a photo's target and
encoding, and `OutputOptionsForm` is the encoding form the batch queue shows too. A video
keeps its container and codec, so it is only asked where to go.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStatusBar,
    QWidget,
)

from zerodce_core.bundled import sample_photo_path
from zerodce_core.formats import WRITABLE, image_format
from zerodce_core.pipeline import EncodeOptions

from ..session import Session
from ..settings import Settings
from ..widgets.message_bar import MessageBar

FORMAT_LABELS = {"": "Same as original"} | {fmt.name: fmt.label for fmt in WRITABLE}
EIGHT_BIT_ONLY = tuple(fmt.name for fmt in WRITABLE if fmt.bit_depths == (8,))
LOSSY = tuple(fmt.name for fmt in WRITABLE if fmt.lossy)


class OutputOptionsForm(QFormLayout):
    """Format, quality, bit depth and metadata fields; shared by export and the batch queue."""

    changed = Signal()  # the user edited a field

    def __init__(self, options: EncodeOptions) -> None:
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
        for signal in (self.format.activated, self.quality.editingFinished,
                       self.bit_depth.activated, self.metadata.clicked):
            signal.connect(self.changed)

    def set_options(self, options: EncodeOptions) -> None:
        self.format.setCurrentIndex(max(self.format.findData(options.format or ""), 0))
        self.quality.setValue(options.quality)
        self.bit_depth.setCurrentIndex(max(self.bit_depth.findData(options.bit_depth or 0), 0))
        self.metadata.setChecked(options.keep_metadata)
        self._update_enabled()

    def options(self) -> EncodeOptions:
        return EncodeOptions(format=self.format.currentData() or None,
                             quality=self.quality.value(),
                             bit_depth=self.bit_depth.currentData() or None,
                             keep_metadata=self.metadata.isChecked())

    def _update_enabled(self) -> None:
        fmt = self.format.currentData()
        self.quality.setEnabled(not fmt or fmt in LOSSY)
        self.bit_depth.setEnabled(fmt not in EIGHT_BIT_ONLY)


class ExportDialog(QDialog):
    """Collects a target path and EncodeOptions; the caller confirms overwriting."""

    def __init__(self, suggested: Path, options: EncodeOptions,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export enhanced photo")
        self.setMinimumWidth(520)
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

    def options(self) -> EncodeOptions:
        return self.form.options()

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


def choose_video_target(parent: QWidget, suggested: Path) -> Path | None:
    """Where the enhanced video goes; it keeps the source's container and codec."""
    pattern = f"*{suggested.suffix}"
    name, _ = QFileDialog.getSaveFileName(
        parent, "Export enhanced video", str(suggested),
        f"{suggested.suffix[1:].upper()} video ({pattern})",
        options=QFileDialog.Option.DontConfirmOverwrite)
    return Path(name) if name else None


def ask(parent: QWidget, title: str, text: str) -> bool:
    """A Yes/No question whose safe answer, No, is the default."""
    buttons = QMessageBox.StandardButton
    return QMessageBox.question(parent, title, text, buttons.Yes | buttons.No,
                                buttons.No) == buttons.Yes


class ExportFlow(QObject):
    """File > Save and File > Export... for the session's open photo or video."""

    encode_changed = Signal()  # Export... stored new encoding options

    def __init__(self, session: Session, settings: Settings, message_bar: MessageBar,
                 status: QStatusBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.message_bar = message_bar
        self.status = status
        self.window = parent
        session.exported.connect(self._exported)

    def save(self) -> None:
        """Write next to the original with the remembered options, asking before replacing."""
        if self._can_export():
            self.export_to(self.suggested_path(False), self.settings.encode)

    def export_as(self) -> None:
        """Ask where (and for a photo how) to write, remember the options, then export."""
        if not self._can_export():
            return
        suggested = self.suggested_path(True)
        if self.session.video is not None:
            target = choose_video_target(self.window, suggested)
            if target is not None:
                self.export_to(target, self.settings.encode)
            return
        dialog = ExportDialog(suggested, self.settings.encode, self.window)
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            self.settings.encode = dialog.options()
            self.encode_changed.emit()
            self.export_to(dialog.target(), dialog.options())

    def suggested_path(self, remembered_folder: bool) -> Path:
        """Next to the original, or in the last export folder (Export...'s default).

        Pasted photos and the bundled sample have no folder of their own to write into.
        """
        document = self.session.document
        assert document is not None
        folder = self.settings.last_export_dir if remembered_folder else ""
        if document.path is None or document.path == sample_photo_path():
            pictures = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.PicturesLocation)
            folder = self.settings.last_export_dir or pictures or str(Path.home())
        return self.session.suggested_path(Path(folder) if folder else None,
                                           self.settings.encode, self.settings.output_suffix)

    def export_to(self, target: Path, encode: EncodeOptions) -> None:
        """Export unless `target` is the original, or exists and the user keeps it."""
        if self.session.is_original(target):
            self.message_bar.show_message(f"{target} is the original; choose another name. "
                                          "Originals are never overwritten.")
        elif not target.exists() or self.confirm_overwrite(target):
            self.session.export(target, encode)

    def confirm_overwrite(self, target: Path) -> bool:
        """Ask before replacing an existing file (never asked for the open original)."""
        return ask(self.window, "Replace file?", f"{target.name} already exists in "
                   f"{target.parent}.\nDo you want to replace it?")

    def _can_export(self) -> bool:
        if not self.session.can_export():
            self.message_bar.show_message("Open a photo (and load a model) before saving.",
                                          "info")
            return False
        return True

    def _exported(self, path: Path) -> None:
        self.settings.last_export_dir = str(path.parent)
        self.status.showMessage(f"Saved {path}", 8000)
        self.message_bar.show_message(
            f"Saved {path.name}", "info", "Open folder",
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))))
