"""The first-start page: shown once on a machine that never saw the studio; its two choices
start a Quick look on ring8 (moving within 10 s) and open the bundled model in Explore."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from studio.app.main_window import MainWindow
from studio.app.panels.first_start import DONE_KEY, FirstStartPage, tilde
from studio.runs.reader import read_config
from studio.runs.workspace import default_workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)


def open_window(qtbot, settings, load_engine=False):
    w = MainWindow(settings, load_engine=load_engine, first_start=True)
    qtbot.addWidget(w)
    w.resize(1024, 600)
    w.show()
    return w


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def test_a_fresh_machine_opens_on_the_page_until_it_is_skipped(qtbot, settings):
    w = open_window(qtbot, settings)
    page = w.first_start.page
    assert w.tabs.currentWidget() is page and page.isVisible()
    assert not w.tabs.tabBar().isVisible()  # the page is the whole window
    assert "ring8" in page.quick_card.title.text()
    assert "landscapes" in page.explore_card.title.text()
    assert tilde(default_workspace()) in page.note.text()  # where the runs will go
    click(qtbot, page.skip_button)
    assert w.tabs.currentWidget() is w.setup and w.tabs.tabBar().isVisible()
    qtbot.waitUntil(lambda: w.tabs.indexOf(page) < 0 and w.tabs.count() == 4)
    assert settings.value(DONE_KEY, False, type=bool)
    w.shutdown()
    again = open_window(qtbot, settings)  # a second start: the setting is stored
    assert again.first_start is None
    assert not any(isinstance(again.tabs.widget(i), FirstStartPage)
                   for i in range(again.tabs.count()))
    assert again.tabs.currentWidget() is again.setup
    again.shutdown()


def test_a_machine_with_runs_is_not_a_first_start(qtbot, settings):
    run = default_workspace() / "20260101-000000-gan-ring8"
    run.mkdir(parents=True)
    (run / "config.toml").write_text("", encoding="utf-8")
    w = open_window(qtbot, settings)
    assert w.first_start is None and w.tabs.count() == 4
    w.shutdown()


def test_going_to_any_tab_dismisses_the_page_for_good(qtbot, settings):
    w = open_window(qtbot, settings)
    w.tabs.setCurrentIndex(3)  # View ▸ Runs (Ctrl+4)
    assert w.tabs.tabBar().isVisible() and settings.value(DONE_KEY, False, type=bool)
    qtbot.waitUntil(lambda: w.tabs.count() == 4)
    w.shutdown()


def test_the_ring8_quick_look_moves_within_ten_seconds(qtbot, settings):
    w = open_window(qtbot, settings, load_engine=True)  # the engine loads after the click
    page = w.first_start.page
    clicked = time.monotonic()
    click(qtbot, page.quick_card)
    assert page.quick_card.waiting
    click(qtbot, page.quick_card)  # an impatient second click starts nothing more
    progress = w.monitor.header.progress
    qtbot.waitUntil(lambda: w.worker is not None and progress.value() > 0, timeout=10_000)
    moved_after = time.monotonic() - clicked
    try:
        assert w.tabs.currentWidget() is w.monitor and w.tabs.tabBar().isVisible()
        assert "step" in progress.text() and w.monitor.metrics.last()[0] > 0
        config = read_config(w.worker.folder)
        assert (config.variant, config.data.dataset, config.train.steps) == ("gan", "ring8", 1500)
        assert w.worker.folder.parent == default_workspace()  # the user's folder, nowhere else
        assert [p.name for p in default_workspace().iterdir()] == [w.worker.folder.name]
        assert settings.value(DONE_KEY, False, type=bool)
        qtbot.waitUntil(lambda: len(w.monitor.game_view.fake_item.data) > 0, timeout=10_000)
    finally:
        w.worker.stop(save=False)
        w.worker.wait()
        w.worker = None
        w.shutdown()
    print(f"ring8 Quick look: first step shown {moved_after:.1f} s after the click")


def test_the_explore_choice_shows_the_bundled_landscapes(qtbot, settings):
    w = open_window(qtbot, settings)
    click(qtbot, w.first_start.page.explore_card)
    assert w.tabs.currentWidget() is w.explore
    assert Path(w.explore.source_path) == ROOT / "models" / "landscapes-64"
    qtbot.waitUntil(lambda: w.explore.image_view.picture() is not None, timeout=60_000)
    picture = np.asarray(w.explore.image_view.picture())
    assert picture.shape[:2] == (64, 64) and picture.std() > 5  # a landscape, not a blank
    assert "Landscapes 64 px" in w.explore.source_label.text()
    assert settings.value(DONE_KEY, False, type=bool)
    w.shutdown()
