"""The New run tab: pick a dataset, a variant and the settings, then Start."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.app.widgets.config_form import ConfigForm
from studio.app.widgets.image_view import ImageView
from studio.app.widgets.variant_card import VariantCard
from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import BUILTINS, system_datasets
from studio.errors import ConfigError
from studio.export.images import image_grid
from studio.presets import PRESETS, preset_overrides
from studio.variants import VARIANTS, default_train_settings, variant_info

ROLE_DATASET = Qt.ItemDataRole.UserRole


class SetupPanel(QWidget):
    """Emits `dataset_changed(DataConfig)` so the window can describe it on a worker."""

    dataset_changed = Signal(object)
    start_requested = Signal()
    folder_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.description: Any = None
        self.engine_ready = False
        self.variant = "gan"
        self.inception = ""  # the FID Inception weights file from Preferences ("" for none)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._emit_dataset)
        layout = QHBoxLayout(self)
        layout.addWidget(self._build_dataset_box(), 3)
        layout.addWidget(self._build_variant_box(), 3)
        layout.addWidget(self._build_settings_box(), 4)
        self.select_variant("gan")

    # -- building ------------------------------------------------------------------------------
    def _build_dataset_box(self) -> QGroupBox:
        box = QGroupBox("Dataset")
        v = QVBoxLayout(box)
        self.dataset_list = QListWidget()
        self.dataset_list.setAlternatingRowColors(True)
        self.dataset_list.setIconSize(QSize(40, 40))
        for b in BUILTINS.values():
            self._add_dataset_item(b.name, b.summary)
        for name, path in system_datasets().items():
            self._add_dataset_item(name, f"installed at {path}")
        self.dataset_list.currentItemChanged.connect(lambda *_: self._debounce.start())
        self.browse_button = QPushButton("Browse folder…")
        self.browse_button.setToolTip("A folder of images (one subfolder per class makes "
                                      "labels), MNIST/Fashion-MNIST idx files or CIFAR-10")
        self.browse_button.clicked.connect(self._browse)
        self.info = QLabel("Choose a dataset")
        self.info.setWordWrap(True)
        self.previews = ImageView()
        self.previews.setMinimumHeight(140)
        self.skipped_button = QPushButton()
        self.skipped_button.setFlat(True)
        self.skipped_button.setStyleSheet("color: #c0392b; text-align: left;")
        self.skipped_button.clicked.connect(self.show_skipped)
        self.skipped_button.hide()
        for w in (self.dataset_list, self.browse_button, self.info, self.previews,
                  self.skipped_button):
            v.addWidget(w)
        return box

    def _add_dataset_item(self, name: str, tip: str) -> QListWidgetItem:
        # a folder icon until describe() sends a preview: every row the same height
        item = QListWidgetItem(self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon), name)
        item.setData(ROLE_DATASET, name)
        item.setToolTip(tip)
        self.dataset_list.addItem(item)
        return item

    def _build_variant_box(self) -> QGroupBox:
        box = QGroupBox("Variant")
        v = QVBoxLayout(box)
        self.cards: dict[str, VariantCard] = {}
        for info in VARIANTS.values():
            card = VariantCard(info.name, info.title, info.summary)
            card.clicked.connect(self.select_variant)
            self.cards[info.name] = card
            v.addWidget(card)
        v.addStretch(1)
        return box

    def _build_settings_box(self) -> QGroupBox:
        box = QGroupBox("Settings")
        outer = QVBoxLayout(box)
        top = QFormLayout()
        self.preset = QComboBox()
        self.preset.addItems([*PRESETS, "Custom"])
        self.preset.setCurrentText("Quick look")
        self.preset.setToolTip("Quick look: small and fast, to see something in a minute. "
                               "Quality: larger, longer runs for good samples.")
        self.preset.activated.connect(lambda _: self.apply_preset())
        self.device = QComboBox()
        self.device.addItem("Auto", "auto")
        self.device.setToolTip("Auto picks CUDA, then Apple MPS, then the CPU")
        top.addRow("Preset", self.preset)
        top.addRow("Device", self.device)
        outer.addLayout(top)
        self.data_form = ConfigForm(DataConfig, exclude=("dataset",), title="Data")
        self.train_form = ConfigForm(TrainConfig, exclude=("device", "inception"),
                                     title="Training")
        self.model_form: ConfigForm = ConfigForm(VARIANTS["gan"].model_config, title="Model")
        self.forms = QVBoxLayout()
        for form in (self.data_form, self.model_form, self.train_form):
            self.forms.addWidget(form)
        holder = QWidget()
        holder.setLayout(self.forms)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        outer.addWidget(scroll, 1)
        self.data_form.changed.connect(self._debounce.start)
        for form in (self.data_form, self.train_form):
            form.changed.connect(self._on_edit)
        self.start_button = QPushButton("Start training")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Start (Ctrl+Return)")
        self.start_button.clicked.connect(self.start_requested)
        outer.addWidget(self.start_button)
        return box

    # -- dataset -------------------------------------------------------------------------------
    def choose_dataset(self, name_or_path: str) -> None:
        """Select a built-in by name, or add (once) and select a folder path."""
        for i in range(self.dataset_list.count()):
            item = self.dataset_list.item(i)
            if item.data(ROLE_DATASET) == name_or_path:
                self.dataset_list.setCurrentItem(item)
                return
        label = Path(name_or_path).name or name_or_path
        item = self._add_dataset_item(label, name_or_path)
        item.setData(ROLE_DATASET, name_or_path)
        self.dataset_list.setCurrentItem(item)

    def set_thumbnail(self, desc: Any, item: QListWidgetItem | None = None) -> None:
        """Give a dataset's list entry (`item`, or the built-in named `desc.name`) a preview
        icon, its kind and classes."""
        for i in range(self.dataset_list.count()):
            if item is None and self.dataset_list.item(i).data(ROLE_DATASET) != desc.name:
                continue
            target = item or self.dataset_list.item(i)
            if desc.previews is not None and len(desc.previews):
                picture = np.ascontiguousarray(desc.previews[0])
                h, w, _ = picture.shape
                image = QImage(picture.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
                target.setIcon(QIcon(QPixmap.fromImage(image)))
            kind = "2-D points" if desc.kind == "points" else "images"
            target.setText(f"{desc.name}  ·  {kind}"
                           + (f", {len(desc.classes)} classes" if desc.classes else ""))
            return

    def dataset(self) -> str:
        item = self.dataset_list.currentItem()
        return item.data(ROLE_DATASET) if item else "ring8"

    def data_config(self) -> DataConfig:
        return DataConfig(**{**vars(self.data_form.value()), "dataset": self.dataset()})

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a dataset folder")
        if folder:
            self.choose_dataset(folder)
            self.folder_chosen.emit(folder)

    def refresh_dataset(self) -> None:
        """Describe the chosen dataset again (e.g. once the engine has loaded)."""
        self._debounce.start()

    def _emit_dataset(self) -> None:
        self.info.setText(f"Reading {self.dataset()}…")
        try:
            self.dataset_changed.emit(self.data_config())
        except ConfigError as exc:
            self.show_dataset_error(str(exc))

    def show_description(self, desc: Any) -> None:
        """Show what describe() found and enable only the variants that can train on it."""
        kind_changed = self.description is None or self.description.kind != desc.kind
        self.description = desc
        current = self.dataset_list.currentItem()
        if current is not None and current.data(ROLE_DATASET) not in BUILTINS:
            self.set_thumbnail(desc, current)  # folders get their icon once described
        what = (f"{desc.count:,} points in 2-D" if desc.kind == "points" else
                f"{desc.count:,} images · {desc.resolution}×{desc.resolution} "
                f"{'RGB' if desc.channels == 3 else 'grayscale'}")
        classes = f" · {len(desc.classes)} classes" if desc.classes else " · unlabelled"
        self.info.setText(f"<b>{desc.name}</b><br>{what}{classes}")
        pictures = desc.previews.astype(np.float32) / 127.5 - 1.0  # [K, H, W, 3]
        self.previews.set_image(image_grid(pictures.transpose(0, 3, 1, 2), columns=8)
                                if desc.kind == "images" else desc.previews[0])
        n = len(desc.skipped)
        self.skipped_button.setText(f"{n} file{'s' * (n != 1)} skipped — show why")
        self.skipped_button.setVisible(n > 0)
        for name, card in self.cards.items():
            card.set_unavailable(variant_info(name).unsupported_reason(
                desc.kind, len(desc.classes), desc.resolution))
        if not self.cards[self.variant].isEnabled():
            usable = [n for n, c in self.cards.items() if c.isEnabled()]
            if usable:
                self.select_variant(usable[0])
        for name in ("resolution", "channels"):
            self.data_form.set_field_enabled(name, desc.kind == "images")
        self.data_form.set_field_enabled("split", desc.source not in ("", "built-in"))
        self.data_form.set_field_enabled("size", desc.source == "built-in")
        if kind_changed and self.preset.currentText() in PRESETS:
            self.apply_preset()
        self._update_start()

    def show_dataset_error(self, message: str) -> None:
        self.description = None
        self.info.setText(f"<span style='color:#c0392b'>{message}</span>")
        self.previews.set_image(None)
        self.skipped_button.hide()
        self._update_start()

    def show_skipped(self) -> None:
        dialog = SkippedDialog(self.description.skipped if self.description else (), self)
        dialog.open()

    # -- variant and settings ------------------------------------------------------------------
    def select_variant(self, name: str) -> None:
        previous, self.variant = self.variant, name
        if previous != name:
            self._apply_train_defaults(previous, name)
        for n, card in self.cards.items():
            card.set_selected(n == name)
        old = self.model_form
        self.model_form = ConfigForm(variant_info(name).model_config, title="Model")
        self.model_form.changed.connect(self._on_edit)
        self.forms.replaceWidget(old, self.model_form)
        old.setParent(None)  # off screen now, not at the next event loop
        old.deleteLater()
        if self.preset.currentText() in PRESETS:
            self.apply_preset()
        self._update_start()

    def _apply_train_defaults(self, previous: str | None, name: str) -> None:
        """Swap the old variant's [train] defaults for the new one's (e.g. StyleGAN's Adam)."""
        old = default_train_settings(previous) if previous in VARIANTS else {}
        new = default_train_settings(name)
        base = TrainConfig()
        changes = {k: new.get(k, getattr(base, k)) for k in {*old, *new}}
        # a field being edited may be invalid: then keep the person's text
        with contextlib.suppress(ConfigError):
            if changes:
                self.train_form.set_values(self.train_form.value().replace(**changes))

    def apply_preset(self) -> None:
        name = self.preset.currentText()
        if name not in PRESETS:
            return
        kind = self.description.kind if self.description else "points"
        over = preset_overrides(name, self.variant, kind)
        for form, section in ((self.data_form, "data"), (self.model_form, "model"),
                              (self.train_form, "train")):
            try:
                form.set_values(dataclasses.replace(form.value(), **over[section]))
            except ConfigError:  # a field being edited is invalid: keep the person's text
                continue
        self.preset.setCurrentText(name)

    def _on_edit(self) -> None:
        self._update_start()

    def set_devices(self, devices: list[str]) -> None:
        self.device.clear()
        self.device.addItem("Auto", "auto")
        for name in devices:
            label = "CPU" if name == "cpu" else name.upper() if name == "mps" else name
            self.device.addItem(label, name)

    def set_engine_ready(self, ready: bool) -> None:
        self.engine_ready = ready
        self._update_start()

    def set_inception(self, path: str) -> None:
        """New runs measure FID with these Inception weights ("" for the studio feature net)."""
        path = str(path).strip()
        self.inception = str(Path(path).expanduser()) if path else ""

    def current_config(self) -> RunConfig:
        """The run the form describes, or ConfigError saying which setting is wrong."""
        if self.inception and not Path(self.inception).is_file():
            raise ConfigError(f"The FID Inception weights file {self.inception} does not "
                              "exist. Choose another in Preferences, or clear the field to "
                              "measure with the studio feature net.")
        train = TrainConfig(**{**vars(self.train_form.value()),
                               "device": self.device.currentData() or "auto",
                               "inception": self.inception})
        return RunConfig(variant=self.variant, data=self.data_config(),
                         model=self.model_form.value(), train=train)

    def set_config(self, config: RunConfig) -> None:
        """Fill every control from `config` (e.g. "New run from config")."""
        self.preset.setCurrentText("Custom")
        self.choose_dataset(config.data.dataset)
        self.select_variant(config.variant)
        self.data_form.set_values(config.data)
        self.model_form.set_values(config.model)
        self.train_form.set_values(config.train)
        index = self.device.findData(config.train.device)
        self.device.setCurrentIndex(max(0, index))

    def can_start(self) -> tuple[bool, str]:
        if not self.engine_ready:
            return False, "The training engine is still loading…"
        if self.description is None:
            return False, "Choose a dataset that can be read"
        card = self.cards[self.variant]
        if not card.isEnabled():
            return False, card.reason
        for form in (self.data_form, self.model_form, self.train_form):
            if not form.is_valid():
                return False, form.error_text()
        return True, "Start (Ctrl+Return)"

    def _update_start(self) -> None:
        ok, why = self.can_start()
        self.start_button.setEnabled(ok)
        self.start_button.setToolTip(why)


class SkippedDialog(QDialog):
    """Every file a dataset skipped, with the reason."""

    def __init__(self, skipped: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Skipped files")
        self.resize(720, 360)
        table = QTableWidget(len(skipped), 2)
        table.setHorizontalHeaderLabels(["File", "Why it was skipped"])
        for row, s in enumerate(skipped):
            table.setItem(row, 0, QTableWidgetItem(s.path))
            table.setItem(row, 1, QTableWidgetItem(s.reason))
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnToContents(0)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
