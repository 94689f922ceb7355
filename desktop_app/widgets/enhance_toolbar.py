"""The enhancement toolbar: quality and model pickers, and the Model > Device submenu.

It only reports choices (`quality_chosen`, `device_chosen`, and the model selector's own
signals); `show_quality`/`show_device` display a value without reporting it. The device,
a choice few people ever change, is picked in Model > Device (the status bar says which one
runs), so the first toolbar row fits a 1360 px window beside the file and view buttons;
which devices exist is known once torch has loaded (`set_devices`). The look has a row of
its own (`look_controls`).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QToolBar, QWidget

from .model_selector import ModelSelector

QUALITIES = (("Fast", "fast"), ("Full", "full"))


class EnhanceToolbar(QToolBar):
    """Quality | Model, plus the device menu."""

    quality_chosen = Signal(str)
    device_chosen = Signal(str)

    def __init__(self, devices: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__("Enhancement", parent)
        self.setObjectName("model_toolbar")  # not "enhance_toolbar": it held the look once
        self.quality = QComboBox()
        for text, data in QUALITIES:
            self.quality.addItem(text, data)
        self.quality.setToolTip("Quality: fast estimates curves on a 512 px copy, full on "
                                "every pixel")
        self.quality.activated.connect(
            lambda i: self.quality_chosen.emit(self.quality.itemData(i)))
        self.model_selector = ModelSelector()
        self.device_menu = QMenu("&Device", self)
        self.set_devices(devices)
        self.addWidget(QLabel(" Quality: "))
        self.addWidget(self.quality)
        self.addSeparator()
        self.addWidget(QLabel(" Model: "))
        self.addWidget(self.model_selector)

    def set_devices(self, devices: Sequence[str]) -> None:
        """The devices to offer (known once torch has loaded with the first model)."""
        shown = next((a.data() for a in self.device_menu.actions() if a.isChecked()), None)
        self.device_menu.clear()
        for name in devices:
            action = self.device_menu.addAction(name)
            action.setCheckable(True)
            action.setData(name)
            action.triggered.connect(lambda _=False, d=name: self.device_chosen.emit(d))
        if shown is not None:
            self.show_device(shown)

    def show_quality(self, mode: str) -> None:
        self.quality.setCurrentIndex(max(self.quality.findData(mode), 0))

    def show_device(self, device: str) -> None:
        for action in self.device_menu.actions():
            action.setChecked(action.data() == device)
