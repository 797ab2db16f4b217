"""A person deletes a run from the Runs tab, finds it in the trash, restores it, and empties
the trash (real widgets, hand-written run folders: ~1 s in all)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.app.panels.runs import NAME, RunsPanel
from studio.runs.trash import TRASH, trash_run
from tests.core.test_trash import make_run, tree


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    for name in ("alpha", "bravo"):
        make_run(tmp_path / "ws" / name, name=name)
    return tmp_path / "ws"


@pytest.fixture
def panel(qtbot, ws: Path) -> RunsPanel:
    widget = RunsPanel(ws)
    qtbot.addWidget(widget)
    widget.resize(1000, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def names(panel: RunsPanel) -> list[str]:
    proxy = panel.proxy()
    return sorted(proxy.index(r, NAME).data() for r in range(proxy.rowCount()))


def click_row(qtbot, panel: RunsPanel, name: str) -> None:
    proxy, table = panel.proxy(), panel.table()
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, NAME).data() == name)
    rect = table.visualRect(proxy.index(row, NAME))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def answer_next_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Click `button` in the message box about to open (as a person would)."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.button(button).click()
    QTimer.singleShot(50, click)


def test_a_person_deletes_a_run_and_restores_it_from_the_trash(qtbot, panel, ws):
    before = tree(ws / "alpha")
    click_row(qtbot, panel, "alpha")
    assert panel.selected_folder() == ws / "alpha"
    qtbot.keyClick(panel.table(), Qt.Key.Key_Delete)
    assert names(panel) == ["bravo"] and not (ws / "alpha").exists()
    assert panel.trash_button.text() == "Trash (1)…"
    qtbot.mouseClick(panel.trash_button, Qt.MouseButton.LeftButton)
    dialog = panel.trash_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.tree.topLevelItemCount() == 1
    item = dialog.tree.topLevelItem(0)
    assert item.text(0) == "alpha" and item.text(1) == str(ws)
    assert "1 run in the trash" in dialog.info.text()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.tree.topLevelItemCount() == 0 and "empty" in dialog.info.text()
    assert names(panel) == ["alpha", "bravo"]
    assert panel.selected_folder() == ws / "alpha"  # the restored run is selected
    assert tree(ws / "alpha") == before  # every file back, unchanged
    assert panel.trash_button.text() == "Trash…"


def test_restoring_beside_a_new_run_of_the_same_folder_name(qtbot, panel, ws):
    trash_run(ws / "alpha")
    make_run(ws / "alpha", name="alpha-again")
    panel.refresh()
    qtbot.mouseClick(panel.trash_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.trash_dialog.restore_button, Qt.MouseButton.LeftButton)
    assert names(panel) == ["alpha", "alpha-again", "bravo"]
    assert panel.selected_folder() == ws / "alpha-restored"


def test_empty_trash_asks_then_removes_the_files(qtbot, panel, ws):
    for name in ("alpha", "bravo"):
        click_row(qtbot, panel, name)
        qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert names(panel) == [] and panel.stack.currentWidget() is panel.empty_label
    qtbot.mouseClick(panel.trash_button, Qt.MouseButton.LeftButton)
    dialog, asked = panel.trash_dialog, []
    assert dialog.tree.topLevelItemCount() == 2
    answer_next_box(QMessageBox.StandardButton.No, asked)
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "2 runs" in asked[0] and "cannot be undone" in asked[0]
    assert len(list((ws / TRASH).iterdir())) == 2  # No: nothing removed
    answer_next_box(QMessageBox.StandardButton.Yes, asked)
    with qtbot.waitSignal(panel.status_message) as blocker:
        qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["Removed 2 runs for good"]
    assert list((ws / TRASH).iterdir()) == [] and not dialog.empty_button.isEnabled()
    assert panel.trash_button.text() == "Trash…"


def test_a_running_run_is_not_trashed(qtbot, tmp_path):
    make_run(tmp_path / "ws" / "live", status="running", name="live")
    make_run(tmp_path / "ws" / "mine", name="mine")
    panel = RunsPanel(tmp_path / "ws")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    click_row(qtbot, panel, "live")
    assert not panel.delete_button.isEnabled()
    assert "Stop the run" in panel.delete_button.toolTip()
    qtbot.keyClick(panel.table(), Qt.Key.Key_Delete)
    panel.delete_selected()
    assert (tmp_path / "ws" / "live" / "config.toml").is_file()
    panel.set_active_run(tmp_path / "ws" / "mine")  # this studio is training it
    click_row(qtbot, panel, "mine")
    assert not panel.delete_button.isEnabled()
    qtbot.keyClick(panel.table(), Qt.Key.Key_Delete)
    assert names(panel) == ["live", "mine"] and not (tmp_path / "ws" / TRASH).exists()


def test_emptying_runs_off_the_window_thread(qtbot, panel, ws, monkeypatch):
    """Gigabytes of checkpoints must not freeze the window: while the files go, the dialog
    says so, its buttons wait, and the window keeps answering."""
    import threading

    from studio.app.panels import runs_views
    from studio.runs.trash import empty_trash

    release, started = threading.Event(), threading.Event()

    def slow_empty(workspace):
        started.set()
        assert release.wait(10)
        return empty_trash(workspace)

    monkeypatch.setattr(runs_views, "empty_trash", slow_empty)
    click_row(qtbot, panel, "alpha")
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.trash_button, Qt.MouseButton.LeftButton)
    dialog = panel.trash_dialog
    answer_next_box(QMessageBox.StandardButton.Yes, [])
    qtbot.mouseClick(dialog.empty_button, Qt.MouseButton.LeftButton)
    assert started.wait(5)  # the click returned while the removal is still going
    assert dialog.info.text() == "Emptying the trash…"
    assert not dialog.empty_button.isEnabled() and not dialog.restore_button.isEnabled()
    with qtbot.waitSignal(panel.status_message, timeout=10_000) as blocker:
        release.set()
    assert blocker.args == ["Removed 1 run for good"]
    assert list((ws / TRASH).iterdir()) == [] and "empty" in dialog.info.text()
