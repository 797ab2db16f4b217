"""Closing the window leaves no pool task running: Python code still running on a Qt pool
thread when the interpreter exits aborts the process ("terminate called without an active
exception"), which a late timer or signal starting a dataset description or a timing after
the window shut down used to cause."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QSettings

from studio.app.main_window import MainWindow
from studio.config import DataConfig, RunConfig


def test_no_description_or_timing_starts_after_the_window_shut_down(qtbot, tmp_path):
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                        load_engine=False)
    qtbot.addWidget(window)
    window.shutdown()
    assert window.describer.request(DataConfig(dataset="ring8")) == 0
    assert window.thumbnails.request(DataConfig(dataset="ring8")) == 0
    assert window.estimator.request(RunConfig(variant="gan")) == 0
    for worker in (window.describer, window.thumbnails, window.estimator):
        assert worker._pool.activeThreadCount() == 0


SCRIPT = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from studio.app.main_window import MainWindow
    app = QApplication([])
    w = MainWindow(QSettings(sys.argv[1], QSettings.Format.IniFormat))
    w.show()
    loop = QEventLoop()
    poll = QTimer(); poll.timeout.connect(lambda: w.engine is not None and loop.quit())
    poll.start(5); QTimer.singleShot(60000, loop.quit); loop.exec()
    w.close(); w.deleteLater(); app.processEvents()
    time.sleep(2); app.processEvents()   # late timers fire after the window closed
    print("closed", w.engine is not None)
""")


@pytest.mark.slow
def test_closing_just_after_the_engine_loads_exits_cleanly(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "s.ini")],
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                               "GAN_STUDIO_HOME": str(tmp_path / "home")})
    assert "closed True" in done.stdout
    assert "terminate called" not in done.stderr
    assert "Signal source has been deleted" not in done.stderr
    assert done.returncode == 0, done.stderr[-2000:]
