"""What watching costs: the same DCGAN run headless and in the studio window, in one process.

Rounds alternate (headless, window, headless, window, …) so machine noise hits both alike. The
window run shows the Monitor tab with live curves and the sample grid (offscreen). A 5 ms
QTimer probe on the GUI thread records how late each tick comes: the GUI thread's stalls.
Prints steps/s of each, their ratio (goal ≥ 0.95) and the stall p50/p99/max (goal p99 ≤ 30 ms).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_overhead.py [--steps 150] [--rounds 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from studio.app.main_window import MainWindow
from studio.app.workers import TrainingWorker
from studio.config import DataConfig, RunConfig, TrainConfig
from studio.model_configs import DcganModelConfig
from studio.session import start_run


def make_config(args: argparse.Namespace) -> RunConfig:
    return RunConfig(
        variant="dcgan", data=DataConfig(dataset="shapes", size=2048, resolution=32),
        model=DcganModelConfig(g_channels=args.channels, d_channels=args.channels),
        train=TrainConfig(steps=args.steps, batch_size=64, device="cpu", log_every=5,
                          snapshot_every=25, checkpoint_every=max(1, args.steps // 2)))


def headless_rate(config: RunConfig, folder: Path) -> float:
    """Steps/s of a plain headless run, on a thread that ends with it.

    Not on the main thread: the OpenMP team torch would leave there lives on, and libgomp
    stops spin-waiting once a process holds more OpenMP threads than CPUs, which would slow
    the window's training thread and blame the window for it. The CLI has just one team too.
    """
    rate: list[float] = []

    def train() -> None:
        session = start_run(config, folder)
        start = time.perf_counter()
        session.run()
        rate.append(config.train.steps / (time.perf_counter() - start))

    thread = threading.Thread(target=train)
    thread.start()
    thread.join()
    return rate[0]


def window_rate(app: QApplication, window: MainWindow, config: RunConfig, folder: Path,
                gaps: list[float] | None, gui_cpu: list[float]) -> float:
    """Train through the window's worker with the Monitor showing.

    With `gaps`, a 5 ms QTimer probes the GUI thread; the probe itself costs the training
    thread GIL hand-overs, so throughput is measured in rounds without it.
    """
    marks: dict[str, float] = {}
    worker = TrainingWorker(config, folder)
    worker.started_run.connect(lambda *_: marks.setdefault("start", time.perf_counter()))
    worker.finished.connect(lambda _: marks.setdefault("end", time.perf_counter()))
    clock = QElapsedTimer()
    probe = QTimer(interval=5)
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if gaps is not None and "start" in marks and "end" not in marks and last[0]:
            gaps.append(now - last[0] - 5.0)
        last[0] = now

    probe.timeout.connect(tick)
    loop = QEventLoop()
    worker.finished.connect(loop.quit)  # queued: loop lives on this thread
    clock.start()
    if gaps is not None:
        probe.start()
    window._launch(worker, config)
    cpu = time.thread_time()
    loop.exec()  # the real event loop, as in the studio
    gui_cpu.append(time.thread_time() - cpu)
    probe.stop()
    while window.worker is not None:
        app.processEvents()
    return config.train.steps / (marks["end"] - marks["start"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--channels", type=int, default=32)
    args = parser.parse_args()
    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat),
                            load_engine=False)
        window.resize(1280, 800)
        window.show()
        config = make_config(args)
        headless, windowed, gaps, gui_cpu = [], [], [], []
        headless_rate(config.replace(train=config.train.replace(steps=20)), Path(tmp) / "w")
        for r in range(args.rounds):
            headless.append(headless_rate(config, Path(tmp) / f"h{r}"))
            windowed.append(window_rate(app, window, config, Path(tmp) / f"g{r}", None,
                                        gui_cpu))
        probed = window_rate(app, window, config, Path(tmp) / "probe", gaps, [])
        window.shutdown()
    h, g = statistics.median(headless), statistics.median(windowed)
    q = statistics.quantiles(gaps, n=100) if len(gaps) > 1 else [0.0] * 99
    print(f"setup: dcgan 32px, batch 64, {args.steps} steps x {args.rounds} rounds, "
          f"monitor visible, offscreen")
    print(f"headless steps/s: {h:.2f}")
    print(f"window steps/s: {g:.2f}")
    busy = sum(gui_cpu) / sum(args.steps / r for r in windowed)
    print(f"GUI thread CPU while training: {100 * busy:.1f}% of one core")
    print(f"window steps/s with the 5 ms probe: {probed:.2f}")
    print(f"GUI stall p50 ms: {q[49]:.1f}")
    print(f"GUI stall p99 ms: {q[98]:.1f}")
    print(f"GUI stall max ms: {max(gaps, default=0.0):.1f}")
    print(f"ratio window/headless: {g / h:.3f}")


if __name__ == "__main__":
    main()
