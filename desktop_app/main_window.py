"""The main window: lays out the widgets and wires them to the session.

What is open, the engine and the work on them live in `session.Session`; the actions and
menus are data in `actions`; the look's controls, the compare view and the bars are in
`widgets/`, the batch queue, export and training in `panels/`. What remains here is
layout, the dialogs that ask the user something, and remembering settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from zerodce_core.bundled import resource_path
from zerodce_core.errors import NoBundledModelError
from zerodce_core.pipeline import Look

from .about import TextDialog, about_html, model_card, shortcuts_html
from .actions import TOOLBAR, build_actions, build_menus, check, fill
from .errors import describe_error
from .jobs import Prepared, Rendered
from .opening import Opener
from .panels.batch import BatchDock, BatchPanel
from .panels.export import ExportFlow, ask
from .session import Session
from .settings import Settings
from .widgets.compare_view import CompareView, HoldOriginal, ViewMode
from .widgets.enhance_toolbar import EnhanceToolbar
from .widgets.look_controls import NO_EXPOSURE, LookControls, describe_automatic, fitted_look
from .widgets.message_bar import MessageBar
from .widgets.model_selector import CHECKPOINT_FILTER
from .widgets.recent_menu import RecentMenu
from .widgets.status_bar import StatusBar
from .widgets.video_scrubber import VideoScrubber

if TYPE_CHECKING:
    from zerodce_core.engine import Engine

    from .panels.training import TrainingDialog

APP_TITLE = "Zero-DCE Enhancer"
NO_NOISE_MODEL = ("No noise-reduction model is installed with this version, so the noise "
                  "is left as it is.")
GAMMA_HINT = ("The gamma comparison shows on the before side: press 1 for the split view or "
              "2 for side by side.")


class MainWindow(QMainWindow):
    """The enhancer window over one `Session`."""

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        super().__init__()
        self.settings = settings
        self._training: TrainingDialog | None = None
        self.session = Session(self._view_pixels, mode=settings.mode, device=settings.device,
                               look=settings.look, gamma=settings.compare_gamma, parent=self)
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(QIcon(str(resource_path("icons/zerodce.svg"))))
        self.setAcceptDrops(True)
        self.status = StatusBar()
        self.status.cancel_requested.connect(self.cancel_work)
        self.setStatusBar(self.status)
        self._build_central()
        self._build_batch_dock()
        self.exports = ExportFlow(self.session, settings, self.message_bar, self.status, self)
        self.exports.encode_changed.connect(self.batch.options_box.show_encode)
        self.opener = Opener(self.session, settings, self.batch, self.batch_dock,
                             self.message_bar, self)
        self.action = build_actions(self)
        self._build_toolbars()
        recent = self.recent_menu = RecentMenu(settings, self)
        recent.chosen.connect(self.opener.open_file)
        self.device_menu = self.toolbar.device_menu
        build_menus(self.menuBar(), self.action, {
            "recent": recent, "device": self.device_menu,
            "batch": self.batch_dock.toggleViewAction()})
        self._wire_session()
        self._restore_settings()
        self._update_enabled()
        self.session.load_model(settings.model if model is None else model)

    # -- construction ----------------------------------------------------------------------

    def _build_central(self) -> None:
        self.message_bar = MessageBar()
        self.compare = CompareView()
        self.compare.zoom_changed.connect(lambda scale: self.status.set_zoom(scale))
        self.compare.mode_changed.connect(self._on_mode_changed)
        self.scrubber = VideoScrubber()
        self.scrubber.frame_requested.connect(self.session.show_frame)
        self.scrubber.hide()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.compare, 1)
        layout.addWidget(self.scrubber)
        self.setCentralWidget(central)

    def _build_toolbars(self) -> None:
        """Row 1: files, views and zoom, then quality, device and model; row 2: the look."""
        hold = self.hold = HoldOriginal(self.compare, self.action["original"].isChecked, self)
        files = QToolBar("File")
        files.setObjectName("file_toolbar")
        fill(files, TOOLBAR, self.action, {"hold": hold.button})
        self.addToolBar(files)
        toolbar = self.toolbar = EnhanceToolbar(dict.fromkeys(["auto", self.session.device]))
        toolbar.quality_chosen.connect(self.set_quality)
        toolbar.device_chosen.connect(self.set_device)
        self.model_selector = toolbar.model_selector
        self.model_selector.chosen.connect(self.session.load_model)
        self.model_selector.load_requested.connect(self.choose_model)
        self.addToolBar(toolbar)
        self.addToolBarBreak()
        look_bar = QToolBar("Look")
        look_bar.setObjectName("look_toolbar")
        self.looks = LookControls()
        self.looks.previewed.connect(self.session.preview_look)
        self.looks.committed.connect(self._commit_look)
        self.looks.editing_done.connect(self.compare.setFocus)
        look_bar.addWidget(self.looks)
        self.addToolBar(look_bar)

    def _build_batch_dock(self) -> None:
        self.batch = BatchPanel(self.settings, lambda: self.session.engine,
                                lambda: self.session.look)
        self.batch.message.connect(lambda text: self.status.showMessage(text, 5000))
        self.batch.notice.connect(lambda text: self.message_bar.show_message(text, "info"))
        self.batch_dock = BatchDock(self.batch, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.batch_dock)

    def _wire_session(self) -> None:
        s = self.session
        s.model_loading.connect(lambda spec: self.status.showMessage(
            f"Loading {Path(spec).name if spec else 'default model'}\u2026"))
        s.engine_ready.connect(self._engine_ready)
        s.engine_failed.connect(self._engine_failed)
        s.status.connect(self.status.showMessage)
        s.ticked.connect(self.status.set_progress)
        s.busy_changed.connect(self.status.set_busy)
        s.timing.connect(self.status.set_timing)
        s.file_opened.connect(lambda path: self.settings.add_recent("recent_files", str(path)))
        s.document_ready.connect(self._show_document)
        s.document_failed.connect(lambda exc: self._show_error(
            exc, "Could not open the file. ", "document"))
        s.rendered.connect(self._show_rendered)
        s.video_opened.connect(self.scrubber.set_video)
        s.video_closed.connect(self.scrubber.hide)
        s.failed.connect(self._show_error)

    def _restore_settings(self) -> None:
        s = self.settings
        if s.window_geometry.isEmpty() or not self.restoreGeometry(s.window_geometry):
            screen = (self.screen() or QApplication.primaryScreen()).availableGeometry()
            self.resize(screen.size() * 0.85)
        if not s.window_state.isEmpty():
            self.restoreState(s.window_state)
        self.compare.set_mode(s.view_mode)
        self._on_mode_changed(self.compare.mode.value)
        self.looks.set_look(s.look)
        self.action["gamma"].setChecked(s.compare_gamma)
        self._sync_quality(self.session.mode)
        self.toolbar.show_device(self.session.device)
        self.model_selector.set_models(s.recent_models, s.model)

    # -- showing ---------------------------------------------------------------------------

    def _show_document(self, prepared: Prepared) -> None:
        document = prepared.document
        if prepared.before is not None:  # a new photo, not a re-estimate
            self.compare.set_images(QPixmap.fromImage(prepared.before),
                                    QPixmap.fromImage(prepared.rendered.after),
                                    QSize(*document.decoded.size),
                                    keep_view=self.session.video is not None)
        self._show_rendered(prepared.rendered)
        self.setWindowTitle(f"{document.name} \u2014 {APP_TITLE}")
        self.status.set_photo(document.describe())
        self._show_automatic()
        self.status.clearMessage()
        self.message_bar.dismiss_topic("document")
        self._update_enabled()

    # -- look, quality, device, model ------------------------------------------------------

    def _commit_look(self, look: Look) -> None:
        self.settings.look = look
        self.session.commit_look(look)
        self._show_automatic()

    def _show_automatic(self) -> None:
        """The automatic fields show what was chosen for the open photo, and the status bar
        says it in words (a fitted strength of 0 means the photo was already fine)."""
        document = self.session.document
        maps = document.preview if document else None
        if maps is None:
            self.status.set_automatic("")
            return
        self.looks.show_fitted(fitted_look(maps))
        self.status.set_automatic(describe_automatic(self.session.look, maps))

    def nudge_strength(self, delta: float) -> None:
        self.looks.controls["strength"].step(delta)

    def full_strength(self) -> None:
        strength = self.looks.controls["strength"]
        strength.step(strength.maximum())

    def _show_rendered(self, rendered: Rendered) -> None:
        self.compare.set_after(QPixmap.fromImage(rendered.after))
        if rendered.gamma_image is None:
            self.compare.set_comparison(None)
        else:
            self.compare.set_comparison(QPixmap.fromImage(rendered.gamma_image),
                                        f"Gamma \u03b3={rendered.gamma:.2f}")

    def set_compare_gamma(self, on: bool) -> None:
        """The before side shows plain gamma correction at the enhanced mean brightness."""
        self.action["gamma"].setChecked(on)
        self.settings.compare_gamma = on
        if not on:
            self.compare.set_comparison(None)
        elif self.compare.mode is ViewMode.SINGLE:
            self.message_bar.show_message(GAMMA_HINT, "info")
        self.session.set_gamma(on)

    def set_quality(self, mode: str) -> None:
        """Fast or full curve estimation; the open photo is estimated again."""
        self._sync_quality(mode)
        self.settings.mode = mode
        self.session.set_quality(mode)

    def _sync_quality(self, mode: str) -> None:
        self.toolbar.show_quality(mode)
        check(self.action, "quality", mode)

    def set_device(self, device: str) -> None:
        """Move the model to another device by loading it again there."""
        self.toolbar.show_device(device)
        self.settings.device = device
        self.session.set_device(device)

    def choose_model(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Load model", self.settings.last_model_dir,
                                              CHECKPOINT_FILTER)
        if name:
            self.settings.last_model_dir = str(Path(name).parent)
            self.session.load_model(name)

    def _engine_ready(self, engine: Engine) -> None:
        spec = self.session.model_spec
        self.settings.model = spec
        if spec:
            self.settings.add_recent("recent_models", spec)
        self.model_selector.set_models(self.settings.recent_models, spec)
        self.looks.set_iterations(engine.iterations)
        self.batch.set_model(engine.iterations, engine.takes_exposure)
        if self.session.document is None:
            self.looks.set_look(self.settings.look)
        self.looks.set_field_enabled("exposure", engine.takes_exposure, NO_EXPOSURE)
        self.looks.set_field_enabled("denoise", self.session.noise_model, NO_NOISE_MODEL)
        self.session.look = self.looks.look()
        from zerodce_core.device import describe_device  # torch: loaded with the engine

        self.toolbar.set_devices(["auto", *self.session.devices])
        self.toolbar.show_device(self.session.device)
        self.status.set_device(describe_device(engine.device))
        self.status.showMessage(f"Model ready: {engine.info.arch}, {engine.iterations} "
                                "iterations", 4000)
        self.message_bar.dismiss_topic("model")
        self._update_enabled()

    def _engine_failed(self, spec: str, exc: BaseException) -> None:
        self.status.clearMessage()
        self.model_selector.set_models(self.settings.recent_models,
                                       self.session.model_spec if self.session.engine else spec)
        if isinstance(exc, NoBundledModelError):
            text = ("No default model is bundled with this installation. Load a Zero-DCE "
                    "checkpoint (.safetensors or .pth) to enhance photos.")
        else:
            text = f"Could not load the model. {describe_error(exc)}"
        self.message_bar.show_message(text, "error", "Load model\u2026", self.choose_model,
                                      topic="model")

    # -- other windows, status -------------------------------------------------------------

    def show_about(self) -> None:
        engine = self.session.engine
        TextDialog("About Zero-DCE Enhancer", about_html(engine), model_card(engine),
                   self).exec()

    def show_shortcuts(self) -> None:
        TextDialog("Keyboard shortcuts", shortcuts_html(self.actions()), parent=self).exec()

    def show_training(self) -> None:
        """One training dialog per window; it keeps running while hidden."""
        if self._training is None:
            from .panels.training import TrainingDialog  # pyqtgraph: loaded on first use

            self._training = TrainingDialog(self.settings, self)
            self._training.use_model.connect(self.session.load_model)
        self._training.show()
        self._training.raise_()

    def _update_enabled(self) -> None:
        """The look needs a model; saving and nudging need curves too."""
        self.looks.setEnabled(self.session.engine is not None)
        for key in ("save", "export", "stronger", "weaker", "full_strength"):
            self.action[key].setEnabled(self.session.can_export())

    def _show_error(self, exc: BaseException, prefix: str = "", topic: str = "") -> None:
        self.status.clearMessage()
        self.message_bar.show_message(prefix + describe_error(exc), topic=topic)

    def cancel_work(self) -> None:
        """The status bar's Cancel: stop opening, loading, rendering and exporting."""
        self.session.cancel()
        self.status.showMessage("Cancelled", 3000)

    def _on_mode_changed(self, mode: str) -> None:
        check(self.action, "view", ViewMode(mode))
        self.settings.view_mode = mode

    def _view_pixels(self) -> tuple[int, int]:
        """The photo area in device pixels (at least 1024 px wide, for a window not shown yet)."""
        ratio = self.compare.devicePixelRatioF()
        width, height = self.compare.width() * ratio, self.compare.height() * ratio
        return max(round(width), 1024), max(round(height), 768)

    # -- events ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.opener.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.batch.is_running() and not ask(
                self, "Stop the batch?", "A batch is still running. Stop it and quit? Files "
                "already written are kept."):
            event.ignore()
            return
        self.batch.stop()
        if self._training is not None:
            self._training.stop()
        self.session.cancel()
        s = self.settings
        s.window_geometry = self.saveGeometry()
        s.window_state = self.saveState()
        s.look = self.looks.look()
        s.sync()
        super().closeEvent(event)
