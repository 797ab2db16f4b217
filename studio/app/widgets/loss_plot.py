"""Live training curves: one reusable curve per series, smoothing, a symmetric log scale, a
hover readout, live-change markers and reference lines.

The Monitor tab redraws these about ten times a second with whole arrays, so every update
only swaps curve data (no item re-creation) and all maths is vectorised numpy.

The widget is compact for laptop screens: one slim title row (title, a "?" that asks for the
concept's explanation, a menu for scale and smoothing), one line that is the legend or, while
the pointer is over the plot, the readout, and the plot itself with no axis titles.

The view follows the data with sticky ranges: the step axis ends on the next round number and
the value axis grows only for new extremes, so most redraws leave both axes as they were and
their cached pictures are reused (re-laying-out tick text was most of a redraw's cost). Zooming
or panning by hand stops the following; a double-click resumes it.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import (
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from studio.app.widgets.plot_axes import StepAxis, ValueAxis, apply_plot_palette, blend
from studio.app.widgets.plot_labels import PlotLines
from studio.app.widgets.plot_legend import LegendLine
from studio.app.widgets.plot_maths import (
    ema_smooth,
    format_reading,
    format_step,
    nice_ceiling,
    symlog,
)

__all__ = ["LossPlot", "apply_plot_palette", "blend", "ema_smooth", "nice_ceiling"]
_Y_PAD = 0.06  # margin above and below the value range, as a fraction of it


class LossPlot(QWidget):
    """A titled plot of several training curves sharing one step axis.

    `series` holds (key, label, colour) per curve; `concept` names the idea the plot shows
    (e.g. "minimax"): a "?" beside the title then emits `concept_requested(concept)`.
    """

    concept_requested = Signal(str)

    def __init__(self, title: str, series: list[tuple[str, str, str]], y_label: str = "",
                 parent: QWidget | None = None, concept: str = "") -> None:
        super().__init__(parent)
        self._title = title
        self._concept = concept
        self._labels: dict[str, str] = {key: label for key, label, _colour in series}
        self._colours: dict[str, str] = {key: colour for key, _label, colour in series}
        self._steps = np.empty(0, dtype=np.float64)
        self._raw: dict[str, np.ndarray] = {}
        self._shown: dict[str, np.ndarray] = {}
        self._drawn: list[np.ndarray] = []  # the y arrays as drawn (on the axis's scale)
        self._readout = ""  # plain text of the hover readout ("" when the pointer is away)
        self._follow = True  # the view follows the data until the person zooms or pans
        self._fitted = False  # no range set yet: the first data always fits the view

        self._title_label = QLabel(f"<b>{html.escape(title)}</b>")
        self._concept_button = QToolButton(text="?", objectName="conceptLink", autoRaise=True)
        self._concept_button.setToolTip(f"What does “{title}” show? Open its explanation")
        self._concept_button.setVisible(bool(concept))
        self._concept_button.clicked.connect(lambda: self.concept_requested.emit(self._concept))
        self._slider = QSlider(Qt.Orientation.Horizontal)
        self._slider.setRange(0, 99)
        self._slider.setFixedWidth(120)
        self._slider.setToolTip("Exponential moving average of the displayed curves")
        self._smooth_label = QLabel()
        self._log_action = QAction("Log scale (symmetric: shows negative values too)",
                                   self, checkable=True)
        self._options = QToolButton(text="⋮", objectName="plotOptions", autoRaise=True)
        self._line = LegendLine(series)  # the legend, or the readout while hovering
        self._plot = pg.PlotWidget(axisItems={"bottom": StepAxis(), "left": ValueAxis()})
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._cursor = pg.InfiniteLine(angle=90, movable=False)
        self._lines = PlotLines(self._plot.getPlotItem())
        self._build_layout()
        self._build_plot(y_label)
        self._update_smooth_label()
        self._log_action.toggled.connect(self._on_log_toggled)
        self._slider.valueChanged.connect(self._on_smoothing_changed)
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        vb = self._plot.getPlotItem().vb
        vb.sigRangeChangedManually.connect(self._stop_following)
        vb.sigRangeChanged.connect(self._layout_labels)
        vb.sigResized.connect(self._layout_labels)
        for watched in (self._plot, self._plot.viewport()):
            watched.installEventFilter(self)

    def _build_layout(self) -> None:
        """Title row, legend/readout line, plot."""
        menu = QMenu(self._options)
        menu.addAction(self._log_action)
        smoothing = QWidget()
        row = QHBoxLayout(smoothing)
        row.setContentsMargins(8, 2, 8, 2)
        for widget in (QLabel("Smoothing"), self._slider, self._smooth_label):
            row.addWidget(widget)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(smoothing)
        menu.addAction(holder)
        self._options.setMenu(menu)
        self._options.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._options.setToolTip("Scale and smoothing of these curves")
        self._options.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        for button in (self._concept_button, self._options):
            button.setFixedHeight(self._title_label.sizeHint().height())
        header = QHBoxLayout()
        header.setContentsMargins(6, 0, 2, 0)
        header.setSpacing(2)
        header.addWidget(self._title_label)
        header.addWidget(self._concept_button)
        header.addStretch(1)
        header.addWidget(self._options)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self._line)
        layout.addWidget(self._plot, 1)

    def _build_plot(self, y_label: str) -> None:
        """One curve per series, created once and reused by every update."""
        item = self._plot.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.getViewBox().setDefaultPadding(0.0)
        item.layout.setContentsMargins(0, 2, 6, 0)
        if y_label:
            item.setLabel("left", y_label)
        item.disableAutoRange()  # _follow_data sets sticky ranges instead
        item.setRange(xRange=(0.0, 1.0), padding=0)
        for side in ("left", "bottom"):  # repaint an axis from a pixmap until its range moves
            item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for key, label in self._labels.items():
            pen = pg.mkPen(self._colours[key], width=1)  # wider AA pens are ~100x slower
            self._curves[key] = pg.PlotDataItem(name=label, pen=pen, antialias=True)
            item.addItem(self._curves[key])
        self._cursor.setVisible(False)
        item.addItem(self._cursor, ignoreBounds=True)
        self._plot.setToolTip("Steps along the bottom; drag or wheel to zoom, double-click to "
                              "follow the newest data again")
        self._apply_palette()

    def _apply_palette(self) -> None:
        """Restyle the plot, its lines and the legend from the current palette."""
        apply_plot_palette(self._plot, self.palette())
        text, base = self._text_and_base()
        self._cursor.setPen(pg.mkPen(blend(base, text, 0.35), width=1))
        self._lines.restyle(text, base)

    def changeEvent(self, event: QEvent) -> None:
        """Follow theme switches."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The readout and cursor go when the pointer leaves the plot."""
        if event.type() == QEvent.Type.Leave:
            self.show_readout_at(math.nan)
        return super().eventFilter(watched, event)

    # -- data ----------------------------------------------------------------------------------
    def set_data(self, steps: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Show new whole-history arrays; unknown keys are ignored, missing ones drawn empty."""
        self._steps = np.asarray(steps, dtype=np.float64)
        self._raw = {k: np.asarray(v, np.float64) for k, v in values.items() if k in self._curves}
        self._redraw()

    def _redraw(self) -> None:
        """Recompute display arrays (smoothing, symmetric log) and swap them into the curves."""
        a = self.smoothing
        self._shown, self._drawn = {}, []
        for key, curve in self._curves.items():
            raw = self._raw.get(key)
            if raw is None or raw.size == 0:
                curve.setData([], [])
                continue
            n = min(raw.size, self._steps.size)
            y = ema_smooth(raw[:n], a) if a > 0 else raw[:n]
            self._shown[key] = y
            if self.log_scale:
                y = symlog(y)
            self._drawn.append(y)
            curve.setData(self._steps[:n], y, connect="finite")
        self._follow_data()
        self._layout_labels()

    def _follow_data(self, refit: bool = False) -> None:
        """Move the view only when the data leaves it (or shrinks to under half of it)."""
        if not self._follow or not self._drawn:
            return
        refit = refit or not self._fitted
        parts = [y[np.isfinite(y)] for y in self._drawn]
        parts = [p for p in parts if p.size]
        if not parts:
            return
        lo, hi = min(float(p.min()) for p in parts), max(float(p.max()) for p in parts)
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

    def _layout_labels(self, *_: object) -> None:
        """Stack the marker labels and keep the reference labels off the curves."""
        self._lines.layout(self._steps, self._drawn)

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
        """Whether the value axis is a symmetric log scale (negative values stay visible)."""
        return self._log_action.isChecked()

    @log_scale.setter
    def log_scale(self, enabled: bool) -> None:
        self._log_action.setChecked(bool(enabled))

    @property
    def concept(self) -> str:
        """The concept key the "?" beside the title asks for ("" when there is none)."""
        return self._concept

    def curve(self, key: str) -> pg.PlotDataItem:
        """The (persistent) curve item of one series."""
        return self._curves[key]

    def plot_widget(self) -> pg.PlotWidget:
        """The underlying pyqtgraph widget."""
        return self._plot

    def options_button(self) -> QToolButton:
        """The "⋮" button whose menu holds the log scale and the smoothing."""
        return self._options

    def concept_button(self) -> QToolButton:
        """The "?" beside the title (hidden when the plot has no concept)."""
        return self._concept_button

    def _on_log_toggled(self, checked: bool) -> None:
        self._plot.getPlotItem().getAxis("left").symlog = checked
        self._lines.set_symlog(checked)
        self._redraw()
        self._follow_data(refit=True)
        self._plot.getPlotItem().getAxis("left").picture = None  # new labels, same range
        self._plot.getPlotItem().getAxis("left").update()

    def _on_smoothing_changed(self, _value: int) -> None:
        self._update_smooth_label()
        self._redraw()

    def _update_smooth_label(self) -> None:
        self._smooth_label.setText(f"{self.smoothing:.2f}")

    # -- the legend line and the readout -------------------------------------------------------
    def _on_mouse_moved(self, pos: QPointF) -> None:
        """Translate a scene position into a step and update the readout (cleared outside)."""
        item = self._plot.getPlotItem()
        if not item.vb.sceneBoundingRect().contains(pos):
            self.show_readout_at(math.nan)
            return
        self.show_readout_at(item.vb.mapSceneToView(pos).x())

    def show_readout_at(self, step: float) -> None:
        """Show the values of the logged step nearest to ``step`` (and a cursor line there);
        NaN hides the readout and shows the legend again."""
        if self._steps.size == 0 or not math.isfinite(step):
            self._readout = ""
            self._cursor.setVisible(False)
            self._line.show_legend()
            return
        index = int(np.argmin(np.abs(self._steps - step)))
        nearest = float(self._steps[index])
        parts: list[tuple[str, str]] = []  # (key, value text)
        for key in self._labels:  # in the legend's order
            raw = self._raw.get(key)
            if raw is None or index >= raw.size:
                continue
            value = format_reading(raw[index])
            shown = self._shown.get(key)
            if self.smoothing > 0 and shown is not None and index < shown.size:
                value = f"{format_reading(shown[index])} (raw {value})"
            parts.append((key, value))
        self._readout = " · ".join([f"step {format_step(nearest)}"] +
                                   [f"{self._labels[k]} {v}" for k, v in parts])
        self._cursor.setValue(nearest)
        self._cursor.setVisible(True)
        self._line.show_reading(format_step(nearest), parts, self._readout)

    def readout_text(self) -> str:
        """The current hover readout, e.g. ``"step 1200 · D loss 1.234 · G loss 0.8760"``
        ("" while the pointer is away from the plot)."""
        return self._readout

    def legend_text(self) -> str:
        """What the legend/readout line shows now, as plain text."""
        return self._line.plain_text()

    # -- markers and references ----------------------------------------------------------------
    def _text_and_base(self) -> tuple[QColor, QColor]:
        palette = self.palette()
        return palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)

    def add_marker(self, step: float, label: str) -> None:
        """Mark a mid-training change (e.g. ``"lr_g → 1e-4"``, shown as "G learning rate →
        1e-4") with a dashed line whose label never overprints another."""
        self._lines.add_marker(step, label)
        self._layout_labels()

    def add_reference(self, value: float, label: str) -> pg.InfiniteLine:
        """A dotted horizontal line at a value the theory predicts (kept by `clear`); its label
        sits where the curves are not."""
        line = self._lines.add_reference(value, label)
        self._layout_labels()
        return line

    @property
    def markers(self) -> list[tuple[float, str]]:
        """``(step, label)`` of every marker, in the order added (labels as given)."""
        return [(step, label) for step, label, _line in self._lines.markers]

    def marker_lines(self) -> list[pg.InfiniteLine]:
        """The marker lines, in the order added (their labels are in words)."""
        return [line for _step, _label, line in self._lines.markers]

    def clear(self) -> None:
        """Empty every curve, drop all markers and the readout."""
        self.set_data(np.empty(0), {})
        self._lines.clear_markers()
        self._fitted = False
        self.show_readout_at(math.nan)

