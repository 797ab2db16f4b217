"""The New run tab: pick a dataset, a variant and the settings, then Start."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.app.panels.setup_dataset import (
    ROLE_DATASET,
    DatasetList,
    description_html,
    preview_picture,
)
from studio.app.panels.setup_estimate import EstimateControl, EstimateView, SkippedDialog
from studio.app.widgets.config_form import ConfigForm
from studio.app.widgets.image_view import ImageView
from studio.app.widgets.variant_card import VariantCard
from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import BUILTINS
from studio.errors import ConfigError
from studio.presets import PRESET_TIPS, PRESETS, DataFacts, preset_note, preset_overrides
from studio.variants import VARIANTS, default_train_settings, variant_info


class SetupPanel(QWidget):
    """Emits `dataset_changed(DataConfig)` so the window can describe it on a worker, and
    `estimate_requested(RunConfig)` so an estimate worker can time a few steps of it
    (`attach_estimator` wires one)."""

    dataset_changed = Signal(object)
    start_requested = Signal()
    folder_chosen = Signal(str)
    concept_requested = Signal(str)  # a variant card's "What is this?": "gan", "stylegan", …
    estimate_requested = Signal(object)  # RunConfig whose run time to measure
    image_side_requested = Signal(str)  # a folder whose typical image size to learn

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.description: Any = None
        self.engine_ready = False
        self.variant = "gan"
        self.inception = ""  # the FID Inception weights file from Preferences ("" for none)
        self.reading = False  # a dataset is being read: its description is not here yet
        self.busy = ""  # why Start is off whatever the form says (a run is training), or ""
        self._described = ""  # the dataset the current description belongs to
        self._image_sides: dict[str, int] = {}  # folder → median image side (0: unknown)
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
        self.dataset_list = DatasetList()
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
        # on a short screen the list keeps its share of the height beside the previews
        for w, stretch in ((self.dataset_list, 3), (self.browse_button, 0), (self.info, 0),
                           (self.previews, 2), (self.skipped_button, 0)):
            v.addWidget(w, stretch)
        return box

    def _build_variant_box(self) -> QGroupBox:
        box = QGroupBox("Variant")
        outer = QVBoxLayout(box)
        outer.setContentsMargins(2, 6, 2, 2)
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(4, 0, 4, 0)
        self.cards: dict[str, VariantCard] = {}
        for info in VARIANTS.values():
            card = VariantCard(info.name, info.title, info.summary)
            card.clicked.connect(self.select_variant)
            card.concept_requested.connect(self.concept_requested)
            self.cards[info.name] = card
            v.addWidget(card)
        v.addStretch(1)
        self.variant_scroll = QScrollArea()  # a short window scrolls the cards, never cuts them
        self.variant_scroll.setWidgetResizable(True)
        self.variant_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.variant_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.variant_scroll.setWidget(holder)
        outer.addWidget(self.variant_scroll)
        return box

    def _build_settings_box(self) -> QGroupBox:
        box = QGroupBox("Settings")
        outer = QVBoxLayout(box)
        self._build_preset_rows(outer)
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
        self.problem = QLabel()  # what stops Start, always in view (not inside the scroll)
        self.problem.setObjectName("setupProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.hide()
        outer.addWidget(self.problem)
        self.start_button = QPushButton("Start training")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Start (Ctrl+Return)")
        self.start_button.clicked.connect(self.start_requested)
        outer.addWidget(self.start_button)
        return box

    def _build_preset_rows(self, outer: QVBoxLayout) -> None:
        """Preset and device, then the preset's note and the time estimate."""
        top = QFormLayout()
        self.preset = QComboBox()
        self.preset.addItems([*PRESETS, "Custom"])
        for i, name in enumerate(PRESETS):
            self.preset.setItemData(i, PRESET_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.preset.setCurrentText("Quick look")
        self.preset.currentTextChanged.connect(
            lambda name: self.preset.setToolTip(PRESET_TIPS.get(name, "Your own settings")))
        self.preset.setToolTip(PRESET_TIPS["Quick look"])
        self.preset.activated.connect(lambda _: self.apply_preset())
        self.device = QComboBox()
        self.device.addItem("Auto", "auto")
        self.device.setToolTip("Auto picks CUDA, then Apple MPS, then the CPU")
        self.device.currentIndexChanged.connect(lambda _: self._update_start())
        top.addRow("Preset", self.preset)
        top.addRow("Device", self.device)
        outer.addLayout(top)
        self.preset_note = QLabel()  # why the preset chose what it chose for this data
        self.preset_note.setObjectName("presetNote")
        self.preset_note.setWordWrap(True)
        self.preset_note.hide()
        self.estimate = EstimateView()
        self.estimates = EstimateControl(self, self.estimate)
        outer.addWidget(self.preset_note)
        outer.addWidget(self.estimate)

    # -- dataset -------------------------------------------------------------------------------
    def choose_dataset(self, name_or_path: str) -> None:
        """Select a built-in by name, or add (once) and select a folder path."""
        self.dataset_list.choose(name_or_path)

    def set_thumbnail(self, desc: Any, item: QListWidgetItem | None = None) -> None:
        """Give a dataset's list entry (`item`, or the built-in named `desc.name`) a preview
        icon, its kind and classes."""
        self.dataset_list.set_thumbnail(desc, item)

    def dataset(self) -> str:
        return self.dataset_list.current_dataset()

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
            config = self.data_config()
        except ConfigError as exc:
            self.show_dataset_error(str(exc))
            return
        if self.dataset() != self._described:
            # another dataset: until it is read, no card is refused for the last one's sake
            for card in self.cards.values():
                card.set_unavailable(None)
        self.reading = True
        self._update_start()
        self.dataset_changed.emit(config)

    def show_description(self, desc: Any) -> None:
        """Show what describe() found and enable only the variants that can train on it."""
        kind_changed = self.description is None or self.description.kind != desc.kind
        before = self._preset_values()
        self.description, self.reading, self._described = desc, False, self.dataset()
        if desc.source != "built-in" and self._described not in self._image_sides:
            self._image_sides[self._described] = 0  # unknown until a worker looks
            self.image_side_requested.emit(self._described)
        current = self.dataset_list.currentItem()
        if current is not None and current.data(ROLE_DATASET) not in BUILTINS:
            self.set_thumbnail(desc, current)  # folders get their icon once described
        self.info.setText(description_html(desc))
        self.previews.set_image(preview_picture(desc))
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
        # a folder has as many samples as it has images, whatever the (built-in's) size says
        self.data_form.set_field_note("size", None if desc.source == "built-in" else
                                      f"all {desc.count:,}")
        if self.preset.currentText() in PRESETS and (kind_changed
                                                     or self._preset_values() != before):
            self.apply_preset()
        self._show_preset_note()
        self._update_start()

    def facts(self) -> DataFacts | None:
        """What the presets adapt to: the described data's count and image size."""
        desc = self.description
        if desc is None:
            return None
        return DataFacts(desc.count, self._image_sides.get(self.dataset(), 0),
                         desc.source == "built-in")

    def set_image_side(self, folder: str, side: int) -> None:
        """The typical image size of `folder` (from a worker); Quality may choose a larger
        resolution for a small folder of large images."""
        before = self._preset_values()
        self._image_sides[folder] = side
        if self.preset.currentText() in PRESETS and self._preset_values() != before:
            self.apply_preset()

    def _preset_values(self) -> Any:
        """The chosen preset's overrides for the data as known now (None for Custom)."""
        name = self.preset.currentText()
        if name not in PRESETS or self.description is None:
            return None
        return preset_overrides(name, self.variant, self.description.kind, self.facts())

    def _show_preset_note(self) -> None:
        name, desc = self.preset.currentText(), self.description
        note = preset_note(name, self.variant, desc.kind, self.facts()) if desc else ""
        self.preset_note.setText(note)
        self.preset_note.setVisible(bool(note))

    def show_dataset_error(self, message: str) -> None:
        self.description, self.reading, self._described = None, False, ""
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
        self.variant_scroll.ensureWidgetVisible(self.cards[name])  # on a short screen too
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
        over = preset_overrides(name, self.variant, kind, self.facts())
        for form, section in ((self.data_form, "data"), (self.model_form, "model"),
                              (self.train_form, "train")):
            try:
                form.set_values(dataclasses.replace(form.value(), **over[section]))
            except ConfigError:  # a field being edited is invalid: keep the person's text
                continue
        self.preset.setCurrentText(name)
        self._show_preset_note()

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
        if self.busy:
            return False, self.busy
        if not self.engine_ready:
            return False, "The training engine is still loading…"
        if self.reading:
            return False, f"Reading {Path(self.dataset()).name or self.dataset()}…"
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
        invalid = any(not f.is_valid() for f in (self.data_form, self.model_form,
                                                 self.train_form))
        self.problem.setText(why)
        self.problem.setStyleSheet("color: #d32f2f;" if invalid else "")
        self.problem.setVisible(not ok)
        self.estimates.update(ok)

    def set_busy(self, reason: str) -> None:
        """While a run trains: Start stays off saying `reason`, and no steps are timed ("" when
        the run has ended)."""
        self.busy = reason
        self.pause_estimates(bool(reason))

    def pause_estimates(self, paused: bool) -> None:
        """While a run trains, time no steps (they would slow it down and measure wrongly)."""
        self.estimates.paused = paused
        self._update_start()

    def attach_estimator(self, worker: Any) -> None:
        """Let `worker` (request(config), estimated, failed, request_image_side, image_side)
        time the run the form describes and learn folders' image sizes."""
        self.estimates.attach(worker)
        self.image_side_requested.connect(worker.request_image_side)
        worker.image_side.connect(self.set_image_side)
        self._update_start()
