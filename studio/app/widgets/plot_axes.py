"""Axes and colours shared by the studio's plots.

`StepAxis` labels only whole steps; `ValueAxis` spaces its labels so they never overlap and, in
symmetric-log mode, places them at round values (0, ±0.1, ±1, ±10 …) labelled with the real
numbers. `apply_plot_palette` colours a plot from the Qt palette so it follows theme switches.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetricsF, QPalette

from studio.app.widgets.plot_maths import (
    SYMLOG_WIDTH,
    format_tick,
    spaced,
    symlog,
    symlog_candidates,
    symlog_inverse,
)

LABEL_GAP = 1.5  # least distance between two value labels, in text heights


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """Colour ``t`` of the way from ``a`` to ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def apply_plot_palette(plot: pg.PlotWidget, palette: QPalette, title: str = "") -> None:
    """Colour a plot from the Qt palette so it reads well in light and dark themes; a title
    gets a row just as tall as its text (pyqtgraph reserves 30 px)."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    muted = blend(base, text, 0.6)
    plot.setBackground(base)
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(muted))
        axis.setTextPen(pg.mkPen(muted))
        if axis.labelText:
            axis.setLabel(axis.labelText, units=axis.labelUnits or None, color=text.name())
    if title:
        item.setTitle(title, color=text.name(), size="9pt")
        height = math.ceil(item.titleLabel.item.boundingRect().height())
        item.layout.setRowFixedHeight(0, height)
        item.titleLabel.setMaximumHeight(height)
    legend = item.legend
    if legend is not None:
        legend.setBrush(pg.mkBrush(base.red(), base.green(), base.blue(), 200))
        legend.setPen(pg.mkPen(blend(base, text, 0.25)))
        legend.setLabelTextColor(text)
        for _sample, label in legend.items:
            label.setText(label.text)


class StepAxis(pg.AxisItem):
    """A step axis: steps are whole numbers, so only integer ticks are labelled (an empty
    plot spans 0–1 and shows 0 and 1, never 0.5)."""

    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        """pyqtgraph's ticks with fractional levels and values left out."""
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            if spacing < 1.0 - 1e-9:
                continue
            whole = [v for v in values if abs(v - round(v)) < 1e-6 * max(1.0, abs(v))]
            levels.append((spacing, [float(round(v)) for v in whole]))
        if not any(values for _s, values in levels):
            first, last = math.ceil(minVal - 1e-9), math.floor(maxVal + 1e-9)
            if last >= first and last - first <= 10:
                levels = [(1.0, [float(v) for v in range(first, last + 1)])]
        return levels

    def tickStrings(self, values: list, scale: float, spacing: float) -> list[str]:
        """Whole numbers, without a decimal point."""
        return [str(round(v * scale)) for v in values]


class ValueAxis(pg.AxisItem):
    """A value axis whose labels never overlap; `symlog` shows a symmetric-log scale."""

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.symlog = False

    def _gap(self) -> float:
        return LABEL_GAP * QFontMetricsF(self.font()).height() * 0.8

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        """Round values spaced at least a label and a half apart."""
        if maxVal <= minVal or size <= 0:
            return []
        per_px = (maxVal - minVal) / size
        if self.symlog:
            return [(1.0, self._symlog_ticks(minVal, maxVal, size))]
        levels = super().tickValues(minVal, maxVal, size)
        if not levels:
            return levels
        spacing, values = levels[0]
        while len(values) > 1 and spacing / per_px < self._gap():
            spacing *= 2.0
            values = [v for v in values if round(v / (spacing / 2.0)) % 2 == 0]
        return [(spacing, values)] + [lv for lv in levels[1:] if lv[0] / per_px >= self._gap()]

    def _symlog_ticks(self, minVal: float, maxVal: float, size: float) -> list[float]:
        """Zero and decades first, then fives, twos and evenly spaced values, where room."""
        lo, hi = float(symlog_inverse(minVal)), float(symlog_inverse(maxVal))
        values = symlog_candidates(lo, hi, SYMLOG_WIDTH)
        spacing = self.tickSpacing(lo, hi, size)[0][0]  # a narrow range: plain round values
        values += [(v, 3) for v in np.arange(math.ceil(lo / spacing), math.floor(hi / spacing)
                                             + 1) * spacing]
        scale = size / (maxVal - minVal)
        positions = [((float(symlog(v)) - minVal) * scale, rank) for v, rank in values]
        return [minVal + p / scale for p in spaced(positions, self._gap())]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list[str]:
        """In symmetric-log mode, the real values; else pyqtgraph's own labels."""
        if self.symlog:
            return [format_tick(float(symlog_inverse(v))) for v in values]
        return super().tickStrings(values, scale, spacing)
