"""Time a few training steps of the run the New run tab describes, on a pool thread.

The setup panel shows the answer before Start ("about 3 min on CPU"). Only the newest request
is answered; a newer request or `cancel()` stops an older timing between steps. torch is
imported lazily, on the worker. The last opened dataset is kept, so changing a training
setting does not read a folder again.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio.config import DataConfig, RunConfig

SIDE_SAMPLE = 64  # image headers read to learn a folder's typical image size
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


@dataclass(frozen=True)
class RunEstimate:
    """What the timing found: seconds to finish on `device`, and how it was measured."""

    config: RunConfig
    seconds: float
    device: str  # e.g. "cpu", "cuda:0"
    step_s: float
    steps_timed: int
    scaled_from: int  # batch size the step time was scaled up from (0: measured as is)


def folder_image_side(path: str, sample: int = SIDE_SAMPLE) -> int:
    """The median smaller side of up to `sample` images under folder `path` (0 if none or not
    a folder); reads only the image headers."""
    from PIL import Image

    root = Path(path)
    if not root.is_dir():
        return 0
    sides: list[int] = []
    for file in sorted(root.rglob("*")):
        if file.suffix.lower() not in IMAGE_SUFFIXES or not file.is_file():
            continue  # a FIFO, socket or device named like an image would block the read
        try:
            with Image.open(file) as img:
                sides.append(min(img.size))
        except (OSError, ValueError):
            continue
        if len(sides) >= sample:
            break
    return sorted(sides)[len(sides) // 2] if sides else 0


class _Signals(QObject):
    done = Signal(int, object)  # stamp, RunEstimate
    failed = Signal(int, str)  # stamp, message
    side = Signal(str, int)  # folder, median image side


class _EstimateTask(QRunnable):
    def __init__(self, owner: EstimateWorker, stamp: int, config: RunConfig) -> None:
        super().__init__()
        self.owner, self.stamp, self.config = owner, stamp, config

    def run(self) -> None:
        if self.owner.stale(self.stamp):
            return
        try:
            estimate = self._estimate()
        except Exception as exc:  # the estimate is advice; a failure says so and no more
            self._answer(self.owner.signals.failed, str(exc))
            return
        if estimate is not None:
            self._answer(self.owner.signals.done, estimate)

    def _answer(self, signal: Any, value: Any) -> None:
        """Send the answer unless the worker has gone (its window closed meanwhile)."""
        if not self.owner.stale(self.stamp):
            with contextlib.suppress(RuntimeError):  # deleted between the check and the emit
                signal.emit(self.stamp, value)

    def _estimate(self) -> RunEstimate | None:
        import torch

        from studio.train import distributed
        from studio.train.device import select_device
        from studio.train.estimate import run_seconds, time_training

        device = select_device(distributed.local_device_name(self.config.train.device))
        dataset, data_s = self.owner.open_data(self.config.data)
        timing = time_training(self.config, dataset.to(device), device,
                               should_stop=lambda: self.owner.stale(self.stamp))
        if self.owner.stale(self.stamp):
            return None
        seconds = run_seconds(self.config.train, timing, data_s)
        del dataset
        if device.type == "cuda":
            torch.cuda.empty_cache()
        return RunEstimate(self.config, seconds, str(device), timing.step_s,
                           timing.steps_timed, timing.scaled_from)


class EstimateWorker(QObject):
    """`request(config)` times the run on a worker; `estimated(RunEstimate)` or
    `failed(message)` answers the newest request only. `request_image_side(folder)` answers
    `image_side(folder, side)` with the folder's typical image size."""

    estimated = Signal(object)  # RunEstimate
    failed = Signal(str)
    image_side = Signal(str, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(0)  # no lingering OpenMP team to slow training (2 cores)
        self._stamp = 0
        self._closed = False
        gone = self._gone = threading.Event()  # set as this worker is deleted: tasks stop
        self.destroyed.connect(lambda *_: gone.set())
        self._lock = threading.Lock()
        self._data: tuple[DataConfig, Any, float] | None = None
        self.signals = _Signals()
        # bound methods, not lambdas: Qt drops the connection when this worker is deleted,
        # so a timing that finishes after its window has gone reaches no one
        self.signals.done.connect(self._on_done)
        self.signals.failed.connect(self._on_failed)
        self.signals.side.connect(self.image_side)

    def _on_done(self, stamp: int, estimate: Any) -> None:
        if stamp == self._stamp:
            self.estimated.emit(estimate)

    def _on_failed(self, stamp: int, message: str) -> None:
        if stamp == self._stamp:
            self.failed.emit(message)

    def request(self, config: RunConfig) -> int:
        """Time `config`'s run; an older timing still going stops at its next step. After
        `close` nothing starts (returns 0)."""
        if self._closed:
            return 0
        self._stamp += 1
        self._pool.start(_EstimateTask(self, self._stamp, config))
        return self._stamp

    def request_image_side(self, folder: str) -> None:
        """Find the typical image size of `folder` on the worker."""
        if self._closed:
            return
        signals = self.signals

        def find() -> None:
            side = folder_image_side(folder)
            with contextlib.suppress(RuntimeError):  # the worker went while we looked
                signals.side.emit(folder, side)

        self._pool.start(find)

    def cancel(self) -> None:
        """Drop every pending or running timing (e.g. when a run starts)."""
        self._stamp += 1

    def stale(self, stamp: int) -> bool:
        """Whether timing `stamp` is no longer wanted: a newer request, a cancel, or the
        worker deleted (a timing in flight then stops at its next step)."""
        return stamp != self._stamp or self._gone.is_set()

    def open_data(self, cfg: DataConfig) -> tuple[Any, float]:
        """The dataset of `cfg` and the seconds it took to open (kept for the next request)."""
        with self._lock:
            if self._data is not None and self._data[0] == cfg:
                return self._data[1], self._data[2]
        from studio.data import open_dataset

        start = time.perf_counter()
        dataset = open_dataset(cfg)
        seconds = time.perf_counter() - start
        with self._lock:
            self._data = (cfg, dataset, seconds)
        return dataset, seconds

    def wait(self) -> None:
        self._pool.waitForDone()

    def close(self) -> None:
        """Refuse new requests, stop the running timing at its next step, drop queued work
        and wait, so no task outlives the window."""
        self._closed = True
        self.cancel()
        self._pool.clear()
        self._pool.waitForDone()
