"""Labelled lines on a plot: live-change markers and the theory's reference values.

Marker labels are stacked in rows so that close changes never overprint each other, and name
settings as people do ("G learning rate → 0.0001", from the config's field labels). Reference
labels ("−log 4 at equilibrium") go where the curves are not, above or below their line. Both
follow the palette, so a theme switch made after they were added recolours them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor

from studio.app.widgets.plot_axes import blend
from studio.app.widgets.plot_maths import crowding, stack_rows, symlog
from studio.config import TrainConfig

MAX_ROWS = 4  # marker label rows at most (each a text line high), from the top of the plot
# where a reference label may sit along its line: (fraction of the width, horizontal anchor)
LIFT = 0.15  # a reference label keeps this much of its height clear of its line
SPOTS = ((0.985, 1.0), (0.015, 0.0), (0.5, 0.5), (0.75, 0.5), (0.25, 0.5))


def _setting_names() -> dict[str, str]:
    """Config key → the label the settings form shows, for every setting that can change live."""
    return {f.name: f.metadata["label"] for f in dataclasses.fields(TrainConfig)
            if f.metadata.get("live")}


NAMES = _setting_names()


def change_label(label: str) -> str:
    """A live change in words: "lr_g → 0.0001" becomes "G learning rate → 0.0001"."""
    key, sep, rest = label.partition(" → ")
    return f"{NAMES[key]} → {rest}" if sep and key in NAMES else label


def _escaped(text: str) -> str:
    """Braces doubled: pyqtgraph formats a line's label with its value."""
    return text.replace("{", "{{").replace("}", "}}")  # a label is a format string


class PlotLines:
    """The marker and reference lines of one plot item, and where their labels go."""

    def __init__(self, item: pg.PlotItem) -> None:
        self._item = item
        self.markers: list[tuple[float, str, pg.InfiniteLine]] = []
        self.references: list[tuple[float, str, pg.InfiniteLine]] = []
        self._colours = (QColor("black"), QColor("white"))  # text, base
        self._symlog = False
        self._laid_out: tuple[object, int] = (None, 0)  # (view and lines, points) at last layout

    # -- lines ---------------------------------------------------------------------------------
    def add_marker(self, step: float, label: str) -> pg.InfiniteLine:
        """A dashed vertical line at a live change, labelled in words."""
        text = change_label(label)
        line = pg.InfiniteLine(pos=float(step), angle=90, movable=False, label=_escaped(text),
                               labelOpts={"position": 0.95, "anchors": [(0, 0), (0, 0)]})
        line.setToolTip(text)
        self._item.addItem(line, ignoreBounds=True)
        self.markers.append((float(step), label, line))
        self._style(line, marker=True)
        return line

    def add_reference(self, value: float, label: str) -> pg.InfiniteLine:
        """A horizontal line at a value the theory predicts, labelled clear of the curves."""
        line = pg.InfiniteLine(pos=self._y(value), angle=0, movable=False, label=_escaped(label),
                               labelOpts={"position": SPOTS[0][0],
                                          "anchors": [(1, 1 + LIFT), (1, 1 + LIFT)]})
        line.setToolTip(label)
        self._item.addItem(line, ignoreBounds=True)
        self.references.append((float(value), label, line))
        self._style(line, marker=False)
        return line

    def clear_markers(self) -> None:
        """Remove every marker (a new run is shown); the references stay."""
        for _step, _label, line in self.markers:
            self._item.removeItem(line)
        self.markers = []

    def set_symlog(self, enabled: bool) -> None:
        """Move the reference lines to where their values sit on the new scale."""
        self._symlog = enabled
        for value, _label, line in self.references:
            line.setValue(self._y(value))

    def _y(self, value: float) -> float:
        """Where a value sits on the value axis's current scale."""
        return float(symlog(value)) if self._symlog else float(value)

    # -- colours -------------------------------------------------------------------------------
    def restyle(self, text: QColor, base: QColor) -> None:
        """Recolour every line and label (a theme switch)."""
        self._colours = (QColor(text), QColor(base))
        for _v, _l, line in self.markers:
            self._style(line, marker=True)
        for _v, _l, line in self.references:
            self._style(line, marker=False)

    def _style(self, line: pg.InfiniteLine, marker: bool) -> None:
        """Pen and label colours from the palette: dashed markers, dotted references, and
        labels in the text colour on a nearly opaque field of the plot's background."""
        text, base = self._colours
        if marker:
            pen = pg.mkPen(blend(base, text, 0.6), width=1, style=Qt.PenStyle.DashLine)
        else:
            pen = pg.mkPen(blend(base, text, 0.8), width=1.5, style=Qt.PenStyle.DotLine)
        line.setPen(pen)
        line.label.textItem.document().setDocumentMargin(1)
        line.label.fill = pg.mkBrush(base.red(), base.green(), base.blue(), 215)
        line.label.setColor(text)

    # -- where the labels go -------------------------------------------------------------------
    def layout(self, xs: np.ndarray, ys: list[np.ndarray]) -> None:
        """Place every label for the curves shown now (`ys` as drawn, over steps `xs`)."""
        rect = self._item.vb.sceneBoundingRect()
        if rect.width() < 2 or rect.height() < 2 or not (self.markers or self.references):
            return
        # the same view and lines, and data grown by under 5 %: the labels stay where they are
        key = (str(self._item.vb.viewRange()), rect.width(), rect.height(), len(self.markers),
               len(self.references), self._symlog)
        n, (last_key, last_n) = len(xs), self._laid_out
        if key == last_key and last_n <= n <= 1.05 * last_n + 1:
            return
        self._laid_out = (key, n)
        taken = self._layout_markers(rect, xs, ys)
        self._layout_references(rect, xs, ys, taken)

    def _points_in(self, xs: np.ndarray, ys: list[np.ndarray], box: QRectF) -> int:
        """Curve points under a scene rectangle."""
        vb = self._item.vb
        a, b = vb.mapSceneToView(box.topLeft()), vb.mapSceneToView(box.bottomRight())
        return crowding(xs, ys, (min(a.x(), b.x()), max(a.x(), b.x()),
                                 min(a.y(), b.y()), max(a.y(), b.y())))

    def _layout_markers(self, rect: QRectF, xs: np.ndarray, ys: list[np.ndarray]) -> list[QRectF]:
        """Stack marker labels in rows, at the top or the bottom of the plot (where they hide
        fewer curve points), so that none overprints another; returns their rectangles."""
        if not self.markers:
            return []
        vb = self._item.vb
        spans, flips = [], []
        for step, _label, line in self.markers:
            x = vb.mapViewToScene(QPointF(step, 0.0)).x()
            width = line.label.boundingRect().width()
            flip = x + width > rect.right() and x - width >= rect.left()  # no room on the right
            flips.append(flip)
            spans.append((x - width, x) if flip else (x, x + width))
        row_h = 1 + max(line.label.boundingRect().height() for _s, _l, line in self.markers)
        rows = max(1, min(MAX_ROWS, int(0.75 * rect.height() // max(row_h, 1.0))))
        shown = [i for i, ((a, b), f) in enumerate(zip(spans, flips, strict=True))
                 if rect.left() - 1 <= (b if f else a) <= rect.right() + 1]  # inside the view
        placed: list[int | None] = [None] * len(spans)
        for i, row in zip(shown, stack_rows([spans[i] for i in shown], rows), strict=True):
            placed[i] = row

        def boxes(top: bool) -> list[QRectF | None]:
            return [None if row is None else QRectF(
                left, rect.top() + 1 + row * row_h if top else
                rect.bottom() - 1 - (row + 1) * row_h, right - left, row_h)
                for (left, right), row in zip(spans, placed, strict=True)]

        refs = [vb.mapViewToScene(QPointF(0.0, self._y(v))).y() for v, _l, _r in self.references]

        def cost(top: bool) -> int:  # curve points hidden, and reference lines crossed
            return sum(self._points_in(xs, ys, b) + 50 * sum(b.top() <= y <= b.bottom()
                                                             for y in refs)
                       for b in boxes(top) if b is not None)

        top = cost(True) <= cost(False)
        for (_s, _l, line), row, flip in zip(self.markers, placed, flips, strict=True):
            label = line.label
            if row is None:
                label.hide()  # no free row: the line's tooltip still names the change
                continue
            anchor = (1 if flip else 0, 0 if top else 1)
            label.anchors = [anchor, anchor]
            label.setVisible(True)
            offset = (1 + row * row_h) / rect.height()
            label.setPosition(max(0.0, 1.0 - offset) if top else min(1.0, offset))
        return [b for b in boxes(top) if b is not None]

    def _layout_references(self, rect: QRectF, xs: np.ndarray, ys: list[np.ndarray],
                           taken: list[QRectF]) -> None:
        """Each reference label where it covers the fewest curve points, above or below its
        line, never on a marker label."""
        vb = self._item.vb
        for value, _label, line in self.references:
            y = vb.mapViewToScene(QPointF(0.0, self._y(value))).y()
            size = line.label.boundingRect()
            w, h = size.width(), size.height()
            best: tuple[int, float, tuple[float, float]] | None = None
            for frac, ax in SPOTS:
                x = rect.left() + frac * rect.width()
                for ay, box in ((1 + LIFT, QRectF(x - ax * w, y - (1 + LIFT) * h, w, h)),
                                (-LIFT, QRectF(x - ax * w, y + LIFT * h, w, h))):
                    if box.top() < rect.top() or box.bottom() > rect.bottom():
                        continue  # the label would be cut off by the plot's edge
                    n = self._points_in(xs, ys, box)
                    n += 10**6 * sum(box.intersects(t) for t in taken)
                    if best is None or n < best[0]:
                        best = (n, frac, (ax, ay))
            if best is not None:
                line.label.anchors = [best[2], best[2]]
                line.label.setPosition(best[1])
