"""The Runs tab: listing real run folders, sorting, filtering and the actions on a run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from studio.app.panels.runs import (
    DATASET,
    NAME,
    PROGRESS,
    STARTED,
    STATUS,
    VARIANT,
    RunsPanel,
    format_started,
    short_dataset,
)
from studio.session import start_run
from studio.train.controls import RunControls
from tests.core.helpers import tiny_config


class StopAfterFirstLog:
    """A sink that asks the run to stop once it has logged its first metrics."""

    def __init__(self, controls: RunControls) -> None:
        self.controls = controls

    def on_metrics(self, step: int, row: dict[str, float]) -> None:
        self.controls.stop()

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with three real runs (made once) and a folder that is not a run."""
    root = tmp_path_factory.mktemp("runs")
    images = root / "data" / "my-pictures"
    images.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(8):
        pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(images / f"img{i}.png")
    ws = root / "ws"
    start_run(tiny_config(steps=4, log_every=2).replace(name="alpha"), ws / "alpha").run()
    dcgan = tiny_config("dcgan", str(images), steps=4, log_every=2).replace(name="bravo")
    start_run(dcgan, ws / "bravo").run()
    controls = RunControls()
    charlie = tiny_config(steps=8, log_every=2, checkpoint_every=2).replace(name="charlie")
    start_run(charlie, ws / "charlie", sinks=(StopAfterFirstLog(controls),),
              controls=controls).run()
    (ws / "not-a-run").mkdir()
    return root


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template, tmp_path / "copy")
    return tmp_path / "copy" / "ws"


@pytest.fixture
def panel(qtbot, ws: Path) -> RunsPanel:
    widget = RunsPanel(ws)
    qtbot.addWidget(widget)
    return widget


def cells(panel: RunsPanel, col: int) -> list[str]:
    proxy = panel.proxy()
    return [proxy.index(r, col).data() for r in range(proxy.rowCount())]


def row_of(panel: RunsPanel, name: str) -> dict[int, str]:
    row = cells(panel, NAME).index(name)
    return {c: panel.proxy().index(row, c).data() for c in range(panel.proxy().columnCount())}


def test_lists_the_real_runs_with_their_details(panel, ws):
    assert panel.model().rowCount() == 3
    assert sorted(cells(panel, NAME)) == ["alpha", "bravo", "charlie"]
    alpha = row_of(panel, "alpha")
    assert (alpha[VARIANT], alpha[DATASET], alpha[PROGRESS], alpha[STATUS]) == (
        "gan", "ring8", "4 / 4", "finished")
    bravo = row_of(panel, "bravo")
    assert (bravo[VARIANT], bravo[DATASET], bravo[STATUS]) == ("dcgan", "my-pictures",
                                                               "finished")
    row = cells(panel, NAME).index("bravo")
    assert panel.proxy().index(row, DATASET).data(Qt.ItemDataRole.ToolTipRole).endswith(
        "my-pictures")
    charlie = row_of(panel, "charlie")
    assert (charlie[PROGRESS], charlie[STATUS]) == ("2 / 8", "stopped")
    assert all(len(text) == 16 for text in cells(panel, STARTED))
    assert panel.stack.currentWidget() is panel.table()


def test_formatting_helpers():
    assert short_dataset("/data/faces/") == "faces"
    assert short_dataset("C:\\data\\cats") == "cats"
    assert short_dataset("ring8") == "ring8"
    assert format_started(None) == "—"


def test_sorting_by_a_column(panel):
    panel.table().sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert cells(panel, NAME) == ["alpha", "bravo", "charlie"]
    panel.table().sortByColumn(NAME, Qt.SortOrder.DescendingOrder)
    assert cells(panel, NAME) == ["charlie", "bravo", "alpha"]
    panel.table().sortByColumn(PROGRESS, Qt.SortOrder.AscendingOrder)
    assert cells(panel, NAME)[0] == "charlie"
    panel.table().sortByColumn(VARIANT, Qt.SortOrder.AscendingOrder)
    assert cells(panel, VARIANT) == ["dcgan", "gan", "gan"]


def test_filter_narrows_rows(panel):
    panel.filter_edit.setText("DCG")
    assert cells(panel, NAME) == ["bravo"]
    panel.filter_edit.setText("pictures")  # matches the dataset's full path
    assert cells(panel, NAME) == ["bravo"]
    panel.filter_edit.setText("char")
    assert cells(panel, NAME) == ["charlie"]
    panel.filter_edit.setText("nothing like this")
    assert cells(panel, NAME) == []
    panel.filter_edit.clear()
    assert panel.proxy().rowCount() == 3


def test_buttons_follow_the_selection(panel, ws):
    buttons = (panel.open_button, panel.resume_button, panel.new_button, panel.reveal_button,
               panel.delete_button)
    assert panel.selected_folder() is None
    assert not any(b.isEnabled() for b in buttons)
    assert panel.open_folder_button.isEnabled() and panel.refresh_button.isEnabled()
    assert panel.select_folder(ws / "alpha")
    assert panel.selected_folder() == ws / "alpha"
    assert not panel.resume_button.isEnabled()  # finished: step == steps
    assert panel.open_button.isEnabled() and panel.delete_button.isEnabled()
    panel.select_folder(ws / "charlie")
    assert panel.resume_button.isEnabled()  # stopped at 2 of 8 with a checkpoint
    menu = {a.text(): a.isEnabled() for a in panel.context_menu().actions() if a.text()}
    assert menu["Resume"] and menu["Open"] and menu["Delete"] and menu["Rename"]


def test_a_running_run_cannot_be_resumed_or_deleted(panel, ws):
    with open(ws / "charlie" / "events.jsonl", "a") as f:
        f.write('{"step": 2, "kind": "resumed", "time": 1.0}\n')
    panel.refresh()
    assert row_of(panel, "charlie")[STATUS] == "running"
    panel.select_folder(ws / "charlie")
    assert not panel.resume_button.isEnabled() and not panel.delete_button.isEnabled()
    assert panel.open_button.isEnabled()


def test_double_click_and_open_emit_the_folder(panel, ws, qtbot):
    panel.show()
    panel.select_folder(ws / "bravo")
    with qtbot.waitSignal(panel.open_requested) as blocker:
        panel.open_button.click()
    assert blocker.args == [ws / "bravo"]
    index = panel.proxy().index(cells(panel, NAME).index("alpha"), NAME)
    rect = panel.table().visualRect(index)
    viewport = panel.table().viewport()
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [ws / "alpha"]


def test_resume_and_new_from_config_emit_the_folder(panel, ws, qtbot):
    panel.select_folder(ws / "charlie")
    with qtbot.waitSignal(panel.resume_requested) as blocker:
        panel.resume_button.click()
    assert blocker.args == [ws / "charlie"]
    with qtbot.waitSignal(panel.new_from_config_requested) as blocker:
        panel.new_button.click()
    assert blocker.args == [ws / "charlie"]


def test_delete_moves_the_run_to_the_trash_without_asking(panel, ws, qtbot):
    panel.select_folder(ws / "alpha")
    with qtbot.waitSignal(panel.status_message) as blocker:
        panel.delete_button.click()
    assert "alpha" in blocker.args[0] and "trash" in blocker.args[0]
    assert not (ws / "alpha").exists()
    trashed = list((ws / ".trash").iterdir())
    assert [p.name.startswith("alpha-") for p in trashed] == [True]
    assert (trashed[0] / "config.toml").is_file()  # moved whole, nothing removed
    assert sorted(cells(panel, NAME)) == ["bravo", "charlie"]
    assert panel.selected_folder() is None and not panel.delete_button.isEnabled()
    assert panel.trash_button.text() == "Trash (1)…"


def test_delete_failure_warns(panel, ws, monkeypatch):
    warned: list[str] = []
    monkeypatch.setattr("studio.runs.trash.os.rename",
                        lambda *a: (_ for _ in ()).throw(PermissionError(13, "denied")))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    panel.select_folder(ws / "alpha")
    panel.delete_button.click()
    assert len(warned) == 1 and "denied" in warned[0] and "alpha" in warned[0]
    assert panel.model().rowCount() == 3 and (ws / "alpha" / "config.toml").is_file()
    assert not (ws / "alpha" / "trashed.json").exists()


def test_reveal_calls_the_overridable_method(panel, ws, monkeypatch):
    revealed: list[Path] = []
    monkeypatch.setattr(panel, "reveal", revealed.append)
    panel.select_folder(ws / "bravo")
    panel.reveal_button.click()
    assert revealed == [ws / "bravo"]


def test_empty_workspace_shows_the_empty_state(qtbot, tmp_path):
    panel = RunsPanel(tmp_path / "does-not-exist-yet")
    qtbot.addWidget(panel)
    assert panel.stack.currentWidget() is panel.empty_label
    assert "No runs yet" in panel.empty_label.text()
    panel.set_workspace(tmp_path)
    assert panel.stack.currentWidget() is panel.empty_label


def test_a_new_run_shows_after_refresh_and_the_selection_stays(panel, ws):
    panel.select_folder(ws / "charlie")
    shutil.copytree(ws / "alpha", ws / "delta")
    cfg = (ws / "delta" / "config.toml").read_text().replace('"alpha"', '"delta"')
    (ws / "delta" / "config.toml").write_text(cfg)
    assert panel.model().rowCount() == 3
    panel.refresh()
    assert sorted(cells(panel, NAME)) == ["alpha", "bravo", "charlie", "delta"]
    assert panel.selected_folder() == ws / "charlie"


def test_switching_workspace(panel, ws, tmp_path):
    panel.set_workspace(tmp_path / "empty")
    assert panel.model().rowCount() == 0 and panel.stack.currentWidget() is panel.empty_label
    panel.set_workspace(ws)
    assert panel.model().rowCount() == 3 and panel.stack.currentWidget() is panel.table()


def test_auto_refresh_only_while_visible(panel):
    assert not panel._timer.isActive()
    panel.show()
    assert panel._timer.isActive()
    panel.hide()
    assert not panel._timer.isActive()


def test_open_folder_warns_for_a_non_run_folder(panel, ws, monkeypatch, qtbot):
    warned: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(ws / "not-a-run"))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    with qtbot.assertNotEmitted(panel.open_requested):
        panel.open_folder_button.click()
    assert warned == [f"{ws / 'not-a-run'} is not a run folder: config.toml is missing"]


def test_open_folder_opens_a_run_folder_anywhere(panel, ws, monkeypatch, qtbot, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(ws / "charlie", elsewhere)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(elsewhere))
    with qtbot.waitSignal(panel.open_requested) as blocker:
        panel.open_folder_button.click()
    assert blocker.args == [elsewhere]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    with qtbot.assertNotEmitted(panel.open_requested):
        panel.open_folder_button.click()


def test_the_panel_does_not_import_torch():
    code = ("import sys, studio.app.panels.runs; "
            "bad = [m for m in ('torch', 'studio.train', 'studio.nets', 'studio.data', "
            "'studio.session') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stdout + done.stderr
