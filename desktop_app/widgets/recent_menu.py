"""File > Open recent: the remembered files that still exist, filled when it opens."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget

from ..settings import Settings


class RecentMenu(QMenu):
    """Emits `chosen(path)`; "Clear list" forgets them all."""

    chosen = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__("Open &recent", parent)
        self.settings = settings
        self.aboutToShow.connect(self._fill)

    def _fill(self) -> None:
        self.clear()
        recent = [entry for entry in self.settings.recent_files if Path(entry).is_file()]
        for entry in recent:
            self.addAction(entry).triggered.connect(lambda _=False, p=entry: self.chosen.emit(p))
        if not recent:
            self.addAction("No recent files").setEnabled(False)
        self.addSeparator()
        self.addAction("Clear list", lambda: setattr(self.settings, "recent_files", []))
