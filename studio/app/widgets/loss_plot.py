"""Live training curves: one reusable curve per series, smoothing, log scale, hover readout.

The Monitor tab redraws these about ten times a second with whole arrays, so every update
only swaps curve data (no item re-creation) and all maths is vectorised numpy.

The view follows the data with sticky ranges: the step axis ends on the next round number and
the value axis grows only for new extremes, so most redraws leave both axes as they were and
their cached pictures are reused (re-laying-out tick text was most of a redraw's cost). Zooming
or panning by hand stops the following; a double-click resumes it.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

_NEGLIGIBLE = 1e-18  # EMA weights below this (relative to 1) no longer change a float64 sum
_NICE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # step-axis ends: data fills ≥ 3/4
_Y_PAD = 0.06  # margin above and below the value range, as a fraction of it


def nice_ceiling(x: float) -> float:
    """The smallest 'round' number (1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k) that is ≥ x."""
    if x <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(x))
    return next(m * scale for m in _NICE if m * scale >= x * (1 - 1e-12))


def ema_smooth(values: np.ndarray, factor: float) -> np.ndarray:
    """Debiased exponential moving average, as TensorBoard draws it.

    ``s_t = a*s_{t-1} + (1-a)*x_t`` with ``s_0 = 0``, reported as ``s_t / (1 - a^t)`` so early
    points are not dragged towards zero. Non-finite inputs are skipped (they stay NaN in the
    output and do not poison later points). The recurrence is solved by a log-depth doubling
    scan whose weights are all ≤ 1, so it cannot overflow, and it stops once ``a^k`` becomes
    negligible: about 2 ms for 200k points. Returns a new float64 array; input is untouched.
    """
    x = np.asarray(values, dtype=np.float64)
    a = float(factor)
    if not 0.0 <= a < 1.0:
        raise ValueError(f"smoothing factor must be in [0, 1), got {factor}")
    out = np.array(x, dtype=np.float64, copy=True)
    finite = np.isfinite(x)
    if a == 0.0 or x.size == 0:
        return out
    all_finite = bool(finite.all())
    if not all_finite:
        out[~finite] = np.nan
    out[finite] = _ema_finite(x if all_finite else x[finite], a)
    return out


def _ema_finite(x: np.ndarray, a: float) -> np.ndarray:
    """Debiased EMA of a 1-D array of finite values (helper of :func:`ema_smooth`)."""
    n = x.size
    s = x * (1.0 - a)
    tmp = np.empty_like(s)
    shift, coef = 1, a
    # After the step with shift 2^k, s_t holds sum_{j < 2^(k+1)} a^j (1-a) x_{t-j}.
    while shift < n and coef > _NEGLIGIBLE:
        m = n - shift
        np.multiply(s[:m], coef, out=tmp[:m])
        s[shift:] += tmp[:m]
        shift *= 2
        coef *= coef
    # Debiasing only matters while a^t is not negligible.
    k = min(n, math.ceil(math.log(_NEGLIGIBLE) / math.log(a)))
    s[:k] /= 1.0 - a ** np.arange(1, k + 1, dtype=np.float64)
    return s


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """Colour ``t`` of the way from ``a`` to ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def apply_plot_palette(plot: pg.PlotWidget, palette: QPalette, title: str = "") -> None:
    """Colour a plot from the Qt palette so it reads well in light and dark themes."""
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
        item.setTitle(title, color=text.name(), size="10pt")
    legend = item.legend
    if legend is not None:
        legend.setBrush(pg.mkBrush(base.red(), base.green(), base.blue(), 200))
        legend.setPen(pg.mkPen(blend(base, text, 0.25)))
        legend.setLabelTextColor(text)
        for _sample, label in legend.items:
            label.setText(label.text)


class LossPlot(QWidget):
    """A titled plot of several training curves sharing one step axis."""

    def __init__(
        self,
        title: str,
        series: list[tuple[str, str, str]],
        y_label: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._title = title
        self._labels: dict[str, str] = {key: label for key, label, _colour in series}
        self._colours: dict[str, str] = {key: colour for key, _label, colour in series}
        self._steps = np.empty(0, dtype=np.float64)
        self._raw: dict[str, np.ndarray] = {}
        self._shown: dict[str, np.ndarray] = {}
        self._markers: list[tuple[float, str, pg.InfiniteLine]] = []
        self._follow = True  # the view follows the data until the person zooms or pans
        self._fitted = False  # no range set yet: the first data always fits the view

        self._log_check = QCheckBox("Log scale")
        self._slider = QSlider(Qt.Orientation.Horizontal)
        self._slider.setRange(0, 99)
        self._slider.setFixedWidth(120)
        self._slider.setToolTip("Exponential moving average of the displayed curves")
        self._smooth_label = QLabel()
        self._readout = QLabel()
        self._readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._plot = pg.PlotWidget()
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._cursor = pg.InfiniteLine(angle=90, movable=False)
        self._build_layout()
        self._build_plot(y_label)
        self._update_smooth_label()
        self._log_check.toggled.connect(self._on_log_toggled)
        self._slider.valueChanged.connect(self._on_smoothing_changed)
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._plot.getPlotItem().vb.sigRangeChangedManually.connect(self._stop_following)

    def _build_layout(self) -> None:
        """Controls row, plot, readout line."""
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 0, 6, 0)
        for widget in (self._log_check, QLabel("  Smoothing"), self._slider, self._smooth_label):
            controls.addWidget(widget)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 2)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addWidget(self._plot, 1)
        layout.addWidget(self._readout)
        self._readout.setContentsMargins(6, 0, 6, 0)
        self._readout.setMinimumHeight(self._readout.fontMetrics().height())

    def _build_plot(self, y_label: str) -> None:
        """One curve per series, created once and reused by every update."""
        item = self._plot.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.addLegend(offset=(-10, 10), labelTextSize="9pt")
        item.setLabel("bottom", "step")
        if y_label:
            item.setLabel("left", y_label)
        item.disableAutoRange()  # _follow_data sets sticky ranges instead
        for side in ("left", "bottom"):  # repaint an axis from a pixmap until its range moves
            item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for key, label in self._labels.items():
            pen = pg.mkPen(self._colours[key], width=1)  # wider AA pens are ~100x slower
            self._curves[key] = pg.PlotDataItem(name=label, pen=pen, antialias=True)
            item.addItem(self._curves[key])
        self._cursor.setVisible(False)
        item.addItem(self._cursor, ignoreBounds=True)
        self._apply_palette()

    def _apply_palette(self) -> None:
        """Restyle the plot from the current palette."""
        apply_plot_palette(self._plot, self.palette(), self._title)
        text, base = self._text_and_base()
        self._cursor.setPen(pg.mkPen(blend(base, text, 0.35), width=1))
        for _step, _label, line in self._markers:
            line.setPen(self._marker_pen())
            line.label.fill = pg.mkBrush(base.red(), base.green(), base.blue(), 190)
            line.label.setColor(text)

    def changeEvent(self, event: QEvent) -> None:
        """Follow theme switches."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def set_data(self, steps: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Show new whole-history arrays; unknown keys are ignored, missing ones drawn empty."""
        self._steps = np.asarray(steps, dtype=np.float64)
        self._raw = {k: np.asarray(v, np.float64) for k, v in values.items() if k in self._curves}
        self._redraw()

    def _redraw(self) -> None:
        """Recompute display arrays (smoothing, log masking) and swap them into the curves."""
        a = self.smoothing
        log_y = self._log_check.isChecked()
        self._shown = {}
        for key, curve in self._curves.items():
            raw = self._raw.get(key)
            if raw is None or raw.size == 0:
                curve.setData([], [])
                continue
            n = min(raw.size, self._steps.size)
            y = ema_smooth(raw[:n], a) if a > 0 else raw[:n]
            self._shown[key] = y
            if log_y:
                y = np.where(y > 0, y, np.nan)
            curve.setData(self._steps[:n], y, connect="finite")
        self._follow_data()

    def _follow_data(self, refit: bool = False) -> None:
        """Move the view only when the data leaves it (or shrinks to under half of it)."""
        if not self._follow or not self._shown:
            return
        refit = refit or not self._fitted
        log_y = self._log_check.isChecked()
        parts = [y[np.isfinite(y) & (y > 0)] if log_y else y[np.isfinite(y)]
                 for y in self._shown.values()]
        parts = [p for p in parts if p.size]
        if not parts:
            return
        lo, hi = min(float(p.min()) for p in parts), max(float(p.max()) for p in parts)
        if log_y:
            lo, hi = math.log10(lo), math.log10(hi)
        vb = self._plot.getPlotItem().vb
        (x0, x1), (y0, y1) = vb.viewRange()
        x_end = nice_ceiling(float(self._steps[-1]))
        x_start = min(0.0, float(self._steps[0]))
        changes: dict[str, tuple[float, float]] = {}
        if refit or (x0, x1) != (x_start, x_end):
            changes["xRange"] = (x_start, x_end)
        span = max(hi - lo, 1e-9 if hi == lo == 0 else abs(hi) * 1e-3)
        if refit or lo < y0 or hi > y1 or span < 0.5 * (y1 - y0):
            changes["yRange"] = (lo - _Y_PAD * span, hi + _Y_PAD * span)
        if changes:
            vb.setRange(**changes, padding=0)
        self._fitted = True

    def _stop_following(self, *_: object) -> None:
        self._follow = False

    def _on_mouse_clicked(self, event: object) -> None:
        """A double-click on the plot returns to following the data."""
        if getattr(event, "double", lambda: False)():
            self.follow_data()

    def follow_data(self) -> None:
        """Fit the view to the data and keep following it."""
        self._follow = True
        self._follow_data(refit=True)

    @property
    def following(self) -> bool:
        """Whether the view tracks the data (False after a manual zoom or pan)."""
        return self._follow

    @property
    def smoothing(self) -> float:
        """The EMA factor in [0, 0.99] currently applied for display."""
        return self._slider.value() / 100.0

    @smoothing.setter
    def smoothing(self, factor: float) -> None:
        self._slider.setValue(round(float(factor) * 100))

    @property
    def log_scale(self) -> bool:
        """Whether the y axis is logarithmic."""
        return self._log_check.isChecked()

    @log_scale.setter
    def log_scale(self, enabled: bool) -> None:
        self._log_check.setChecked(bool(enabled))

    def curve(self, key: str) -> pg.PlotDataItem:
        """The (persistent) curve item of one series."""
        return self._curves[key]

    def plot_widget(self) -> pg.PlotWidget:
        """The underlying pyqtgraph widget."""
        return self._plot

    def _on_log_toggled(self, checked: bool) -> None:
        self._plot.getPlotItem().setLogMode(x=False, y=checked)
        self._redraw()
        self._follow_data(refit=True)

    def _on_smoothing_changed(self, _value: int) -> None:
        self._update_smooth_label()
        self._redraw()

    def _update_smooth_label(self) -> None:
        self._smooth_label.setText(f"{self.smoothing:.2f}")

    def _on_mouse_moved(self, pos: QPointF) -> None:
        """Translate a scene position into a step and update the readout."""
        item = self._plot.getPlotItem()
        if not item.vb.sceneBoundingRect().contains(pos):
            return
        self.show_readout_at(item.vb.mapSceneToView(pos).x())

    def show_readout_at(self, step: float) -> None:
        """Show the values of the logged step nearest to ``step`` (and a cursor line there)."""
        if self._steps.size == 0 or not math.isfinite(step):
            self._readout.setText("")
            self._cursor.setVisible(False)
            return
        index = int(np.argmin(np.abs(self._steps - step)))
        nearest = float(self._steps[index])
        parts = [f"step {format_step(nearest)}"]
        for key, raw in self._raw.items():
            if index >= raw.size:
                continue
            value = format_value(raw[index])
            shown = self._shown.get(key)
            if self.smoothing > 0 and shown is not None and index < shown.size:
                value = f"{format_value(shown[index])} (raw {value})"
            parts.append(f"{self._labels[key]} {value}")
        self._readout.setText(" · ".join(parts))
        self._cursor.setValue(nearest)
        self._cursor.setVisible(True)

    def readout_text(self) -> str:
        """The current hover readout, e.g. ``"step 1200 · D loss 1.234 · G loss 0.876"``."""
        return self._readout.text()

    def _marker_pen(self) -> QPen:
        text, base = self._text_and_base()
        return pg.mkPen(blend(base, text, 0.55), width=1, style=Qt.PenStyle.DashLine)

    def _text_and_base(self) -> tuple[QColor, QColor]:
        palette = self.palette()
        return palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)

    def add_marker(self, step: float, label: str) -> None:
        """Mark a mid-training change (e.g. ``"lr_g → 1e-4"``) with a labelled dashed line."""
        text, base = self._text_and_base()
        fill = pg.mkBrush(base.red(), base.green(), base.blue(), 190)
        line = pg.InfiniteLine(
            pos=float(step),
            angle=90,
            movable=False,
            pen=self._marker_pen(),
            label=label.replace("{", "{{").replace("}", "}}"),  # it is a format string
            labelOpts={"position": 0.92, "color": text, "fill": fill, "anchors": [(0, 0.5)] * 2},
        )
        self._plot.getPlotItem().addItem(line, ignoreBounds=True)
        self._markers.append((float(step), label, line))

    def add_reference(self, value: float, label: str) -> pg.InfiniteLine:
        """A faint horizontal line at a value the theory predicts (kept by `clear`)."""
        text, _ = self._text_and_base()
        line = pg.InfiniteLine(pos=float(value), angle=0, movable=False,
                               pen=pg.mkPen(text, width=1, style=Qt.PenStyle.DotLine),
                               label=label, labelOpts={"position": 0.6, "color": text})
        self._plot.getPlotItem().addItem(line, ignoreBounds=True)
        return line

    @property
    def markers(self) -> list[tuple[float, str]]:
        """``(step, label)`` of every marker, in the order added."""
        return [(step, label) for step, label, _line in self._markers]

    def clear(self) -> None:
        """Empty every curve, drop all markers and the readout."""
        self.set_data(np.empty(0), {})
        item = self._plot.getPlotItem()
        for _step, _label, line in self._markers:
            item.removeItem(line)
        self._markers = []
        self._fitted = False
        self.show_readout_at(math.nan)


def format_step(step: float) -> str:
    """Steps are integers in practice; print them without a trailing ``.0``."""
    return str(int(step)) if float(step).is_integer() else f"{step:g}"


def format_value(value: float) -> str:
    """Four significant digits, NaN spelled out."""
    return "nan" if not math.isfinite(value) else f"{value:.4g}"
