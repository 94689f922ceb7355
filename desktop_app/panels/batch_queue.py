"""The batch queue's list: one row per file with its status and the full details text.

Folders are expanded when added (remembering the folder, so output trees mirror the
input), and files there that the batch would itself write are left out, by the core's own
rule (`plan_batch`): queueing a folder again must not turn `27_enhanced.jpg` into
`27_enhanced_enhanced.jpg`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
)

from zerodce_core.batch import BatchOptions, Status, collect_inputs, plan_batch

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


def collect_media(paths: Iterable[str | Path], options: BatchOptions) -> tuple[list[Path], int]:
    """The photos and videos among files and in folders that a batch with `options` would
    enhance, and how many files there it leaves out as its own outputs (for this naming:
    `27_enhanced.jpg` beside `27.jpg`, and gamma sheets)."""
    found, left_out = [], 0
    for root in map(Path, paths):
        files = [source for source, _ in collect_inputs([root], options.recursive)]
        inputs = {item.source for item in plan_batch([root], options)}
        found += [source for source in files if source in inputs]
        left_out += sum(1 for source in files if source not in inputs)
    return found, left_out


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights that fit the text wrapped at the column's width (Qt measures it unwrapped)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        sized = QStyleOptionViewItem(option)
        sized.rect = QRect(0, 0, self.parent().columnWidth(index.column()), 1)
        return super().sizeHint(sized, index)


class BatchQueue(QTreeWidget):
    """Rows of (file, status, details); the details wrap, so an error is read in full."""

    def __init__(self) -> None:
        super().__init__()
        self.setColumnCount(3)
        self.setHeaderLabels(["File", "Status", "Details"])
        self.setRootIsDecorated(False)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)  # reorder
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 130)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.scheduleDelayedItemsLayout())
        self.setItemDelegateForColumn(2, _WrappingDelegate(self))

    def add_paths(self, paths: Iterable[str | Path], options: BatchOptions) -> tuple[int, int]:
        """Queue files, and the photos and videos in folders, except our outputs there.

        Returns (how many rows were added, how many outputs were left out).
        """
        known = {path.resolve() for path in self.sources()}
        added = left_out = 0
        for root in map(Path, paths):
            found, outputs = collect_media([root], options)
            left_out += outputs
            for source in found:
                if source.resolve() in known:
                    continue
                known.add(source.resolve())
                row = QTreeWidgetItem([str(source.name), "", ""])
                row.setFlags(row.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)  # a flat list
                row.setToolTip(0, str(source))
                row.setData(0, SOURCE_ROLE, str(source))
                row.setData(0, ROOT_ROLE, str(root))
                self.addTopLevelItem(row)
                self.set_state(row, Status.QUEUED, "")
                added += 1
        return added, left_out

    def rows(self) -> list[QTreeWidgetItem]:
        return [self.topLevelItem(i) for i in range(self.topLevelItemCount())]

    def sources(self) -> list[Path]:
        return [self.source(row) for row in self.rows()]

    def roots(self) -> list[str]:
        """The files and folders the rows were added from, each once."""
        return list(dict.fromkeys(row.data(0, ROOT_ROLE) for row in self.rows()))

    def states(self) -> list[tuple[str, str, str]]:
        """(file name, status, details) per row, in queue order."""
        return [(row.text(0), row.data(0, STATUS_ROLE), row.text(2)) for row in self.rows()]

    def source(self, row: QTreeWidgetItem) -> Path:
        return Path(row.data(0, SOURCE_ROLE))

    def status(self, row: QTreeWidgetItem) -> Status:
        return Status(row.data(0, STATUS_ROLE))

    def rows_with(self, status: Status) -> list[QTreeWidgetItem]:
        return [row for row in self.rows() if self.status(row) is status]

    def has_status(self, status: Status) -> bool:
        return bool(self.rows_with(status))

    def set_state(self, row: QTreeWidgetItem, status: Status, details: str) -> None:
        row.setData(0, STATUS_ROLE, status.value)
        row.setText(1, status.value)
        row.setForeground(1, QBrush(STATUS_COLORS[status]))
        row.setText(2, details)
        row.setToolTip(2, details)

    def move_selected(self, delta: int) -> None:
        """Move the selected rows up (-1) or down (1), keeping them selected."""
        selected = sorted((self.indexOfTopLevelItem(r) for r in self.selectedItems()),
                          reverse=delta > 0)
        for index in selected:
            target = index + delta
            if not 0 <= target < self.topLevelItemCount() or self.topLevelItem(target) \
                    .isSelected():
                continue
            row = self.takeTopLevelItem(index)
            self.insertTopLevelItem(target, row)
            row.setSelected(True)

    def remove_selected(self) -> None:
        for row in self.selectedItems():
            self.takeTopLevelItem(self.indexOfTopLevelItem(row))
