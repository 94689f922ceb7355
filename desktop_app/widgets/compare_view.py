"""The before/after canvas: split, side-by-side and single views over one zoom and pan.

One widget paints every view from two QPixmaps, so side-by-side panes share a single
zoom and centre and are synchronised by construction. Coordinates are those of the
full-resolution image whatever the pixmaps' own sizes, which lets the window swap in
a screen-sized render while the strength slider moves and the full one on release.
Downscaled views paint from a cached half-size pyramid level, so panning a 12 MP photo
never resamples the whole image per frame.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

MIN_SCALE = 1 / 64
MAX_SCALE = 32.0
ZOOM_STEP = 1.25
#: How close (px) to the divider a press grabs it instead of panning.
DIVIDER_GRAB = 8
PANE_GAP = 4
MAX_LEVEL = 7  # 1/128 size
BACKGROUND = QColor(38, 38, 40)
EMPTY_TEXT = "Open a photo (Ctrl+O), paste one (Ctrl+V) or drop photos and folders here"


class ViewMode(str, enum.Enum):
    SPLIT = "split"
    SIDE_BY_SIDE = "side_by_side"
    SINGLE = "single"


class _Pyramid:
    """Halved copies of one pixmap, made on first need, for painting it at small scales."""

    def __init__(self, pixmap: QPixmap) -> None:
        self.levels = [pixmap]

    def for_scale(self, scale: float) -> QPixmap:
        """The smallest level still at least as large as the pixmap painted at `scale`."""
        level = 0
        while level < MAX_LEVEL and scale * 2 ** (level + 1) <= 1:
            if level + 1 == len(self.levels):
                last = self.levels[-1]
                if min(last.width(), last.height()) < 64:
                    break
                self.levels.append(last.scaled(
                    last.size() / 2, Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation))
            level += 1
        return self.levels[level]


class CompareView(QWidget):
    """Paints original and enhanced photo; wheel zooms, dragging pans or moves the divider."""

    zoom_changed = Signal(float)
    mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._before: _Pyramid | None = None
        self._after: _Pyramid | None = None
        self._comparison: _Pyramid | None = None  # shown on the before side instead
        self._before_label = "Before"
        self._image_size = QSize()
        self._mode = ViewMode.SPLIT
        self._show_original = False
        self._split = 0.5
        self._scale = 1.0
        self._center = QPointF()
        self._fit = True
        self._drag: str | None = None  # "pan" or "divider"
        self._drag_origin = QPointF()
        self._drag_center = QPointF()

    # -- content ---------------------------------------------------------------------------

    def set_images(self, before: QPixmap, after: QPixmap, size: QSize,
                   keep_view: bool = False) -> None:
        """Show a new photo; `size` is its full resolution. Resets the view to fit unless
        `keep_view` and the size is unchanged (the next frame of a video)."""
        self._before = _Pyramid(before)
        self._after = _Pyramid(after)
        if keep_view and size == self._image_size:
            self.update()
            return
        self._image_size = QSize(size)
        self.zoom_fit()
        self.zoom_changed.emit(self.scale)

    def set_after(self, after: QPixmap) -> None:
        """Replace the enhanced image (any resolution) and keep zoom and pan."""
        if self._before is not None:
            self._after = _Pyramid(after)
            self.update()

    def set_comparison(self, before: QPixmap | None, label: str = "Before") -> None:
        """Show another image (any resolution) on the before side, such as a gamma-corrected
        baseline, under `label`; None shows the original again. "Show original" still does."""
        self._comparison = None if before is None else _Pyramid(before)
        self._before_label = label
        self.update()

    def comparison_pixmap(self) -> QPixmap | None:
        return None if self._comparison is None else self._comparison.levels[0]

    def before_label(self) -> str:
        return self._before_label

    def has_image(self) -> bool:
        return self._before is not None

    def after_pixmap(self) -> QPixmap | None:
        return None if self._after is None else self._after.levels[0]

    def before_pixmap(self) -> QPixmap | None:
        return None if self._before is None else self._before.levels[0]

    # -- view state ------------------------------------------------------------------------

    @property
    def mode(self) -> ViewMode:
        return self._mode

    def set_mode(self, mode: ViewMode | str) -> None:
        mode = ViewMode(mode)
        if mode is not self._mode:
            self._mode = mode
            if self._fit:
                self._apply_fit()
            self.update()
            self.mode_changed.emit(mode.value)

    @property
    def show_original(self) -> bool:
        return self._show_original

    def set_show_original(self, show: bool) -> None:
        if show != self._show_original:
            self._show_original = show
            self.update()

    @property
    def split(self) -> float:
        return self._split

    def set_split(self, fraction: float) -> None:
        self._split = min(max(fraction, 0.0), 1.0)
        self.update()

    @property
    def scale(self) -> float:
        """Zoom in screen pixels per image pixel (1.0 is "actual pixels" on any display)."""
        return self._scale * self.devicePixelRatioF()

    def zoom_fit(self) -> None:
        """The whole photo in view, never enlarged past 100%."""
        self._fit = True
        self._apply_fit()

    def zoom_actual(self) -> None:
        self._zoom_to(1.0 / self.devicePixelRatioF(), None)

    def zoom_in(self) -> None:
        self._zoom_to(self._scale * ZOOM_STEP, None)

    def zoom_out(self) -> None:
        self._zoom_to(self._scale / ZOOM_STEP, None)

    def _apply_fit(self) -> None:
        if self._image_size.isEmpty():
            return
        pane = self._panes()[0]
        scale = min(pane.width() / self._image_size.width(),
                    pane.height() / self._image_size.height(),
                    1.0 / self.devicePixelRatioF())  # a small photo stays sharp at 100%
        self._set_view(scale, self._image_center())

    def _zoom_to(self, scale: float, anchor: QPointF | None) -> None:
        """Zoom keeping the image point under `anchor` (widget coords) in place."""
        if self._image_size.isEmpty():
            return
        scale = min(max(scale, MIN_SCALE), MAX_SCALE)
        pane = self._pane_at(anchor) if anchor is not None else self._panes()[0]
        anchor = anchor if anchor is not None else pane.center()
        image_point = self._to_image(anchor, pane)
        offset = (anchor - pane.center()) / scale
        self._fit = False
        self._set_view(scale, image_point - offset)

    def _set_view(self, scale: float, center: QPointF) -> None:
        changed = not math.isclose(scale, self._scale)
        self._scale = scale
        self._center = self._clamped(center)
        self.update()
        if changed:
            self.zoom_changed.emit(self.scale)

    def _clamped(self, center: QPointF) -> QPointF:
        """Keep at least part of the image in view."""
        width, height = self._image_size.width(), self._image_size.height()
        return QPointF(min(max(center.x(), 0.0), float(width)),
                       min(max(center.y(), 0.0), float(height)))

    def _image_center(self) -> QPointF:
        return QPointF(self._image_size.width() / 2, self._image_size.height() / 2)

    # -- geometry --------------------------------------------------------------------------

    def _panes(self) -> list[QRectF]:
        area = QRectF(self.rect())
        if self._mode is not ViewMode.SIDE_BY_SIDE:
            return [area]
        half = (area.width() - PANE_GAP) / 2
        return [QRectF(0, 0, half, area.height()),
                QRectF(half + PANE_GAP, 0, half, area.height())]

    def _pane_at(self, point: QPointF) -> QRectF:
        panes = self._panes()
        return panes[-1] if point.x() >= panes[-1].left() else panes[0]

    def _to_image(self, point: QPointF, pane: QRectF) -> QPointF:
        return self._center + (point - pane.center()) / self._scale

    def _image_rect(self, pane: QRectF) -> QRectF:
        """Where the whole image lands in widget coordinates inside `pane`."""
        top_left = pane.center() - self._center * self._scale
        return QRectF(top_left, QSize(self._image_size) * self._scale)

    def divider_x(self) -> float:
        pane = self._panes()[0]
        return pane.left() + self._split * pane.width()

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._before is None or self._after is None:
            painter.setPen(QColor(170, 170, 170))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
            return
        panes = self._panes()
        before = self._before if self._comparison is None else self._comparison
        if self._show_original:
            self._paint_layer(painter, panes[0], self._before, panes[0])
            self._paint_label(painter, panes[0], "Original", left=True)
        elif self._mode is ViewMode.SINGLE:
            self._paint_layer(painter, panes[0], self._after, panes[0])
            self._paint_label(painter, panes[0], "Enhanced", left=True)
        elif self._mode is ViewMode.SIDE_BY_SIDE:
            self._paint_layer(painter, panes[0], before, panes[0])
            self._paint_layer(painter, panes[1], self._after, panes[1])
            self._paint_label(painter, panes[0], self._before_label, left=True)
            self._paint_label(painter, panes[1], "After", left=True)
        else:
            pane = panes[0]
            x = self.divider_x()
            left = QRectF(pane.left(), pane.top(), x - pane.left(), pane.height())
            right = QRectF(x, pane.top(), pane.right() - x, pane.height())
            self._paint_layer(painter, pane, before, left)
            self._paint_layer(painter, pane, self._after, right)
            self._paint_divider(painter, x)
            self._paint_label(painter, pane, self._before_label, left=True)
            self._paint_label(painter, pane, "After", left=False)

    def _paint_layer(self, painter: QPainter, pane: QRectF, pyramid: _Pyramid,
                     clip: QRectF) -> None:
        if clip.width() <= 0:
            return
        target = self._image_rect(pane)
        full = pyramid.levels[0]
        pixmap = pyramid.for_scale(target.width() / max(full.width(), 1))
        painter.save()
        painter.setClipRect(clip)
        # Filter when fitting or zoomed out; zoomed in by hand, the user is inspecting pixels.
        smooth = self._fit or self.scale < 1.5
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
        painter.restore()

    def _paint_divider(self, painter: QPainter, x: float) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 220), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        centre = QPointF(x, self.height() / 2)
        painter.setBrush(QColor(40, 40, 40, 200))
        painter.drawEllipse(centre, 14, 14)
        painter.drawText(QRectF(centre.x() - 14, centre.y() - 14, 28, 28),
                         Qt.AlignmentFlag.AlignCenter, "\u2194")
        painter.restore()

    def _paint_label(self, painter: QPainter, pane: QRectF, text: str, *, left: bool) -> None:
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 16, metrics.height() + 8
        x = pane.left() + 10 if left else pane.right() - 10 - width
        box = QRectF(x, pane.top() + 10, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor(240, 240, 240))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    # -- interaction -----------------------------------------------------------------------

    def _near_divider(self, x: float) -> bool:
        return (self._mode is ViewMode.SPLIT and not self._show_original
                and self.has_image() and abs(x - self.divider_x()) <= DIVIDER_GRAB)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or not self.has_image():
            return super().mousePressEvent(event)
        position = event.position()
        if self._near_divider(position.x()):
            self._drag = "divider"
        else:
            self._drag = "pan"
            self._drag_origin = position
            self._drag_center = QPointF(self._center)
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        position = event.position()
        if self._drag == "divider":
            pane = self._panes()[0]
            self.set_split((position.x() - pane.left()) / max(pane.width(), 1.0))
        elif self._drag == "pan":
            self._fit = False
            self._set_view(self._scale,
                           self._drag_center - (position - self._drag_origin) / self._scale)
        elif self._near_divider(position.x()):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor if self.has_image()
                           else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None:
            self._drag = None
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Double-click toggles between fit and 100% at the clicked point."""
        if not self.has_image():
            return
        if self._fit:
            self._zoom_to(1.0 / self.devicePixelRatioF(), event.position())
        else:
            self.zoom_fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps and self.has_image():
            self._zoom_to(self._scale * ZOOM_STEP**steps, event.position())
            event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        if self._fit:
            self._apply_fit()
        super().resizeEvent(event)


class HoldOriginal(QObject):
    """Hold to see the original: while `button` is pressed, or Space is held anywhere in
    `window` (key events no widget took reach the window, where this filter sees them).
    On release `toggled_on()` says what to go back to (the "Show original" toggle)."""

    def __init__(self, view: CompareView, toggled_on: Callable[[], bool],
                 window: QWidget) -> None:
        super().__init__(window)
        self.view = view
        self.toggled_on = toggled_on
        self.button = QToolButton()
        self.button.setText("Hold: original")
        self.button.setToolTip("Press and hold to see the original photo (or hold Space)")
        self.button.pressed.connect(lambda: view.set_show_original(True))
        self.button.released.connect(lambda: view.set_show_original(toggled_on()))
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space
                and not event.isAutoRepeat()):
            pressed = event.type() == QEvent.Type.KeyPress
            self.view.set_show_original(pressed or self.toggled_on())
            return True
        return False
