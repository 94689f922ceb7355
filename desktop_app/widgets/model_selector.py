"""The model picker: the bundled default, recently used checkpoints, and "Load model...".

Models are identified by a spec string: "" for the bundled default, else a file path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

DEFAULT_LABEL = "Default model"
LOAD_LABEL = "Load model\u2026"
_LOAD = "\x00load"  # item data of the "Load model..." entry (never a file path)
CHECKPOINT_FILTER = "Zero-DCE checkpoints (*.safetensors *.pth *.pt);;All files (*)"


def model_label(spec: str) -> str:
    if not spec:
        return DEFAULT_LABEL
    path = Path(spec)
    return f"{path.name} ({path.parent.name})" if path.parent.name else path.name


class ModelSelector(QComboBox):
    """Emits `chosen(spec)` for a model and `load_requested()` for the file dialog entry."""

    chosen = Signal(str)
    load_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumContentsLength(16)
        self.setToolTip("Model used to estimate the curves")
        self._current = ""
        self.activated.connect(self._on_activated)
        self.set_models([], "")

    def current_spec(self) -> str:
        return self._current

    def set_models(self, recent: Sequence[str], current: str) -> None:
        """Rebuild the list: default, then recent checkpoints, then "Load model..."."""
        self._current = current
        self.blockSignals(True)
        self.clear()
        self.addItem(DEFAULT_LABEL, "")
        for spec in recent:
            if spec:
                self.addItem(model_label(spec), spec)
                self.setItemData(self.count() - 1, spec, Qt.ItemDataRole.ToolTipRole)
        if current and self.findData(current) < 0:
            self.addItem(model_label(current), current)
        self.insertSeparator(self.count())
        self.addItem(LOAD_LABEL, _LOAD)
        self.setCurrentIndex(max(self.findData(current), 0))
        self.blockSignals(False)

    def _on_activated(self, index: int) -> None:
        data = self.itemData(index)
        self.setCurrentIndex(max(self.findData(self._current), 0))
        if data == _LOAD:
            self.load_requested.emit()
        elif data != self._current:
            self.chosen.emit(data)
