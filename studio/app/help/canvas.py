"""A small painting kit for the concept figures: theme colours read from a palette, a canvas that
maps data coordinates onto an image, and arrows, boxes and labels drawn with QPainter."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
)

Point = tuple[float, float]


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """The colour t of the way from a to b."""
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


@dataclass(frozen=True)
class Ink:
    """The colours a figure is drawn in, chosen for the palette's background (light or dark)."""

    background: QColor
    text: QColor
    faint: QColor  # axes, grid and guide lines
    real: QColor  # data, real samples
    fake: QColor  # the generator, fakes
    accent: QColor  # a third curve or the discriminator
    other: QColor  # a fourth colour (a second latent, a second band)
    dark: bool

    @classmethod
    def from_palette(cls, palette: QPalette) -> Ink:
        """Colours for figures on the palette's Base colour, bright enough on either theme."""
        bg = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        dark = bg.lightness() < 128
        pick = (lambda light, deep: QColor(light if dark else deep))  # noqa: E731
        return cls(bg, text, blend(bg, text, 0.45), pick("#5cc98a", "#1e8a4c"),
                   pick("#ff9a4d", "#d2601a"), pick("#7fb0ff", "#2f6fc9"),
                   pick("#c9a0ff", "#7a4fb8"), dark)


class Canvas:
    """A QPainter on a fresh image filled with the background, with a data-to-pixel mapping."""

    def __init__(self, width: int, height: int, ink: Ink, dpr: float = 1.0) -> None:
        self.width, self.height, self.ink = width, height, ink
        self.image = QImage(max(1, round(width * dpr)), max(1, round(height * dpr)),
                            QImage.Format.Format_ARGB32_Premultiplied)
        self.image.setDevicePixelRatio(dpr)
        self.image.fill(ink.background)
        self.p = QPainter(self.image)
        self.p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        font = QFont(QGuiApplication.font())
        font.setPointSizeF(9.0)
        self.p.setFont(font)
        self.area = QRectF(0, 0, width, height)
        self.xs, self.ys = (0.0, 1.0), (0.0, 1.0)

    def finish(self) -> QImage:
        """End painting and hand back the image."""
        self.p.end()
        return self.image

    # -- coordinates ---------------------------------------------------------------------------
    def set_view(self, area: QRectF, xs: tuple[float, float], ys: tuple[float, float]) -> None:
        """Map data x in xs and y in ys onto the pixel rectangle `area` (y grows upward)."""
        self.area, self.xs, self.ys = area, xs, ys

    def at(self, x: float, y: float) -> QPointF:
        a = self.area
        fx = (x - self.xs[0]) / (self.xs[1] - self.xs[0])
        fy = (y - self.ys[0]) / (self.ys[1] - self.ys[0])
        return QPointF(a.left() + fx * a.width(), a.bottom() - fy * a.height())

    # -- drawing -------------------------------------------------------------------------------
    def pen(self, colour: QColor, width: float = 1.5, dash: bool = False) -> None:
        pen = QPen(colour, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if dash:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.p.setPen(pen)

    def curve(self, f: Callable[[float], float], x0: float, x1: float, colour: QColor,
              width: float = 2.0, steps: int = 200, dash: bool = False) -> None:
        """Plot y = f(x) on [x0, x1], clipped to the view's y range."""
        lo, hi = self.ys
        points = [(x0 + (x1 - x0) * i / steps) for i in range(steps + 1)]
        self.polyline([(x, min(max(f(x), lo), hi)) for x in points], colour, width, dash)

    def polyline(self, points: Sequence[Point], colour: QColor, width: float = 2.0,
                 dash: bool = False) -> None:
        path = QPainterPath(self.at(*points[0]))
        for x, y in points[1:]:
            path.lineTo(self.at(x, y))
        self.pen(colour, width, dash)
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        self.p.drawPath(path)

    def fill_under(self, f: Callable[[float], float], x0: float, x1: float, colour: QColor,
                   alpha: int = 60, steps: int = 200) -> None:
        """Shade the region between y = 0 and y = f(x)."""
        poly = QPolygonF([self.at(x0, 0.0)])
        for i in range(steps + 1):
            x = x0 + (x1 - x0) * i / steps
            poly.append(self.at(x, f(x)))
        poly.append(self.at(x1, 0.0))
        shade = QColor(colour)
        shade.setAlpha(alpha)
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(shade)
        self.p.drawPolygon(poly)

    def axes(self, x_label: str = "", y_label: str = "",
             x_ticks: Sequence[tuple[float, str]] = (),
             y_ticks: Sequence[tuple[float, str]] = ()) -> None:
        """The left and bottom axes of the view, with ticks and labels."""
        a, ink = self.area, self.ink
        self.pen(ink.faint, 1.0)
        self.p.drawLine(a.bottomLeft(), a.bottomRight())
        self.p.drawLine(a.bottomLeft(), a.topLeft())
        for x, label in x_ticks:
            q = self.at(x, self.ys[0])
            self.pen(ink.faint, 1.0)
            self.p.drawLine(q, q + QPointF(0, 4))
            self.text(q.x(), q.y() + 6, label, ink.text, align="top")
        for y, label in y_ticks:
            q = self.at(self.xs[0], y)
            self.pen(ink.faint, 1.0)
            self.p.drawLine(q, q - QPointF(4, 0))
            self.text(q.x() - 6, q.y(), label, ink.text, align="right")
        if x_label:
            self.text(a.center().x(), a.bottom() + 22, x_label, ink.text, align="top")
        if y_label:
            self.text(a.left(), a.top() - 14, y_label, ink.text, align="left")

    def hline(self, y: float, colour: QColor, dash: bool = True) -> None:
        self.pen(colour, 1.0, dash)
        self.p.drawLine(self.at(self.xs[0], y), self.at(self.xs[1], y))

    def text(self, x: float, y: float, words: str, colour: QColor, align: str = "center",
             bold: bool = False) -> QRectF:
        """Draw `words` anchored at pixel (x, y): align is center, left, right, top or bottom."""
        font = QFont(self.p.font())
        font.setBold(bold)
        self.p.setFont(font)
        box = self.p.fontMetrics().boundingRect(words)
        w, h = box.width() + 2, box.height()
        left = {"left": x, "right": x - w}.get(align, x - w / 2)
        top = {"top": y, "bottom": y - h}.get(align, y - h / 2)
        rect = QRectF(left, top, w, h)
        self.p.setPen(colour)
        self.p.drawText(rect, Qt.AlignmentFlag.AlignCenter, words)
        font.setBold(False)
        self.p.setFont(font)
        return rect

    def arrow(self, a: QPointF, b: QPointF, colour: QColor, width: float = 1.5) -> None:
        """A line from a to b with a filled head at b."""
        self.pen(colour, width)
        self.p.drawLine(a, b)
        angle = math.atan2(b.y() - a.y(), b.x() - a.x())
        size = 6.0 + width
        left = QPointF(b.x() - size * math.cos(angle - 0.4), b.y() - size * math.sin(angle - 0.4))
        right = QPointF(b.x() - size * math.cos(angle + 0.4),
                        b.y() - size * math.sin(angle + 0.4))
        self.p.setBrush(colour)
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.drawPolygon(QPolygonF([b, left, right]))

    def box(self, rect: QRectF, words: str, colour: QColor, bold: bool = True) -> QRectF:
        """A rounded box outlined and tinted in `colour`, with centred words."""
        tint = QColor(colour)
        tint.setAlpha(45)
        self.p.setBrush(QBrush(tint))
        self.pen(colour, 1.6)
        self.p.drawRoundedRect(rect, 6, 6)
        for i, line in enumerate(words.split("\n")):
            offset = (i - (words.count("\n")) / 2) * 14
            self.text(rect.center().x(), rect.center().y() + offset, line, self.ink.text,
                      bold=bold and i == 0)
        return rect

    def dot(self, q: QPointF, colour: QColor, radius: float = 3.0, hollow: bool = False) -> None:
        if hollow:
            self.pen(colour, 1.4)
            self.p.setBrush(Qt.BrushStyle.NoBrush)
        else:
            self.p.setPen(Qt.PenStyle.NoPen)
            self.p.setBrush(colour)
        self.p.drawEllipse(q, radius, radius)

    def legend(self, x: float, y: float, items: Sequence[tuple[str, QColor]],
               dash: Sequence[bool] = ()) -> None:
        """Short line samples with their labels, one under the other from pixel (x, y)."""
        for i, (label, colour) in enumerate(items):
            yy = y + i * 16
            self.pen(colour, 2.2, dash[i] if i < len(dash) else False)
            self.p.drawLine(QPointF(x, yy), QPointF(x + 22, yy))
            self.text(x + 28, yy, label, self.ink.text, align="left")
