"""The enhancement toolbar: the look's controls, quality, device and model pickers.

It only reports choices (`quality_chosen`, `device_chosen`, and the look controls' and
model selector's own signals); `show_quality`/`show_device` display a value without
reporting it. The Model > Device submenu is made here too, so the two device pickers
always agree; which devices exist is known once torch has loaded (`set_devices`).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QToolBar, QWidget

from .look_controls import LookControls
from .model_selector import ModelSelector

QUALITIES = (("Fast", "fast"), ("Full", "full"))


class EnhanceToolbar(QToolBar):
    """Look controls | Quality | Device | Model."""

    quality_chosen = Signal(str)
    device_chosen = Signal(str)

    def __init__(self, devices: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__("Enhancement", parent)
        self.setObjectName("enhance_toolbar")
        self.looks = LookControls()
        self.quality = self._combo(QUALITIES, self.quality_chosen,
                                   "Quality: fast estimates curves on a 512 px copy, full on "
                                   "every pixel")
        self.device = self._combo([], self.device_chosen, "Where the network runs")
        self.model_selector = ModelSelector()
        self.device_menu = QMenu("&Device", self)
        self.set_devices(devices)
        self.addWidget(self.looks)
        for label, widget in ((" Quality: ", self.quality), (" Device: ", self.device),
                              (" Model: ", self.model_selector)):
            self.addSeparator()
            self.addWidget(QLabel(label))
            self.addWidget(widget)

    def set_devices(self, devices: Sequence[str]) -> None:
        """The devices to offer (known once torch has loaded with the first model)."""
        shown = self.device.currentData()
        self.device.clear()
        self.device_menu.clear()
        for name in devices:
            self.device.addItem(name, name)
            action = self.device_menu.addAction(name)
            action.setCheckable(True)
            action.setData(name)
            action.triggered.connect(lambda _=False, d=name: self.device_chosen.emit(d))
        if shown is not None:
            self.show_device(shown)

    @staticmethod
    def _combo(items: Sequence[tuple[str, str]], chosen: SignalInstance, tip: str) -> QComboBox:
        combo = QComboBox()
        for text, data in items:
            combo.addItem(text, data)
        combo.setToolTip(tip)
        combo.activated.connect(lambda i: chosen.emit(combo.itemData(i)))
        return combo

    def show_quality(self, mode: str) -> None:
        self.quality.setCurrentIndex(max(self.quality.findData(mode), 0))

    def show_device(self, device: str) -> None:
        self.device.setCurrentIndex(max(self.device.findData(device), 0))
        for action in self.device_menu.actions():
            action.setChecked(action.data() == device)
