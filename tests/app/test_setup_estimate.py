"""The time estimate before Start: asked for once the settings settle, shown only for the
settings on screen, with a warning when a preset takes far longer than its name says; the
estimate worker times real steps off the GUI thread. (About 5 s, most of it the worker.)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from studio.app.estimate_worker import EstimateWorker, folder_image_side
from studio.app.panels.setup import SetupPanel
from studio.app.panels.setup_estimate import format_duration
from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import describe
from studio.model_configs import GanModelConfig


class FakeEstimator(QObject):
    """Records requests; the test answers them."""

    estimated = Signal(object)
    failed = Signal(str)
    image_side = Signal(str, int)

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[RunConfig] = []
        self.sides: list[str] = []

    def request(self, config: RunConfig) -> None:
        self.requests.append(config)

    def request_image_side(self, folder: str) -> None:
        self.sides.append(folder)


@dataclass(frozen=True)
class Answer:
    config: RunConfig
    seconds: float
    device: str = "cpu"
    step_s: float = 0.12
    steps_timed: int = 8
    scaled_from: int = 0


@pytest.fixture
def panel(qtbot):
    p = SetupPanel()
    qtbot.addWidget(p)
    p.resize(1366, 700)
    p.show()
    p.set_engine_ready(True)
    fake = FakeEstimator()
    p.attach_estimator(fake)
    with qtbot.waitSignal(p.dataset_changed, timeout=3000) as asked:
        p.choose_dataset("ring8")
    p.show_description(describe(asked.args[0]))
    qtbot.waitUntil(lambda: len(fake.requests) > 0, timeout=3000)
    p.fake = fake
    return p


def test_the_estimate_for_the_settings_on_screen_is_shown(qtbot, panel):
    config = panel.fake.requests[-1]
    assert config == panel.current_config()
    panel.fake.estimated.emit(Answer(config, 125.0))
    assert panel.estimate.isVisible()
    assert "about 2 min 05 s" in panel.estimate.text() and "CPU" in panel.estimate.text()
    assert "⚠" not in panel.estimate.text()


def test_an_answer_for_older_settings_is_not_shown(qtbot, panel):
    old = panel.fake.requests[-1]
    panel.train_form.editor("steps").setValue(3000)
    qtbot.waitUntil(lambda: panel.fake.requests[-1] != old, timeout=3000)
    panel.fake.estimated.emit(Answer(old, 60.0))  # late: for 1,500 steps
    assert "about 1 min" not in panel.estimate.text()
    panel.fake.estimated.emit(Answer(panel.fake.requests[-1], 120.0))
    assert "about 2 min 00 s" in panel.estimate.text()


def test_a_quick_look_that_is_not_quick_says_so(qtbot, panel):
    panel.fake.estimated.emit(Answer(panel.fake.requests[-1], 40 * 60.0))
    text = panel.estimate.text()
    assert "⚠" in text and "Quick look" in text and "40 min" in text
    assert "a few minutes" in panel.preset.toolTip()  # what the preset promises


def test_a_folder_asks_for_its_image_size(qtbot, panel, tmp_path):
    Image.fromarray(np.zeros((90, 120, 3), np.uint8)).save(tmp_path / "a.png")
    with qtbot.waitSignal(panel.dataset_changed, timeout=3000) as asked:
        panel.choose_dataset(str(tmp_path))
    panel.show_description(describe(asked.args[0]))
    assert panel.fake.sides == [str(tmp_path)]
    assert folder_image_side(str(tmp_path)) == 90  # the smaller side, from the header


def test_durations_read_naturally():
    assert [format_duration(s) for s in (42, 125, 1800, 7500, 200000)] == [
        "42 s", "2 min 05 s", "30 min", "2 h 05 min", "2 days 7 h"]
    assert format_duration(86400) == "1 day"


def test_the_worker_times_real_steps_off_the_gui_thread(qtbot):
    worker = EstimateWorker()
    config = RunConfig(variant="gan", data=DataConfig(dataset="ring8", size=512),
                       model=GanModelConfig(hidden=32, layers=2),
                       train=TrainConfig(steps=200, batch_size=64, device="cpu"))
    with qtbot.waitSignal(worker.estimated, timeout=60_000) as got:
        worker.request(config)
    estimate = got.args[0]
    assert estimate.config == config and estimate.device == "cpu"
    assert estimate.steps_timed >= 2 and 0 < estimate.step_s < 1.0
    assert estimate.seconds > 200 * estimate.step_s  # steps plus building and snapshots
    worker.wait()


def test_no_steps_are_timed_while_a_run_trains(qtbot, panel):
    asked = len(panel.fake.requests)
    panel.pause_estimates(True)
    panel.train_form.editor("steps").setValue(2500)
    qtbot.wait(1000)  # longer than the settle delay
    assert len(panel.fake.requests) == asked
    assert "waits" in panel.estimate.text()
    panel.pause_estimates(False)
    qtbot.waitUntil(lambda: len(panel.fake.requests) == asked + 1, timeout=3000)


def test_the_worker_reads_a_folders_image_size(qtbot, tmp_path):
    for i, (w, h) in enumerate([(200, 150), (90, 300), (128, 128)]):
        Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(tmp_path / f"{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    worker = EstimateWorker()
    with qtbot.waitSignal(worker.image_side, timeout=10_000) as got:
        worker.request_image_side(str(tmp_path))
    assert got.args == [str(tmp_path), 128]  # the median of the smaller sides 150, 90, 128
    worker.wait()


def test_an_estimate_finishing_after_its_worker_is_deleted_reaches_no_one(qtbot):
    """A window closed while a timing runs: the late answer must not raise in the event loop
    ("Signal source has been deleted" broke an unrelated test that ran next)."""
    from shiboken6 import delete

    from studio.app.estimate_worker import EstimateWorker

    worker = EstimateWorker()
    signals = worker.signals
    stamp = worker._stamp
    delete(worker)  # what closing its window does to the C++ side
    signals.done.emit(stamp, object())  # the task's late answer
    signals.failed.emit(stamp, "late")
    QApplication.processEvents()
