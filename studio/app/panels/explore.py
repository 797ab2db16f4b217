"""The Explore tab: play with a StyleGAN's latents — seeds, truncation, directions, style mixing
and interpolation — rendered live by the render worker from immutable recipes.

Every change builds a `Recipe` (the same object `gan-studio render` reads) and asks for it with
a new stamp; only the newest is rendered and older answers are dropped, so sliders stay smooth.
"""

from __future__ import annotations

import html
import random
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.app.bridge import FailureInfo, RenderRequest, RenderResult, SourceInfo
from studio.app.dialogs import save_picture_as
from studio.app.panels.explore_views import InterpolationView, MixView, PictureView
from studio.app.widgets.direction_sliders import DirectionSliders
from studio.explore.layers import LAYER_GROUPS, layer_range
from studio.explore.recipe import Recipe

PSI_SCALE = 100  # the ψ slider moves in steps of 0.01
DIRECTION_COUNT = 6
DIRECTION_SAMPLES = 4096


class ExplorePanel(QWidget):
    """Controls on the left, three views (image, style mixing, interpolation) on the right."""

    render_requested = Signal(object)  # RenderRequest
    open_requested = Signal()  # "Open…": the window asks for a folder

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: SourceInfo | None = None
        self._source_path: str | None = None
        self._stamp = 0
        self._shown: dict[str, int] = {}  # newest stamp shown per view
        self.results: dict[str, RenderResult] = {}
        self._build()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox()
        self.source_combo.setMinimumContentsLength(28)
        self.source_combo.setToolTip("A bundled model or a StyleGAN run of your workspace")
        self.source_combo.activated.connect(self._on_source_chosen)
        open_button = QPushButton("Open…")
        open_button.setToolTip("Explore a StyleGAN run folder or a model folder from disk")
        open_button.clicked.connect(self.open_requested)
        self.source_label = QLabel("Choose a generator to explore")
        self.source_label.setObjectName("exploreSource")
        top = QHBoxLayout()
        top.addWidget(QLabel("Generator"))
        top.addWidget(self.source_combo)
        top.addWidget(open_button)
        top.addWidget(self.source_label, 1)

        controls = QWidget()
        side = QVBoxLayout(controls)
        side.setContentsMargins(0, 0, 6, 0)
        side.addWidget(self._build_latent_box())
        side.addWidget(self._build_direction_box())
        side.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFixedWidth(330)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.views = QTabWidget()
        self.image_view = PictureView("Move a slider or pick a seed")
        self.mix_view = MixView()
        self.interp_view = InterpolationView()
        self.views.addTab(self.image_view, "Image")
        self.views.addTab(self.mix_view, "Style mixing")
        self.views.addTab(self.interp_view, "Interpolation")
        self.views.currentChanged.connect(lambda _i: self.refresh())
        self.mix_view.cell_clicked.connect(self.enlarge_cell)
        for view in self._views().values():
            view.changed.connect(self.refresh)
            view.copy_button.clicked.connect(self.copy_recipe)
            view.save_button.clicked.connect(self.save_picture)

        body = QHBoxLayout()
        body.addWidget(scroll)
        body.addWidget(self.views, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self.set_enabled(False)

    def _build_latent_box(self) -> QGroupBox:
        box = QGroupBox("Latent")
        form = QFormLayout(box)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The seed of z: the same seed always gives the same image")
        self.seed.valueChanged.connect(self.refresh)
        dice = QPushButton("Random")
        dice.setToolTip("A random seed")
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
        group = QButtonGroup(box)
        space = QHBoxLayout()
        for button in (self.space_w, self.space_z):
            button.setToolTip(tip)
            group.addButton(button)
            space.addWidget(button)
            button.toggled.connect(self.refresh)
        space.addStretch(1)
        form.addRow("Space", space)
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
        self.cutoff = QSpinBox()
        self.cutoff.setSpecialValueText("all layers")
        self.cutoff.setToolTip("Truncate only the first N style layers (the coarse ones); "
                               "'all layers' truncates every one")
        self.cutoff.valueChanged.connect(self.refresh)
        form.addRow("Cutoff", self.cutoff)
        self.noise = QComboBox()
        for label, mode in (("Constant", "const"), ("Random", "random"), ("None", "none")):
            self.noise.addItem(label, mode)
        self.noise.setToolTip("Per-pixel noise: constant (repeatable), random (new detail "
                              "each render) or none (shows what noise adds)")
        self.noise.currentIndexChanged.connect(self.refresh)
        form.addRow("Noise", self.noise)
        self._on_psi(self.psi.value())
        return box

    def _build_direction_box(self) -> QGroupBox:
        box = QGroupBox("Directions")
        form = QFormLayout(box)
        self.method = QComboBox()
        self.method.addItem("PCA of w (GANSpace)", "pca")
        self.method.addItem("Closed form (SeFa)", "sefa")
        self.method.setToolTip("PCA: the main axes along which sampled w vary. SeFa: the "
                               "directions the chosen layers' style weights amplify most")
        self.method.currentIndexChanged.connect(self.refresh)
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
            spin.valueChanged.connect(self.refresh)
            span.addWidget(spin)
        form.addRow("Layers", self.layers)
        form.addRow("From, to", span)
        self.sliders = DirectionSliders(DIRECTION_COUNT)
        self.sliders.changed.connect(self.refresh)
        form.addRow(self.sliders)
        return box

    def _views(self) -> dict[str, Any]:
        return {"image": self.image_view, "mix": self.mix_view, "interpolation": self.interp_view}

    # -- sources -----------------------------------------------------------------------------
    def set_sources(self, sources: list[tuple[str, str]]) -> None:
        """Offer `(label, path)` pairs; keeps the current choice when it is still there."""
        current = self._source_path
        self.source_combo.clear()
        for label, path in sources:
            self.source_combo.addItem(label, path)
            self.source_combo.setItemData(self.source_combo.count() - 1, path,
                                          Qt.ItemDataRole.ToolTipRole)
        index = self.source_combo.findData(current) if current else -1
        self.source_combo.setCurrentIndex(index)
        if self.source_combo.count() == 0:
            self.source_label.setText("No StyleGAN yet: train one, or open a model folder")

    def open_source(self, path: str, label: str = "") -> None:
        """Explore the generator in `path` (a run folder or a bundled model folder)."""
        if self.source_combo.findData(path) < 0:
            self.source_combo.addItem(label or Path(path).name, path)
        self.source_combo.setCurrentIndex(self.source_combo.findData(path))
        self._source_path = path
        self.info = None
        self.source_label.setText(f"Loading {html.escape(Path(path).name)}…")
        self.refresh()

    def _on_source_chosen(self, index: int) -> None:
        path = self.source_combo.itemData(index)
        if path and path != self._source_path:
            self.open_source(path, self.source_combo.itemText(index))

    @property
    def source_path(self) -> str | None:
        return self._source_path

    def show_source(self, info: SourceInfo) -> None:
        """The worker loaded a generator: size the controls to it."""
        if info.source != self._source_path:
            return
        first = self.info is None or self.info.num_ws != info.num_ws
        self.info = info
        step = "" if info.step is None else f" · step {info.step:,}"
        self.source_label.setText(f"{html.escape(info.label)}{step} · {info.resolution} px · "
                                  f"{info.num_ws} style layers")
        self.cutoff.setRange(0, info.num_ws)
        for spin, value in ((self.layer_lo, 0), (self.layer_hi, info.num_ws)):
            spin.blockSignals(True)
            spin.setRange(0, info.num_ws)
            if first:
                spin.setValue(value)
            spin.blockSignals(False)
        self.mix_view.set_num_ws(info.num_ws, info.layer_resolutions)
        self.set_enabled(True)
        if first:
            self.refresh()

    def show_source_failure(self, failure: FailureInfo) -> None:
        self.source_label.setText(f"<span style='color:#d32f2f'>{html.escape(failure.message)}"
                                  "</span>")

    def set_enabled(self, enabled: bool) -> None:
        for view in self._views().values():
            view.copy_button.setEnabled(enabled and view.picture() is not None)
            view.save_button.setEnabled(enabled and view.picture() is not None)

    # -- requests ----------------------------------------------------------------------------
    def current_view(self) -> str:
        return ("image", "mix", "interpolation")[self.views.currentIndex()]

    def random_seed(self) -> None:
        self.seed.setValue(random.randrange(0, 100_000))

    def _on_psi(self, value: int) -> None:
        self.psi_label.setText(f"{value / PSI_SCALE:.2f}")
        self.refresh()

    def _directions(self) -> tuple[dict[str, Any] | None, tuple[float, ...]]:
        offsets = self.sliders.offsets()
        if not any(offsets) or self.info is None:
            return None, ()
        lo, hi = self._layer_span(self.layers.currentData())
        return ({"method": self.method.currentData(), "count": DIRECTION_COUNT,
                 "samples": DIRECTION_SAMPLES, "seed": 0, "layers": [lo, hi]}, offsets)

    def _on_layers(self) -> None:
        custom = self.layers.currentData() == "custom"
        for spin in (self.layer_lo, self.layer_hi):
            spin.setEnabled(custom)
        self.refresh()

    def _layer_span(self, group: str) -> tuple[int, int]:
        assert self.info is not None
        if group == "all":
            return 0, self.info.num_ws
        if group == "custom":
            return self.layer_lo.value(), max(self.layer_lo.value(), self.layer_hi.value())
        return layer_range(self.info.layer_resolutions, group)

    def recipe(self, view: str | None = None) -> Recipe | None:
        """The recipe the controls describe for `view` (default: the visible one)."""
        if self._source_path is None:
            return None
        view = view or self.current_view()
        directions, offsets = self._directions()
        common = {"source": self._source_path, "checkpoint": None, "view": view,
                  "seed": self.seed.value(), "psi": self.psi.value() / PSI_SCALE,
                  "cutoff": self.cutoff.value() or None, "noise_mode": self.noise.currentData(),
                  "directions": directions, "offsets": offsets}
        if view == "mix":
            mix = self.mix_view.spec()
            return None if mix is None else Recipe(**common, mix=mix)
        if view == "interpolation":
            interp = self.interp_view.spec("w" if self.space_w.isChecked() else "z")
            return None if interp is None else Recipe(**common, interpolation=interp)
        return Recipe(**common)

    def refresh(self, *_: Any) -> None:
        """Ask for the visible view with the current settings (newest request wins)."""
        recipe = self.recipe()
        if recipe is None:
            return
        self._stamp += 1
        self.render_requested.emit(RenderRequest(self._stamp, recipe.view, recipe))

    def show_result(self, result: RenderResult) -> None:
        """Show a rendered picture unless a newer one is already on screen."""
        if result.stamp < self._shown.get(result.view, 0):
            return
        if result.failure is not None:
            self.source_label.setText(
                f"<span style='color:#d32f2f'>{html.escape(result.failure.message)}</span>")
            return
        self._shown[result.view] = result.stamp
        self.results[result.view] = result
        self._views()[result.view].show_picture(result.picture, result.seconds)
        self.set_enabled(self.info is not None)

    # -- actions -----------------------------------------------------------------------------
    def copy_recipe(self) -> None:
        """Put the visible picture's exact recipe on the clipboard, as JSON."""
        result = self.results.get(self.current_view())
        if result is not None:
            QGuiApplication.clipboard().setText(result.recipe.to_json())

    def enlarge_cell(self, row: int, col: int) -> None:
        """Show one style-mixing cell large, titled with its two seeds."""
        spec, picture = self.mix_view.spec(), self.mix_view.cell_picture(row, col)
        if spec is None or picture is None:
            return
        title = f"Row seed {spec['rows'][row]} × column seed {spec['cols'][col]}"
        self.cell_dialog = CellDialog(picture.copy(), title, self)
        self.cell_dialog.show()

    def save_picture(self) -> None:
        save_picture_as(self, self._views()[self.current_view()].picture(), "explore.png")


class CellDialog(QDialog):
    """One style-mixing cell, enlarged."""

    def __init__(self, picture: np.ndarray, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from studio.app.widgets.image_view import ImageView

        self.setWindowTitle(title)
        self.view = ImageView()
        self.view.set_image(picture)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        self.resize(420, 440)
        QTimer.singleShot(0, self.view.update)
