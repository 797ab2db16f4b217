"""Soak: a long DCGAN run in the studio (its training worker, bridge sinks, run writer and the
Monitor showing live curves and samples, offscreen), with the process's resident memory read
every N steps. Prints the RSS table and the growth after warm-up (goal ≤ 50 MB).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/soak.py [--steps 20000] [--every 1000]
        [--warmup 2000]

RSS is read from /proc/self/statm (Linux); elsewhere the peak RSS from getrusage stands in.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from studio.app.main_window import MainWindow
from studio.app.workers import TrainingWorker
from studio.config import DataConfig, RunConfig, TrainConfig
from studio.model_configs import DcganModelConfig

MB = 1024 * 1024


def rss_bytes() -> int:
    """The process's resident memory now (Linux), else its peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def make_config(steps: int) -> RunConfig:
    """A 32 px DCGAN on shapes with the studio's usual logging, snapshots and checkpoints."""
    return RunConfig(
        variant="dcgan", data=DataConfig(dataset="shapes", size=2048, resolution=32),
        model=DcganModelConfig(g_channels=32, d_channels=32),
        train=TrainConfig(steps=steps, batch_size=64, device="cpu", log_every=10,
                          snapshot_every=100, checkpoint_every=1000))


def soak(window: MainWindow, config: RunConfig, folder: Path, every: int) -> list[tuple]:
    """Train through the window's worker; (step, RSS bytes, seconds) each `every` steps."""
    worker = TrainingWorker(config, folder)
    readings: list[tuple[int, int, float]] = []
    start = time.perf_counter()

    def read() -> None:
        due = (len(readings) + 1) * every
        if worker.step >= due:
            readings.append((due, rss_bytes(), time.perf_counter() - start))

    probe = QTimer(interval=50)
    probe.timeout.connect(read)
    loop = QEventLoop()
    worker.finished.connect(loop.quit)
    probe.start()
    window._launch(worker, config)
    loop.exec()
    probe.stop()
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=2000, help="steps before the baseline")
    args = parser.parse_args()
    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat),
                            load_engine=False)
        window.resize(1280, 800)
        window.show()
        before = rss_bytes()
        readings = soak(window, make_config(args.steps), Path(tmp) / "run", args.every)
        while window.worker is not None:
            app.processEvents()
        window.shutdown()
    print(f"setup: dcgan 32px, batch 64, {args.steps} steps, monitor visible, offscreen; "
          f"RSS before training {before / MB:.0f} MB")
    for step, rss, seconds in readings:
        print(f"step {step:>6}: RSS {rss / MB:7.1f} MB  ({seconds:6.0f} s)")
    base = next((r for s, r, _ in readings if s >= args.warmup), None)
    if base is None or not readings:
        print("too few readings: give more --steps than --warmup")
        return
    growth = (readings[-1][1] - base) / MB
    print(f"growth after warm-up (step {args.warmup} to {readings[-1][0]}): {growth:+.1f} MB "
          f"(goal ≤ 50)")


if __name__ == "__main__":
    main()
