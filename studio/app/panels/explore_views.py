"""The three views of the Explore tab: one image, the style-mixing matrix, the interpolation.

Each view owns its own inputs (seeds, crossover, keyframes), says what it wants as a plain
dict for the recipe (`spec`), and shows the picture the render worker sends back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.app.widgets.image_view import ImageView
from studio.explore.layers import LAYER_GROUPS, layer_range
from studio.explore.recipe import MIX_PAD, mix_tile_origin

MAX_SEEDS = 8  # per row/column list and per keyframe list
FRAME_MS = 66  # interpolation preview: about 15 frames a second


def parse_seeds(text: str, most: int = MAX_SEEDS) -> list[int]:
    """'1, 2 3' → [1, 2, 3]; ValueError with a plain message for anything else."""
    parts = text.replace(",", " ").split()
    if not parts:
        raise ValueError("give at least one seed")
    try:
        seeds = [int(p) for p in parts]
    except ValueError:
        raise ValueError("seeds are whole numbers separated by commas or spaces") from None
    if any(s < 0 or s >= 2**31 for s in seeds):
        raise ValueError("seeds go from 0 to 2147483647")
    if len(seeds) > most:
        raise ValueError(f"at most {most} seeds")
    return seeds


class PictureView(QWidget):
    """A picture with its render time, Copy recipe, Export…, Save recipe… and Save image…
    buttons."""

    changed = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = ImageView(smooth=True)
        self.image.placeholder = placeholder
        self.timing = QLabel()
        self.copy_button = QPushButton("Copy recipe")
        self.copy_button.setToolTip("Copy this picture's exact recipe (seed, ψ, directions, "
                                    "mix) as JSON; `gan-studio render` reproduces it")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Export from this view's recipe: many images, a video "
                                      "(walk, ψ or direction sweep), or the model itself "
                                      "(ONNX, safetensors, TorchScript)")
        self.save_button = QPushButton("Save image…")
        self.save_button.setToolTip("Save this picture as PNG (in the run's exports folder "
                                    "unless you choose another)")
        self.save_recipe_button = QPushButton("Save recipe…")
        self.save_recipe_button.setToolTip("Save this picture's recipe as JSON, next to which "
                                           "`gan-studio render` reproduces it")
        self._layout = QVBoxLayout(self)
        self._inputs = QHBoxLayout()
        self._layout.addLayout(self._inputs)
        self._layout.addWidget(self.image, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.timing, 1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.save_recipe_button)
        buttons.addWidget(self.save_button)
        self._layout.addLayout(buttons)

    def show_picture(self, picture: np.ndarray | None, seconds: float) -> None:
        self.image.set_image(picture)
        self.timing.setText(f"rendered in {1000 * seconds:.0f} ms")

    def picture(self) -> np.ndarray | None:
        return self.image.image()

    def clear(self) -> None:
        """Show the placeholder: the generator changed."""
        self.image.set_image(None)
        self.timing.setText("")

    def spec(self, *_: Any) -> dict[str, Any] | None:
        return {}

    def _seed_edit(self, text: str, tip: str) -> QLineEdit:
        edit = QLineEdit(text)
        edit.setToolTip(tip)
        edit.editingFinished.connect(self._on_seeds_edited)
        return edit

    def _on_seeds_edited(self) -> None:
        if self.spec("w") is not None:
            self.changed.emit()

    def _check(self, edit: QLineEdit) -> list[int] | None:
        """The seeds in `edit`, marking it red (with the reason as tooltip) when invalid."""
        try:
            seeds = parse_seeds(edit.text())
        except ValueError as exc:
            edit.setStyleSheet("border: 1px solid #d32f2f")
            edit.setToolTip(str(exc))
            self.timing.setText(str(exc))
            return None
        edit.setStyleSheet("")
        return seeds


class MixView(PictureView):
    """Row seeds × column seeds: each cell has the row's styles at the chosen layers."""

    cell_clicked = Signal(int, int)  # row, column

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Style mixing: rows × columns", parent)
        self.rows = self._seed_edit("1, 2, 3, 4", "Row seeds: their styles go into the "
                                    "chosen layers")
        self.cols = self._seed_edit("10, 11, 12, 13", "Column seeds: their styles fill the "
                                    "other layers")
        self.crossover = QComboBox()
        for name in LAYER_GROUPS:
            self.crossover.addItem(name.capitalize(), name)
        self.crossover.addItem("Custom", "custom")
        self.crossover.setToolTip("Which of the row's style layers replace the column's: "
                                  "coarse (4²–8²) = layout and shape, middle (16²–32²) = "
                                  "features, fine (64² and up) = colour and texture")
        self.lo, self.hi = QSpinBox(), QSpinBox()
        for spin, tip in ((self.lo, "first style layer taken from the row"),
                          (self.hi, "style layers up to (not including) this one")):
            spin.setToolTip(tip)
            spin.setEnabled(False)
            spin.valueChanged.connect(self.changed)
        self.crossover.currentIndexChanged.connect(self._on_crossover)
        for widget in (QLabel("Rows"), self.rows, QLabel("Columns"), self.cols,
                       QLabel("Crossover"), self.crossover, self.lo, self.hi):
            self._inputs.addWidget(widget)
        self._layer_resolutions: tuple[int, ...] = ()
        self.image.clicked.connect(self._on_click)

    def set_num_ws(self, num_ws: int, layer_resolutions: tuple[int, ...]) -> None:
        self._layer_resolutions = layer_resolutions
        for spin in (self.lo, self.hi):
            spin.blockSignals(True)
            spin.setRange(0, num_ws)
            spin.blockSignals(False)
        self._show_band()

    def _show_band(self) -> None:
        """The From/To boxes show the layers a named band uses (what the recipe will say)."""
        group = self.crossover.currentData()
        if group == "custom" or not self._layer_resolutions:
            return
        lo, hi = layer_range(self._layer_resolutions, group)
        for spin, value in ((self.lo, lo), (self.hi, hi)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def _on_crossover(self) -> None:
        custom = self.crossover.currentData() == "custom"
        self.lo.setEnabled(custom)
        self.hi.setEnabled(custom)
        self._show_band()
        self.changed.emit()

    def layers(self) -> tuple[int, int]:
        group = self.crossover.currentData()
        if group == "custom" or not self._layer_resolutions:
            return self.lo.value(), max(self.lo.value(), self.hi.value())
        return layer_range(self._layer_resolutions, group)

    def spec(self, *_: Any) -> dict[str, Any] | None:
        rows, cols = self._check(self.rows), self._check(self.cols)
        if rows is None or cols is None:
            return None
        lo, hi = self.layers()
        return {"rows": rows, "cols": cols, "layers": [lo, hi]}

    def _on_click(self, x: float, y: float) -> None:
        """Map a click on the matrix picture to a (row, column) cell; headers are ignored."""
        spec, picture = self.spec(), self.picture()
        if spec is None or picture is None:
            return
        cell = cell_at(picture.shape, len(spec["rows"]), len(spec["cols"]), x, y)
        if cell is not None:
            self.cell_clicked.emit(*cell)

    def cell_picture(self, row: int, col: int) -> np.ndarray | None:
        spec, picture = self.spec(), self.picture()
        if spec is None or picture is None:
            return None
        h, w = tile_size(picture.shape, len(spec["rows"]), len(spec["cols"]))
        top, left = mix_tile_origin(row + 1, col + 1, h, w)
        return picture[top:top + h, left:left + w]


def tile_size(shape: tuple[int, ...], rows: int, cols: int) -> tuple[int, int]:
    """Height and width of one image in a (rows+1) × (cols+1) mix picture with gaps."""
    return ((shape[0] - MIX_PAD) // (rows + 1) - MIX_PAD,
            (shape[1] - MIX_PAD) // (cols + 1) - MIX_PAD)


def cell_at(shape: tuple[int, ...], rows: int, cols: int, x: float,
            y: float) -> tuple[int, int] | None:
    """Which cell of a mix picture holds pixel (x, y); None on the headers and the gaps."""
    h, w = tile_size(shape, rows, cols)
    r, c = int((y - MIX_PAD) // (h + MIX_PAD)) - 1, int((x - MIX_PAD) // (w + MIX_PAD)) - 1
    if not (0 <= r < rows and 0 <= c < cols):
        return None
    top, left = mix_tile_origin(r + 1, c + 1, h, w)
    return (r, c) if top <= y < top + h and left <= x < left + w else None


class InterpolationView(PictureView):
    """A path through keyframe seeds; a frame slider and an animated preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Interpolation between keyframe seeds", parent)
        self.keyframes = self._seed_edit("1, 2, 3", "The seeds the path passes through")
        self.steps = QSpinBox()
        self.steps.setRange(2, 240)
        self.steps.setValue(24)
        self.steps.setToolTip("Frames between two keyframes")
        self.steps.valueChanged.connect(self._update_range)
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Animate the path (loops)")
        self.play_button.toggled.connect(self._on_play)
        self.frame = QSlider(Qt.Orientation.Horizontal)
        self.frame.valueChanged.connect(self.changed)
        self.frame.setToolTip("Scrub along the path")
        for widget in (QLabel("Keyframes"), self.keyframes, QLabel("Frames per step"),
                       self.steps, self.play_button):
            self._inputs.addWidget(widget)
        self._layout.insertWidget(2, self.frame)
        self.save_button.setText("Save frame…")
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.advance)
        self._update_range()

    def _on_seeds_edited(self) -> None:
        self._update_range()
        super()._on_seeds_edited()

    def _update_range(self) -> None:
        seeds = self._check(self.keyframes)
        frames = 0 if seeds is None else (len(seeds) - 1) * self.steps.value()
        self.frame.setRange(0, max(0, frames))

    def _on_play(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        (self.timer.start if playing else self.timer.stop)()

    def advance(self) -> None:
        """Next frame, looping back to the start."""
        top = self.frame.maximum()
        self.frame.setValue(0 if self.frame.value() >= top else self.frame.value() + 1)

    def spec(self, space: str = "w") -> dict[str, Any] | None:
        seeds = self._check(self.keyframes)
        if seeds is None:
            return None
        return {"keyframes": seeds, "steps": self.steps.value(), "frame": self.frame.value(),
                "space": space}

    def hideEvent(self, event: Any) -> None:
        self.play_button.setChecked(False)  # no animation nobody sees
        super().hideEvent(event)
