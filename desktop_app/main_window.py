"""The main window: open a photo (or a video's frame), compare before/after, set the
strength and noise reduction, export.

The window owns the engine and the open document and wires widgets to background jobs;
every computation goes through `zerodce_core` (see `document` for the job functions).
Each kind of long work has its own `JobSlot`, so a newer request (another photo, a
model switch, a strength release) cancels the stale one instead of queueing behind it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from zerodce_core import Engine
from zerodce_core.batch import collect_inputs
from zerodce_core.bundled import resource_path, sample_photo_path
from zerodce_core.device import available_devices, describe_device
from zerodce_core.errors import NoBundledModelError
from zerodce_core.imageio import DecodedImage, is_image_file
from zerodce_core.output import OutputGuard
from zerodce_core.video import VideoInfo, is_video_file

from . import document as doc_jobs
from .about import TextDialog, about_html, model_card, shortcuts_html
from .batch_panel import BatchPanel
from .compare_view import CompareView, ViewMode
from .document import Document, ExportOptions, Prepared, Rendered
from .errors import describe_error
from .export_dialog import ExportDialog
from .images import image_filter, qimage_to_array
from .message_bar import MessageBar
from .model_selector import CHECKPOINT_FILTER, ModelSelector
from .settings import Settings
from .status_bar import StatusBar
from .strength_control import StrengthControl
from .video_scrubber import VideoScrubber
from .workers import Job, JobSlot

if TYPE_CHECKING:
    from .training_dialog import TrainingDialog

APP_TITLE = "Zero-DCE Enhancer"
STRENGTH_NUDGE = 0.5
FULL_RENDER_DELAY_MS = 150


def _build_engine(job: Job, spec: str, device: str, mode: str) -> Engine:
    """Worker job: load a model ("" = the bundled default) onto a device."""
    return Engine(spec or None, device=device, mode=mode)


class MainWindow(QMainWindow):
    """The enhancer window; `document_shown` and `render_shown` mark finished updates."""

    document_shown = Signal()
    render_shown = Signal()
    engine_changed = Signal()

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.engine: Engine | None = None
        self.document: Document | None = None
        self._model_spec = settings.model if model is None else model
        self._pending_source: Path | DecodedImage | Document | None = None
        self._remember_source = False
        self._model_loading = False
        self._preview_strength = 0.0
        self._timing = ""
        self._training: TrainingDialog | None = None
        self._video: Path | None = None  # the open video, whose frame is the document
        self.document_slot = JobSlot(self)
        self.render_slot = JobSlot(self)
        self.model_slot = JobSlot(self)
        self.export_slot = JobSlot(self, exclusive=False)
        self.frame_slot = JobSlot(self)
        self._preview_timer = QTimer(self, singleShot=True, interval=0)
        self._preview_timer.timeout.connect(self._render_preview)
        # Wheel and arrow keys commit many values in a row: render full size for the last only.
        self._full_render_timer = QTimer(self, singleShot=True, interval=FULL_RENDER_DELAY_MS)
        self._full_render_timer.timeout.connect(self._render_full)

        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(QIcon(str(resource_path("icons/zerodce.svg"))))
        self.setAcceptDrops(True)
        self._build_central()
        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self._build_status_bar()
        self._build_batch_dock()
        self._restore_settings()
        self._update_enabled()
        for slot in (self.document_slot, self.model_slot, self.export_slot):
            slot.busy_changed.connect(self._update_busy)
        self.load_model(self._model_spec)

    # -- construction ----------------------------------------------------------------------

    def _build_central(self) -> None:
        self.message_bar = MessageBar()
        self.compare = CompareView()
        self.compare.zoom_changed.connect(lambda scale: self.status.set_zoom(scale))
        self.compare.mode_changed.connect(self._on_mode_changed)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.compare, 1)
        self.scrubber = VideoScrubber()
        self.scrubber.frame_requested.connect(self._request_frame)
        self.scrubber.hide()
        layout.addWidget(self.scrubber)
        self.setCentralWidget(central)

    def _action(self, text: str, slot: object, shortcut: str | QKeySequence.StandardKey
                | list | None = None, tip: str = "", checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.open_action = a("&Open\u2026", self.choose_files, QKeySequence.StandardKey.Open,
                             "Open a photo")
        self.paste_action = a("&Paste photo", self.paste, QKeySequence.StandardKey.Paste,
                              "Open the image or file on the clipboard")
        self.sample_action = a("Open &sample photo", self.open_sample, None,
                               "Show the bundled dark sample photo")
        self.save_action = a("&Save", self.save, QKeySequence.StandardKey.Save,
                             "Save the enhanced photo next to the original with the export "
                             "options")
        self.export_action = a("&Export\u2026", self.export_as, "Ctrl+Shift+S",
                               "Choose where and how to write the enhanced photo")
        self.quit_action = a("&Quit", self.close, "Ctrl+Q")

        self.view_group = QActionGroup(self)
        self.view_actions: dict[ViewMode, QAction] = {}
        for mode, text, key, tip in (
            (ViewMode.SPLIT, "&Split view", "1", "Before and after in one image with a "
             "draggable divider"),
            (ViewMode.SIDE_BY_SIDE, "Side &by side", "2", "Before and after next to each other"),
            (ViewMode.SINGLE, "&Enhanced only", "3", "Only the enhanced photo (hold Space for "
             "the original)"),
        ):
            action = a(text, lambda _=False, m=mode: self.compare.set_mode(m), key, tip, True)
            self.view_group.addAction(action)
            self.view_actions[mode] = action
        self.original_action = a("Show &original", self.compare.set_show_original, "\\",
                                 "Toggle the original photo (or hold Space)", True)
        self.gamma_action = a("Compare with &gamma correction", self.set_compare_gamma, "G",
                              "Show plain gamma correction of equal mean brightness on the "
                              "before side", True)
        self.fit_action = a("Zoom to &fit", self.compare.zoom_fit, "Ctrl+0")
        self.actual_action = a("&Actual pixels (100%)", self.compare.zoom_actual, "Ctrl+1")
        self.zoom_in_action = a("Zoom &in", self.compare.zoom_in,
                                [QKeySequence(QKeySequence.StandardKey.ZoomIn),
                                 QKeySequence("Ctrl+=")])
        self.zoom_out_action = a("Zoom o&ut", self.compare.zoom_out,
                                 QKeySequence.StandardKey.ZoomOut)

        self.stronger_action = a("&Stronger", lambda: self.strength.step(STRENGTH_NUDGE), "]",
                                 "Apply half an iteration more")
        self.weaker_action = a("&Weaker", lambda: self.strength.step(-STRENGTH_NUDGE), "[",
                               "Apply half an iteration less")
        self.full_strength_action = a("&Full strength", self._full_strength, "Ctrl+]",
                                      "All the model's iterations")
        self.quality_group = QActionGroup(self)
        self.quality_actions: dict[str, QAction] = {}
        for mode, text, tip in (
            ("fast", "&Fast quality", "Estimate curves on a 512 px copy: about a second"),
            ("full", "F&ull quality", "Estimate curves on every pixel: slower, finest detail"),
        ):
            action = a(text, lambda _=False, m=mode: self.set_quality(m), None, tip, True)
            self.quality_group.addAction(action)
            self.quality_actions[mode] = action

        self.load_model_action = a("&Load model\u2026", self.choose_model, "Ctrl+L",
                                   "Load a .safetensors or .pth Zero-DCE checkpoint")
        self.default_model_action = a("Use &default model", lambda: self.load_model(""))
        self.train_action = a("&Train custom model\u2026", self.show_training, "Ctrl+T")
        self.about_action = a("&About", self.show_about)
        self.shortcuts_action = a("&Keyboard shortcuts", self.show_shortcuts,
                                  QKeySequence.StandardKey.HelpContents)
        self.next_action = a("&Next photo", lambda: self.step_photo(1), "PgDown",
                             "The next photo in the same folder")
        self.previous_action = a("Pre&vious photo", lambda: self.step_photo(-1), "PgUp",
                                 "The previous photo in the same folder")

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addActions([self.open_action, self.paste_action])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addActions([self.sample_action, self.next_action, self.previous_action])
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view_menu = menu.addMenu("&View")
        view_menu.addActions(list(self.view_actions.values()))
        view_menu.addActions([self.original_action, self.gamma_action])
        view_menu.addSeparator()
        view_menu.addActions([self.fit_action, self.actual_action, self.zoom_in_action,
                              self.zoom_out_action])
        self.view_menu = view_menu

        enhance_menu = menu.addMenu("&Enhance")
        enhance_menu.addActions([self.stronger_action, self.weaker_action,
                                 self.full_strength_action])
        enhance_menu.addSeparator()
        enhance_menu.addActions(list(self.quality_actions.values()))

        model_menu = menu.addMenu("&Model")
        model_menu.addActions([self.load_model_action, self.default_model_action])
        self.device_menu = model_menu.addMenu("&Device")
        model_menu.addSeparator()
        model_menu.addAction(self.train_action)

        help_menu = menu.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.sample_action, self.about_action])

    def _build_toolbars(self) -> None:
        files = QToolBar("File")
        files.setObjectName("file_toolbar")
        files.addActions([self.open_action, self.save_action, self.export_action])
        files.addSeparator()
        files.addActions(list(self.view_actions.values()))
        hold = QToolButton()
        hold.setText("Hold: original")
        hold.setToolTip("Press and hold to see the original photo (or hold Space)")
        hold.pressed.connect(lambda: self.compare.set_show_original(True))
        hold.released.connect(lambda: self.compare.set_show_original(self.original_action
                                                                    .isChecked()))
        self.hold_button = hold
        files.addWidget(hold)
        files.addSeparator()
        files.addActions([self.fit_action, self.actual_action, self.zoom_in_action,
                          self.zoom_out_action])
        self.addToolBar(files)
        self.addToolBarBreak()

        controls = QToolBar("Enhancement")
        controls.setObjectName("enhance_toolbar")
        self.strength = StrengthControl()
        self.strength.previewed.connect(self._schedule_preview)
        self.strength.committed.connect(self._commit_strength)
        controls.addWidget(self.strength)
        controls.addSeparator()
        self.noise = StrengthControl(
            "&Noise reduction:", "Smooth the noise the enhancement lifted out of the shadows: "
            "0 is off, 1 the strongest; the network is not run again", "")
        self.noise.set_maximum(1)
        self.noise.previewed.connect(lambda _: self._schedule_preview(self.strength.value()))
        self.noise.committed.connect(self._commit_noise)
        controls.addWidget(self.noise)
        controls.addSeparator()
        self.quality_combo = QComboBox()
        self.quality_combo.addItem("Fast", "fast")
        self.quality_combo.addItem("Full", "full")
        self.quality_combo.setToolTip("Quality: fast estimates curves on a 512 px copy, "
                                      "full on every pixel")
        self.quality_combo.activated.connect(
            lambda i: self.set_quality(self.quality_combo.itemData(i)))
        controls.addWidget(QLabel(" Quality: "))
        controls.addWidget(self.quality_combo)
        self.device_combo = QComboBox()
        self.device_combo.setToolTip("Where the network runs")
        self.device_combo.activated.connect(
            lambda i: self.set_device(self.device_combo.itemData(i)))
        controls.addWidget(QLabel(" Device: "))
        controls.addWidget(self.device_combo)
        self.model_selector = ModelSelector()
        self.model_selector.chosen.connect(self.load_model)
        self.model_selector.load_requested.connect(self.choose_model)
        controls.addWidget(QLabel(" Model: "))
        controls.addWidget(self.model_selector)
        self.addToolBar(controls)

        devices = ["auto", *available_devices()]
        self.device_group = QActionGroup(self)
        for name in devices:
            self.device_combo.addItem(name, name)
            action = self.device_menu.addAction(name)
            action.setCheckable(True)
            action.setData(name)
            action.triggered.connect(lambda _=False, d=name: self.set_device(d))
            self.device_group.addAction(action)

    def _build_status_bar(self) -> None:
        self.status = StatusBar()
        self.status.cancel_requested.connect(self.cancel_work)
        self.setStatusBar(self.status)

    def _build_batch_dock(self) -> None:
        self.batch = BatchPanel(self.settings, lambda: self.engine, self.strength.value)
        self.batch.message.connect(lambda text: self.status.showMessage(text, 5000))
        dock = QDockWidget("Batch queue", self)
        dock.setObjectName("batch_dock")
        dock.setWidget(self.batch)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        self.batch_dock = dock
        toggle = dock.toggleViewAction()
        toggle.setShortcut("Ctrl+B")
        toggle.setText("&Batch queue")
        self.addAction(toggle)
        self.view_menu.addSeparator()
        self.view_menu.addAction(toggle)

    def _restore_settings(self) -> None:
        s = self.settings
        if s.window_geometry.isEmpty() or not self.restoreGeometry(s.window_geometry):
            screen = (self.screen() or QApplication.primaryScreen()).availableGeometry()
            self.resize(screen.size() * 0.85)
        if not s.window_state.isEmpty():
            self.restoreState(s.window_state)
        self.compare.set_mode(s.view_mode)
        self.view_actions[self.compare.mode].setChecked(True)
        self.strength.set_value(s.strength)
        self.noise.set_value(s.denoise)
        self.gamma_action.setChecked(s.compare_gamma)
        self._sync_quality(s.mode)
        device = s.device if s.device in ["auto", *available_devices()] else "auto"
        self._sync_device(device)
        self.model_selector.set_models(s.recent_models, self._model_spec)

    # -- opening ---------------------------------------------------------------------------

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Open photos or a video",
                                                self.settings.last_open_dir,
                                                image_filter(videos=True))
        if names:
            self.open_paths([Path(n) for n in names])

    def open_paths(self, paths: Iterable[str | Path]) -> None:
        """Open one photo; several files or any folder also fill the batch queue."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        if len(paths) > 1 or any(p.is_dir() for p in paths):
            self.batch.add_paths(paths)
            self.batch_dock.show()
            first = next((src for src, _ in collect_inputs(paths, self.batch.recursive())
                          if is_image_file(src)), None)
            if first is None:
                self.message_bar.show_message("No photos found there.", "info")
            else:
                self.open_file(first)
        else:
            self.open_file(paths[0])

    def open_file(self, path: str | Path) -> None:
        path = Path(path)
        self.settings.last_open_dir = str(path.parent)
        if is_video_file(path):
            self.status.showMessage(f"Reading {path.name}\u2026")
            self.frame_slot.start(doc_jobs.first_frame, path,
                                  on_success=lambda opened: self._video_opened(path, *opened),
                                  on_failure=self._document_failed)
        else:
            self._start_document(path)

    def _video_opened(self, path: Path, info: VideoInfo, frame: DecodedImage) -> None:
        """Show the scrubber and enhance the first frame like a photo."""
        self._video = path
        self.settings.add_recent("recent_files", str(path))
        self.scrubber.set_video(info)
        self.scrubber.show()
        self._start_document(frame, remember=False, video=True)

    def _request_frame(self, index: int) -> None:
        """Read a frame on a worker; a newer request cancels this one."""
        if self._video is not None:
            self.frame_slot.start(
                doc_jobs.video_frame, self._video, index,
                on_success=lambda frame: self._start_document(frame, remember=False, video=True),
                on_failure=self._show_error)

    def _close_video(self) -> None:
        self._video = None
        self.frame_slot.cancel()
        self.scrubber.hide()

    def step_photo(self, step: int) -> None:
        """Open the next (1) or previous (-1) photo of the open one's folder, wrapping around."""
        current = self._pending_source if isinstance(self._pending_source, Path) else (
            self.document.path if self.document else None)
        if current is None:
            return
        siblings = sorted((p for p in current.parent.iterdir() if p.is_file() and is_image_file(p)),
                          key=lambda p: p.name.lower())
        if current in siblings and len(siblings) > 1:
            self.open_file(siblings[(siblings.index(current) + step) % len(siblings)])

    def open_sample(self) -> None:
        self._start_document(sample_photo_path(), remember=False)

    def paste(self) -> None:
        """Open what the clipboard holds: image data, copied files, or a path as text."""
        data = QApplication.clipboard().mimeData()
        if data is None:
            return
        if data.hasImage():
            image = QApplication.clipboard().image()
            if not image.isNull():
                self._start_document(doc_jobs.pasted_image(qimage_to_array(image)))
                return
        if data.hasUrls():
            files = [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]
            if files:
                self.open_paths(files)
                return
        text = data.text().strip().strip('"')
        if text and Path(text).exists():
            self.open_paths([Path(text)])
        else:
            self.message_bar.show_message("The clipboard holds no image or image file.",
                                          "info")

    def _start_document(self, source: Path | DecodedImage | Document,
                        remember: bool = True, video: bool = False) -> None:
        """Read (a path), estimate and render on a worker; a newer call cancels this one.

        `video` marks a frame of the open video; anything else closes the video.
        """
        if not video:
            self._close_video()
        self._full_render_timer.stop()
        self.render_slot.cancel()
        self._pending_source = source
        self._remember_source = remember and isinstance(source, Path)
        if self.engine is None and self._model_loading:
            self.document_slot.cancel()
            return  # opened once the model is ready, so the photo appears enhanced at once
        self.document_slot.start(
            doc_jobs.prepare, self.engine, source, self.quality(), self.strength.value(),
            self.noise.value(), self.gamma_action.isChecked(), self._view_pixels(),
            on_success=self._document_ready, on_failure=self._document_failed,
            on_progress=lambda text: self.status.showMessage(text),
            on_tick=self.status.set_progress)

    def _document_ready(self, prepared: Prepared) -> None:
        document = prepared.document
        self.document = document
        self._pending_source = None
        if prepared.before is not None:  # a new photo, not a re-estimate
            self.compare.set_images(QPixmap.fromImage(prepared.before),
                                    QPixmap.fromImage(prepared.rendered.after),
                                    QSize(*document.decoded.size),
                                    keep_view=self._video is not None)
            if self._remember_source and document.path is not None:
                self.settings.add_recent("recent_files", str(document.path))
        self._show_rendered(prepared.rendered)
        self.setWindowTitle(f"{document.name} \u2014 {APP_TITLE}")
        self.status.set_photo(document.describe())
        if document.maps is not None:
            self._timing = f"curves {document.maps.seconds:.2f} s"
            self.status.set_timing(self._timing)
        self.status.clearMessage()
        self.message_bar.dismiss_topic("document")
        self._update_enabled()
        if document.maps is not None and (
                (self.strength.value(), self.noise.value()) != (prepared.strength, prepared.noise)
                or self.gamma_action.isChecked() != (prepared.rendered.gamma is not None)):
            self._commit_strength(self.strength.value())  # moved while the photo was loading
        self.document_shown.emit()

    def _document_failed(self, exc: BaseException) -> None:
        self._pending_source = None
        self.status.clearMessage()
        self.message_bar.show_message(f"Could not open the file. {describe_error(exc)}",
                                      topic="document")

    # -- strength --------------------------------------------------------------------------

    def _schedule_preview(self, strength: float) -> None:
        """Coalesce slider moves: render the newest value once the event queue is idle."""
        self._preview_strength = strength
        self._preview_timer.start()

    def _render_preview(self) -> None:
        """Re-render the screen-sized maps on the GUI thread: milliseconds, no network."""
        document = self.document
        if self.engine is None or document is None or document.preview is None:
            return
        started = time.perf_counter()
        self._show_rendered(doc_jobs.display(self.engine, document.preview,
                                             self._preview_strength, self.noise.value(),
                                             self.gamma_action.isChecked()))
        elapsed = (time.perf_counter() - started) * 1000
        self.status.set_timing(f"{self._timing} \u00b7 preview {elapsed:.0f} ms")

    def _commit_strength(self, strength: float) -> None:
        """A final value: show the preview now, the full resolution once the value settles."""
        self.settings.strength = strength
        document = self.document
        if self.engine is None or document is None or document.maps is None:
            return
        self._preview_strength = strength
        self._render_preview()
        if document.preview is document.maps:  # small photo: the preview is full size
            self.render_shown.emit()
        else:
            self._full_render_timer.start()

    def _show_rendered(self, rendered: Rendered) -> None:
        self.compare.set_after(QPixmap.fromImage(rendered.after))
        if rendered.gamma_image is None:
            self.compare.set_comparison(None)
        else:
            self.compare.set_comparison(QPixmap.fromImage(rendered.gamma_image),
                                        f"Gamma \u03b3={rendered.gamma:.2f}")

    def set_compare_gamma(self, on: bool) -> None:
        """The before side shows plain gamma correction at the enhanced mean brightness."""
        self.gamma_action.setChecked(on)
        self.settings.compare_gamma = on
        if not on:
            self.compare.set_comparison(None)
        self._commit_strength(self.strength.value())

    def _commit_noise(self, noise: float) -> None:
        """Noise reduction only re-renders: the curves stay as they are."""
        self.settings.denoise = noise
        self._commit_strength(self.strength.value())

    def _render_full(self) -> None:
        document = self.document
        if self.engine is None or document is None or document.maps is None:
            return
        started = time.perf_counter()

        def shown(rendered: Rendered) -> None:
            self._show_rendered(rendered)
            elapsed = time.perf_counter() - started
            self.status.set_timing(f"{self._timing} \u00b7 render {elapsed:.2f} s")
            self.render_shown.emit()

        self.render_slot.start(doc_jobs.render, self.engine, document.maps,
                               self.strength.value(), self.noise.value(),
                               self.gamma_action.isChecked(), on_success=shown,
                               on_failure=self._show_error)

    def _full_strength(self) -> None:
        self.strength.step(self.strength.maximum())

    # -- model, device, quality ------------------------------------------------------------

    def quality(self) -> str:
        return self.quality_combo.currentData()

    def set_quality(self, mode: str) -> None:
        """Fast or full curve estimation; the open photo is estimated again."""
        self._sync_quality(mode)
        if mode != self.settings.mode:
            self.settings.mode = mode
            self._reestimate()

    def _sync_quality(self, mode: str) -> None:
        self.quality_combo.setCurrentIndex(max(self.quality_combo.findData(mode), 0))
        self.quality_actions[self.quality()].setChecked(True)

    def set_device(self, device: str) -> None:
        """Move the model to another device by loading it again there."""
        self._sync_device(device)
        if device != self.settings.device:
            self.settings.device = device
            self.load_model(self._model_spec)

    def _sync_device(self, device: str) -> None:
        self.device_combo.setCurrentIndex(max(self.device_combo.findData(device), 0))
        for action in self.device_group.actions():
            action.setChecked(action.data() == device)

    def choose_model(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Load model", self.settings.last_model_dir,
                                              CHECKPOINT_FILTER)
        if name:
            self.settings.last_model_dir = str(Path(name).parent)
            self.load_model(name)

    def load_model(self, spec: str) -> None:
        """Load a model ("" = bundled default) on a worker; the current one stays until then."""
        self.status.showMessage(f"Loading {Path(spec).name if spec else 'default model'}"
                                     "\u2026")
        self._model_loading = True
        self.model_slot.start(_build_engine, spec, self.device_combo.currentData(),
                              self.quality(),
                              on_success=lambda engine: self._model_ready(spec, engine),
                              on_failure=lambda exc: self._model_failed(spec, exc))

    def _model_ready(self, spec: str, engine: Engine) -> None:
        self._model_loading = False
        self.engine = engine
        self._model_spec = spec
        self.settings.model = spec
        if spec:
            self.settings.add_recent("recent_models", spec)
        self.model_selector.set_models(self.settings.recent_models, spec)
        self.strength.set_maximum(engine.iterations)
        self.batch.set_iterations(engine.iterations)
        if self.settings.strength > engine.iterations or not self.document:
            self.strength.set_value(min(self.settings.strength, engine.iterations))
        self.status.set_device(describe_device(engine.device))
        self.status.showMessage(f"Model ready: {engine.info.arch}, "
                                     f"{engine.iterations} iterations", 4000)
        self.message_bar.dismiss_topic("model")
        self._update_enabled()
        self._reestimate()
        self.engine_changed.emit()

    def _model_failed(self, spec: str, exc: BaseException) -> None:
        self._model_loading = False
        self.status.clearMessage()
        if self.engine is None and self._pending_source is not None:
            self._start_document(self._pending_source, self._remember_source,  # unenhanced
                                 self._video is not None)
        self.model_selector.set_models(self.settings.recent_models,
                                       self._model_spec if self.engine else spec)
        if isinstance(exc, NoBundledModelError):
            text = ("No default model is bundled with this installation. Load a Zero-DCE "
                    "checkpoint (.safetensors or .pth) to enhance photos.")
        else:
            text = f"Could not load the model. {describe_error(exc)}"
        self.message_bar.show_message(text, "error", "Load model\u2026", self.choose_model,
                                      topic="model")

    def _reestimate(self) -> None:
        """New engine or quality: estimate again for whatever is open or being opened."""
        video = self._video is not None
        if self._pending_source is not None:  # still being opened
            self._start_document(self._pending_source, self._remember_source, video)
        elif self.document is not None:
            self._start_document(self.document, remember=False, video=video)

    # -- saving ----------------------------------------------------------------------------

    def export_options(self) -> ExportOptions:
        s = self.settings
        return ExportOptions(format=None if s.export_format == "keep" else s.export_format,
                             quality=s.export_quality, bit_depth=s.export_bit_depth or None,
                             keep_metadata=s.export_metadata, suffix=s.export_suffix)

    def _store_export_options(self, options: ExportOptions) -> None:
        s = self.settings
        s.export_format = options.format or "keep"
        s.export_quality = options.quality
        s.export_bit_depth = options.bit_depth or 0
        s.export_metadata = options.keep_metadata

    def _suggested_path(self, remembered_folder: bool) -> Path:
        """Next to the original, or in the last export folder (Export...'s default).

        Pasted photos and the bundled sample have no folder of their own to write into.
        """
        document = self.document
        assert document is not None
        folder = self.settings.last_export_dir if remembered_folder else ""
        if document.path is None or document.path == sample_photo_path():
            pictures = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.PicturesLocation)
            folder = self.settings.last_export_dir or pictures or str(Path.home())
        return doc_jobs.suggested_path(document, Path(folder) if folder else None,
                                       self.export_options())

    def _can_export(self) -> bool:
        if self.document is None or self.document.maps is None or self.engine is None:
            self.message_bar.show_message("Open a photo (and load a model) before saving.",
                                          "info")
            return False
        return True

    def _queue_video(self) -> bool:
        """A video is enhanced whole by the batch queue, not saved as a still of one frame."""
        if self._video is None:
            return False
        self.batch.add_paths([self._video])
        self.batch_dock.show()
        self.status.showMessage(f"{self._video.name} is in the batch queue", 5000)
        return True

    def save(self) -> None:
        """Write with the remembered options to the suggested name, asking before replacing."""
        if not self._queue_video() and self._can_export():
            self._export_to(self._suggested_path(False), self.export_options())

    def export_as(self) -> None:
        """Ask where and how to write, remember the options, then export on a worker."""
        if self._queue_video() or not self._can_export():
            return
        dialog = ExportDialog(self._suggested_path(True), self.export_options(), self)
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            options = dialog.options()
            self._store_export_options(options)
            self._export_to(dialog.target(), options)

    def _export_to(self, target: Path, options: ExportOptions) -> None:
        document = self.document
        assert document is not None and self.engine is not None
        if document.path is not None and OutputGuard([document.path]).is_protected(target):
            self.message_bar.show_message(
                f"{target} is the original photo; choose another name. Originals are never "
                "overwritten.")
            return
        if target.exists() and not self.confirm_overwrite(target):
            return
        self.status.showMessage(f"Exporting {target.name}\u2026")
        self.export_slot.start(doc_jobs.export, self.engine, document, self.strength.value(),
                               self.noise.value(), target, options, on_success=self._exported,
                               on_failure=self._show_error)

    def confirm_overwrite(self, target: Path) -> bool:
        """Ask before replacing an existing file (never asked for the open original)."""
        answer = QMessageBox.question(
            self, "Replace file?", f"{target.name} already exists in {target.parent}.\n"
            "Do you want to replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _exported(self, path: Path) -> None:
        self.settings.last_export_dir = str(path.parent)
        self.status.showMessage(f"Saved {path}", 8000)
        self.message_bar.show_message(
            f"Saved {path.name}", "info", "Open folder",
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))))

    # -- other windows ---------------------------------------------------------------------

    def show_about(self) -> None:
        TextDialog("About Zero-DCE Enhancer", about_html(self.engine), model_card(self.engine),
                   self).exec()

    def show_shortcuts(self) -> None:
        TextDialog("Keyboard shortcuts", shortcuts_html(self.actions()), parent=self).exec()

    def show_training(self) -> None:
        """One training dialog per window; it keeps running while hidden."""
        if self._training is None:
            from .training_dialog import TrainingDialog  # pyqtgraph: loaded on first use

            self._training = TrainingDialog(self.settings, self)
            self._training.use_model.connect(self.load_model)
        self._training.show()
        self._training.raise_()

    # -- status ----------------------------------------------------------------------------

    def _update_enabled(self) -> None:
        """Strength and saving need curves: a model and an open photo."""
        ready = self.engine is not None and self.document is not None \
            and self.document.maps is not None
        self.strength.setEnabled(self.engine is not None)
        self.noise.setEnabled(self.engine is not None)
        for action in (self.save_action, self.export_action, self.stronger_action,
                       self.weaker_action, self.full_strength_action):
            action.setEnabled(ready)

    def _show_error(self, exc: BaseException) -> None:
        self.status.clearMessage()
        self.message_bar.show_message(describe_error(exc))

    def _update_busy(self) -> None:
        self.status.set_busy(any(s.busy for s in (self.document_slot, self.model_slot,
                                                   self.export_slot)))

    def cancel_work(self) -> None:
        """The status bar's Cancel: stop opening, loading, rendering and exporting."""
        for slot in (self.document_slot, self.model_slot, self.export_slot, self.render_slot,
                     self.frame_slot):
            slot.cancel()
        self._pending_source = None
        self._model_loading = False
        self.status.showMessage("Cancelled", 3000)

    def _on_mode_changed(self, mode: str) -> None:
        self.view_actions[ViewMode(mode)].setChecked(True)
        self.settings.view_mode = mode

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = [entry for entry in self.settings.recent_files if Path(entry).is_file()]
        for entry in recent:
            action = menu.addAction(entry)
            action.triggered.connect(lambda _=False, p=entry: self.open_file(p))
        if not recent:
            menu.addAction("No recent photos").setEnabled(False)
        menu.addSeparator()
        menu.addAction("Clear list", lambda: setattr(self.settings, "recent_files", []))

    def _view_pixels(self) -> tuple[int, int]:
        """The photo area in device pixels (at least 1024 px wide, for a window not shown yet)."""
        ratio = self.compare.devicePixelRatioF()
        width, height = self.compare.width() * ratio, self.compare.height() * ratio
        return max(round(width), 1024), max(round(height), 768)

    # -- events ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Holding Space shows the original for as long as it is held."""
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.compare.set_show_original(True)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.compare.set_show_original(self.original_action.isChecked())
        else:
            super().keyReleaseEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.batch.is_running() and not self._confirm_close_batch():
            event.ignore()
            return
        self.batch.stop()
        if self._training is not None:
            self._training.stop()
        self.cancel_work()
        s = self.settings
        s.window_geometry = self.saveGeometry()
        s.window_state = self.saveState()
        s.strength = self.strength.value()
        s.sync()
        super().closeEvent(event)

    def _confirm_close_batch(self) -> bool:
        answer = QMessageBox.question(
            self, "Stop the batch?", "A batch is still running. Stop it and quit? Files "
            "already written are kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
