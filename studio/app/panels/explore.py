"""The Explore tab: play with a generator's latents — seeds, a cGAN's classes, grids and
interpolation for every GAN; truncation, directions and style mixing for a StyleGAN — rendered
live by the render worker from immutable recipes.

Every change builds a `Recipe` (the same object `gan-studio render` reads) and asks for it with
a new stamp; only the newest is rendered and older answers are dropped, so sliders stay smooth.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.app import save_files
from studio.app.bridge import FailureInfo, RenderRequest, RenderResult, SourceInfo
from studio.app.panels.explore_controls import DirectionBox, LatentBox
from studio.app.panels.explore_grid import GridView
from studio.app.panels.explore_views import InterpolationView, MixView, PictureView
from studio.explore.catalog import portable_source
from studio.explore.recipe import Recipe
from studio.variants import VARIANTS


class ExplorePanel(QWidget):
    """Controls on the left, four views (image, grid, style mixing, interpolation) on the
    right; the controls a generator cannot use are disabled or hidden, saying why."""

    render_requested = Signal(object)  # RenderRequest
    open_requested = Signal()  # "Open…": the window asks for a folder
    status_message = Signal(str)  # "Saved to …", "Recipe copied": for the status bar
    export_requested = Signal(dict)  # "Export…": the visible view's recipe, as Copy recipe has it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: SourceInfo | None = None
        self._source_path: str | None = None
        self._stamp = 0
        self._shown: dict[str, int] = {}  # newest stamp shown per view
        self.results: dict[str, RenderResult] = {}
        self.workspace: Path | None = None  # where runs live: saves go beside it
        self._build()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_combo = QComboBox()
        self.source_combo.setMinimumContentsLength(28)
        self.source_combo.setToolTip("A bundled model, or a GAN, DCGAN, cGAN or StyleGAN run "
                                     "of your workspace")
        self.source_combo.activated.connect(self._on_source_chosen)
        open_button = QPushButton("Open…")
        open_button.setToolTip("Explore a run folder or a model folder from disk")
        open_button.clicked.connect(self.open_requested)
        self.source_label = QLabel("Choose a generator to explore")
        self.source_label.setObjectName("exploreSource")
        self.source_label.setWordWrap(True)  # a long message wraps instead of widening the tab
        self.source_label.setMinimumWidth(120)
        top = QHBoxLayout()
        top.addWidget(QLabel("Generator"))
        top.addWidget(self.source_combo)
        top.addWidget(open_button)
        top.addWidget(self.source_label, 1)

        controls = QWidget()
        side = QVBoxLayout(controls)
        side.setContentsMargins(0, 0, 6, 0)
        self.latent_box, self.direction_box = LatentBox(), DirectionBox()
        for box in (self.latent_box, self.direction_box):
            box.changed.connect(self.refresh)
            side.addWidget(box)
        # the controls under their own names, for the window and tests
        self.seed, self.class_combo = self.latent_box.seed, self.latent_box.class_combo
        self.psi, self.cutoff = self.latent_box.psi, self.latent_box.cutoff
        self.noise, self.style_note = self.latent_box.noise, self.latent_box.style_note
        self.space_w, self.space_z = self.latent_box.space_w, self.latent_box.space_z
        self.method, self.layers = self.direction_box.method, self.direction_box.layers
        self.layer_lo, self.layer_hi = self.direction_box.layer_lo, self.direction_box.layer_hi
        self.sliders = self.direction_box.sliders
        side.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFixedWidth(330)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.views = QTabWidget()
        self.image_view = PictureView("Move a slider or pick a seed")
        self.grid_view = GridView()
        self.mix_view = MixView()
        self.interp_view = InterpolationView()
        self.views.addTab(self.image_view, "Image")
        self.views.addTab(self.grid_view, "Grid")
        self.views.addTab(self.mix_view, "Style mixing")
        self.views.addTab(self.interp_view, "Interpolation")
        self.views.currentChanged.connect(lambda _i: self.refresh())
        self.mix_view.cell_clicked.connect(self.enlarge_cell)
        for view in self._views().values():
            view.changed.connect(self.refresh)
            view.copy_button.clicked.connect(self.copy_recipe)
            view.export_button.clicked.connect(self.request_export)
            view.save_button.clicked.connect(self.save_picture)
            view.save_recipe_button.clicked.connect(self.save_recipe)

        body = QHBoxLayout()
        body.addWidget(scroll)
        body.addWidget(self.views, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self.set_enabled(False)

    def _views(self) -> dict[str, Any]:
        return {"image": self.image_view, "grid": self.grid_view, "mix": self.mix_view,
                "interpolation": self.interp_view}

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
            self.source_label.setText("Nothing to explore yet: train a GAN, DCGAN, cGAN or "
                                      "StyleGAN, or open a model folder")

    def open_source(self, path: str, label: str = "") -> None:
        """Explore the generator in `path` (a run folder or a bundled model folder)."""
        if self.source_combo.findData(path) < 0:
            self.source_combo.addItem(label or Path(path).name, path)
        self.source_combo.setCurrentIndex(self.source_combo.findData(path))
        if path == self._source_path and self.info is not None:
            self.refresh()  # already explored (and loaded): nothing to reset
            return
        self._source_path = path
        self.info = None
        self.results.clear()
        for view in self._views().values():
            view.clear()  # no picture of the previous generator stays on screen
        self.set_enabled(False)
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
        first = self.info is None or _kind(self.info) != _kind(info)
        self.info = info
        styled, classes = _kind(info)
        step = "" if info.step is None else f" · step {info.step:,}"
        what = (f"{info.num_ws} style layers" if styled else
                f"{len(classes)} classes" if classes else _title(info))
        self.source_label.setText(f"{html.escape(info.label)}{step} · {info.resolution} px · "
                                  f"{html.escape(what)}")
        self.cutoff.setRange(0, info.num_ws)
        self.direction_box.set_layers(info.num_ws, info.layer_resolutions)
        if first:
            self._apply_kind(info)
            if not _kind(info)[0] and self.views.currentWidget() is self.mix_view:
                self.views.setCurrentWidget(self.image_view)  # mixing needs a StyleGAN
        self.mix_view.set_num_ws(info.num_ws, info.layer_resolutions)
        self.set_enabled(True)
        if first:
            self.refresh()

    def _apply_kind(self, info: SourceInfo) -> None:
        """Offer what this generator can do: classes for a cGAN; W, truncation, noise,
        directions and mixing for a StyleGAN (disabled, with the reason, for others)."""
        styled, classes = _kind(info)
        why = "" if styled else (f"A {_title(info)} has only z: truncation, noise, paths in W, "
                                 "directions and style mixing need a StyleGAN.")
        self.latent_box.set_kind(styled, classes, why)
        self.grid_view.set_classes(classes)
        self.direction_box.setVisible(styled)
        mix = self.views.indexOf(self.mix_view)
        self.views.setTabEnabled(mix, styled)
        self.views.setTabToolTip(mix, why or "Rows' styles at the chosen layers, columns' "
                                 "elsewhere")

    def show_source_failure(self, failure: FailureInfo) -> None:
        self.source_label.setText(f"<span style='color:#d32f2f'>{html.escape(failure.message)}"
                                  "</span>")

    def set_enabled(self, enabled: bool) -> None:
        for view in self._views().values():
            for button in (view.copy_button, view.export_button, view.save_button,
                           view.save_recipe_button):
                button.setEnabled(enabled and view.picture() is not None)

    # -- requests ----------------------------------------------------------------------------
    def current_view(self) -> str:
        current = self.views.currentWidget()
        return next(name for name, view in self._views().items() if view is current)

    def recipe(self, view: str | None = None) -> Recipe | None:
        """The recipe the controls describe for `view` (default: the visible one)."""
        if self._source_path is None:
            return None
        view = view or self.current_view()
        styled, classes = _kind(self.info) if self.info is not None else (True, ())
        common: dict[str, Any] = {"source": self._source_path, "checkpoint": None,
                                  "view": view, **self.latent_box.values(styled, bool(classes))}
        if styled:
            directions, offsets = self.direction_box.spec()
            common.update(directions=directions, offsets=offsets)
        if view == "grid":
            grid = self.grid_view.spec()
            return None if grid is None else Recipe(**common, grid=grid)
        if view == "mix":
            mix = self.mix_view.spec()
            return None if mix is None else Recipe(**common, mix=mix)
        if view == "interpolation":
            interp = self.interp_view.spec(self.latent_box.space())
            return None if interp is None else Recipe(**common, interpolation=interp)
        return Recipe(**common)

    def refresh(self, *_: Any) -> None:
        """Ask for the visible view with the current settings (newest request wins). While
        a generator loads, ask for one plain image, which any kind of generator can draw."""
        if self.info is None and self._source_path is not None:
            recipe: Recipe | None = Recipe(source=self._source_path, seed=self.seed.value())
        else:
            recipe = self.recipe()
        if recipe is None:
            return
        self._stamp += 1
        self.render_requested.emit(RenderRequest(self._stamp, recipe.view, recipe))

    def show_result(self, result: RenderResult) -> None:
        """Show a rendered picture unless a newer one is already on screen."""
        if result.stamp < self._shown.get(result.view, 0) or \
                result.recipe.source != self._source_path:
            return  # newer shown, or drawn by the generator explored before
        if result.failure is not None:
            self.source_label.setText(
                f"<span style='color:#d32f2f'>{html.escape(result.failure.message)}</span>")
            return
        self._shown[result.view] = result.stamp
        self.results[result.view] = result
        if result.view == "grid":
            self.grid_view.show_grid(result.picture, result.seconds, result.recipe)
        else:
            self._views()[result.view].show_picture(result.picture, result.seconds)
        self.set_enabled(self.info is not None)

    # -- actions -----------------------------------------------------------------------------
    def _confirm(self, message: str | None) -> None:
        """Say what a save or copy did, in the view and (through the window) the status bar."""
        if message:
            self._views()[self.current_view()].timing.setText(message)
            self.status_message.emit(message)

    def copy_recipe(self) -> None:
        """Put the visible picture's exact recipe on the clipboard, as JSON; a bundled model
        is named "bundled:<name>", so the recipe works on any machine with the studio."""
        result = self.results.get(self.current_view())
        if result is not None:
            portable = result.recipe.replace(source=portable_source(result.recipe.source))
            QGuiApplication.clipboard().setText(portable.to_json())
            self._confirm("Recipe copied to the clipboard")

    def request_export(self) -> None:
        """Ask the window for the Export dialog, prefilled with the visible picture's recipe
        (the one Copy recipe copies; a bundled model named "bundled:<name>")."""
        result = self.results.get(self.current_view())
        if result is not None:
            portable = result.recipe.replace(source=portable_source(result.recipe.source))
            self.export_requested.emit(portable.to_dict())

    def _run_folder(self) -> Path | None:
        """The explored run's folder (saves go to its exports/), None for a model folder."""
        path = Path(self._source_path) if self._source_path else None
        return path if path is not None and (path / "config.toml").exists() and \
            not (path / "manifest.json").exists() else None

    def _file_name(self, suffix: str) -> str:
        """A descriptive name for the visible picture: source, view, class, seed, step."""
        view = self.current_view()
        result = self.results.get(view)
        recipe = result.recipe if result is not None else None
        label = self.info.label if self.info is not None else "explore"
        seed = recipe.seed if recipe is not None and view == "image" else None
        extra = ""
        if recipe is not None and recipe.label is not None and view != "grid" and self.info:
            extra = _kind(self.info)[1][recipe.label]
        if recipe is not None and recipe.interpolation is not None:
            extra = f"{extra} frame{recipe.interpolation.frame}".strip()
        step = recipe.checkpoint if recipe is not None else None
        return save_files.file_name(label, view, seed, step, suffix, extra)

    def enlarge_cell(self, row: int, col: int) -> None:
        """Show one style-mixing cell large, titled with its two seeds."""
        spec, picture = self.mix_view.spec(), self.mix_view.cell_picture(row, col)
        if spec is None or picture is None:
            return
        title = f"Row seed {spec['rows'][row]} × column seed {spec['cols'][col]}"
        self.cell_dialog = CellDialog(picture.copy(), title, self)
        self.cell_dialog.show()

    def save_picture(self) -> None:
        """Save the visible picture as PNG, in the run's exports/ folder by default."""
        picture = self._views()[self.current_view()].picture()
        self._confirm(save_files.save_picture(self, picture, self._file_name(".png"),
                                              workspace=self.workspace,
                                              run_folder=self._run_folder()))

    def save_recipe(self) -> None:
        """Save the visible picture's recipe as JSON; its source is written relative to the
        recipe when the run lies beside it, or as bundled:<name>, so the pair can move."""
        result = self.results.get(self.current_view())
        if result is None:
            return
        recipe = result.recipe

        def text(path: Path) -> str:
            return recipe.replace(source=portable_source(recipe.source, path.parent)).to_json()

        self._confirm(save_files.save_text(self, text, self._file_name(".json"),
                                           workspace=self.workspace,
                                           run_folder=self._run_folder()))


def _kind(info: SourceInfo) -> tuple[bool, tuple[str, ...]]:
    """(has W and styles, i.e. a StyleGAN; a conditional generator's class names)."""
    return bool(getattr(info, "styled", True)), tuple(getattr(info, "classes", ()))


def _title(info: SourceInfo) -> str:
    variant = getattr(info, "variant", "stylegan")
    return VARIANTS[variant].title if variant in VARIANTS else variant


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
