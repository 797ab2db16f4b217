"""The Monitor's quality plot: FD, KID ± std and precision/recall/coverage over a run's steps.

Evaluations are rare (each takes seconds), so every new row simply redraws the few points. FD is
named for the feature net that measured it (FD_studio[…]); only the FID Inception's is "FID".
2-D runs show the modes they reach instead of KID, and the share of sharp samples (HQ).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.app.widgets.plot_axes import StepAxis, apply_plot_palette, blend
from studio.app.widgets.plot_labels import change_label
from studio.app.widgets.plot_maths import format_step, format_value, nice_ceiling
from studio.app.widgets.run_quality import number
from studio.metrics.names import fd_label, kid_label

HINT = "No quality measurements — set Evaluate every in the run's settings"
POINTS = "points"  # the `features` of a 2-D run's evaluation (measured on the points)
FD_COLOUR, KID_COLOUR, MODES_COLOUR = "#7f6fb0", "#c0392b", "#16869c"
SHARES = (("precision", "precision", "#3b7dd8"), ("recall", "recall", "#e6761b"),
          ("coverage", "coverage", "#2e9e5b"))
POINT_SHARES = (("high_quality", "HQ", "#7f6fb0"),)  # only 2-D runs report it
_PAD = 0.08  # headroom above the largest FD or KID, as a fraction of it


def merge_rows(rows: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append `new` evaluation rows in place; one whose step goes back (a resume) replaces the
    rows it redoes, and a row at a step already shown replaces that one."""
    for row in new:
        step = row.get("step", 0)
        while rows and rows[-1].get("step", 0) >= step:
            rows.pop()
        rows.append(row)
    return rows


def describe_row(row: dict[str, Any], short: bool = False) -> str:
    """One evaluation in words, e.g. "step 1000 · FD_studio[shapes-32] 12.3 · recall 0.400";
    `short` writes plain "FD" and "KID" (for under plots whose titles name the feature net)."""
    features = str(row.get("features", ""))
    fd_name, kid_name = ("FD", "KID") if short else (fd_label(features), kid_label(features))
    parts = [f"step {format_step(float(row.get('step', 0)))}"]
    if math.isfinite(fd := number(row, "fd")):
        parts.append(f"{fd_name} {format_value(fd)}")
    if math.isfinite(kid := number(row, "kid")):
        std = number(row, "kid_std")
        spread = f" ± {std:.2g}" if math.isfinite(std) else ""
        parts.append(f"{kid_name} {format_value(kid)}{spread}")
    for key, label, _colour in (*SHARES, *POINT_SHARES):
        if math.isfinite(value := number(row, key)):
            parts.append(f"{label} {value:.3f}")
    if "modes_covered" in row:
        parts.append(f"modes {row['modes_covered']} of {row.get('modes_total', '?')}")
    return " · ".join(parts)


def hint_text(every: int) -> str:
    """What to say where the quality plot would be, for a run measuring every `every` steps."""
    if every <= 0:
        return HINT
    return (f"Quality (FD, KID, precision, recall) is measured every {every:,} steps; the "
            "first measurement has not come yet")


def coloured(parts: list[tuple[str, str]]) -> str:
    """A plot title whose words are coloured like their curves (a legend that takes no room)."""
    return " · ".join(f"<span style='color:{colour}'>{text}</span>" for text, colour in parts)


class QualityPlot(QWidget):
    """Three small plots stacked on one step axis. Its owner hides it while there is nothing
    to show (`has_data_changed`) and says why there, e.g. with `hint_text`."""

    has_data_changed = Signal(bool)
    concept_requested = Signal(str)  # a click on a title's "?": the Help page that explains it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []  # every evaluation row, in step order
        self._shown: list[dict[str, Any]] = []  # those on the feature net being shown
        self._features = ""
        self._had_data = False
        self._follow = True
        self._titles: list[str] = ["", "", ""]
        self._concepts = ["fd_kid", "fd_kid", "precision_recall"]  # Help pages, one per plot
        self._markers: list[tuple[float, str, list[pg.InfiniteLine]]] = []
        self._curves: dict[str, pg.PlotDataItem | pg.PlotCurveItem] = {}
        self.choice = QComboBox()
        self.choice.setToolTip("These evaluations used different feature nets, whose numbers "
                               "cannot be compared: choose which to show")
        self.choice.currentIndexChanged.connect(self._on_choice)
        self.plots = [pg.PlotWidget(axisItems={"bottom": StepAxis()}) for _ in range(3)]
        self.readout = QLabel(wordWrap=True)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._cursors = [pg.InfiniteLine(angle=90, movable=False) for _ in self.plots]
        self._build()

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 2)
        layout.setSpacing(2)
        layout.addWidget(self.choice)
        for index, plot in enumerate(self.plots):
            layout.addWidget(plot, 1)
            self._style_plot(plot)
            plot.scene().sigMouseClicked.connect(
                lambda event, i=index: self._title_clicked(i, event))
        self.plots[-1].getPlotItem().setLabel("bottom", "step")
        layout.addWidget(self.readout)
        self.readout.setContentsMargins(6, 0, 6, 0)
        self.readout.setFixedHeight(4 * self.readout.fontMetrics().lineSpacing() + 4)
        self.choice.hide()
        fd_plot, mid_plot, share_plot = (p.getPlotItem() for p in self.plots)
        self._add_curve(fd_plot, "fd", FD_COLOUR)
        self._kid_band = self._add_band(mid_plot)
        self._add_curve(mid_plot, "kid", KID_COLOUR)
        self._add_curve(mid_plot, "modes_covered", MODES_COLOUR)
        for key, _label, colour in (*SHARES, *POINT_SHARES):
            self._add_curve(share_plot, key, colour)
        for plot in self.plots[1:]:
            plot.getPlotItem().setXLink(fd_plot)
        self.plots[0].setToolTip("Fréchet distance between real and generated samples in a "
                                 "feature net's space: lower is better. Only the FID "
                                 "Inception's is FID; others compare within one net only.")
        self.plots[2].setToolTip("Precision: generated samples that look real. Recall: real "
                                 "samples the generator can make. Coverage: real samples with "
                                 "a generated one nearby. Higher is better.")
        self._apply_palette()

    def _style_plot(self, plot: pg.PlotWidget) -> None:
        item = plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.getAxis("left").setWidth(40)
        item.vb.sigRangeChangedManually.connect(self._stop_following)
        cursor = self._cursors[self.plots.index(plot)]
        cursor.setVisible(False)
        item.addItem(cursor, ignoreBounds=True)
        plot.scene().sigMouseMoved.connect(lambda pos, p=plot: self._on_mouse_moved(pos, p))
        plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        for watched in (plot, plot.viewport()):
            watched.installEventFilter(self)

    def _add_curve(self, item: pg.PlotItem, key: str, colour: str) -> None:
        curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                                symbolBrush=colour, symbolPen=None, antialias=True)
        item.addItem(curve)
        self._curves[key] = curve

    def _add_band(self, item: pg.PlotItem) -> pg.FillBetweenItem:
        """KID ± its standard deviation over subsets, as a faint band."""
        edge = pg.mkPen(0, 0, 0, 0)  # invisible edges: only the fill between them shows
        self._curves["kid_low"] = pg.PlotCurveItem(pen=edge)
        self._curves["kid_high"] = pg.PlotCurveItem(pen=edge)
        colour = QColor(KID_COLOUR)
        colour.setAlpha(50)
        band = pg.FillBetweenItem(self._curves["kid_low"], self._curves["kid_high"],
                                  brush=pg.mkBrush(colour))
        for part in (self._curves["kid_low"], self._curves["kid_high"], band):
            item.addItem(part)
        return band

    def _apply_palette(self) -> None:
        palette = self.palette()
        text, base = (palette.color(QPalette.ColorRole.Text),
                      palette.color(QPalette.ColorRole.Base))
        link = palette.color(QPalette.ColorRole.Link).name()
        for plot, title, cursor in zip(self.plots, self._titles, self._cursors, strict=True):
            mark = f" <span style='color:{link}'>?</span>" if title else ""
            apply_plot_palette(plot, palette, title + mark)
            plot.getPlotItem().titleLabel.setCursor(Qt.CursorShape.PointingHandCursor)
            cursor.setPen(pg.mkPen(blend(base, text, 0.35), width=1))

    def _title_clicked(self, index: int, event: Any) -> None:
        """A click on a plot's title (it ends in "?") asks for the page that explains it."""
        title = self.plots[index].getPlotItem().titleLabel
        if self._titles[index] and title.sceneBoundingRect().contains(event.scenePos()):
            self.concept_requested.emit(self._concepts[index])

    def changeEvent(self, event: QEvent) -> None:
        """Follow theme switches."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    # -- data ----------------------------------------------------------------------------------
    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        """Show exactly these evaluation rows (each with its "step")."""
        self._rows = merge_rows([], list(rows))
        self._refresh()

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Add new evaluation rows (a row at a step already shown replaces it)."""
        if rows:
            merge_rows(self._rows, list(rows))
            self._refresh()

    def rows(self) -> list[dict[str, Any]]:
        """Every evaluation row received, in step order."""
        return list(self._rows)

    def clear(self) -> None:
        """Forget every row and marker (a new run is shown)."""
        for _step, _label, lines in self._markers:
            for plot, line in zip(self.plots, lines, strict=True):
                plot.getPlotItem().removeItem(line)
        self._markers = []
        self._follow = True
        self.set_rows([])

    @property
    def has_data(self) -> bool:
        return bool(self._rows)

    @property
    def features(self) -> str:
        """The feature net whose evaluations are shown ("" when none)."""
        return self._features

    @property
    def fd_title(self) -> str:
        """The FD plot's name: "FID" only on the FID Inception, else e.g. "FD_studio[…]"."""
        return fd_label(self._features) if self._features else ""

    def curve(self, key: str) -> pg.PlotDataItem | pg.PlotCurveItem:
        """The persistent curve of one figure (fd, kid, kid_low, kid_high, precision, …)."""
        return self._curves[key]

    def _refresh(self) -> None:
        nets = list(dict.fromkeys(str(r.get("features", "")) for r in reversed(self._rows)))
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItems([fd_label(n) for n in nets])
        keep = nets.index(self._features) if self._features in nets else 0
        self.choice.setCurrentIndex(keep)
        self.choice.blockSignals(False)
        self._features = nets[keep] if nets else ""
        self._draw()

    def _on_choice(self, index: int) -> None:
        nets = list(dict.fromkeys(str(r.get("features", "")) for r in reversed(self._rows)))
        if 0 <= index < len(nets):
            self._features = nets[index]
            self._follow = True
            self._draw()

    def _draw(self) -> None:
        """Put the shown rows into the curves, set the titles and fit the view."""
        self._shown = [r for r in self._rows if str(r.get("features", "")) == self._features]
        steps = np.array([float(r.get("step", 0)) for r in self._shown])
        values = {key: np.array([number(r, key) for r in self._shown]) for key in
                  ("fd", "kid", "kid_std", *(k for k, _l, _c in (*SHARES, *POINT_SHARES)))}
        totals = [number(r, "modes_total") for r in self._shown]
        total = max((t for t in totals if math.isfinite(t)), default=math.nan)
        points = math.isfinite(total)  # a 2-D run: modes instead of KID in the middle
        values["modes_covered"] = np.array([number(r, "modes_covered") for r in self._shown])
        if points:
            values["kid"] = np.full(len(steps), math.nan)
        values["kid_low"] = values["kid"] - np.nan_to_num(values["kid_std"])
        values["kid_high"] = values["kid"] + np.nan_to_num(values["kid_std"])
        if not points:
            values["modes_covered"] = np.full(len(steps), math.nan)
        for key, curve in self._curves.items():
            y = values[key]
            if np.isfinite(y).any():
                curve.setData(steps, y, connect="finite")
            else:  # all missing: empty, so nothing computes bounds of NaNs
                curve.setData([], [])
        self._kid_band.setVisible(not points)
        self._set_titles(points, total)
        self._show_state()
        self._fit(steps, values, total)
        self.show_readout_at(float(steps[-1]) if len(steps) else math.nan)

    def _set_titles(self, points: bool, total: float) -> None:
        f = self._features
        shares = [(label, colour) for key, label, colour in (*SHARES, *POINT_SHARES)
                  if any(math.isfinite(number(r, key)) for r in self._shown)]
        middle = (coloured([(f"modes covered (of {total:.0f})", MODES_COLOUR)]) if points else
                  coloured([(kid_label(f), KID_COLOUR)]))
        self.plots[1].setToolTip(
            "Modes of the mixture that receive at least 1 % of the samples (within 3σ)."
            if points else "Kernel distance between real and generated features, unbiased "
            "(lower is better); the band is ± its standard deviation over subsets.")
        self._titles = [coloured([(fd_label(f), FD_COLOUR)]) if f else "", middle if f else "",
                        coloured(shares)]
        self._concepts[1] = "mode_collapse" if points else "fd_kid"
        self._apply_palette()

    def _show_state(self) -> None:
        """The feature-net choice only when there is one to make; tell the owner of news."""
        self.choice.setHidden(len({str(r.get("features", "")) for r in self._rows}) < 2)
        if self._had_data != bool(self._rows):
            self._had_data = bool(self._rows)
            self.has_data_changed.emit(self._had_data)

    # -- the view ------------------------------------------------------------------------------
    def _fit(self, steps: np.ndarray, values: dict[str, np.ndarray], total: float) -> None:
        """Step axis from 0 to a round number past the newest step; FD and KID from 0 up."""
        if not self._follow or not len(steps):
            return
        fd_plot, mid_plot, share_plot = (p.getPlotItem().vb for p in self.plots)
        end = nice_ceiling(float(steps.max()))
        fd_plot.setRange(xRange=(-0.02 * end, 1.03 * end), padding=0)  # room for the dots
        fd_plot.setRange(yRange=self._span(values["fd"]), padding=0)
        middle = (0.0, max(total, 1.0) * 1.08) if math.isfinite(total) else self._span(
            values["kid_low"], values["kid_high"])
        mid_plot.setRange(yRange=middle, padding=0)
        share_plot.setRange(yRange=(0.0, 1.04), padding=0)

    @staticmethod
    def _span(*arrays: np.ndarray) -> tuple[float, float]:
        finite = np.concatenate([a[np.isfinite(a)] for a in arrays])
        if not finite.size:
            return 0.0, 1.0
        lo, hi = min(0.0, float(finite.min())), float(finite.max())
        return lo, hi + _PAD * max(hi - lo, 1e-12)

    def _stop_following(self, *_: object) -> None:
        self._follow = False

    def _on_mouse_clicked(self, event: object) -> None:
        """A double-click returns to following the data."""
        if getattr(event, "double", lambda: False)():
            self._follow = True
            self._draw()

    def _on_mouse_moved(self, pos: QPointF, plot: pg.PlotWidget) -> None:
        vb = plot.getPlotItem().vb
        if vb.sceneBoundingRect().contains(pos):
            self.show_readout_at(vb.mapSceneToView(pos).x())
        else:
            self.show_latest()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """When the pointer leaves a plot, the readout returns to the latest evaluation."""
        if event.type() == QEvent.Type.Leave:
            self.show_latest()
        return super().eventFilter(watched, event)

    def show_latest(self) -> None:
        """The readout and cursor at the newest evaluation shown (what the plot says when the
        pointer is elsewhere)."""
        self.show_readout_at(float(self._shown[-1].get("step", 0)) if self._shown else math.nan)

    def show_readout_at(self, step: float) -> None:
        """Show the evaluation nearest to `step` in words, with a cursor line there."""
        if not self._shown or not math.isfinite(step):
            self.readout.setText("")
            for cursor in self._cursors:
                cursor.setVisible(False)
            return
        row = min(self._shown, key=lambda r: abs(float(r.get("step", 0)) - step))
        parts = describe_row(row, short=True).split(" · ")
        # lines break only between figures, never inside "FD 12.3"
        self.readout.setText(" · ".join(p.replace(" ", "\u00a0") for p in parts))
        self.readout.setToolTip("\n".join(describe_row(row).split(" · ")))
        for cursor in self._cursors:
            cursor.setValue(float(row.get("step", 0)))
            cursor.setVisible(True)

    def readout_text(self) -> str:
        """The hover readout, e.g. "step 1000 · FD_studio[shapes-32] 12.3 · recall 0.400"."""
        return self.readout.text().replace("\u00a0", " ")

    def add_marker(self, step: float, label: str) -> None:
        """A dashed line at a live change on every plot (the loss plots beside it carry the
        label; here it would not fit), with the label as its tooltip."""
        palette = self.palette()
        text, base = (palette.color(QPalette.ColorRole.Text),
                      palette.color(QPalette.ColorRole.Base))
        pen = pg.mkPen(blend(base, text, 0.55), width=1, style=Qt.PenStyle.DashLine)
        lines = []
        for plot in self.plots:
            line = pg.InfiniteLine(pos=float(step), angle=90, movable=False, pen=pen)
            line.setToolTip(change_label(label))
            plot.getPlotItem().addItem(line, ignoreBounds=True)
            lines.append(line)
        self._markers.append((float(step), label, lines))

    @property
    def markers(self) -> list[tuple[float, str]]:
        return [(step, label) for step, label, _lines in self._markers]

