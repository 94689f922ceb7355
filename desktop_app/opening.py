"""Opening: files and folders from the dialog, a drop, the clipboard or the command line.

One photo or video opens in the viewer; several files or a folder also fill the batch
queue (leaving out our own outputs there, see `panels.batch_queue`) and the first photo
opens. Next/previous walk the open photo's folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QWidget

from zerodce_core.bundled import sample_photo_path
from zerodce_core.imageio import is_image_file
from zerodce_core.validate import OptionError

from . import jobs
from .images import image_filter, qimage_to_array
from .panels.batch import BatchPanel
from .panels.batch_queue import collect_media
from .session import Session
from .settings import Settings
from .widgets.message_bar import MessageBar


class Opener(QObject):
    """Turns what the user points at into session documents and batch queue rows."""

    def __init__(self, session: Session, settings: Settings, batch: BatchPanel,
                 batch_dock: QDockWidget, message_bar: MessageBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.batch = batch
        self.batch_dock = batch_dock
        self.message_bar = message_bar
        self.window = parent

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self.window, "Open photos or a video",
                                                self.settings.last_open_dir,
                                                image_filter(videos=True))
        if names:
            self.open_paths([Path(n) for n in names])

    def open_paths(self, paths: Iterable[str | Path]) -> None:
        """Open one photo or video; several files or any folder also fill the batch queue."""
        paths = [Path(p) for p in paths]
        if len(paths) == 1 and not paths[0].is_dir():
            self.open_file(paths[0])
        elif paths:
            self.batch.add_paths(paths)
            self.batch_dock.show()
            try:
                found, _ = collect_media(paths, self.batch.options())
            except OptionError:  # the batch queue says what is wrong with its options
                return
            first = next((path for path in found if is_image_file(path)), None)
            if first is None:
                self.message_bar.show_message("No photos found there.", "info")
            else:
                self.open_file(first)

    def open_file(self, path: str | Path) -> None:
        path = Path(path)
        self.settings.last_open_dir = str(path.parent)
        self.session.open_file(path)

    def step_photo(self, step: int) -> None:
        """Open the next (1) or previous (-1) photo of the open one's folder, wrapping around."""
        current = self.session.current_path()
        if current is None:
            return
        siblings = sorted((p for p in current.parent.iterdir() if p.is_file() and is_image_file(p)),
                          key=lambda p: p.name.lower())
        if current in siblings and len(siblings) > 1:
            self.open_file(siblings[(siblings.index(current) + step) % len(siblings)])

    def open_sample(self) -> None:
        self.session.open_image(sample_photo_path(), remember=False)

    def paste(self) -> None:
        """Open what the clipboard holds: image data, copied files, or a path as text."""
        clipboard = QApplication.clipboard()
        data = clipboard.mimeData()
        if data is not None and data.hasImage() and not clipboard.image().isNull():
            self.session.open_image(jobs.pasted_image(qimage_to_array(clipboard.image())))
            return
        files = [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()] if data else []
        text = data.text().strip().strip('"') if data else ""
        if files or (text and Path(text).exists()):
            self.open_paths(files or [Path(text)])
        else:
            self.message_bar.show_message("The clipboard holds no image or image file.", "info")
