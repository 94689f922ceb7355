"""Photos on the Qt side: pixel conversions and the file-dialog filter.

The views only ever paint QPixmaps; the conversions run when an image or a render
changes (in worker threads where they can), never per paint.
"""

from __future__ import annotations

import numpy as np
import qimage2ndarray
from PySide6.QtGui import QImage

from zerodce_core.imageio import READ_EXTENSIONS
from zerodce_core.video import VIDEO_EXTENSIONS


def to_display_qimage(pixels: np.ndarray) -> QImage:
    """An RGB32 QImage of gray/RGB/RGBA uint8 or uint16 pixels (16-bit shown as 8-bit).

    RGB32 is what the raster painter draws without conversion, so making it here (in a
    worker thread) keeps `QPixmap.fromImage` on the GUI thread to a copy.
    """
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        image = qimage2ndarray.array2qimage(pixels)  # ARGB32 keeps the alpha channel
        return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.convertToFormat(QImage.Format.Format_RGB32)


def qimage_to_array(image: QImage) -> np.ndarray:
    """RGB (or RGBA, when the image has alpha) uint8 pixels of a pasted QImage."""
    if image.hasAlphaChannel():
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
        return np.dstack([qimage2ndarray.rgb_view(image), qimage2ndarray.alpha_view(image)])
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.array(qimage2ndarray.rgb_view(image))


def image_filter(videos: bool = False) -> str:
    """File-dialog filter for every format the core reads (and, for batches, videos)."""
    extensions = sorted(READ_EXTENSIONS | (VIDEO_EXTENSIONS if videos else frozenset()))
    patterns = " ".join(f"*{ext} *{ext.upper()}" for ext in extensions)
    kind = "Photos and videos" if videos else "Photos"
    return f"{kind} ({patterns});;All files (*)"
