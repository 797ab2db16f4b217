"""Behaviour of the plot and image widgets: LossPlot, ImageView, GameView."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage

from studio.app.widgets.game_view import GameView, grid_coordinates
from studio.app.widgets.image_view import ImageView
from studio.app.widgets.loss_plot import LossPlot, ema_smooth

SERIES = [("d", "D loss", "#1f77b4"), ("g", "G loss", "#e6761b")]


@pytest.fixture
def loss_plot(qtbot) -> LossPlot:
    plot = LossPlot("Losses", SERIES, y_label="loss")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    return plot


def _ema_reference(x: list[float], a: float) -> np.ndarray:
    """Straightforward loop version of the debiased EMA."""
    out, s = [], 0.0
    for t, v in enumerate(x, start=1):
        s = a * s + (1 - a) * v
        out.append(s / (1 - a**t))
    return np.array(out)


# --- ema_smooth ---------------------------------------------------------------------------


def test_ema_hand_computed() -> None:
    # s1 = .5 -> /.5 = 1; s2 = .25 -> /.75 = 1/3; s3 = .125 -> /.875 = 1/7
    np.testing.assert_allclose(ema_smooth(np.array([1.0, 0.0, 0.0]), 0.5), [1, 1 / 3, 1 / 7])


@pytest.mark.parametrize("a", [0.01, 0.3, 0.9, 0.99])
def test_ema_matches_loop(a: float) -> None:
    x = np.random.default_rng(1).standard_normal(3000).cumsum()
    np.testing.assert_allclose(ema_smooth(x, a), _ema_reference(list(x), a), rtol=1e-9, atol=1e-9)


def test_ema_constant_zero_factor_and_input_untouched() -> None:
    x = np.full(1000, 3.5)
    np.testing.assert_allclose(ema_smooth(x, 0.99), x)
    y = np.array([1.0, 2.0, 3.0])
    out = ema_smooth(y, 0.0)
    np.testing.assert_array_equal(out, y)
    out[0] = 99
    assert y[0] == 1.0


def test_ema_skips_nan() -> None:
    out = ema_smooth(np.array([1.0, np.nan, 0.0, 0.0]), 0.5)
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2, 3]], [1, 1 / 3, 1 / 7])


def test_ema_long_series_runs() -> None:
    x = np.random.default_rng(2).standard_normal(200_000)
    out = ema_smooth(x, 0.99)
    assert out.shape == x.shape and np.isfinite(out).all()


# --- LossPlot -----------------------------------------------------------------------------


def test_set_data_reuses_curves_and_shows_input(loss_plot: LossPlot) -> None:
    d_curve, g_curve = loss_plot.curve("d"), loss_plot.curve("g")
    steps = np.arange(10.0)
    loss_plot.set_data(steps, {"d": steps * 2, "g": steps + 1, "unknown": steps})
    loss_plot.set_data(steps, {"d": steps * 3, "g": steps + 2})
    assert loss_plot.curve("d") is d_curve and loss_plot.curve("g") is g_curve
    x, y = d_curve.getData()
    np.testing.assert_array_equal(x, steps)
    np.testing.assert_array_equal(y, steps * 3)
    np.testing.assert_array_equal(g_curve.getData()[1], steps + 2)


def test_missing_key_leaves_curve_empty(loss_plot: LossPlot) -> None:
    loss_plot.set_data(np.arange(5.0), {"d": np.ones(5)})
    x, _y = loss_plot.curve("g").getData()
    assert x is None or len(x) == 0


def test_smoothing_changes_display_not_input(loss_plot: LossPlot) -> None:
    steps = np.arange(3.0)
    d = np.array([1.0, 0.0, 0.0])
    loss_plot.set_data(steps, {"d": d})
    loss_plot.smoothing = 0.5
    assert loss_plot.smoothing == pytest.approx(0.5)
    np.testing.assert_allclose(loss_plot.curve("d").getData()[1], [1, 1 / 3, 1 / 7])
    np.testing.assert_array_equal(d, [1.0, 0.0, 0.0])
    loss_plot.smoothing = 0.0
    np.testing.assert_array_equal(loss_plot.curve("d").getData()[1], d)


def test_log_scale_with_non_positive_values(loss_plot: LossPlot) -> None:
    loss_plot.set_data(np.arange(4.0), {"d": np.array([1.0, 0.0, -2.0, 10.0])})
    loss_plot.log_scale = True
    assert loss_plot.plot_widget().getPlotItem().getAxis("left").symlog
    loss_plot.grab()  # renders without raising
    _x, y = loss_plot.curve("d").getData()
    # symmetric log: sign(y)·log10(1 + |y|/0.01); zero and negative values stay on the plot
    np.testing.assert_allclose(y, [np.log10(101), 0.0, -np.log10(201), np.log10(1001)])
    loss_plot.log_scale = False
    np.testing.assert_array_equal(loss_plot.curve("d").getData()[1], [1.0, 0.0, -2.0, 10.0])


def test_readout_shows_nearest_step(loss_plot: LossPlot) -> None:
    steps = np.array([0.0, 100.0, 200.0])
    loss_plot.set_data(steps, {"d": np.array([1.5, 1.25, 1.0]), "g": np.array([0.5, 0.75, 2.0])})
    loss_plot.show_readout_at(130.0)
    text = loss_plot.readout_text()
    assert text == "step 100 · D loss 1.250 · G loss 0.7500"
    loss_plot.show_readout_at(1e6)
    assert "step 200" in loss_plot.readout_text()


def test_mouse_move_updates_readout(loss_plot: LossPlot, qtbot) -> None:
    loss_plot.show()
    qtbot.waitExposed(loss_plot)
    steps = np.arange(0.0, 1000.0, 10.0)
    loss_plot.set_data(steps, {"d": np.ones(100), "g": np.zeros(100)})
    vb = loss_plot.plot_widget().getPlotItem().vb
    vb.setRange(xRange=(0, 990), padding=0)
    scene_pos = vb.mapViewToScene(QPointF(500.0, 0.5))
    loss_plot.plot_widget().scene().sigMouseMoved.emit(scene_pos)
    assert loss_plot.readout_text().startswith("step 500")


def test_add_marker_and_clear(loss_plot: LossPlot) -> None:
    loss_plot.set_data(np.arange(5.0), {"d": np.ones(5), "g": np.ones(5)})
    loss_plot.add_marker(3.0, "loss → minimax")
    assert loss_plot.markers == [(3.0, "loss → minimax")]
    lines = [
        item
        for item in loss_plot.plot_widget().getPlotItem().items
        if isinstance(item, pg.InfiniteLine) and getattr(item, "label", None) is not None
    ]
    assert len(lines) == 1
    assert lines[0].value() == 3.0
    assert lines[0].label.toPlainText() == "Loss → minimax"  # the setting's name, in words

    loss_plot.clear()
    assert loss_plot.markers == []
    assert lines[0] not in loss_plot.plot_widget().getPlotItem().items
    for key in ("d", "g"):
        x, _y = loss_plot.curve(key).getData()
        assert x is None or len(x) == 0
    assert loss_plot.readout_text() == ""


def test_marker_label_with_braces(loss_plot: LossPlot) -> None:
    loss_plot.add_marker(1.0, "cfg {a}")
    assert loss_plot.markers == [(1.0, "cfg {a}")]


# --- ImageView ----------------------------------------------------------------------------


@pytest.fixture
def image_view(qtbot) -> ImageView:
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(200, 120)
    return view


def _pixel(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    colour = QColor(image.pixel(x, y))
    return colour.red(), colour.green(), colour.blue()


def test_solid_image_fills_centre(image_view: ImageView) -> None:
    array = np.zeros((8, 8, 3), dtype=np.uint8)
    array[...] = (30, 200, 90)
    image_view.set_image(array)
    assert image_view.image() is array
    grabbed = image_view.grab().toImage()
    assert _pixel(grabbed, grabbed.width() // 2, grabbed.height() // 2) == (30, 200, 90)


def test_orientation_left_red_right_blue(image_view: ImageView) -> None:
    array = np.zeros((8, 8, 3), dtype=np.uint8)
    array[:, :4] = (255, 0, 0)
    array[:, 4:] = (0, 0, 255)
    image_view.set_image(array)
    grabbed = image_view.grab().toImage()
    rect = image_view.image_rect()
    assert rect.width() == rect.height() == 120  # aspect kept, fits the height
    cy = rect.center().y()
    assert _pixel(grabbed, rect.left() + 10, cy) == (255, 0, 0)
    assert _pixel(grabbed, rect.right() - 10, cy) == (0, 0, 255)
    # Outside the image: the dark background.
    assert _pixel(grabbed, 5, cy) == _pixel(grabbed, 195, cy) != (255, 0, 0)


def test_grayscale_and_top_bottom(image_view: ImageView) -> None:
    array = np.zeros((6, 6), dtype=np.uint8)
    array[:3] = 250
    array[3:] = 10
    image_view.set_image(array)
    grabbed = image_view.grab().toImage()
    rect = image_view.image_rect()
    assert _pixel(grabbed, rect.center().x(), rect.top() + 5) == (250, 250, 250)
    assert _pixel(grabbed, rect.center().x(), rect.bottom() - 5) == (10, 10, 10)


def test_non_contiguous_input(image_view: ImageView) -> None:
    big = np.zeros((8, 16, 3), dtype=np.uint8)
    big[:, ::2] = (0, 255, 0)
    image_view.set_image(big[:, ::2])  # strided view: every pixel green
    grabbed = image_view.grab().toImage()
    assert _pixel(grabbed, 100, 60) == (0, 255, 0)


def test_rejects_bad_input(image_view: ImageView) -> None:
    with pytest.raises(ValueError):
        image_view.set_image(np.zeros((4, 4, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        image_view.set_image(np.zeros((4, 4, 2), dtype=np.uint8))


def test_placeholder_and_clear(image_view: ImageView) -> None:
    image_view.set_image(np.zeros((4, 4, 3), dtype=np.uint8))
    image_view.set_image(None)
    assert image_view.image() is None
    assert "Start" in image_view.placeholder
    image_view.placeholder = "Nothing here"
    assert image_view.placeholder == "Nothing here"
    image_view.grab()


def test_save_png(image_view: ImageView, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        image_view.save_png(str(tmp_path / "none.png"))
    array = np.zeros((10, 14, 3), dtype=np.uint8)
    array[2, 3] = (1, 2, 3)
    image_view.set_image(array)
    path = tmp_path / "grid.png"
    image_view.save_png(str(path))
    loaded = QImage(str(path))
    assert (loaded.width(), loaded.height()) == (14, 10)
    assert _pixel(loaded, 3, 2) == (1, 2, 3)
    with pytest.raises(OSError, match="could not write"):
        image_view.save_png(str(tmp_path / "missing-dir" / "x.png"))


def test_clicked_emits_image_coordinates(image_view: ImageView, qtbot) -> None:
    image_view.show()
    qtbot.waitExposed(image_view)
    image_view.set_image(np.zeros((8, 8, 3), dtype=np.uint8))
    rect = image_view.image_rect()  # 120x120 at x=40
    with qtbot.waitSignal(image_view.clicked, timeout=1000) as blocker:
        qtbot.mouseClick(
            image_view, Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 30, rect.top() + 90)
        )
    x, y = blocker.args
    assert x == pytest.approx(30 * 8 / 120) and y == pytest.approx(90 * 8 / 120)
    with qtbot.assertNotEmitted(image_view.clicked):
        qtbot.mouseClick(image_view, Qt.MouseButton.LeftButton, pos=QPoint(5, 60))


def test_size_hint(image_view: ImageView) -> None:
    assert image_view.sizeHint().width() >= 200 and image_view.sizeHint().height() >= 200


# --- GameView -----------------------------------------------------------------------------


@pytest.fixture
def game_view(qtbot) -> GameView:
    view = GameView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    return view


def test_grid_coordinates_order() -> None:
    pts = grid_coordinates(4, 1.0)
    assert pts.shape == (16, 2)
    xs = np.array([-0.75, -0.25, 0.25, 0.75])
    np.testing.assert_allclose(pts[:4, 0], xs)  # x varies fastest
    np.testing.assert_allclose(pts[:4, 1], -0.75)  # first row is the bottom
    np.testing.assert_allclose(pts[::4, 1], xs)


def test_set_state_updates_points(game_view: GameView) -> None:
    rng = np.random.default_rng(0)
    real_item, fake_item = game_view.real_item, game_view.fake_item
    game_view.set_state(rng.standard_normal((50, 2)), rng.standard_normal((30, 2)), None)
    assert len(real_item.points()) == 50 and len(fake_item.points()) == 30
    fake = np.array([[0.1, 0.2], [0.3, -0.4]])
    game_view.set_state(None, fake, None)
    assert game_view.real_item is real_item and game_view.fake_item is fake_item
    assert len(real_item.points()) == 0
    np.testing.assert_allclose(fake_item.data["x"], fake[:, 0])
    np.testing.assert_allclose(fake_item.data["y"], fake[:, 1])


def _heat_at(view: GameView, x: float, y: float) -> float:
    """The heat-map value displayed at data point (x, y)."""
    local = view.heat_item.mapFromView(QPointF(x, y))
    return float(view.heat_item.image[int(local.x()), int(local.y())])


def test_heat_orientation(game_view: GameView) -> None:
    size = 32
    pts = grid_coordinates(size, 1.1)
    heat = (pts[:, 0] > 0).astype(float).reshape(size, size)  # D = 1 on the right half
    game_view.set_state(None, None, heat)
    image = game_view.heat_item.image
    assert image.shape == (size, size)
    np.testing.assert_array_equal(image[size // 2 :, :], 1.0)  # image[x, y]: axis 0 is x
    np.testing.assert_array_equal(image[: size // 2, :], 0.0)
    assert _heat_at(game_view, 0.5, -0.9) == 1.0 and _heat_at(game_view, -0.5, 0.9) == 0.0

    heat_y = (pts[:, 1] > 0.5).astype(float).reshape(size, size)  # D = 1 near the top
    game_view.set_state(None, None, heat_y)
    assert _heat_at(game_view, -1.0, 0.9) == 1.0 and _heat_at(game_view, 1.0, 0.2) == 0.0


def test_heat_renders_green_right_purple_left(game_view: GameView, qtbot) -> None:
    game_view.show()
    qtbot.waitExposed(game_view)
    pts = grid_coordinates(16, 1.1)
    game_view.set_state(None, None, (pts[:, 0] > 0).astype(float).reshape(16, 16))
    grabbed = game_view.grab().toImage()
    plot = game_view.plot_widget()
    vb = plot.getPlotItem().vb

    def colour_at(x: float, y: float) -> tuple[int, int, int]:
        view_pos = plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        widget_pos = plot.mapTo(game_view, view_pos)
        return _pixel(grabbed, widget_pos.x(), widget_pos.y())

    r, g, b = colour_at(0.6, 0.0)
    assert g > r and g > b  # green: judged real
    r, g, b = colour_at(-0.6, 0.0)
    assert r > g and b > g  # purple: judged fake


def test_extent_changes_rect(game_view: GameView) -> None:
    heat = np.zeros((8, 8))
    game_view.set_state(None, None, heat)
    rect = game_view.heat_item.mapRectToView(game_view.heat_item.boundingRect())
    assert rect.left() == pytest.approx(-1.1) and rect.width() == pytest.approx(2.2)
    game_view.set_state(None, None, heat, extent=3.0)
    assert game_view.extent == 3.0
    rect = game_view.heat_item.mapRectToView(game_view.heat_item.boundingRect())
    assert rect.left() == pytest.approx(-3.0) and rect.top() == pytest.approx(-3.0)
    assert rect.width() == pytest.approx(6.0) and rect.height() == pytest.approx(6.0)
    (x0, x1), _ = game_view.plot_widget().getPlotItem().vb.viewRange()
    assert x0 <= -3.0 + 1e-6 and x1 >= 3.0 - 1e-6


def test_heat_none_clears(game_view: GameView) -> None:
    game_view.set_state(None, None, np.ones((4, 4)))
    game_view.set_state(None, None, None)
    assert game_view.heat_item.image is None


def test_reference_line_stays_through_clear(qtbot):
    plot = LossPlot("V", SERIES)
    qtbot.addWidget(plot)
    line = plot.add_reference(-1.386, "−log 4")
    plot.add_marker(10, "loss → minimax")
    plot.clear()
    items = plot.plot_widget().getPlotItem().items
    assert line in items and line.angle == 0 and line.value() == pytest.approx(-1.386)
    assert plot.markers == []


def test_nice_ceiling() -> None:
    from studio.app.widgets.loss_plot import nice_ceiling

    assert [nice_ceiling(x) for x in (0, 1, 7, 10, 11, 151, 2000, 2001)] == \
        [1.0, 1.0, 8.0, 10.0, 15.0, 200.0, 2000.0, 3000.0]


def test_view_follows_data_with_sticky_ranges(loss_plot: LossPlot) -> None:
    vb = loss_plot.plot_widget().getPlotItem().vb
    loss_plot.set_data(np.arange(0.0, 110.0, 10.0), {"d": np.linspace(1.0, 2.0, 11)})
    (x0, x1), (y0, y1) = vb.viewRange()
    assert (x0, x1) == (0.0, 100.0)
    assert y0 < 1.0 and y1 > 2.0 and y1 - y0 < 1.2
    # more data inside the current view: neither axis moves (their pictures stay cached)
    loss_plot.set_data(np.arange(0.0, 120.0, 10.0), {"d": np.r_[np.linspace(1.0, 2.0, 11), 1.5]})
    assert vb.viewRange() == [[0.0, 150.0], [y0, y1]]
    loss_plot.set_data(np.arange(0.0, 130.0, 10.0),
                       {"d": np.r_[np.linspace(1.0, 2.0, 11), 1.5, 1.5]})
    assert vb.viewRange() == [[0.0, 150.0], [y0, y1]]
    # a new extreme widens the value axis
    loss_plot.set_data(np.arange(0.0, 140.0, 10.0),
                       {"d": np.r_[np.linspace(1.0, 2.0, 11), 1.5, 1.5, 5.0]})
    assert vb.viewRange()[1][1] > 5.0
    # a manual zoom stops the following; a double-click-style refit resumes it
    vb.setRange(xRange=(10, 20), padding=0)
    vb.sigRangeChangedManually.emit([True, True])
    assert not loss_plot.following
    loss_plot.set_data(np.arange(0.0, 300.0, 10.0), {"d": np.ones(30)})
    assert vb.viewRange()[0] == [10.0, 20.0]
    loss_plot.follow_data()
    assert loss_plot.following and vb.viewRange()[0] == [0.0, 300.0]


def test_growth_text_shows_resolution_and_fade() -> None:
    from studio.app.panels.monitor import growth_text

    assert growth_text({"loss_d": 1.0}) == ""
    assert growth_text({"resolution": 64.0, "fade": 1.0}) == " · 64 px"
    assert growth_text({"resolution": 32.0, "fade": 0.4}) == " · 32 px fading in 40 %"
    assert growth_text({"resolution": 24.0, "fade": 0.05}) == " · 32 px fading in 5 %"


def test_options_menu_holds_the_log_scale_and_the_smoothing(loss_plot: LossPlot) -> None:
    from PySide6.QtWidgets import QSlider

    menu = loss_plot.options_button().menu()
    log = next(a for a in menu.actions() if a.text().startswith("Log scale"))
    log.trigger()
    assert loss_plot.log_scale
    slider = menu.findChild(QSlider)
    slider.setValue(50)
    assert loss_plot.smoothing == pytest.approx(0.5)
    log.trigger()
    assert not loss_plot.log_scale


def test_readings_and_ticks_are_formatted_alike() -> None:
    from studio.app.widgets.plot_maths import format_reading, format_tick, symlog, symlog_inverse

    assert [format_reading(v) for v in (1.37, 0.7301, -0.65154, 1234.0, 0.0, 1e-5, np.nan)] == \
        ["1.370", "0.7301", "-0.6515", "1234", "0.000", "1.000e-05", "nan"]
    assert [format_tick(v) for v in (0.5, -10.0, 1e-13, 0.30000000000000004)] == \
        ["0.5", "-10", "0", "0.3"]
    y = np.array([-100.0, -0.5, 0.0, 0.003, 7.0])
    np.testing.assert_allclose(symlog_inverse(symlog(y)), y, atol=1e-12)
    assert np.all(np.diff(symlog(y)) > 0)  # order kept, negative values included
