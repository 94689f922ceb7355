"""The batch queue: many photos through the same `run_batch` the CLI uses, on a worker.

The queue holds files (folders are expanded when added, remembering the folder so output
trees mirror the input). Starting plans every queued file with `plan_batch`, which also
refuses outputs that would replace an input, then pulls `run_batch` item by item; pause
and cancel act between files, and a failed file never stops the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zerodce_core import Engine
from zerodce_core.batch import (
    BatchItem,
    BatchOptions,
    ItemEvent,
    Status,
    collect_inputs,
    plan_batch,
    run_batch,
)
from zerodce_core.pipeline import EncodeOptions, Look
from zerodce_core.progress import format_duration

from .document import ExportOptions
from .errors import describe_error
from .export_dialog import OutputOptionsForm
from .images import image_filter
from .settings import Settings
from .workers import Job, JobSlot

SOURCE_ROLE = Qt.ItemDataRole.UserRole
ROOT_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_COLORS = {
    Status.QUEUED: QColor(150, 150, 150),
    Status.RUNNING: QColor(60, 130, 220),
    Status.DONE: QColor(40, 160, 70),
    Status.FAILED: QColor(210, 60, 50),
    Status.SKIPPED: QColor(200, 150, 30),
}
FINAL = (Status.DONE, Status.FAILED, Status.SKIPPED)


def batch_job(job: Job, engine: Engine, items: list[BatchItem],
              options: BatchOptions) -> Iterator[ItemEvent]:
    """Pull `run_batch` one state change at a time; pause acts between files (and video
    frames), cancel also between network tiles of a photo. Neither leaves partial output."""

    def stop_inside_a_file(done: int, total: int) -> None:
        job.raise_if_cancelled()

    for event in run_batch(engine, items, options, progress=stop_inside_a_file):
        yield event  # frozen: safe to hand to the GUI thread
        if event.item.status in FINAL or event.item.frames:  # between files or video frames
            job.checkpoint()


class BatchPanel(QWidget):
    """Queue editor, output options and run controls; `run_finished` carries the summary."""

    message = Signal(str)
    item_finished = Signal(int, str)  # row, status value
    run_finished = Signal(dict)

    def __init__(self, settings: Settings, engine: Callable[[], Engine | None],
                 current_strength: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._engine = engine
        self._current_strength = current_strength
        self.slot = JobSlot(self)
        self.slot.busy_changed.connect(self._on_busy_changed)
        self._outcome = ""
        self._rows: list[QTreeWidgetItem] = []
        self._total = 0
        self._work_seconds = 0.0
        self._worked = 0
        self._build()
        self._restore()
        self._update_buttons()

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Photo", "Status", "Details"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)  # reorder
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 130)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.add_files_button = QPushButton("Add files\u2026")
        self.add_folder_button = QPushButton("Add folder\u2026")
        self.recursive_box = QCheckBox("Include subfolders")
        self.up_button = QPushButton("Up")
        self.down_button = QPushButton("Down")
        self.remove_button = QPushButton("Remove")
        self.clear_button = QPushButton("Clear")
        self.add_files_button.clicked.connect(self._choose_files)
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.remove_button.clicked.connect(self._remove_selected)
        self.clear_button.clicked.connect(self.clear)
        edit = QGridLayout()
        edit.addWidget(self.add_files_button, 0, 0)
        edit.addWidget(self.add_folder_button, 0, 1)
        edit.addWidget(self.recursive_box, 0, 2, 1, 2)
        for column, button in enumerate((self.up_button, self.down_button, self.remove_button,
                                         self.clear_button)):
            edit.addWidget(button, 1, column)

        self.out_dir = QLineEdit()
        self.out_dir.setPlaceholderText("next to each photo")
        browse = QPushButton("\u2026")
        browse.setToolTip("Choose the output folder")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._choose_out_dir)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_dir, 1)
        out_row.addWidget(browse)
        self.suffix = QLineEdit()
        self.suffix.setToolTip("Added to each output file name")
        self.strength = QDoubleSpinBox()
        self.strength.setDecimals(2)
        self.strength.setSingleStep(0.05)
        self.strength.setRange(0.0, 64.0)
        self.strength.setSuffix(" it.")
        use_current = QPushButton("Use current")
        use_current.setToolTip("Take the strength set in the main window")
        use_current.clicked.connect(lambda: self.strength.setValue(self._current_strength()))
        strength_row = QHBoxLayout()
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(use_current)
        self.mode = QComboBox()
        self.mode.addItem("Fast", "fast")
        self.mode.addItem("Full", "full")
        self.denoise = QDoubleSpinBox()
        self.denoise.setRange(0.0, 1.0)
        self.denoise.setSingleStep(0.05)
        self.denoise.setSpecialValueText("off")
        self.denoise.setToolTip("Noise reduction after brightening (brightening lifts noise too)")
        self.compare_gamma = QCheckBox("Also write a gamma-curve comparison sheet")
        self.existing = QComboBox()
        self.existing.addItem("Skip existing outputs", "skip")
        self.existing.addItem("Overwrite existing outputs", "overwrite")
        self.output_form = OutputOptionsForm(ExportOptions())
        self.output_form.insertRow(0, "Output folder:", out_row)
        self.output_form.insertRow(1, "File name &suffix:", self.suffix)
        self.output_form.addRow("Strength:", strength_row)
        self.output_form.addRow("&Quality mode:", self.mode)
        self.output_form.addRow("&Noise reduction:", self.denoise)
        self.output_form.addRow("", self.compare_gamma)
        self.output_form.addRow("Existing:", self.existing)
        self.output_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.options_box = QGroupBox("Output")
        self.options_box.setLayout(self.output_form)

        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry failed")
        self.open_button = QPushButton("Open output folder")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button.clicked.connect(self.retry_failed)
        self.open_button.clicked.connect(self.open_output_folder)
        run = QGridLayout()
        run.addWidget(self.start_button, 0, 0)
        run.addWidget(self.pause_button, 0, 1)
        run.addWidget(self.cancel_button, 0, 2)
        run.addWidget(self.retry_button, 1, 0)
        run.addWidget(self.open_button, 1, 1, 1, 2)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m")
        self.progress.setValue(0)
        self.eta_label = QLabel("Add photos or folders to the queue.")
        self.eta_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.options_box)
        layout.addLayout(run)
        layout.addWidget(self.progress)
        layout.addWidget(self.eta_label)
        self.setMinimumWidth(380)

    def _restore(self) -> None:
        s = self.settings
        self.out_dir.setText(s.batch_out_dir)
        self.suffix.setText(s.batch_suffix)
        self.strength.setValue(s.batch_strength)
        self.mode.setCurrentIndex(max(self.mode.findData(s.batch_mode), 0))
        self.existing.setCurrentIndex(max(self.existing.findData(s.batch_existing), 0))
        self.recursive_box.setChecked(s.batch_recursive)
        self.denoise.setValue(s.batch_denoise)
        self.compare_gamma.setChecked(s.batch_compare_gamma)
        self.output_form.set_options(ExportOptions(
            format=None if s.batch_format == "keep" else s.batch_format,
            quality=s.batch_quality, bit_depth=s.batch_bit_depth or None,
            keep_metadata=s.batch_metadata))

    def _store(self, options: BatchOptions) -> None:
        s = self.settings
        s.batch_out_dir = self.out_dir.text().strip()
        s.batch_suffix = options.suffix
        s.batch_format = options.encode.format or "keep"
        s.batch_quality = options.encode.quality
        s.batch_bit_depth = options.encode.bit_depth or 0
        s.batch_metadata = options.encode.keep_metadata
        s.batch_strength = self.strength.value()
        s.batch_mode = options.mode
        s.batch_existing = options.existing
        s.batch_recursive = options.recursive
        s.batch_denoise = self.denoise.value()
        s.batch_compare_gamma = options.compare_gamma

    # -- queue -----------------------------------------------------------------------------

    def set_iterations(self, iterations: int) -> None:
        """The strength range follows the model in use."""
        self.strength.setMaximum(float(iterations))

    def recursive(self) -> bool:
        return self.recursive_box.isChecked()

    def add_paths(self, paths: Iterable[str | Path]) -> int:
        """Queue files, and the photos and videos in folders; returns how many were new."""
        known = {Path(self.tree.topLevelItem(i).data(0, SOURCE_ROLE)).resolve()
                 for i in range(self.tree.topLevelItemCount())}
        added = 0
        for root in map(Path, paths):
            for source, _ in collect_inputs([root], self.recursive()):
                if source.resolve() in known:
                    continue
                known.add(source.resolve())
                row = QTreeWidgetItem([str(source.name), "", ""])
                row.setFlags(row.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)  # a flat list
                row.setToolTip(0, str(source))
                row.setData(0, SOURCE_ROLE, str(source))
                row.setData(0, ROOT_ROLE, str(root))
                self.tree.addTopLevelItem(row)
                self._set_state(row, Status.QUEUED, "")
                added += 1
        self.eta_label.setText(f"{self.tree.topLevelItemCount()} photos queued.")
        self._update_buttons()
        return added

    def clear(self) -> None:
        self.tree.clear()
        self.progress.setValue(0)
        self.eta_label.setText("Add photos or folders to the queue.")
        self._update_buttons()

    def rows(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def states(self) -> list[tuple[str, str, str]]:
        """(file name, status, details) per row, in queue order."""
        return [(row.text(0), row.data(0, STATUS_ROLE), row.text(2)) for row in self.rows()]

    def _move(self, delta: int) -> None:
        selected = sorted((self.tree.indexOfTopLevelItem(r) for r in self.tree.selectedItems()),
                          reverse=delta > 0)
        count = self.tree.topLevelItemCount()
        for index in selected:
            target = index + delta
            if not 0 <= target < count or self.tree.topLevelItem(target).isSelected():
                continue
            row = self.tree.takeTopLevelItem(index)
            self.tree.insertTopLevelItem(target, row)
            row.setSelected(True)

    def _remove_selected(self) -> None:
        for row in self.tree.selectedItems():
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(row))
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

    def _choose_out_dir(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Output folder", self.out_dir.text())
        if name:
            self.out_dir.setText(name)

    # -- running ---------------------------------------------------------------------------

    def options(self) -> BatchOptions:
        encoding = self.output_form.options(self.suffix.text())
        out_dir = self.out_dir.text().strip()
        return BatchOptions(
            out_dir=Path(out_dir).expanduser() if out_dir else None, suffix=encoding.suffix,
            encode=EncodeOptions(encoding.format, encoding.quality, encoding.bit_depth,
                                 encoding.keep_metadata),
            look=Look(self.strength.value(), self.denoise.value()),
            mode=self.mode.currentData(), existing=self.existing.currentData(),
            recursive=self.recursive(), compare_gamma=self.compare_gamma.isChecked())

    def is_running(self) -> bool:
        return self.slot.busy

    def start(self) -> None:
        """Run every row (done ones are skipped when their output exists)."""
        self._run(self.rows())

    def retry_failed(self) -> None:
        """Run only the failed rows again (after fixing a file or freeing disk space)."""
        self._run([r for r in self.rows() if r.data(0, STATUS_ROLE) == Status.FAILED.value])

    def _run(self, rows: list[QTreeWidgetItem]) -> None:
        if not rows or self.is_running():
            return
        engine = self._engine()
        if engine is None:
            self.eta_label.setText("Load a model before running the batch.")
            return
        options = self.options()
        if not options.suffix and options.out_dir is None:
            self.eta_label.setText("Set a file name suffix or an output folder, so outputs "
                                   "never replace the originals.")
            return
        self._store(options)
        roots = list(dict.fromkeys(row.data(0, ROOT_ROLE) for row in self.rows()))
        # Rows hold the very paths collect_inputs made from these roots, so they compare equal;
        # planning recursively finds rows added from subfolders whatever the checkbox says now.
        everything = dataclasses.replace(options, recursive=True)
        planned = {item.source: item for item in plan_batch(roots, everything)}
        items = []
        for row in rows:
            source = Path(row.data(0, SOURCE_ROLE))
            item = planned.get(source)
            if item is None:  # deleted since it was queued
                item = BatchItem(source, source, Status.FAILED, "file no longer exists")
            items.append(item)
            self._set_state(row, Status.QUEUED, "")
        self._rows = rows
        self._total = len(rows)
        self._work_seconds, self._worked = 0.0, 0
        self.progress.setRange(0, self._total)
        self.progress.setValue(0)
        self.eta_label.setText("Starting\u2026")
        self._outcome = "Batch stopped"
        self.slot.start(batch_job, engine, items, options, on_progress=self._on_item,
                        on_success=lambda _: self._set_outcome("Batch finished"),
                        on_failure=lambda exc: self._set_outcome(
                            f"Batch stopped ({describe_error(exc)})"),
                        on_cancel=lambda: self._set_outcome("Batch cancelled"))

    def toggle_pause(self) -> None:
        """Pause after the photo in progress, or resume; the ETA ignores paused time."""
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
            self.eta_label.setText("Pausing after the current photo\u2026")

    def cancel(self) -> None:
        """Stop after the photo in progress; the rest stays queued."""
        job = self.slot.current
        if job is not None:
            job.cancel()
            self.eta_label.setText("Cancelling after the current photo\u2026")

    def stop(self) -> None:
        """Cancel without waiting (the window is closing)."""
        self.slot.cancel()

    def open_output_folder(self) -> None:
        """Show the outputs in the file manager (the first photo's folder when writing beside)."""
        options = self.options()
        folder = options.out_dir
        if folder is None and self.tree.topLevelItemCount():
            folder = Path(self.tree.topLevelItem(0).data(0, SOURCE_ROLE)).parent
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
            self._set_state(row, item.status, details)
            self.tree.scrollToItem(row)
            return
        if item.status is Status.DONE:
            details = f"{item.target.name} ({item.seconds:.1f} s)"
        else:
            details = item.reason
        self._set_state(row, item.status, details)
        if item.status is not Status.SKIPPED:
            self._work_seconds += item.seconds
            self._worked += 1
        done = self.progress.value() + 1
        self.progress.setValue(done)
        self._update_eta(done)
        self.item_finished.emit(index, item.status.value)

    def _update_eta(self, done: int) -> None:
        """ETA from time spent working on photos only, so pauses never inflate it."""
        remaining = self._total - done
        text = f"{done} / {self._total}"
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
            if row.data(0, STATUS_ROLE) == Status.RUNNING.value:
                self._set_state(row, Status.QUEUED, "stopped")
        counts = {status.value: 0 for status in Status}
        for row in self._rows:
            counts[row.data(0, STATUS_ROLE)] += 1
        self._rows = []
        self.pause_button.setText("Pause")
        summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        self.eta_label.setText(f"{title}: {summary}.")
        self.message.emit(f"{title}: {summary}")
        self.run_finished.emit(counts)

    def _set_state(self, row: QTreeWidgetItem, status: Status, details: str) -> None:
        row.setData(0, STATUS_ROLE, status.value)
        row.setText(1, status.value)
        row.setForeground(1, QBrush(STATUS_COLORS[status]))
        row.setText(2, details)
        row.setToolTip(2, details)

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
        self.retry_button.setEnabled(not running and any(
            r.data(0, STATUS_ROLE) == Status.FAILED.value for r in self.rows()))
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
