"""The New run tab with datasets: cards stay usable while a folder is read, a new folder is in
view, the sample count tells the truth, problems are always visible, and small folders get a
Quality preset made for them. Datasets are described for real (about 4 s in all)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QTabWidget

from studio.app.panels.setup import SetupPanel
from studio.data import describe
from studio.presets import SMALL_AUGMENT


@pytest.fixture
def panel(qtbot):
    p = SetupPanel()
    qtbot.addWidget(p)
    p.resize(1366, 640)
    p.show()
    qtbot.waitExposed(p)
    p.set_engine_ready(True)
    return p


def _folder(root: Path, n: int, side: int) -> Path:
    """`n` random side×side RGB PNGs in `root`."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        pixels = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"{i:03d}.png")
    return root


def _read(qtbot, panel: SetupPanel, name: str) -> None:
    """Choose dataset `name`, wait for the panel to ask for it, and answer as the window's
    describer would."""
    with qtbot.waitSignal(panel.dataset_changed, timeout=3000) as asked:
        panel.choose_dataset(name)
    panel.show_description(describe(asked.args[0]))


def test_cards_take_clicks_while_a_new_dataset_is_read(qtbot, panel, tmp_path):
    _read(qtbot, panel, "ring8")  # 2-D points: DCGAN cannot train on them
    assert not panel.cards["dcgan"].isEnabled()
    folder = _folder(tmp_path / "pictures", 20, 40)
    with qtbot.waitSignal(panel.dataset_changed, timeout=3000) as asked:
        panel.choose_dataset(str(folder))
    # the folder is being read: its cards must not be refused for the old dataset's sake
    qtbot.mouseClick(panel.cards["dcgan"], Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert panel.variant == "dcgan"
    assert not panel.start_button.isEnabled()
    assert "Reading" in panel.start_button.toolTip()
    panel.show_description(describe(asked.args[0]))
    assert panel.variant == "dcgan" and panel.start_button.isEnabled()


@pytest.mark.parametrize("hidden", [False, True])
def test_a_newly_added_folder_is_scrolled_into_view(qtbot, tmp_path, hidden):
    # hidden: added from another tab (File → Open dataset folder, a drop, Recent datasets);
    # then the description's text and previews take room from the list, which must keep the
    # new folder in view
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    panel = SetupPanel()
    tabs.addTab(panel, "New run")
    tabs.addTab(QLabel("Monitor"), "Monitor")
    tabs.resize(1024, 480)
    tabs.show()
    qtbot.waitExposed(tabs)
    for i in range(25):  # a long list: the next folder is added below the visible rows
        panel.dataset_list.addItem(f"old{i}")
    qtbot.wait(20)
    panel.dataset_list.scrollToTop()
    if hidden:
        tabs.setCurrentIndex(1)
        qtbot.wait(20)
    with qtbot.waitSignal(panel.dataset_changed, timeout=3000) as asked:
        panel.choose_dataset(str(_folder(tmp_path / "new", 3, 16)))
    tabs.setCurrentIndex(0)
    qtbot.wait(20)
    panel.show_description(describe(asked.args[0]))
    panel.info.setText("<br>".join(["a long description"] * 6))
    qtbot.wait(50)
    item = panel.dataset_list.currentItem()
    rect = panel.dataset_list.visualItemRect(item)
    assert panel.dataset_list.viewport().rect().contains(rect), rect


def test_samples_say_all_n_for_a_folder_and_the_number_for_a_built_in(qtbot, panel, tmp_path):
    folder = _folder(tmp_path / "few", 20, 40)
    _read(qtbot, panel, str(folder))
    size = panel.data_form.editor("size")
    assert size.text() == "all 20" and not size.isEnabled()
    _read(qtbot, panel, "shapes")
    assert size.isEnabled() and size.text() == "5000"  # Quick look's count, not a note
    assert panel.data_config().size == 5000


def test_the_reason_start_is_off_is_always_in_view(qtbot, panel):
    _read(qtbot, panel, "ring8")
    panel.resize(1024, 520)
    steps = panel.train_form.editor("checkpoint_every").lineEdit()
    steps.selectAll()
    qtbot.keyClicks(steps, "0")  # below the allowed minimum of 1
    qtbot.wait(20)
    assert not panel.start_button.isEnabled()
    problem = panel.problem
    assert problem.isVisible() and "Checkpoint every" in problem.text()
    # visible means inside the panel and not under the Start button, whatever the scroll
    top_left = problem.mapTo(panel, QPoint(0, 0))
    assert top_left.y() >= 0 and top_left.y() + problem.height() <= panel.height()
    assert problem.geometry().bottom() < panel.start_button.geometry().top()


def test_quality_on_a_small_folder_augments_and_says_why(qtbot, panel, tmp_path):
    folder = _folder(tmp_path / "art", 24, 140)
    _read(qtbot, panel, str(folder))
    panel.select_variant("stylegan")
    panel.set_image_side(str(folder), 140)  # what the estimate worker reads from the headers
    panel.preset.setCurrentText("Quality")
    panel.preset.activated.emit(panel.preset.currentIndex())
    config = panel.current_config()
    assert config.model.augment == SMALL_AUGMENT
    assert config.data.resolution == 128  # the images are 140 px: 128 fits, 256 would not
    assert panel.preset_note.isVisible()
    assert "24 images" in panel.preset_note.text() and "augmentation" in panel.preset_note.text()
    panel.preset.setCurrentText("Quick look")
    panel.preset.activated.emit(panel.preset.currentIndex())
    assert panel.current_config().model.augment == "none"
    assert not panel.preset_note.isVisible()


def test_quality_on_a_large_set_keeps_its_resolution_and_says_nothing(qtbot, panel):
    _read(qtbot, panel, "shapes")
    panel.select_variant("stylegan")
    panel.preset.setCurrentText("Quality")
    panel.preset.activated.emit(panel.preset.currentIndex())
    config = panel.current_config()
    assert config.model.augment == "none" and config.data.resolution == 64
    assert not panel.preset_note.isVisible()

