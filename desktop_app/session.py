"""The session: the open document, the engine and the work pending on them.

A QObject without widgets: the window calls its methods and shows what its signals carry,
and tests drive it directly. What used to be flags on the window lives here:
- each kind of work has its own `JobSlot`, so a newer request (another photo, a model
  switch, a released slider) cancels the stale one instead of queueing behind it;
- a photo asked for while the model loads waits for it (`_pending`), so it appears
  enhanced at once, and is opened unenhanced if the model fails;
- a video is open as one of its frames (`video`), which the scrubber replaces;
- a look being dragged renders the curves of screen-sized maps on the GUI thread
  (`pipeline.render`, milliseconds); once a final look has settled, the whole pipeline
  (`pipeline.develop`: the curves, then noise reduction) renders full size on a worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from zerodce_core.errors import NoBundledModelError
from zerodce_core.imageio import DecodedImage
from zerodce_core.output import OutputGuard
from zerodce_core.pipeline import EncodeOptions, Look
from zerodce_core.video import VideoInfo, VideoProgress, is_video_file

from . import jobs
from .jobs import Document, Prepared, Rendered
from .workers import JobSlot

if TYPE_CHECKING:
    from zerodce_core.engine import Engine

FULL_RENDER_DELAY_MS = 150  # wheel and arrow keys commit many values in a row
Source = Path | DecodedImage | Document


@dataclass
class LoadedModel:
    """A model ready to enhance, and what the window offers around it."""

    engine: Engine
    noise_model: bool  # a noise-reduction model is installed
    devices: list[str]  # where a model can run here: "cpu", "cuda:0", ...
    device: str  # the device asked for ("auto" when the remembered one is gone)


def build_engine(spec: str, device: str, mode: str) -> LoadedModel:
    """Load a model ("" = the bundled default) onto a device, and the noise model if one is
    installed. Runs on a worker: the first call imports torch (1.5-2 s), which the window
    does not wait for."""
    from zerodce_core.device import available_devices
    from zerodce_core.engine import Engine

    devices = available_devices()
    if device not in devices:
        device = "auto"
    engine = Engine(spec or None, device=device, mode=mode)
    try:
        noise_model = engine.denoiser is not None
    except NoBundledModelError:
        noise_model = False
    return LoadedModel(engine, noise_model, devices, device)


class Session(QObject):
    """Opens, estimates, renders and exports; one document and one engine at a time."""

    model_loading = Signal(str)  # the spec being loaded
    engine_ready = Signal(object)  # the Engine; the open photo is estimated again after it
    engine_failed = Signal(str, object)  # spec, exception
    status = Signal(str)  # what a job is doing
    ticked = Signal(int, int)  # (done, total) of the job in progress
    file_opened = Signal(object)  # the Path of a photo or video the user opened
    document_ready = Signal(object)  # Prepared: a new document, or the open one re-estimated
    document_failed = Signal(object)  # the exception
    rendered = Signal(object)  # Rendered at preview or full size
    render_finished = Signal()  # the current look is shown at full resolution, finished
    timing = Signal(str)
    video_opened = Signal(object)  # VideoInfo of the video whose first frame is opening
    video_closed = Signal()
    exported = Signal(object)  # the written Path
    failed = Signal(object)  # an exception from rendering, reading a frame or exporting
    busy_changed = Signal(bool)

    def __init__(self, view_pixels: Callable[[], tuple[int, int]], *, mode: str = "fast",
                 device: str = "auto", look: Look | None = None, gamma: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine: Engine | None = None
        self.noise_model = False  # the engine can reduce noise (a noise model is installed)
        self.devices: list[str] = []  # known once a model has loaded (it takes torch)
        self.document: Document | None = None
        self.video: Path | None = None  # the open video, whose frame is the document
        self.model_spec = ""
        self.mode = mode
        self.device = device
        self.look = look or Look()
        self.gamma = gamma
        self._view_pixels = view_pixels
        self._pending: Source | None = None  # being opened (or waiting for the model)
        self._remember = False
        self._model_loading = False
        self._timing = ""
        self.document_slot = JobSlot(self)
        self.render_slot = JobSlot(self)
        self.model_slot = JobSlot(self)
        self.export_slot = JobSlot(self, exclusive=False)
        self.frame_slot = JobSlot(self)
        for slot in (self.document_slot, self.model_slot, self.export_slot):
            slot.busy_changed.connect(lambda _: self.busy_changed.emit(self.busy))
        self._preview_timer = QTimer(self, singleShot=True, interval=0)
        self._preview_timer.timeout.connect(self._render_preview)
        self._full_timer = QTimer(self, singleShot=True, interval=FULL_RENDER_DELAY_MS)
        self._full_timer.timeout.connect(self._render_full)
        self._load_spec = ""
        self._load_timer = QTimer(self, singleShot=True, interval=0)
        self._load_timer.timeout.connect(self._start_loading)

    @property
    def busy(self) -> bool:
        return any(s.busy for s in (self.document_slot, self.model_slot, self.export_slot))

    def can_export(self) -> bool:
        return self.engine is not None and self.document is not None \
            and self.document.maps is not None

    def current_path(self) -> Path | None:
        """The file being opened or shown (for next/previous photo)."""
        if isinstance(self._pending, Path):
            return self._pending
        return self.document.path if self.document else None

    # -- model -----------------------------------------------------------------------------

    def load_model(self, spec: str) -> None:
        """Load a model ("" = bundled default) on a worker; the current one stays until then.

        The worker starts from the event loop: a window being built and shown first does
        not share the interpreter with torch's import (measured: 0.2 CPU s less to the
        first photo); a photo opened meanwhile waits for the model all the same.
        """
        self._model_loading = True
        self._load_spec = spec
        self.model_loading.emit(spec)
        self._load_timer.start()

    def _start_loading(self) -> None:
        spec = self._load_spec
        self.model_slot.start(build_engine, spec, self.device, self.mode,
                              on_success=lambda loaded: self._model_ready(spec, loaded),
                              on_failure=lambda exc: self._model_failed(spec, exc))

    def set_device(self, device: str) -> None:
        """Move the model to another device by loading it again there."""
        if device != self.device:
            self.device = device
            self.load_model(self.model_spec)

    def set_quality(self, mode: str) -> None:
        """Fast or full curve estimation; the open photo is estimated again."""
        if mode != self.mode:
            self.mode = mode
            self._reestimate()

    def _model_ready(self, spec: str, loaded: LoadedModel) -> None:
        self._model_loading = False
        self.engine = loaded.engine
        self.noise_model = loaded.noise_model
        self.devices = loaded.devices
        self.device = loaded.device
        self.model_spec = spec
        self.engine_ready.emit(loaded.engine)
        self._reestimate()

    def _model_failed(self, spec: str, exc: BaseException) -> None:
        self._model_loading = False
        if self.engine is None and self._pending is not None:
            self._start(self._pending, self._remember, self.video is not None)  # unenhanced
        self.engine_failed.emit(spec, exc)

    def _reestimate(self) -> None:
        """New engine or quality: estimate again whatever is open or being opened."""
        video = self.video is not None
        if self._pending is not None:
            self._start(self._pending, self._remember, video)
        elif self.document is not None:
            self._start(self.document, remember=False, video=video)

    # -- opening ---------------------------------------------------------------------------

    def open_file(self, path: Path) -> None:
        """A photo, or a video shown as its first frame with the scrubber."""
        if is_video_file(path):
            self.status.emit(f"Reading {path.name}\u2026")
            self.frame_slot.start(jobs.first_frame, path,
                                  on_success=lambda opened: self._video_ready(path, *opened),
                                  on_failure=self._document_failed)
        else:
            self.open_image(path)

    def open_image(self, source: Path | DecodedImage, remember: bool = True) -> None:
        """A photo file (remembered among recent files unless told not to) or pixels."""
        self._start(source, remember)

    def show_frame(self, index: int) -> None:
        """Read a frame of the open video on a worker; a newer request cancels this one."""
        if self.video is not None:
            self.frame_slot.start(
                jobs.video_frame, self.video, index,
                on_success=lambda frame: self._start(frame, remember=False, video=True),
                on_failure=self.failed.emit)

    def _video_ready(self, path: Path, info: VideoInfo, frame: DecodedImage) -> None:
        self.video = path
        self.file_opened.emit(path)
        self.video_opened.emit(info)
        self._start(frame, remember=False, video=True)

    def _close_video(self) -> None:
        if self.video is not None:
            self.video = None
            self.frame_slot.cancel()
            self.video_closed.emit()

    def _start(self, source: Source, remember: bool = True, video: bool = False) -> None:
        """Read (a path), estimate and render on a worker; a newer call cancels this one.

        `video` marks a frame of the open video; anything else closes the video.
        """
        if not video:
            self._close_video()
        self._full_timer.stop()
        self.render_slot.cancel()
        self._pending = source
        self._remember = remember and isinstance(source, Path)
        if self.engine is None and self._model_loading:
            self.document_slot.cancel()
            return  # opened once the model is ready, so the photo appears enhanced at once
        self.document_slot.start(
            jobs.prepare, self.engine, source, self.mode, self.look, self.gamma,
            self._view_pixels(), on_success=self._document_ready,
            on_failure=self._document_failed, on_progress=self.status.emit,
            on_tick=self.ticked.emit)

    def _document_ready(self, prepared: Prepared) -> None:
        document = prepared.document
        self.document = document
        self._pending = None
        if self._remember and document.path is not None:
            self.file_opened.emit(document.path)
        if document.maps is not None:
            self._timing = f"curves {document.maps.seconds:.2f} s"
            self.timing.emit(self._timing)
        self.document_ready.emit(prepared)
        rendered = prepared.rendered
        if document.maps is not None and (rendered.look != self.look
                                          or self.gamma != (rendered.gamma is not None)):
            self.commit_look(self.look)  # changed while the photo was loading

    def _document_failed(self, exc: BaseException) -> None:
        self._pending = None
        self.document_failed.emit(exc)

    # -- look ------------------------------------------------------------------------------

    def preview_look(self, look: Look) -> None:
        """A look being dragged: render the newest once the event queue is idle."""
        self.look = look
        self._preview_timer.start()

    def commit_look(self, look: Look) -> None:
        """A final look: show the preview now, the full resolution once the value settles.

        A new exposure is a new target for the network: the curves are estimated again.
        """
        self.look = look
        document = self.document
        if self.engine is None or document is None or document.maps is None:
            return
        if look.exposure != document.exposure:
            self._reestimate()
            return
        self._render_preview()
        self._full_timer.start()

    def set_gamma(self, on: bool) -> None:
        """Compare with plain gamma correction at the enhanced mean brightness."""
        self.gamma = on
        self.commit_look(self.look)

    def _render_preview(self) -> None:
        """Re-render the screen-sized maps on the GUI thread: milliseconds, no network."""
        document = self.document
        if self.engine is None or document is None or document.preview is None:
            return
        started = time.perf_counter()
        try:
            rendered = jobs.display(self.engine, document.preview, self.look, self.gamma,
                                    finished=False)
        except Exception as exc:  # shown like a failed job's, never a crash in a slot
            self.failed.emit(exc)
            return
        self.rendered.emit(rendered)
        elapsed = (time.perf_counter() - started) * 1000
        self.timing.emit(f"{self._timing} \u00b7 preview {elapsed:.0f} ms")

    def _render_full(self) -> None:
        document = self.document
        if self.engine is None or document is None or document.maps is None:
            return
        started = time.perf_counter()

        def shown(rendered: Rendered) -> None:
            self.rendered.emit(rendered)
            elapsed = time.perf_counter() - started
            self.timing.emit(f"{self._timing} \u00b7 render {elapsed:.2f} s")
            self.render_finished.emit()

        self.render_slot.start(jobs.display, self.engine, document.maps, self.look, self.gamma,
                               on_success=shown, on_failure=self.failed.emit)

    # -- export ----------------------------------------------------------------------------

    def source(self) -> Path:
        """What outputs are named after: the video, the photo, or "pasted.png"."""
        assert self.document is not None
        return self.video or self.document.source_name

    def is_original(self, target: Path) -> bool:
        """Originals are never overwritten (the open photo, or the open video), whatever
        links lead there: the core's output guard decides, as it does when writing."""
        path = self.video or (self.document.path if self.document else None)
        return path is not None and OutputGuard([path]).is_protected(target)

    def suggested_path(self, folder: Path | None, encode: EncodeOptions, suffix: str) -> Path:
        """The batch naming rule applied to the open file, in `folder` or next to it."""
        return jobs.suggested_path(self.source(), folder, encode, suffix)

    def export(self, target: Path, encode: EncodeOptions) -> None:
        """Write what the viewer shows: the photo (with `encode`) or the whole video."""
        assert self.engine is not None and self.document is not None
        self.status.emit(f"Exporting {target.name}\u2026")
        if self.video is not None:
            self.export_slot.start(jobs.export_video, self.engine, self.video, target,
                                   self.look, on_progress=self._video_progress,
                                   on_success=self.exported.emit, on_failure=self.failed.emit)
        else:
            self.export_slot.start(jobs.export_photo, self.engine, self.document, self.look,
                                   target, encode, on_success=self.exported.emit,
                                   on_failure=self.failed.emit)

    def _video_progress(self, step: VideoProgress) -> None:
        self.ticked.emit(step.frame, step.total)

    def cancel(self) -> None:
        """Stop opening, loading, rendering and exporting."""
        self._load_timer.stop()
        for slot in (self.document_slot, self.model_slot, self.export_slot, self.render_slot,
                     self.frame_slot):
            slot.cancel()
        self._pending = None
        self._model_loading = False
