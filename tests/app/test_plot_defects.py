"""Issue 9's plot defects, driven through the real widgets: room for the curves on a laptop
screen (5), a symmetric log scale with labels that never overlap (6), stacked marker labels in
words and reference labels off the curves (7), lines and indicators visible in the dark theme
(9), one readout format cleared on leave (15), whole-step ticks (17), the concept link.

Each test builds one small widget and renders it offscreen: about 0.1 s each, 2 s in all.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QVBoxLayout,
    QWidget,
)

from studio.app.style import apply_style, dark_palette
from studio.app.widgets.loss_plot import LossPlot
from studio.app.widgets.quality_plot import QualityPlot

V_SERIES = [("v_real", "E[log D(x)]", "#2e9e5b"), ("v_fake", "E[log(1 − D(G(z)))]", "#c0392b"),
            ("v_total", "V(D, G)", "#7f6fb0")]
LOSS_SERIES = [("loss_d", "D loss", "#3b7dd8"), ("loss_g", "G loss", "#e6761b")]
LOG4 = -float(np.log(4.0))


def make(qtbot, series=LOSS_SERIES, size=(420, 140), **kwargs) -> LossPlot:
    """A shown plot of the size one of the Monitor's three gets at 1024×640."""
    plot = LossPlot("The minimax game: terms of V(D, G)", series, **kwargs)
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def minimax_run(n: int = 61) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Steps 0–600 of a minimax run: D's loss near log 4, G's loss negative (−log 2)."""
    steps = np.linspace(0.0, 600.0, n)
    wobble = 0.05 * np.sin(steps / 40.0)
    return steps, {"loss_d": 1.386 + wobble, "loss_g": -0.69 + wobble}


def text_rects(axis) -> list[tuple[QRectF, str]]:
    """The tick labels pyqtgraph would draw on `axis` now, with their rectangles."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(QRectF(rect), text) for rect, _flags, text in texts]


def marker_lines(plot: LossPlot) -> list[pg.InfiniteLine]:
    """The labelled vertical lines on the plot, in the order added."""
    return [item for item in plot.plot_widget().getPlotItem().items
            if isinstance(item, pg.InfiniteLine) and item.angle == 90
            and getattr(item, "label", None) is not None]


def luma(colour: QColor) -> float:
    return 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()


def widget_rect(plot: LossPlot, item) -> QRectF:
    """An item's rectangle in the LossPlot's own pixels."""
    view = plot.plot_widget()
    polygon = view.mapFromScene(item.sceneBoundingRect())
    return QRectF(polygon.boundingRect()).translated(QPointF(view.mapTo(plot, QPoint(0, 0))))


# --- 5: compact on a laptop screen ---------------------------------------------------------


def test_the_curves_get_most_of_a_small_plot_and_the_legend_stays_off_them(qtbot):
    plot = make(qtbot, V_SERIES)
    plot.set_data(*minimax_run())
    item = plot.plot_widget().getPlotItem()
    data_height = item.vb.sceneBoundingRect().height()
    assert data_height >= 0.55 * plot.height()  # title, legend and ticks take < 45 % (63 px)
    assert item.legend is None  # no legend box inside the data area
    legend = plot.legend_text()
    assert all(label in legend for _key, label, _colour in V_SERIES)
    width = plot._line.fontMetrics().horizontalAdvance(legend)  # the legend line fits: no clip
    assert width <= plot._line.width()
    plot.resize(plot.minimumSizeHint().width(), 140)  # as narrow as it goes: wraps, not clips
    qtbot.wait(10)
    assert plot._line.heightForWidth(plot._line.width()) <= plot._line.height()


# --- 6: symmetric log scale ----------------------------------------------------------------


def test_log_scale_keeps_negative_losses_and_its_labels_never_overlap(qtbot):
    plot = make(qtbot)
    steps, values = minimax_run()
    plot.set_data(steps, values)
    plot.log_scale = True
    _x, y = plot.curve("loss_g").getData()
    assert np.isfinite(y).all() and (y < 0).all()  # the minimax G loss is still drawn, below 0
    _x, y = plot.curve("loss_d").getData()
    assert np.isfinite(y).all() and (y > 0).all()
    rects = text_rects(plot.plot_widget().getPlotItem().getAxis("left"))
    assert len(rects) >= 2
    for (a, _ta), (b, _tb) in itertools.combinations(rects, 2):
        assert not a.intersects(b)
    labels = {float(text) for _rect, text in rects}  # real values, readable as numbers
    assert any(v < 0 for v in labels) and any(v > 0 for v in labels)


def test_log_scale_of_a_narrow_range_has_few_labels_that_do_not_pile_up(qtbot):
    plot = make(qtbot, size=(420, 120))
    steps = np.arange(0.0, 200.0, 10.0)
    plot.set_data(steps, {"loss_d": np.linspace(0.65, 0.95, steps.size)})  # under a decade
    plot.log_scale = True
    rects = text_rects(plot.plot_widget().getPlotItem().getAxis("left"))
    assert rects
    for (a, _ta), (b, _tb) in itertools.combinations(rects, 2):
        assert not a.intersects(b)
        assert abs(a.center().y() - b.center().y()) >= 1.2 * a.height()


# --- 7: marker and reference labels --------------------------------------------------------


def test_close_live_changes_are_stacked_and_named_in_words(qtbot):
    plot = make(qtbot, size=(420, 160))
    plot.set_data(*minimax_run())
    for step, label in ((300, "loss → non-saturating"), (300, "lr_g → 0.0001"),
                        (320, "lr_d → 5e-05"), (450, "loss → minimax")):
        plot.add_marker(step, label)
    assert plot.markers[1] == (300.0, "lr_g → 0.0001")  # the run's record keeps the key
    labels = [line.label for line in marker_lines(plot)]
    texts = [label.toPlainText() for label in labels]
    assert texts == ["Loss → non-saturating", "G learning rate → 0.0001",
                     "D learning rate → 5e-05", "Loss → minimax"]
    assert all(label.isVisible() for label in labels)
    boxes = [label.sceneBoundingRect() for label in labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.intersects(b)
    view = plot.plot_widget().getPlotItem().vb.sceneBoundingRect()
    assert all(view.contains(box) for box in boxes)  # none is cut off at the edge


def test_the_reference_label_sits_off_the_curve_that_reaches_it(qtbot):
    plot = make(qtbot, V_SERIES)
    steps = np.linspace(0.0, 600.0, 301)
    v_total = LOG4 + 0.6 * np.exp(-((steps - 150.0) / 60.0) ** 2)  # away, then back to −log 4
    plot.set_data(steps, {"v_real": v_total / 2 - 0.02, "v_fake": v_total / 2 + 0.02,
                          "v_total": v_total})
    line = plot.add_reference(LOG4, "−log 4 at equilibrium")
    box = line.label.sceneBoundingRect()
    vb = plot.plot_widget().getPlotItem().vb
    assert vb.sceneBoundingRect().contains(box)
    covered = 0
    for key, _label, _colour in V_SERIES:
        xs, ys = plot.curve(key).getData()
        points = [vb.mapViewToScene(QPointF(x, y)) for x, y in zip(xs, ys, strict=True)]
        covered += sum(box.contains(point) for point in points)
    assert covered == 0


# --- 9: the dark theme ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["reference", "marker"])
def test_line_labels_follow_a_later_switch_to_the_dark_theme(qtbot, kind):
    plot = make(qtbot, size=(420, 160))
    plot.set_data(*minimax_run())
    if kind == "reference":
        label = plot.add_reference(1.386, "log 4").label
    else:
        plot.add_marker(300, "loss → minimax")
        label = marker_lines(plot)[0].label
    plot.setPalette(dark_palette())  # the theme changes after the line was added
    qtbot.wait(20)
    image = plot.grab().toImage()
    rect = widget_rect(plot, label).toAlignedRect()
    lumas = [luma(QColor(image.pixel(x, y))) for x in range(rect.left(), rect.right())
             for y in range(rect.top(), rect.bottom())]
    assert max(lumas) > 160 and min(lumas) < 60  # light text on a dark field


@pytest.fixture
def dark_app():
    """The application in the dark theme for one test, then as it was."""
    app = QApplication.instance()
    palette, sheet, style = app.palette(), app.styleSheet(), app.style().name()
    apply_style(app, "dark")
    yield app
    app.setStyle(style)
    app.setPalette(palette)
    app.setStyleSheet(sheet)


@pytest.mark.parametrize("kind", [QCheckBox, QRadioButton])
def test_unchecked_indicators_stand_out_in_the_dark_theme(qtbot, dark_app, kind):
    holder = QWidget()
    qtbot.addWidget(holder)
    button = kind("Z", holder)
    holder.resize(120, 30)
    holder.show()
    qtbot.waitExposed(holder)
    image = holder.grab().toImage()
    option = QStyleOptionButton()
    button.initStyleOption(option)
    element = (QStyle.SubElement.SE_CheckBoxIndicator if kind is QCheckBox
               else QStyle.SubElement.SE_RadioButtonIndicator)
    rect = button.style().subElementRect(element, option, button).translated(button.pos())
    window = luma(dark_app.palette().color(dark_app.palette().ColorRole.Window))
    contrast = max(abs(luma(QColor(image.pixel(x, y))) - window)
                   for x in range(rect.left(), rect.right() + 1)
                   for y in range(rect.top(), rect.bottom() + 1))
    assert contrast >= 60


# --- 15: the readout -----------------------------------------------------------------------


def test_readout_has_one_format_and_goes_when_the_pointer_leaves(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    plot = LossPlot("Losses", LOSS_SERIES)
    layout = QVBoxLayout(holder)
    layout.addWidget(plot)
    holder.resize(420, 200)
    holder.show()
    qtbot.waitExposed(holder)
    plot.set_data(np.array([0.0, 10.0]), {"loss_d": np.array([1.37, 1.0]),
                                          "loss_g": np.array([0.7301, -0.65154])})
    vb = plot.plot_widget().getPlotItem().vb
    view = plot.plot_widget()
    inside = view.mapFromScene(vb.mapViewToScene(QPointF(0.2, 1.0)))
    qtbot.mouseMove(view.viewport(), inside)
    qtbot.waitUntil(lambda: plot.readout_text() != "", timeout=1000)
    assert plot.readout_text() == "step 0 · D loss 1.370 · G loss 0.7301"
    assert "D loss 1.370" in plot.legend_text()
    plot.show_readout_at(10.0)
    assert plot.readout_text() == "step 10 · D loss 1.000 · G loss -0.6515"
    QApplication.sendEvent(view.viewport(), QEvent(QEvent.Type.Leave))  # the pointer leaves
    assert plot.readout_text() == ""
    assert "D loss" in plot.legend_text() and "1.000" not in plot.legend_text()
    view.scene().sigMouseMoved.emit(view.mapToScene(inside))  # back over the curves
    assert plot.readout_text().startswith("step 0")
    outside = view.mapFromScene(vb.sceneBoundingRect().bottomLeft() + QPointF(-5, 5))
    view.scene().sigMouseMoved.emit(view.mapToScene(outside))  # over the axis, off the data
    assert plot.readout_text() == ""


def test_quality_readout_returns_to_the_latest_evaluation_on_leave(qtbot):
    plot = QualityPlot()
    qtbot.addWidget(plot)
    plot.set_rows([{"step": 100, "features": "points", "fd": 2.0},
                   {"step": 200, "features": "points", "fd": 1.0}])
    plot.show_readout_at(100)
    assert plot.readout_text().startswith("step 100")
    QApplication.sendEvent(plot.plots[0].viewport(), QEvent(QEvent.Type.Leave))
    assert plot.readout_text().startswith("step 200")


# --- 17: whole steps -----------------------------------------------------------------------


def test_an_empty_plot_and_a_short_run_show_whole_steps_only(qtbot):
    plot = make(qtbot)
    axis = plot.plot_widget().getPlotItem().getAxis("bottom")
    labels = [text for _rect, text in text_rects(axis)]
    assert all(text.lstrip("-").isdigit() for text in labels)  # no "0.5"
    plot.set_data(np.array([0.0, 1.0, 2.0]), {"loss_d": np.ones(3)})
    labels = [text for _rect, text in text_rects(axis)]
    assert labels and all(text.lstrip("-").isdigit() for text in labels)
    quality = QualityPlot()
    qtbot.addWidget(quality)
    quality.resize(300, 400)
    quality.set_rows([{"step": s, "features": "points", "fd": 2.0} for s in (1, 2, 3)])
    labels = [text for _rect, text in text_rects(quality.plots[-1].getPlotItem().getAxis("bottom"))]
    assert labels and all(text.lstrip("-").isdigit() for text in labels)


# --- Help → Concepts -----------------------------------------------------------------------


def test_the_question_mark_beside_the_title_asks_for_the_concept(qtbot):
    plot = make(qtbot, concept="minimax")
    button = plot.concept_button()
    assert button.isVisible() and button.text() == "?"
    with qtbot.waitSignal(plot.concept_requested, timeout=1000) as signal:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert signal.args == ["minimax"]
    assert not make(qtbot).concept_button().isVisible()  # no concept: no link
