"""The "2-D game" view: real and generated points over a heat map of the discriminator.

Heat-map layout (the one contract between caller and view):

* :func:`grid_coordinates` returns the ``size*size`` cell centres of a regular grid that
  tiles ``[-extent, extent]²``, row-major over y then x: point ``i*size + j`` is
  ``(xs[j], ys[i])`` with ``xs = ys = -extent + (k + 0.5) * 2*extent/size``.
* The caller evaluates D on them and reshapes to ``heat[size, size]``, so ``heat[i, j]`` is D
  at ``(x = xs[j], y = ys[i])``: row 0 is the bottom row (smallest y).
* pyqtgraph's ``ImageItem`` indexes ``image[x, y]`` (axis 0 along x, "col-major"), so the view
  stores ``heat.T``: ``heat_item.image[j, i] == heat[i, j]``. The item is placed with
  ``setRect(-extent, -extent, 2*extent, 2*extent)``, so each pixel's centre is exactly the
  grid point D was evaluated at.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QImage, QPalette, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.app.widgets.loss_plot import apply_plot_palette
from studio.data.game_grid import grid_coordinates  # noqa: F401  (re-exported for callers)

DEFAULT_EXTENT = 1.1
REAL_COLOUR = "#4d4d4d"
FAKE_COLOUR = "#e6761b"
LEGEND_TEXT = (
    "D(x): <span style='color:#5aae61'>■</span> green = judged real, "
    "<span style='color:#9970ab'>■</span> purple = judged fake &nbsp;·&nbsp; "
    f"<span style='color:{REAL_COLOUR}'>●</span> real data &nbsp; "
    f"<span style='color:{FAKE_COLOUR}'>●</span> generated"
)


def discriminator_colormap() -> pg.ColorMap:
    """Diverging map: purple (0, fake) → near-white (0.5, undecided) → green (1, real)."""
    stops = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    colours = np.array(
        [
            [153, 112, 171, 255],
            [203, 180, 214, 255],
            [247, 247, 247, 255],
            [166, 216, 160, 255],
            [90, 174, 97, 255],
        ],
        dtype=np.ubyte,
    )
    return pg.ColorMap(stops, colours)


class GameView(QWidget):
    """Scatter of real (grey) and generated (orange) points over D's heat map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._extent = DEFAULT_EXTENT
        self._plot = pg.PlotWidget()
        item = self._plot.getPlotItem()
        item.setAspectLocked(True)
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.hideButtons()

        self.heat_item = pg.ImageItem(axisOrder="col-major")
        self.heat_item.setLookupTable(discriminator_colormap().getLookupTable(0.0, 1.0, 256))
        self.heat_item.setLevels((0.0, 1.0))
        self.heat_item.setZValue(-10)
        item.addItem(self.heat_item)
        self._colour_bar = pg.ColorBarItem(
            values=(0.0, 1.0),
            colorMap=discriminator_colormap(),
            interactive=False,
            width=12,
            colorMapMenu=False,
        )
        self._colour_bar.setImageItem(self.heat_item, insert_in=item)
        real_pen = pg.mkPen(255, 255, 255, 150, width=0.6)  # keeps grey dots visible on dark
        self.real_item = _scatter(REAL_COLOUR, real_pen, z=1)
        self.fake_item = _scatter(FAKE_COLOUR, pg.mkPen("#8a3f00", width=0.6), z=2)
        item.addItem(self.real_item)
        item.addItem(self.fake_item)

        self._note = QLabel()
        self._note.setWordWrap(True)
        self._note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._note.setContentsMargins(6, 0, 6, 0)
        self._note.hide()
        self._legend = QLabel(LEGEND_TEXT)
        self._legend.setWordWrap(True)
        self._legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._legend.setContentsMargins(6, 0, 6, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(2)
        layout.addWidget(self._note)
        layout.addWidget(self._plot, 1)
        layout.addWidget(self._legend)
        self._apply_extent(self._extent)
        self._apply_palette()

    # --- API ----------------------------------------------------------------------------

    def set_state(
        self,
        real: np.ndarray | None,
        fake: np.ndarray | None,
        heat: np.ndarray | None,
        extent: float = DEFAULT_EXTENT,
    ) -> None:
        """Show new points and heat map; ``None`` clears that layer.

        ``real``/``fake`` are ``[N, 2]``; ``heat[i, j]`` is D at ``(xs[j], ys[i])`` as laid
        out by :func:`grid_coordinates` (row 0 = bottom).
        """
        if extent != self._extent:
            self._apply_extent(extent)
        _set_points(self.real_item, real)
        _set_points(self.fake_item, fake)
        if heat is None:
            self.heat_item.clear()
        else:
            grid = np.asarray(heat, dtype=np.float32)
            if grid.ndim != 2:
                raise ValueError(f"heat must be a 2-D [G, G] array, got shape {grid.shape}")
            # ImageItem's axis 0 is x; heat's axis 0 is y: transpose (see module docstring).
            self.heat_item.setImage(grid.T, autoLevels=False, levels=(0.0, 1.0))
            self.heat_item.setRect(self._rect())

    def set_note(self, text: str) -> None:
        """A line above the plot saying why nothing is drawn ("" hides it)."""
        self._note.setText(text)
        self._note.setVisible(bool(text))

    def note(self) -> str:
        """The note shown above the plot ("" for none)."""
        return self._note.text()

    def picture(self) -> np.ndarray:
        """What the view shows now (plot, colour bar and legend) as uint8 [H, W, 3]."""
        image = self.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        h, w, stride = image.height(), image.width(), image.bytesPerLine()
        rows = np.frombuffer(image.constBits(), np.uint8, count=h * stride).reshape(h, stride)
        return rows[:, :w * 3].reshape(h, w, 3).copy()

    @property
    def extent(self) -> float:
        """Half-width of the square shown, in data units."""
        return self._extent

    def plot_widget(self) -> pg.PlotWidget:
        """The underlying pyqtgraph widget."""
        return self._plot

    # --- internals ----------------------------------------------------------------------

    def _rect(self) -> QRectF:
        e = self._extent
        return QRectF(-e, -e, 2 * e, 2 * e)

    def _apply_extent(self, extent: float) -> None:
        """Move the heat map and reset the view to the new square."""
        if not extent > 0:
            raise ValueError(f"extent must be positive, got {extent}")
        self._extent = float(extent)
        self.heat_item.setRect(self._rect())
        e = self._extent
        self._plot.getPlotItem().setRange(xRange=(-e, e), yRange=(-e, e), padding=0.0)

    def _apply_palette(self) -> None:
        apply_plot_palette(self._plot, self.palette())
        text = self.palette().color(QPalette.ColorRole.Text)
        frame = pg.mkPen(self._plot.getPlotItem().getAxis("left").pen())
        for name in ("left", "top", "bottom", "right"):
            self._colour_bar.getAxis(name).setPen(frame)
        axis = self._colour_bar.axis
        axis.setTextPen(frame)
        axis.setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
        axis.setLabel("D(x)", color=text.name())

    def changeEvent(self, event: QEvent) -> None:
        """Follow theme switches."""
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)


def _scatter(colour: str, pen: QPen, z: float) -> pg.ScatterPlotItem:
    """A pixel-sized scatter with one brush and pen for all its points."""
    item = pg.ScatterPlotItem(
        size=5, pen=pen, brush=pg.mkBrush(colour), pxMode=True, antialias=True
    )
    item.setZValue(z)
    return item


def _set_points(item: pg.ScatterPlotItem, points: np.ndarray | None) -> None:
    """Replace a scatter's points (one shared brush, so this stays fast)."""
    if points is None:
        item.setData(x=[], y=[])
        return
    xy = np.asarray(points, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"points must be [N, 2], got shape {xy.shape}")
    item.setData(x=xy[:, 0], y=xy[:, 1])
