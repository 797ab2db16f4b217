"""The Monitor with runs training in the window (issue 9): resume shows the whole history,
a new run is named at once, Start is off while training, pause drops the rate, the 2-D game
replays along the timelapse with its mode coverage, a cGAN's columns are named.

Each test trains a tiny run on the CPU: ~2–6 s apiece (the engine loads once per window).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from studio.app.main_window import MainWindow
from tests.core.helpers import tiny_config

COVERAGE = re.compile(r"^modes covered \d+/8 · \d+ % high quality$")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    # a failing test must not leave a modal question open at close (offscreen, none answers)
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    w = MainWindow(QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat))
    w.apply_preferences(str(tmp_path / "runs"), "light")
    qtbot.addWidget(w)
    w.resize(1366, 700)
    w.show()
    qtbot.waitUntil(lambda: w.engine is not None, timeout=120_000)
    yield w
    if w.worker is not None:
        w.worker.stop(save=False)
        w.worker.wait()
        w.worker = None
    w.shutdown()


def prepare(qtbot, w, config):
    w.setup.set_config(config)
    qtbot.waitUntil(lambda: w.setup.description is not None
                    and w.setup.description.name == config.data.dataset, timeout=30_000)
    qtbot.waitUntil(lambda: w.setup.can_start()[0], timeout=10_000)


def click_start(qtbot, w, config):
    prepare(qtbot, w, config)
    qtbot.mouseClick(w.setup.start_button, Qt.MouseButton.LeftButton)


def run_to_end(qtbot, w, config):
    click_start(qtbot, w, config)
    qtbot.waitUntil(lambda: w.worker is None and w.monitor.folder is not None, timeout=60_000)
    return w.monitor.folder


def xs(plot, key):
    x, _ = plot.curve(key).getData()
    return np.empty(0) if x is None else np.asarray(x)


def test_a_resumed_run_shows_its_whole_history_and_marks_stop_and_resume(qtbot, window):
    m = window.monitor
    config = tiny_config("gan", "ring8", steps=100_000, log_every=5, snapshot_every=20,
                         checkpoint_every=10**6)
    click_start(qtbot, window, config)
    qtbot.waitUntil(lambda: window.worker is not None and window.worker.step >= 80,
                    timeout=30_000)
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    folder = m.folder
    snapshots = len(list((folder / "snapshots").glob("step_*.png")))
    assert snapshots >= 4
    window.tabs.setCurrentWidget(window.runs)
    window.runs.refresh()
    assert window.runs.select_folder(folder)
    qtbot.mouseClick(window.runs.resume_button, Qt.MouseButton.LeftButton)
    # at once: the history is drawn, the snapshots are in the timelapse, the last one shown
    assert len(xs(m.loss_plot, "loss_d")) and xs(m.loss_plot, "loss_d")[0] <= 5
    assert m.timeline.maximum() == snapshots - 1
    assert m.image.image() is not None
    assert m.progress.format().startswith("resuming at step ")
    stopped_at = window.worker.metrics.last()[0] if window.worker else 0
    qtbot.waitUntil(lambda: window.worker is not None and window.worker.step > stopped_at + 20,
                    timeout=30_000)
    qtbot.waitUntil(lambda: xs(m.loss_plot, "loss_d")[-1] > stopped_at + 10, timeout=10_000)
    assert xs(m.loss_plot, "loss_d")[0] <= 5  # still from the start
    labels = [label for _, label in m.loss_plot.markers]
    assert "stopped" in labels and "resumed" in labels
    _, ys = m.loss_plot.curve("loss_d").getData()
    (_, _), (y0, y1) = m.loss_plot.plot_widget().getPlotItem().vb.viewRange()
    finite = np.asarray(ys)[np.isfinite(ys)]
    assert y0 <= finite.min() and finite.max() <= y1  # no point clipped
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)


def test_a_new_run_is_named_at_once_and_says_what_it_prepares(qtbot, window):
    m = window.monitor
    first = run_to_end(qtbot, window, tiny_config("gan", "ring8", steps=20))
    assert "finished at step 20" in m.progress.format()
    click_start(qtbot, window, tiny_config("gan", "ring8", steps=100_000,
                                           checkpoint_every=10**6))
    # before the worker has said anything, the header already names the new run
    assert window.worker is not None and m.folder == window.worker.folder != first
    assert window.worker.folder.name in m.title.toolTip() + m.title.text()
    assert "finished" not in m.progress.format() and "535" not in m.progress.format()
    assert m.progress.format().startswith(("starting", "choosing", "reading", "building",
                                           "first step"))
    qtbot.waitUntil(lambda: m.progress.format().startswith("step "), timeout=30_000)
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)


def test_start_is_off_with_a_reason_while_a_run_trains(qtbot, window):
    click_start(qtbot, window, tiny_config("gan", "ring8", steps=100_000,
                                           checkpoint_every=10**6))
    button = window.setup.start_button
    assert not button.isEnabled()
    # the New run tab re-checks its settings (another dataset described): still off
    window.setup.choose_dataset("grid25")
    qtbot.waitUntil(lambda: window.setup.description is not None
                    and window.setup.description.name == "grid25", timeout=30_000)
    assert not button.isEnabled()
    assert "stop" in button.toolTip().lower()
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    assert button.isEnabled()
    assert "stop" not in button.toolTip().lower()


def test_paused_says_paused_without_a_stale_rate(qtbot, window):
    m = window.monitor
    click_start(qtbot, window, tiny_config("gan", "ring8", steps=100_000, log_every=5,
                                           checkpoint_every=10**6))
    qtbot.waitUntil(lambda: "it/s" in m.progress.format(), timeout=30_000)
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: window.state_label.text() == "Paused", timeout=10_000)
    qtbot.wait(300)
    text = m.progress.format()
    assert "paused" in text and "it/s" not in text and "ETA" not in text
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: "it/s" in m.progress.format(), timeout=30_000)
    labels = [label for _, label in m.loss_plot.markers]
    assert "paused" in labels
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)


def test_the_game_view_replays_the_timelapse_with_its_coverage(qtbot, window, monkeypatch,
                                                               tmp_path):
    from studio.app.bridge import load_game_state

    m = window.monitor
    folder = run_to_end(qtbot, window, tiny_config("gan", "ring8", steps=300, log_every=5,
                                                   snapshot_every=50))
    assert m.views.currentWidget() is m.game_view
    m.timeline.setValue(m.timeline.maximum())
    last = np.column_stack(m.game_view.fake_item.getData())
    m.timeline.setValue(0)  # the first snapshot, at step 50
    assert m.timeline_label.text() == "step 50"
    first = np.column_stack(m.game_view.fake_item.getData())
    assert first.shape != last.shape or not np.allclose(first, last)
    kept = load_game_state(folder / "snapshots" / "step_0000050.game.npz")
    assert np.allclose(first, kept.fake)  # the points of the snapshot at step 50
    assert COVERAGE.match(m.coverage_label.text())
    assert m.coverage_label.text() == kept.coverage.text()
    # Save image saves the game view as shown, not the 256-px sample scatter
    target = tmp_path / "shown.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "PNG (*.png)")))
    qtbot.mouseClick(m.save_button, Qt.MouseButton.LeftButton)
    with Image.open(target) as img:
        saved = img.size
    assert saved == (m.game_view.width(), m.game_view.height())


def test_a_cgan_grid_names_its_columns(qtbot, window):
    m = window.monitor
    run_to_end(qtbot, window, tiny_config("cgan", "shapes", steps=10, snapshot_every=10))
    classes = window.setup.description.classes
    assert m.image.column_names() == tuple(classes)
    rects = m.image.column_label_rects()
    assert len(rects) == len(classes)
    assert all(a.right() < b.left() for a, b in itertools.pairwise(rects))
    image_rect = m.image.image_rect()
    assert all(r.bottom() < image_rect.top() + 1 for r in rects)
