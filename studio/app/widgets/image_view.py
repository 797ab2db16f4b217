"""Aspect-correct view of the latest sample grid, crisp when small, smooth when large."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BACKGROUND = QColor("#202124")  # dark neutral, so colour casts in samples stay visible
PLACEHOLDER_COLOUR = QColor("#9aa0a6")
CRISP_LIMIT = 256  # images up to this many pixels on their long side use nearest neighbour

_FORMATS: dict[int, QImage.Format] = {
    1: QImage.Format.Format_Grayscale8,
    3: QImage.Format.Format_RGB888,
    4: QImage.Format.Format_RGBA8888,
}


def _to_qimage(array: np.ndarray) -> tuple[QImage, np.ndarray]:
    """Wrap a uint8 [H, W], [H, W, 1|3|4] array as a QImage sharing its memory.

    Returns the image and the contiguous buffer it points into; the caller must keep that
    buffer alive for as long as the image is used.
    """
    if array.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    channels = 1 if array.ndim == 2 else array.shape[2] if array.ndim == 3 else 0
    if channels not in _FORMATS:
        raise ValueError(f"image must be [H, W] or [H, W, 3], got shape {array.shape}")
    buffer = np.ascontiguousarray(array)
    height, width = buffer.shape[:2]
    image = QImage(buffer.data, width, height, width * channels, _FORMATS[channels])
    return image, buffer


class ImageView(QWidget):
    """Shows one uint8 image scaled to fit (aspect kept, centred) on a dark background."""

    clicked = Signal(float, float)  # position in image pixel coordinates (x, y)

    def __init__(self, parent: QWidget | None = None, smooth: bool = False) -> None:
        """`smooth`: always scale smoothly (one picture shown large) instead of keeping the
        pixels of small images crisp (grids of samples)."""
        super().__init__(parent)
        self.smooth = smooth
        self._array: np.ndarray | None = None
        self._buffer: np.ndarray | None = None  # keeps the QImage's memory alive
        self._qimage: QImage | None = None
        self._scaled: QImage | None = None  # cache of the last scaled rendering
        self._placeholder = "No samples yet — press Start"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 64)

    # --- API ----------------------------------------------------------------------------

    def set_image(self, array: np.ndarray | None) -> None:
        """Show ``array`` (uint8 [H, W, 3] or [H, W]); ``None`` shows the placeholder."""
        if array is None:
            self._array = self._buffer = self._qimage = None
        else:
            self._qimage, self._buffer = _to_qimage(np.asarray(array))
            self._array = array
        self._scaled = None
        self.update()

    def image(self) -> np.ndarray | None:
        """The array last passed to :meth:`set_image`."""
        return self._array

    @property
    def placeholder(self) -> str:
        """Text shown while there is no image."""
        return self._placeholder

    @placeholder.setter
    def placeholder(self, text: str) -> None:
        self._placeholder = text
        if self._qimage is None:
            self.update()

    def save_png(self, path: str) -> None:
        """Write the image at its native resolution as PNG."""
        if self._qimage is None:
            raise OSError(f"cannot save {path}: there is no image to save yet")
        if not self._qimage.save(path, "PNG"):
            raise OSError(f"could not write PNG to {path} (check the folder and permissions)")

    def sizeHint(self) -> QSize:
        """Square and roomy enough for a grid of small samples."""
        return QSize(320, 320)

    def image_rect(self) -> QRect:
        """Where the image is drawn in widget coordinates (empty when there is none)."""
        if self._qimage is None:
            return QRect()
        size = self._qimage.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if size.isEmpty():
            return QRect()
        left = (self.width() - size.width()) // 2
        top = (self.height() - size.height()) // 2
        return QRect(left, top, size.width(), size.height())

    def map_to_image(self, pos: QPointF) -> tuple[float, float] | None:
        """Widget position → image pixel coordinates, or ``None`` outside the image."""
        rect = self.image_rect()
        if self._qimage is None or rect.isEmpty():
            return None
        x = (pos.x() - rect.left()) * self._qimage.width() / rect.width()
        y = (pos.y() - rect.top()) * self._qimage.height() / rect.height()
        if 0 <= x < self._qimage.width() and 0 <= y < self._qimage.height():
            return x, y
        return None

    # --- Qt events ----------------------------------------------------------------------

    def _scaled_image(self, rect: QRect) -> QImage:
        """The image resized to ``rect``; nearest neighbour for small images, cached."""
        assert self._qimage is not None
        if self._scaled is None or self._scaled.size() != rect.size():
            small = (not self.smooth
                     and max(self._qimage.width(), self._qimage.height()) <= CRISP_LIMIT)
            mode = (
                Qt.TransformationMode.FastTransformation
                if small
                else Qt.TransformationMode.SmoothTransformation
            )
            self._scaled = self._qimage.scaled(
                rect.size(), Qt.AspectRatioMode.IgnoreAspectRatio, mode
            )
        return self._scaled

    def paintEvent(self, event: QPaintEvent) -> None:
        """Background, then either the scaled image or the placeholder text."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        rect = self.image_rect()
        if self._qimage is not None and not rect.isEmpty():
            painter.drawImage(rect.topLeft(), self._scaled_image(rect))
        elif self._qimage is None and self._placeholder:
            painter.setPen(PLACEHOLDER_COLOUR)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(self.rect().adjusted(12, 12, -12, -12), flags, self._placeholder)
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A left click on the image emits :attr:`clicked` with image coordinates."""
        if event.button() == Qt.MouseButton.LeftButton:
            mapped = self.map_to_image(event.position())
            if mapped is not None:
                self.clicked.emit(*mapped)
        super().mouseReleaseEvent(event)
