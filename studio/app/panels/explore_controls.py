"""The Explore tab's side controls: the latent (class, seed, space, truncation, noise) and the
direction sliders with the style layers they move.

Each box says `changed` when a value the recipe depends on moves; the panel builds the recipe.
What a generator cannot use is disabled (the latent box says why) or hidden (directions).
"""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from studio.app.widgets.direction_sliders import DirectionSliders
from studio.explore.layers import LAYER_GROUPS, layer_range

PSI_SCALE = 100  # the ψ slider moves in steps of 0.01
DIRECTION_COUNT = 6
DIRECTION_SAMPLES = 4096


class LatentBox(QGroupBox):
    """A cGAN's class, the seed, and a StyleGAN's interpolation space, ψ, cutoff and noise
    (hidden for other generators, with a note saying why)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Latent", parent)
        self.form = form = QFormLayout(self)
        self.style_note = QLabel(wordWrap=True, objectName="styleNote")
        form.addRow(self.style_note)
        self.class_combo = QComboBox(toolTip="The class the conditional generator draws")
        self.class_combo.currentIndexChanged.connect(self.changed)
        form.addRow("Class", self.class_combo)
        self.seed = QSpinBox(toolTip="The seed of z: the same seed always gives the same image")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.valueChanged.connect(self.changed)
        dice = QPushButton("Random", toolTip="A random seed")
        dice.clicked.connect(self.random_seed)
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(dice)
        form.addRow("Seed", row)
        self.space_w, self.space_z = QRadioButton("W"), QRadioButton("Z")
        self.space_w.setChecked(True)
        tip = ("Where interpolation travels: a straight line in W (the mapped space), or a "
               "great circle in Z (the Gaussian input, where straight lines pass through "
               "unlikely latents)")
        group = QButtonGroup(self)
        space = QHBoxLayout()
        for button in (self.space_w, self.space_z):
            button.setToolTip(tip)
            group.addButton(button)
            space.addWidget(button)
            button.toggled.connect(self.changed)
        space.addStretch(1)
        form.addRow("Space", space)
        self._space_row = space
        self.psi = QSlider(Qt.Orientation.Horizontal)
        self.psi.setRange(-PSI_SCALE, int(1.5 * PSI_SCALE))
        self.psi.setValue(PSI_SCALE)
        self.psi.setToolTip("Truncation ψ: w is pulled toward the average w. 1 = untouched, "
                            "0 = the average image, below 0 = the 'opposite' image")
        self.psi_label = QLabel()
        self.psi.valueChanged.connect(self._on_psi)
        psi_row = QHBoxLayout()
        psi_row.addWidget(self.psi, 1)
        psi_row.addWidget(self.psi_label)
        form.addRow("Truncation ψ", psi_row)
        self._psi_row = psi_row
        self.cutoff = QSpinBox(specialValueText="all layers")
        self.cutoff.setToolTip("Truncate only the first N style layers (the coarse ones); "
                               "'all layers' truncates every one")
        self.cutoff.valueChanged.connect(self.changed)
        form.addRow("Cutoff", self.cutoff)
        self.noise = QComboBox()
        for label, mode in (("Constant", "const"), ("Random", "random"), ("None", "none")):
            self.noise.addItem(label, mode)
        self.noise.setToolTip("Per-pixel noise: constant (repeatable), random (new detail "
                              "each render) or none (shows what noise adds)")
        self.noise.currentIndexChanged.connect(self.changed)
        form.addRow("Noise", self.noise)
        self._on_psi(self.psi.value())
        form.setRowVisible(self.style_note, False)
        form.setRowVisible(self.class_combo, False)
        self._forced_z = False

    def random_seed(self) -> None:
        self.seed.setValue(random.randrange(0, 100_000))

    def _on_psi(self, value: int) -> None:
        self.psi_label.setText(f"{value / PSI_SCALE:.2f}")
        self.changed.emit()

    def set_kind(self, styled: bool, classes: tuple[str, ...], why: str) -> None:
        """Offer a cGAN's classes; for a generator without W (`styled` False) disable the
        StyleGAN-only controls and say `why`, and travel in Z."""
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for k, name in enumerate(classes):
            self.class_combo.addItem(f"{k} · {name}", k)
        self.class_combo.blockSignals(False)
        self.form.setRowVisible(self.class_combo, bool(classes))
        self.style_note.setText(why)
        self.form.setRowVisible(self.style_note, not styled)
        for widget in (self.space_w, self.psi, self.cutoff, self.noise):
            widget.setEnabled(styled)
            widget.setStatusTip(why)
        for row in (self._space_row, self._psi_row, self.cutoff, self.noise):
            self.form.setRowVisible(row, styled)  # the note above says why they are gone
        if not styled and self.space_w.isChecked():
            self._forced_z = True  # only Z exists; W comes back with the next StyleGAN
            self.space_z.setChecked(True)
        elif styled and self._forced_z:
            self._forced_z = False
            self.space_w.setChecked(True)

    def values(self, styled: bool, conditional: bool) -> dict[str, Any]:
        """The recipe fields this box decides, for a generator of that kind."""
        out: dict[str, Any] = {"seed": self.seed.value()}
        if conditional:
            out["label"] = max(0, self.class_combo.currentIndex())
        if styled:
            out.update(psi=self.psi.value() / PSI_SCALE, cutoff=self.cutoff.value() or None,
                       noise_mode=self.noise.currentData())
        return out

    def space(self) -> str:
        return "w" if self.space_w.isChecked() else "z"


class DirectionBox(QGroupBox):
    """Direction sliders (PCA or SeFa) and the style layers they move; the From/To boxes
    always show the layers the recipe uses, for a named band too."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Directions", parent)
        form = QFormLayout(self)
        self.method = QComboBox()
        self.method.addItem("PCA of w (GANSpace)", "pca")
        self.method.addItem("Closed form (SeFa)", "sefa")
        self.method.setToolTip("PCA: the main axes along which sampled w vary. SeFa: the "
                               "directions the chosen layers' style weights amplify most")
        self.method.currentIndexChanged.connect(self.changed)
        form.addRow("Method", self.method)
        self.layers = QComboBox()
        for name in ("all", *LAYER_GROUPS):
            self.layers.addItem(name.capitalize(), name)
        self.layers.setToolTip("Which style layers the directions act on: coarse layers "
                               "change pose and layout, fine layers colour and texture")
        self.layers.addItem("Custom", "custom")
        self.layers.currentIndexChanged.connect(self._on_layers)
        self.layer_lo, self.layer_hi = QSpinBox(), QSpinBox()
        span = QHBoxLayout()
        for spin, tip in ((self.layer_lo, "the first style layer the directions move"),
                          (self.layer_hi, "style layers up to (not including) this one")):
            spin.setToolTip(tip)
            spin.setEnabled(False)
            spin.valueChanged.connect(self.changed)
            span.addWidget(spin)
        form.addRow("Layers", self.layers)
        form.addRow("From, to", span)
        self.sliders = DirectionSliders(DIRECTION_COUNT)
        self.sliders.changed.connect(self.changed)
        form.addRow(self.sliders)
        self._num_ws, self._resolutions = 0, ()

    def set_layers(self, num_ws: int, layer_resolutions: tuple[int, ...]) -> None:
        """Size the From/To boxes to a generator's style layers and show the band's span."""
        self._num_ws, self._resolutions = num_ws, tuple(layer_resolutions)
        for spin in (self.layer_lo, self.layer_hi):
            spin.blockSignals(True)
            spin.setRange(0, num_ws)
            spin.blockSignals(False)
        self._show_span()

    def _on_layers(self) -> None:
        custom = self.layers.currentData() == "custom"
        for spin in (self.layer_lo, self.layer_hi):
            spin.setEnabled(custom)
        self._show_span()
        self.changed.emit()

    def _show_span(self) -> None:
        """The From/To boxes show the layers a named band uses (what the recipe will say)."""
        if self.layers.currentData() == "custom":
            return
        for spin, value in zip((self.layer_lo, self.layer_hi), self.span(), strict=True):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def span(self) -> tuple[int, int]:
        """The half-open range of style layers the directions move."""
        group = self.layers.currentData()
        if group == "all":
            return 0, self._num_ws
        if group == "custom":
            return self.layer_lo.value(), max(self.layer_lo.value(), self.layer_hi.value())
        return layer_range(self._resolutions, group)

    def spec(self) -> tuple[dict[str, Any] | None, tuple[float, ...]]:
        """The recipe's directions entry and offsets (None, () while no slider is moved)."""
        offsets = self.sliders.offsets()
        if not any(offsets) or not self._num_ws:
            return None, ()
        lo, hi = self.span()
        return ({"method": self.method.currentData(), "count": DIRECTION_COUNT,
                 "samples": DIRECTION_SAMPLES, "seed": 0, "layers": [lo, hi]}, offsets)
