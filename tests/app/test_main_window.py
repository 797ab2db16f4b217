"""The studio window end to end: real training on a worker thread, driven through the widgets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from studio.app.dialogs import about_text
from studio.app.main_window import MainWindow
from studio.runs.reader import read_events
from tests.core.helpers import tiny_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.engine is not None, timeout=120_000)
    yield w
    if w.worker is not None:
        w.worker.stop(save=False)
        w.worker.wait()
        w.worker = None
    w.shutdown()


def prepare(qtbot, w, config):
    """Fill the New run tab from `config` and wait until Start is possible."""
    w.setup.set_config(config)
    qtbot.waitUntil(lambda: w.setup.description is not None
                    and w.setup.description.name == config.data.dataset.split("/")[-1],
                    timeout=30_000)
    qtbot.waitUntil(lambda: w.setup.can_start()[0], timeout=10_000)


def start(qtbot, w, config):
    prepare(qtbot, w, config)
    qtbot.mouseClick(w.setup.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.monitor.folder is not None and w.worker is not None
                    and w.worker.total > 0, timeout=30_000)


def curve_points(plot, key):
    x, _ = plot.curve(key).getData()
    return 0 if x is None else len(x)


def test_start_waits_for_the_engine(qtbot, settings):
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    ok, why = w.setup.can_start()
    assert not ok and "loading" in why
    assert not w.setup.start_button.isEnabled()
    assert "Loading" in w.engine_label.text()
    w.shutdown()


def test_choosing_data_and_variant_enables_start(qtbot, window):
    prepare(qtbot, window, tiny_config("gan", "ring8"))
    assert window.setup.start_button.isEnabled()
    window.setup.choose_dataset("ring8")
    assert not window.setup.cards["dcgan"].isEnabled()
    assert "images" in window.setup.cards["dcgan"].toolTip()


def test_a_ring8_run_grows_the_curves_and_the_game_view(qtbot, window):
    start(qtbot, window, tiny_config("gan", "ring8", steps=3000, log_every=5,
                                     snapshot_every=50))
    m = window.monitor
    qtbot.waitUntil(lambda: curve_points(m.loss_plot, "loss_d") >= 3, timeout=30_000)
    first = curve_points(m.loss_plot, "loss_d")
    qtbot.waitUntil(lambda: curve_points(m.loss_plot, "loss_d") > first, timeout=30_000)
    assert curve_points(m.v_plot, "v_total") == curve_points(m.v_plot, "v_real")
    qtbot.waitUntil(lambda: len(m.game_view.fake_item.data) > 0, timeout=30_000)
    assert m.views.currentWidget() is m.game_view
    qtbot.waitUntil(lambda: window.worker is None, timeout=120_000)
    assert window.state_label.text() == "Finished"
    assert (m.folder / "checkpoints" / "step_0003000").is_dir()
    assert "finished at step 3,000" in m.progress.format()
    assert curve_points(m.loss_plot, "loss_d") == 600  # the final drawing shows every row


def test_a_shapes_run_changes_the_sample_image(qtbot, window):
    start(qtbot, window, tiny_config("dcgan", "shapes", steps=400, snapshot_every=4,
                                     log_every=2))
    m = window.monitor
    qtbot.waitUntil(lambda: m.image.image() is not None, timeout=60_000)
    first = m.image.image().copy()
    first_step = window.worker.step
    qtbot.waitUntil(lambda: window.worker.step >= first_step + 12, timeout=60_000)
    qtbot.waitUntil(lambda: m.image.image() is not None and (
        m.image.image().shape != first.shape or not np.array_equal(m.image.image(), first)),
        timeout=60_000)
    assert m.timeline_label.text().startswith("step ")
    assert m.views.currentWidget() is m.image
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)


def test_pause_resume_and_stop_from_the_toolbar(qtbot, window):
    start(qtbot, window, tiny_config("gan", "ring8", steps=100_000, checkpoint_every=10**6))
    worker = window.worker
    qtbot.waitUntil(lambda: worker.step > 10, timeout=30_000)
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: window.pause_action.text() == "Resume", timeout=10_000)
    paused_at = worker.step
    qtbot.wait(300)
    assert worker.step == paused_at and window.state_label.text() == "Paused"
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: worker.step > paused_at + 10, timeout=30_000)
    window.stop_action.trigger()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    assert window.state_label.text() == "Stopped"
    folder = window.monitor.folder
    checkpoints = list((folder / "checkpoints").glob("step_*"))
    assert len(checkpoints) == 1
    kinds = [e["kind"] for e in read_events(folder)]
    assert kinds == ["started", "paused", "continued", "stopped"]


def test_a_live_loss_switch_is_recorded_and_drawn(qtbot, window):
    start(qtbot, window, tiny_config("gan", "ring8", steps=100_000, log_every=5,
                                     checkpoint_every=10**6))
    m = window.monitor
    qtbot.waitUntil(lambda: window.worker.step > 10, timeout=30_000)
    m.loss.setCurrentText("minimax")
    qtbot.mouseClick(m.apply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(label == "loss → minimax" for _, label in m.loss_plot.markers),
                    timeout=30_000)
    changes = [e for e in read_events(m.folder) if e["kind"] == "change"]
    assert [c["data"] for c in changes] == [
        {"key": "loss", "old": "non-saturating", "new": "minimax"}]
    assert all(len(p.markers) == 1 for p in m.plots)
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)


def test_a_run_written_by_the_cli_is_followed_live(qtbot, window, tmp_path):
    out = tmp_path / "cli-run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio.cli", "train", "--variant", "gan", "--dataset",
         "ring8", "--steps", "100000", "--out", str(out), "--quiet", "--device", "cpu",
         "--set", "train.log_every=5", "--set", "train.checkpoint_every=1000000"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        qtbot.waitUntil(lambda: (out / "metrics.jsonl").exists(), timeout=120_000)
        window.open_run(out)
        plot = window.monitor.loss_plot
        qtbot.waitUntil(lambda: curve_points(plot, "loss_d") >= 2, timeout=30_000)
        seen = curve_points(plot, "loss_d")
        qtbot.waitUntil(lambda: curve_points(plot, "loss_d") > seen + 2, timeout=30_000)
        assert window.tabs.currentWidget() is window.monitor
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_worker_exception_opens_a_dialog_and_the_window_lives_on(qtbot, window,
                                                                    monkeypatch):
    import studio.session

    def broken(*args, **kwargs):
        raise RuntimeError("the GPU caught fire")

    monkeypatch.setattr(studio.session, "start_run", broken)
    prepare(qtbot, window, tiny_config("gan", "ring8"))
    window.start_training()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "failureDialog") is not None,
                    timeout=30_000)
    box = window.findChild(QMessageBox, "failureDialog")
    assert "the GPU caught fire" in box.text()
    assert "Traceback" in box.detailedText() and "broken" in box.detailedText()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    box.accept()
    monkeypatch.undo()
    assert window.start_action.isEnabled()  # the window keeps working: a new run starts
    start(qtbot, window, tiny_config("gan", "ring8", steps=20))
    qtbot.waitUntil(lambda: window.worker is None, timeout=60_000)
    assert window.state_label.text() == "Finished"


def test_nothing_is_left_running_after_close(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.engine is not None, timeout=120_000)
    start(qtbot, w, tiny_config("gan", "ring8", steps=100_000, checkpoint_every=10**6))
    worker = w.worker
    qtbot.waitUntil(lambda: worker.step > 5, timeout=30_000)
    yes = QMessageBox.StandardButton.Yes
    from studio.app import main_window as mw

    original = mw.QMessageBox.question
    mw.QMessageBox.question = staticmethod(lambda *a, **k: yes)
    try:
        assert w.close()
    finally:
        mw.QMessageBox.question = original
    assert not worker.is_running() and not w.loader.isRunning()
    assert [t for t in w.findChildren(QTimer) if t.isActive()] == []
    assert (w.monitor.folder / "checkpoints").is_dir()  # stopping saved a checkpoint


def test_closing_while_training_can_keep_training(qtbot, window, monkeypatch):
    start(qtbot, window, tiny_config("gan", "ring8", steps=100_000, checkpoint_every=10**6))
    from studio.app import main_window as mw

    monkeypatch.setattr(mw.QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    assert not window.close()
    assert window.worker is not None and window.worker.is_running()


def test_layout_and_choices_are_remembered(qtbot, settings):
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    w.setup.choose_dataset("spiral")
    w.setup.select_variant("cgan")
    w.tabs.setCurrentIndex(2)
    w.shutdown()
    again = MainWindow(settings, load_engine=False)
    qtbot.addWidget(again)
    assert again.setup.dataset() == "spiral" and again.setup.variant == "cgan"
    assert again.tabs.currentIndex() == 2
    again.shutdown()


def test_dropping_a_folder_chooses_it_as_the_dataset(qtbot, settings, tmp_path):
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    w.dropEvent(event)
    assert w.setup.dataset() == str(tmp_path)
    assert w._recent()[0] == str(tmp_path)
    w.shutdown()


def test_a_described_folder_gets_its_own_thumbnail(qtbot, window, tmp_path):
    from PIL import Image

    for cls, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.new("RGB", (24, 24), colour).save(tmp_path / cls / f"{i}.png")
    w = window
    w.setup.choose_dataset(str(tmp_path))
    qtbot.waitUntil(lambda: w.setup.description is not None
                    and w.setup.description.name == tmp_path.name, timeout=30_000)
    item = w.setup.dataset_list.currentItem()
    assert item.text() == f"{tmp_path.name}  ·  images, 2 classes"
    pixels = item.icon().pixmap(40, 40).toImage()
    colour = pixels.pixelColor(20, 20)
    assert (colour.red(), colour.blue()) in ((220, 30), (30, 220))  # a preview, not the folder


def test_about_names_the_versions():
    from studio.app.workers import EngineInfo

    text = about_text(EngineInfo("2.14.1", ("cpu",)))
    assert "PyTorch 2.14.1" in text and "Qt 6" in text and "Devices: cpu" in text


def test_the_window_opens_before_torch_is_imported():
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from PySide6.QtCore import QSettings\n"
        "app = QApplication([])\n"
        "from studio.app.main_window import MainWindow\n"
        "w = MainWindow(QSettings('x', 'y'), load_engine=False); w.show(); app.processEvents()\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'visible': w.isVisible()}))\n"
    )
    result = subprocess.run([sys.executable, "-c", "import json\n" + code], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"torch": False,
                                                                  "visible": True}


def test_preferences_move_the_workspace_and_switch_the_theme(qtbot, settings, tmp_path):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from studio.app.dialogs import PreferencesDialog

    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    dialog = PreferencesDialog(str(w.workspace), "auto", w)
    dialog.workspace.setText(str(tmp_path / "elsewhere"))
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    w.apply_preferences(*dialog.values())
    assert w.workspace == tmp_path / "elsewhere"
    assert w.runs.workspace() == tmp_path / "elsewhere"
    window_colour = QApplication.instance().palette().color(QPalette.ColorRole.Window)
    assert window_colour.lightness() < 80
    w.apply_preferences("", "light")
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() > 180
    assert settings.value("theme") == "light"
    w.shutdown()


def test_a_stopped_run_resumes_from_the_runs_tab(qtbot, window):
    start(qtbot, window, tiny_config("gan", "ring8", steps=100_000, checkpoint_every=10**6))
    folder = window.monitor.folder
    qtbot.waitUntil(lambda: window.worker.step > 5, timeout=30_000)
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    stopped_at = int(next((folder / "checkpoints").glob("step_*")).name.split("_")[1])
    window.tabs.setCurrentWidget(window.runs)
    window.runs.refresh()
    assert window.runs.select_folder(folder)
    assert window.runs.resume_button.isEnabled()
    qtbot.mouseClick(window.runs.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.worker is not None and window.worker.step > stopped_at,
                    timeout=30_000)
    window.stop_training()
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    kinds = [e["kind"] for e in read_events(folder)]
    assert kinds == ["started", "stopped", "resumed", "stopped"]


def test_the_timeline_shows_the_newest_snapshot_even_after_a_fast_run(qtbot, window):
    # a run that ends before the monitor's first refresh still shows its last snapshot
    start(qtbot, window, tiny_config("gan", "ring8", steps=40, snapshot_every=2))
    qtbot.waitUntil(lambda: window.worker is None, timeout=60_000)
    m = window.monitor
    m.view_choice.setCurrentIndex(0)
    assert m.image.image() is not None
    assert m.timeline.maximum() == 19 and m.timeline.value() == 19
    assert m.timeline_label.text() == "step 40"
    m.timeline.setValue(0)  # scrub back to the first snapshot
    assert m.timeline_label.text() == "step 2"


def test_choosing_stylegan_brings_its_training_defaults(qtbot, settings):
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    w.setup.preset.setCurrentText("Custom")
    w.setup.select_variant("stylegan")
    train = w.setup.train_form.value()
    assert (train.lr_g, train.beta1, train.beta2, train.ema_decay) == (0.002, 0.0, 0.99, 0.999)
    w.setup.select_variant("dcgan")
    train = w.setup.train_form.value()
    assert (train.lr_g, train.beta1, train.beta2, train.ema_decay) == (2e-4, 0.5, 0.999, 0.0)
    w.shutdown()
