"""How live exploring feels: slider move → new image on screen, in the real Explore tab.

Drives the studio's Explore tab (offscreen) on the bundled model (or --source): each round
moves a slider (ψ, then a PCA direction) and waits until the image from that very request has
been painted. Prints p50/p95 of that latency (goal p50 ≤ 40 ms at 64 px), the same for a fast
drag (a move every 16 ms, newest request wins) and the time for a 4×4 style-mixing matrix.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/explore_latency.py [--moves 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from studio.app.main_window import MainWindow
from studio.explore.catalog import list_bundled_models


def wait(app: QApplication, done, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the explorer did not answer in time")
        app.processEvents()
        time.sleep(0.0005)


class PaintClock:
    """Records when the watched image view last painted."""

    def __init__(self, view) -> None:
        self.painted = 0.0
        original = view.paintEvent

        def paint(event) -> None:
            original(event)
            self.painted = time.perf_counter()

        view.paintEvent = paint


def move_and_wait(app, panel, clock, move) -> float:
    """Seconds from a slider move until the image of that request is on screen."""
    start = time.perf_counter()
    move()
    stamp = panel._stamp
    wait(app, lambda: panel.results["image"].stamp == stamp and clock.painted > start)
    return clock.painted - start


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--source", help="run or model folder (default: the bundled model)")
    args = parser.parse_args()
    source = args.source or str(list_bundled_models()[0].path)
    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        settings.setValue("workspace", tmp)
        window = MainWindow(settings, load_engine=False)
        window.resize(1280, 800)
        window.show()
        panel = window.explore
        window.tabs.setCurrentWidget(panel)
        panel.open_source(source)
        wait(app, lambda: panel.info is not None and "image" in panel.results)
        clock = PaintClock(panel.image_view.image)
        for v in (90, 80, 70):  # warm-up: directions computed and cached, threads up
            move_and_wait(app, panel, clock, lambda v=v: panel.sliders.slider(0).setValue(v))
        psi = [move_and_wait(app, panel, clock, lambda i=i: panel.psi.setValue(100 - i % 80))
               for i in range(args.moves)]
        direction = [move_and_wait(app, panel, clock,
                                   lambda i=i: panel.sliders.slider(1).setValue(i % 40 - 20))
                     for i in range(args.moves)]
        drag = drag_latency(app, panel, clock, args.moves)
        mix = mix_time(app, panel)
        info = panel.info
        window.shutdown()
    print(f"model: {info.label}, {info.resolution} px, {info.num_ws} style layers, "
          f"{os.cpu_count()} CPUs, torch threads {torch_threads()}")
    for name, values in (("psi slider", psi), ("direction slider", direction),
                         ("fast drag (16 ms moves)", drag)):
        print(f"{name}: p50 {1000 * statistics.median(values):.1f} ms, "
              f"p95 {1000 * quantile(values, 95):.1f} ms")
    print(f"4x4 style-mixing matrix: {1000 * mix:.0f} ms")
    print(f"slider→screen p50 (ψ and directions): "
          f"{1000 * statistics.median(psi + direction):.1f} ms (goal ≤ 40)")


def drag_latency(app, panel, clock, moves: int) -> list[float]:
    """A drag: a move every 16 ms; latency of each shown image from its own request."""
    sent: dict[int, float] = {}
    shown: list[float] = []
    last_shown = panel.results["image"].stamp
    for i in range(moves):
        start = time.perf_counter()
        panel.psi.setValue(60 + i % 40)
        sent[panel._stamp] = start
        while time.perf_counter() - start < 0.016:
            app.processEvents()
            stamp = panel.results["image"].stamp
            if stamp != last_shown and clock.painted > sent.get(stamp, 1e18):
                shown.append(clock.painted - sent[stamp])
                last_shown = stamp
            time.sleep(0.0005)
    return shown or [float("nan")]


def mix_time(app, panel) -> float:
    panel.mix_view.rows.setText("1, 2, 3, 4")
    panel.mix_view.cols.setText("10, 11, 12, 13")
    panel.views.setCurrentWidget(panel.mix_view)
    wait(app, lambda: "mix" in panel.results)
    panel.mix_view.crossover.setCurrentIndex(panel.mix_view.crossover.findData("middle"))
    stamp = panel._stamp
    wait(app, lambda: panel.results["mix"].stamp == stamp)
    return panel.results["mix"].seconds


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    main()
