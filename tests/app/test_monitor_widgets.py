"""The Monitor without training (issue 9): header layout on a laptop screen, relaunch, the
opened run's own settings, replay of kept 2-D game states, notifications. Each well under
a second, except the session phase test (~1 s, builds a tiny run)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QSystemTrayIcon

from studio.app.main_window import MainWindow
from studio.config import save_toml
from studio.export.images import save_png, scatter_image
from tests.core.helpers import tiny_config

LONG_NAME = "20261202-073512-stylegan-my-holiday-pictures"


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)


def make_window(qtbot, settings) -> MainWindow:
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    return w


def write_run(folder: Path, steps: int = 600, kept_games: bool = False, **train) -> Path:
    """A finished 2-D run folder: rows every 10 steps, three snapshots (and game states)."""
    folder.mkdir(parents=True)
    save_toml(tiny_config("gan", "ring8", steps=steps, **train), folder / "config.toml")
    rows = [{"step": s, "time": 0.0, "loss_d": 1.2, "loss_g": 0.7, "d_real": 0.6,
             "d_fake": 0.4} for s in range(10, steps + 1, 10)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    events = [{"step": 0, "time": time.time(), "kind": "started", "message": ""},
              {"step": steps, "time": time.time(), "kind": "finished", "message": ""}]
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (folder / "snapshots").mkdir()
    rng = np.random.default_rng(0)
    for k, step in enumerate((200, 400, 600)):
        fake = rng.normal(0.0, 0.1 * (k + 1), (64, 2)).astype(np.float32)
        save_png(scatter_image(fake), folder / "snapshots" / f"step_{step:07d}.png")
        if kept_games:
            from studio.runs.game_states import save_game_arrays
            from studio.runs.layout import game_state_name

            save_game_arrays(folder / "snapshots" / game_state_name(step), {
                "step": step, "extent": 1.1, "fake": fake, "real": fake[:8],
                "heat": np.full((4, 4), k / 2), "coverage": [k + 1, 8, 0.5 + 0.1 * k]})
    return folder


def window_rect(widget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", [(1024, 640), (1366, 700)])
def test_the_header_fits_a_laptop_screen(qtbot, settings, tmp_path, size):
    w = make_window(qtbot, settings)
    w.resize(*size)
    w.show()
    w.open_run(write_run(tmp_path / LONG_NAME))
    qtbot.waitUntil(lambda: w.monitor.isVisible())
    QApplication.processEvents()
    m = w.monitor
    assert w.width() == size[0]  # the window fits the screen's width
    loss_label = next(lb for lb in m.findChildren(QLabel) if lb.text() == "Loss")
    bar, label, title = window_rect(m.progress), window_rect(loss_label), window_rect(m.title)
    assert not bar.intersects(label) and not bar.intersects(title)
    assert loss_label.isVisible() and label.right() <= w.width()
    assert title.width() >= m.title.fontMetrics().horizontalAdvance(LONG_NAME)  # not cut
    w.shutdown()


def test_a_long_run_name_is_elided_with_its_full_name_as_tooltip(qtbot):
    from studio.app.panels.monitor_header import MonitorHeader

    header = MonitorHeader()
    qtbot.addWidget(header)
    header.set_run("x" * 200, 10)
    header.resize(600, 60)
    header.show()
    QApplication.processEvents()
    assert header.title.toolTip() == "x" * 200
    assert "…" in header.title.text() and len(header.title.text()) < 200


def test_relaunch_never_opens_on_an_empty_monitor(qtbot, settings, tmp_path):
    settings.setValue("tab", 1)  # the Monitor, with no run to show
    w = make_window(qtbot, settings)
    assert w.tabs.currentWidget() is w.setup
    w.shutdown()
    folder = write_run(tmp_path / "last")
    settings.setValue("tab", 1)
    settings.setValue("last_run", str(folder))
    w = make_window(qtbot, settings)
    assert w.tabs.currentWidget() is w.monitor
    assert w.monitor.folder == folder and "last" in w.monitor.title.toolTip()
    w.shutdown()


def test_an_opened_run_shows_its_own_rates_not_the_previous_runs(qtbot, settings, tmp_path):
    w = make_window(qtbot, settings)
    first = write_run(tmp_path / "a", lr_g=1e-3, lr_d=3e-3, loss="minimax")
    second = write_run(tmp_path / "b", lr_g=2e-5, lr_d=4e-5, loss="hinge")
    w.open_run(first)
    w.open_run(second)
    m = w.monitor
    assert (m.loss.currentText(), m.lr_g.text(), m.lr_d.text()) == ("hinge", "2e-05", "4e-05")
    assert not m.lr_g.isEnabled()
    w.shutdown()


def test_an_opened_2d_run_replays_its_kept_game_states_and_coverage(qtbot, settings, tmp_path):
    w = make_window(qtbot, settings)
    w.resize(1366, 700)
    w.show()
    w.open_run(write_run(tmp_path / "kept", kept_games=True))
    m = w.monitor
    assert m.views.currentWidget() is m.game_view
    assert m.timeline.value() == m.timeline.maximum() == 2
    assert m.coverage_label.text() == "modes covered 3/8 · 70 % high quality"
    assert m.progress.format() == "finished at step 600 / 600"
    m.timeline.setValue(0)
    x, _ = m.game_view.fake_item.getData()
    assert m.coverage_label.text() == "modes covered 1/8 · 50 % high quality"
    assert np.std(x) < 0.2  # the first snapshot's tight points, not the last one's
    assert m.game_view.heat_item.image is not None
    w.shutdown()


def test_a_2d_run_without_kept_states_opens_on_its_samples(qtbot, settings, tmp_path):
    w = make_window(qtbot, settings)
    w.show()
    w.open_run(write_run(tmp_path / "cli"))
    m = w.monitor
    assert m.views.currentWidget() is m.image and m.image.image() is not None
    m.view_choice.setCurrentIndex(1)
    m.timeline.setValue(0)
    assert "Samples" in m.game_view.note()
    assert not m.coverage_label.isVisible()
    w.shutdown()


def test_save_image_saves_the_game_view_when_it_is_shown(qtbot, settings, tmp_path,
                                                         monkeypatch):
    w = make_window(qtbot, settings)
    w.resize(1366, 700)
    w.show()
    w.open_run(write_run(tmp_path / "shown"))
    m = w.monitor
    m.view_choice.setCurrentIndex(1)
    QApplication.processEvents()
    from studio.app import save_files

    save_files.remember_folder(None)  # no folder remembered from an earlier save this session
    target = tmp_path / "saved.png"
    offered: list[str] = []

    def dialog(*args, **kwargs):
        offered.append(str(args[2]))  # the suggested path
        return str(target), "PNG (*.png)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    qtbot.mouseClick(m.save_button, Qt.MouseButton.LeftButton)
    with Image.open(target) as img:
        assert img.size == (m.game_view.width(), m.game_view.height()) != (256, 256)
    # the suggestion names the run, the view and the step, in the run's exports folder
    assert "exports" in offered[0] and "shown_game_step" in offered[0]
    assert w.statusBar().currentMessage().startswith("Saved to")
    m.view_choice.setCurrentIndex(0)
    qtbot.mouseClick(m.save_button, Qt.MouseButton.LeftButton)
    with Image.open(target) as img:
        assert img.size == (256, 256)  # the sample scatter at its own size
    w.shutdown()


def test_notifications_only_for_long_runs_while_away(qtbot, settings, monkeypatch):
    from studio.app.panels.monitor_notify import LONG_RUN_S, should_notify

    assert not should_notify(LONG_RUN_S - 1, window_active=False)
    assert not should_notify(LONG_RUN_S * 5, window_active=True)
    assert should_notify(LONG_RUN_S + 1, window_active=False)
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    w = make_window(qtbot, settings)
    assert not w.notifier.run_ended("quick", "finished", 30.0, window_active=False)
    assert w.statusBar().currentMessage() == ""
    assert w.notifier.run_ended("long-run", "failed", 600.0, window_active=False)
    message = w.statusBar().currentMessage()
    assert "long-run" in message and "failed" in message
    w.shutdown()


def test_a_session_reports_its_phases(tmp_path):
    from studio.session import start_run

    heard: list[str] = []
    session = start_run(tiny_config("gan", "ring8"), tmp_path / "run", phase=heard.append)
    session.writer.close()
    assert heard == ["choosing the device", "reading data", "building networks"]


def test_the_header_names_the_phase_with_elapsed_time(qtbot):
    from studio.app.panels.monitor_header import MonitorHeader

    header = MonitorHeader()
    qtbot.addWidget(header)
    header.set_run("run", 1000)
    header.set_phase("building networks")
    assert header.progress.format().startswith("building networks · ")
    header.show_step(10)
    assert header.progress.format() == "step 10 / 1,000" and header.phase is None
    header.set_paused(True, 10)
    assert header.progress.format() == "paused at step 10 / 1,000"
