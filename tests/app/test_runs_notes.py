"""Run names, notes and thumbnails in the Runs tab, and the tab on a laptop screen (real
widgets, hand-written run folders: ~2 s in all)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QLineEdit

from studio.app.panels import runs_model
from studio.app.panels.runs import NAME, STARTED, RunsPanel
from studio.app.panels.runs_model import NAME_MIN, NOTE_ROLE, THUMB
from studio.runs.notes import read_notes
from tests.core.test_trash import make_run


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    make_run(tmp_path / "ws" / "20261201-dcgan-faces", name="faces")
    make_run(tmp_path / "ws" / "20261201-gan-ring8", name="ring", snapshots=())
    return tmp_path / "ws"


@pytest.fixture
def panel(qtbot, ws: Path) -> RunsPanel:
    widget = RunsPanel(ws)
    qtbot.addWidget(widget)
    widget.resize(1000, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def index_of(panel: RunsPanel, folder: Path, col: int = NAME):
    panel.select_folder(folder)
    return panel.table().selectionModel().selectedRows()[0].siblingAtColumn(col)


def test_f2_renames_a_run_in_place_and_the_folder_keeps_its_name(qtbot, panel, ws):
    folder = ws / "20261201-dcgan-faces"
    index = index_of(panel, folder)
    qtbot.keyClick(panel.table(), Qt.Key.Key_F2)
    editor = panel.table().findChild(QLineEdit)
    assert editor is not None and editor.isVisible() and editor.text() == "faces"
    editor.selectAll()
    qtbot.keyClicks(editor, "sunset faces, lr 2e-4")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits on its next turn
    qtbot.waitUntil(lambda: index.data() == "sunset faces, lr 2e-4", timeout=2000)
    assert read_notes(folder).name == "sunset faces, lr 2e-4" and folder.is_dir()
    panel.refresh()
    assert index_of(panel, folder).data() == "sunset faces, lr 2e-4"
    panel.filter_edit.setText("sunset")
    assert panel.proxy().rowCount() == 1
    panel.filter_edit.clear()
    panel.rename_selected()  # the context menu's Rename: an empty name goes back to the config's
    editor = panel.table().findChild(QLineEdit)
    editor.clear()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: read_notes(folder).name == "", timeout=2000)
    assert index_of(panel, folder).data() == "faces"


def test_the_name_and_note_dialog_saves_both(qtbot, panel, ws):
    folder = ws / "20261201-gan-ring8"
    index_of(panel, folder)
    qtbot.mouseClick(panel.notes_button, Qt.MouseButton.LeftButton)
    dialog = panel.notes_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.name_edit.placeholderText() == "ring" and dialog.name_edit.text() == ""
    qtbot.keyClicks(dialog.name_edit, "Ring, minimax")
    dialog.note_edit.setFocus()
    qtbot.keyClicks(dialog.note_edit, "collapsed to 3 modes")
    qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.note_edit, "try non-saturating")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    index = index_of(panel, folder)
    assert index.data() == "Ring, minimax"
    assert index.data(NOTE_ROLE) == "collapsed to 3 modes\ntry non-saturating"
    assert "collapsed to 3 modes" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert read_notes(folder).note == "collapsed to 3 modes\ntry non-saturating"
    panel.filter_edit.setText("non-saturating")  # notes are searched too
    assert panel.proxy().rowCount() == 1


def ink_rows(panel: RunsPanel, folder: Path) -> int:
    """Rows of pixels in the name cell's text area that hold any text."""
    panel.table().clearSelection()
    rect = panel.table().visualRect(index_of(panel, folder))
    panel.table().clearSelection()
    image = panel.table().viewport().grab(rect).toImage().convertToFormat(
        QImage.Format.Format_Grayscale8)
    pixels = np.array(image.constBits(), dtype=np.uint8).reshape(image.height(),
                                                                  image.bytesPerLine())
    text = pixels[:, THUMB + 12: image.width() - 4]  # right of the thumbnail
    return int(((text < 160).sum(axis=1) > 0).sum())


def test_the_note_is_drawn_under_the_name(qtbot, panel, ws):
    folder = ws / "20261201-gan-ring8"
    alone = ink_rows(panel, folder)
    panel._save_notes(folder, "", "a note to draw")
    assert ink_rows(panel, folder) > alone + 5  # a second line of text


def test_thumbnails_load_off_the_gui_thread_and_follow_a_new_picture(qtbot, panel, ws,
                                                                      monkeypatch):
    folder = ws / "20261201-dcgan-faces"
    # the panel already asked for the run's first picture; let that load finish first, or on a
    # loaded machine it runs after the patch below and is counted as a second load
    qtbot.waitUntil(lambda: not panel._model.thumbnails._pending, timeout=10_000)
    loads: list[Path] = []
    real = runs_model._load_thumbnail
    monkeypatch.setattr(runs_model, "_load_thumbnail",
                        lambda path, size: loads.append(path) or real(path, size))
    snapshot = folder / "snapshots" / "step_0000020.png"
    Image.new("RGB", (48, 24), (250, 10, 10)).save(snapshot)
    os.utime(snapshot, (1e9, 1e9))
    panel.refresh()
    index = index_of(panel, folder)

    def colour() -> tuple[int, int, int] | None:
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        image = icon.pixmap(QSize(THUMB, THUMB)).toImage()
        pixel = image.pixelColor(image.width() // 2, image.height() // 2)
        return (pixel.red(), pixel.green(), pixel.blue()) if pixel.alpha() else None

    qtbot.waitUntil(lambda: colour() == (250, 10, 10), timeout=3000)
    image = index.data(Qt.ItemDataRole.DecorationRole).pixmap(QSize(THUMB, THUMB)).toImage()
    assert (image.width(), image.height()) == (THUMB, THUMB // 2)  # fitted, aspect kept
    for _ in range(5):
        panel.refresh()
        index.data(Qt.ItemDataRole.DecorationRole)
    assert loads == [snapshot]  # cached by (path, mtime): loaded once
    Image.new("RGB", (48, 24), (10, 10, 250)).save(snapshot)  # the run wrote a newer picture
    os.utime(snapshot, (2e9, 2e9))
    panel.refresh()
    qtbot.waitUntil(lambda: colour() == (10, 10, 250), timeout=3000)
    no_pictures = index_of(panel, ws / "20261201-gan-ring8")
    assert isinstance(no_pictures.data(Qt.ItemDataRole.DecorationRole), QIcon)  # a blank
    assert colour() == (10, 10, 250)


@pytest.mark.parametrize("width", [1024, 760])
def test_on_a_laptop_screen_the_name_stays_readable_and_the_table_scrolls(qtbot, panel, ws,
                                                                          width):
    panel.resize(width - 20, 500)  # the window's margins
    qtbot.wait(10)
    table = panel.table()
    assert panel.minimumSizeHint().width() <= 1024 - 20  # the buttons fit at 1024
    assert table.columnWidth(NAME) >= NAME_MIN
    total = sum(table.columnWidth(c) for c in range(panel.proxy().columnCount()))
    if total > table.viewport().width():
        assert table.horizontalScrollBar().isVisible()
        table.scrollTo(panel.proxy().index(0, STARTED))
        assert table.visualRect(panel.proxy().index(0, STARTED)).right() <= (
            table.viewport().width())
    panel.resize(1346, 600)
    qtbot.wait(10)
    assert not table.horizontalScrollBar().isVisible()
    assert sum(table.columnWidth(c) for c in range(panel.proxy().columnCount())) == (
        table.viewport().width())  # the name column takes the free width


def test_a_name_being_typed_survives_refreshes_and_thumbnails(qtbot, panel, ws):
    folder = ws / "20261201-dcgan-faces"
    index = index_of(panel, folder)
    qtbot.keyClick(panel.table(), Qt.Key.Key_F2)
    editor = panel.table().findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "half typ")
    make_run(ws / "new-run", name="new")  # another process starts a run meanwhile
    panel.refresh()
    panel.model()._thumbnail_ready(panel.model().summary(index.row()).thumbnail)
    qtbot.wait(50)  # the thumbnail loader reports, the view repaints
    assert editor.isVisible() and editor.text() == "half typ"
    qtbot.keyClicks(editor, "ed")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: read_notes(folder).name == "half typed", timeout=2000)
    panel.refresh()  # editing is over: the new run shows
    assert panel.proxy().rowCount() == 3
