"""The batch queue dock: many files through the same `run_batch` the CLI uses, on a worker.

Starting plans every queued file with `plan_batch`, which also refuses outputs that would
replace an input, then pulls `run_batch` item by item; pause and cancel act between files,
and a failed file never stops the rest. The list is `batch_queue`, the options
`batch_options`; this module runs them and keeps the counters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from zerodce_core.batch import BatchItem, BatchOptions, ItemEvent, Status, plan_batch, run_batch
from zerodce_core.errors import Cancelled
from zerodce_core.pipeline import Look
from zerodce_core.progress import format_duration
from zerodce_core.validate import OptionError

from ..errors import describe_error
from ..images import image_filter
from ..settings import Settings
from ..text import count, count_media
from ..workers import JobSlot
from .batch_options import BatchOptionsBox
from .batch_queue import BatchQueue

if TYPE_CHECKING:
    from zerodce_core.engine import Engine

FINAL = (Status.DONE, Status.FAILED, Status.SKIPPED)
EMPTY_TEXT = "Add photos, videos or folders to the queue."


def batch_job(engine: Engine, items: list[BatchItem], options: BatchOptions, *,
              checkpoint: Callable[[], None],
              raise_if_cancelled: Callable[[], None]) -> Iterator[ItemEvent]:
    """Pull `run_batch` one event at a time; pause acts between files (and video frames),
    cancel also between network tiles of a photo. Neither leaves partial output."""
    events = run_batch(engine, items, options, progress=lambda *_: raise_if_cancelled())
    for event in events:
        try:
            yield event  # frozen: safe to hand to the GUI thread; a cancel may be thrown here
            if event.item.status in FINAL or event.item.frames:  # between files or frames
                checkpoint()
        except Cancelled as stop:
            yield from _stop(events, stop)


def _stop(events: Generator[ItemEvent, None, None], stop: Cancelled) -> Iterator[ItemEvent]:
    """Hand a cancel to `run_batch` rather than closing it: the photo still being written
    behind the current one reports its outcome, then `stop` comes back out."""
    event = events.throw(stop)
    while True:
        yield event
        event = next(events)


class BatchPanel(QWidget):
    """Queue editor, output options and run controls; `run_finished` carries the summary."""

    message = Signal(str)  # for the status bar
    notice = Signal(str)  # worth a message bar: files were left out
    encode_changed = Signal()  # the shared encoding or suffix was edited here
    item_finished = Signal(int, str)  # row, status value
    run_finished = Signal(dict)

    def __init__(self, settings: Settings, engine: Callable[[], Engine | None],
                 current_look: Callable[[], Look], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._engine = engine
        self.slot = JobSlot(self)
        self.slot.busy_changed.connect(self._on_busy_changed)
        self._outcome = ""
        self._rows: list = []
        self._work_seconds = 0.0
        self._worked = 0
        self._build(current_look)
        self.recursive_box.setChecked(settings.batch_recursive)
        self._queue_changed()

    # -- construction ----------------------------------------------------------------------

    def _build(self, current_look: Callable[[], Look]) -> None:
        self.tree = BatchQueue()
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.model().rowsRemoved.connect(self._queue_changed)
        self.add_files_button = self._button("Add files\u2026", self._choose_files)
        self.add_folder_button = self._button("Add folder\u2026", self._choose_folder)
        self.recursive_box = QCheckBox("Include subfolders")
        self.up_button = self._button("Up", lambda: self.tree.move_selected(-1))
        self.down_button = self._button("Down", lambda: self.tree.move_selected(1))
        self.remove_button = self._button("Remove", self.tree.remove_selected)
        self.clear_button = self._button("Clear", self.clear)
        edit = QGridLayout()
        edit.addWidget(self.add_files_button, 0, 0)
        edit.addWidget(self.add_folder_button, 0, 1)
        edit.addWidget(self.recursive_box, 0, 2, 1, 2)
        for column, button in enumerate((self.up_button, self.down_button, self.remove_button,
                                         self.clear_button)):
            edit.addWidget(button, 1, column)

        self.options_box = BatchOptionsBox(self.settings, current_look)
        self.options_box.encode_changed.connect(self.encode_changed)

        self.start_button = self._button("Start", self.start)
        self.pause_button = self._button("Pause", self.toggle_pause)
        self.cancel_button = self._button("Cancel", self.cancel)
        self.retry_button = self._button("Retry failed", self.retry_failed)
        self.open_button = self._button("Open output folder", self.open_output_folder)
        run = QGridLayout()
        run.addWidget(self.start_button, 0, 0)
        run.addWidget(self.pause_button, 0, 1)
        run.addWidget(self.cancel_button, 0, 2)
        run.addWidget(self.retry_button, 1, 0)
        run.addWidget(self.open_button, 1, 1, 1, 2)
        self.progress = QProgressBar()
        self.eta_label = QLabel(EMPTY_TEXT)
        self.eta_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.options_box)
        layout.addLayout(run)
        layout.addWidget(self.progress)
        layout.addWidget(self.eta_label)
        self.setMinimumWidth(380)

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda: slot())
        return button

    def set_model(self, iterations: int, takes_exposure: bool) -> None:
        """The look's fields follow the model in use (see `BatchOptionsBox.set_model`)."""
        self.options_box.set_model(iterations, takes_exposure)

    # -- queue -----------------------------------------------------------------------------

    def recursive(self) -> bool:
        return self.recursive_box.isChecked()

    def add_paths(self, paths: Iterable[str | Path]) -> int:
        """Queue files, and the photos and videos in folders; returns how many were new."""
        try:
            options = self.options()
        except OptionError as exc:
            self.eta_label.setText(str(exc))
            return 0
        added, left_out = self.tree.add_paths(paths, options)
        self._queue_changed()
        if left_out:
            note = (f"Left out {count(left_out, 'file')} ending in \u201c{options.suffix}"
                    "\u201d: enhanced copies of other files there.")
            self.eta_label.setText(f"{self.eta_label.text()} {note}")
            self.notice.emit(note)
        return added

    def clear(self) -> None:
        self.tree.clear()
        self._queue_changed()

    def rows(self) -> list:
        return self.tree.rows()

    def states(self) -> list[tuple[str, str, str]]:
        return self.tree.states()

    def _queue_changed(self) -> None:
        """Counters and hints follow the queue while no batch runs."""
        if self.is_running():
            return
        total = self.tree.topLevelItemCount()
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.progress.setFormat(f"0 / {total}" if total else "")
        sources = self.tree.sources()
        self.eta_label.setText(f"{count_media(sources)} queued." if sources else EMPTY_TEXT)
        self._update_buttons()

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add photos or videos",
                                                self.settings.last_batch_dir,
                                                image_filter(videos=True))
        if names:
            self.settings.last_batch_dir = str(Path(names[0]).parent)
            self.add_paths(names)

    def _choose_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Add folder", self.settings.last_batch_dir)
        if name:
            self.settings.last_batch_dir = name
            self.add_paths([name])

    # -- running ---------------------------------------------------------------------------

    def options(self) -> BatchOptions:
        return self.options_box.options(self.recursive())

    def is_running(self) -> bool:
        return self.slot.busy

    def start(self) -> None:
        """Run every row (done ones are skipped when their output exists)."""
        self._run(self.rows())

    def retry_failed(self) -> None:
        """Run only the failed rows again (after fixing a file or freeing disk space)."""
        self._run(self.tree.rows_with(Status.FAILED))

    def _run(self, rows: list) -> None:
        if not rows or self.is_running():
            return
        engine = self._engine()
        if engine is None:
            self.eta_label.setText("Load a model before running the batch.")
            return
        try:
            options = self.options()
        except OptionError as exc:
            self.eta_label.setText(str(exc))
            return
        if not options.suffix and options.out_dir is None:
            self.eta_label.setText("Set a file name suffix or an output folder, so outputs "
                                   "never replace the originals.")
            return
        self.options_box.store()
        self.settings.batch_recursive = self.recursive()
        # Rows hold the very paths collect_inputs made from these roots, so they compare equal;
        # planning recursively finds rows added from subfolders whatever the checkbox says now.
        everything = dataclasses.replace(options, recursive=True)
        planned = {item.source: item for item in plan_batch(self.tree.roots(), everything)}
        items = []
        for row in rows:
            source = self.tree.source(row)
            item = planned.get(source)
            if item is None:  # deleted since it was queued
                item = BatchItem(source, source, Status.FAILED, "file no longer exists")
            items.append(item)
            self.tree.set_state(row, Status.QUEUED, "")
        self._rows = rows
        self._work_seconds, self._worked = 0.0, 0
        self.progress.setRange(0, len(rows))
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m")
        self.eta_label.setText("Starting\u2026")
        self._outcome = "Batch stopped"
        self.slot.start(batch_job, engine, items, options, on_progress=self._on_item,
                        on_success=lambda _: self._set_outcome("Batch finished"),
                        on_failure=lambda exc: self._set_outcome(
                            f"Batch stopped ({describe_error(exc)})"),
                        on_cancel=lambda: self._set_outcome("Batch cancelled"))

    def toggle_pause(self) -> None:
        """Pause after the file in progress, or resume; the ETA ignores paused time."""
        job = self.slot.current
        if job is None:
            return
        if job.is_paused:
            job.resume()
            self.pause_button.setText("Pause")
            self.eta_label.setText("Resumed.")
        else:
            job.pause()
            self.pause_button.setText("Resume")
            self.eta_label.setText("Pausing after the current file\u2026")

    def cancel(self) -> None:
        """Stop after the file in progress; the rest stays queued."""
        job = self.slot.current
        if job is not None:
            job.cancel()
            self.eta_label.setText("Cancelling after the current file\u2026")

    def stop(self) -> None:
        """Cancel without waiting (the window is closing)."""
        self.slot.cancel()

    def open_output_folder(self) -> None:
        """Show the outputs in the file manager (the first file's folder when writing beside)."""
        folder = self.options().out_dir
        if folder is None and self.tree.topLevelItemCount():
            folder = self.tree.sources()[0].parent
        if folder is not None and folder.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        else:
            self.eta_label.setText("The output folder does not exist yet.")

    def _on_item(self, event: ItemEvent) -> None:
        index, item = event.index, event.item
        row = self._rows[index]
        if item.status is Status.RUNNING:
            details = ""
            if item.frames:  # a video reports every frame
                details = f"frame {item.frame} / {item.frames}"
                if item.eta is not None:
                    details += f", {format_duration(item.eta)} left"
            self.tree.set_state(row, item.status, details)
            self.tree.scrollToItem(row)
            return
        if item.status is Status.DONE:
            details = f"{item.target.name} ({item.seconds:.1f} s)"
        else:
            details = item.reason
        self.tree.set_state(row, item.status, details)
        if item.status is not Status.SKIPPED:
            self._work_seconds += item.seconds
            self._worked += 1
        done = self.progress.value() + 1
        self.progress.setValue(done)
        self._update_eta(done)
        self.item_finished.emit(index, item.status.value)

    def _update_eta(self, done: int) -> None:
        """ETA from time spent working on files only, so pauses never inflate it."""
        remaining = len(self._rows) - done
        text = f"{done} / {len(self._rows)}"
        if remaining and self._worked:
            eta = self._work_seconds / self._worked * remaining
            text += f" \u00b7 about {format_duration(eta)} left"
        job = self.slot.current
        if remaining and job is not None and job.is_paused:
            text += " \u00b7 paused"
        self.eta_label.setText(text)

    def _set_outcome(self, title: str) -> None:
        self._outcome = title

    def _on_busy_changed(self, busy: bool) -> None:
        """The worker has ended (or was abandoned): summarise the run once."""
        if not busy and self._rows:
            self._finished(self._outcome)
        self._update_buttons()

    def _finished(self, title: str) -> None:
        for row in self._rows:
            if self.tree.status(row) is Status.RUNNING:
                self.tree.set_state(row, Status.QUEUED, "stopped")
        counts = {status.value: 0 for status in Status}
        for row in self._rows:
            counts[self.tree.status(row).value] += 1
        self._rows = []
        self.pause_button.setText("Pause")
        summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        self.eta_label.setText(f"{title}: {summary}.")
        self.message.emit(f"{title}: {summary}")
        self.run_finished.emit(counts)

    def _update_buttons(self) -> None:
        running = self.is_running()
        has_rows = self.tree.topLevelItemCount() > 0
        selected = bool(self.tree.selectedItems())
        for widget in (self.add_files_button, self.add_folder_button, self.clear_button,
                       self.recursive_box, self.options_box):
            widget.setEnabled(not running)  # a running batch keeps the options it started with
        self.tree.setDragEnabled(not running)
        for button in (self.up_button, self.down_button, self.remove_button):
            button.setEnabled(not running and selected)
        self.start_button.setEnabled(not running and has_rows)
        self.retry_button.setEnabled(not running and self.tree.has_status(Status.FAILED))
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)


class BatchDock(QDockWidget):
    """The batch panel in a dock, hidden until needed; View > Batch queue (Ctrl+B) toggles it."""

    def __init__(self, panel: BatchPanel, parent: QWidget) -> None:
        super().__init__("Batch queue", parent)
        self.setObjectName("batch_dock")
        self.setWidget(panel)
        self.hide()
        toggle = self.toggleViewAction()
        toggle.setShortcut("Ctrl+B")
        toggle.setText("&Batch queue")
        parent.addAction(toggle)
