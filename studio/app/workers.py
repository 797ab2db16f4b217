"""The bridge between the window and the engine: worker threads that own torch.

This is the only module of the studio that touches the engine. torch is imported lazily, on a
worker, so the window appears before torch has loaded. Tensors never leave the worker thread:
scalars go through a MetricBuffer, pictures through latest-wins slots, rare events through
queued signals carrying frozen dataclasses. Threads are asked to stop, never terminated.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from studio.app.bridge import (
    Coverage,
    FailureInfo,
    GameState,
    LatestSlot,
    MetricBuffer,
    RunStateEvent,
    SamplePicture,
)
from studio.config import DataConfig, RunConfig
from studio.data.game_grid import GAME_EXTENT, GAME_REAL_POINTS
from studio.runs.reader import read_metrics

GAME_INTERVAL_S = 0.1  # at most ten 2-D game updates per second


@dataclass(frozen=True)
class EngineInfo:
    torch_version: str
    devices: tuple[str, ...]  # e.g. ("cuda:0", "cpu")


def failure_from(exc: BaseException, title: str) -> FailureInfo:
    from studio.errors import StudioError

    message = str(exc) if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
    return FailureInfo(title, message, "".join(traceback.format_exception(exc)))


class EngineLoader(QThread):
    """Imports torch and the engine in the background; `loaded` carries what it found."""

    loaded = Signal(object)  # EngineInfo
    failed = Signal(object)  # FailureInfo

    def run(self) -> None:
        try:
            import torch

            import studio.session  # noqa: F401  (warms every engine import)
            from studio.train.device import available_devices

            self.loaded.emit(EngineInfo(torch.__version__, tuple(available_devices())))
        except Exception as exc:  # a broken install must still leave a usable window
            self.failed.emit(failure_from(exc, "The training engine could not load"))


# -- dataset descriptions -------------------------------------------------------------------
class _DescribeSignals(QObject):
    done = Signal(int, object, object)  # stamp, DataConfig, DatasetDescription
    failed = Signal(int, object, object)  # stamp, DataConfig, FailureInfo


class _DescribeTask(QRunnable):
    def __init__(self, stamp: int, cfg: DataConfig, signals: _DescribeSignals) -> None:
        super().__init__()
        self.stamp, self.cfg, self.signals = stamp, cfg, signals

    def run(self) -> None:
        try:
            from studio.data import describe

            answer, args = self.signals.done, (describe(self.cfg),)
        except Exception as exc:
            answer, args = self.signals.failed, (failure_from(exc, "Dataset"),)
        with contextlib.suppress(RuntimeError):  # its describer went while we worked
            answer.emit(self.stamp, self.cfg, *args)


class DatasetDescriber(QObject):
    """Describes datasets on a pool thread; only the newest request's answer is delivered."""

    described = Signal(object, object)  # DataConfig, DatasetDescription
    failed = Signal(object, object)  # DataConfig, FailureInfo

    def __init__(self, parent: QObject | None = None, latest_only: bool = True) -> None:
        super().__init__(parent)
        self.latest_only = latest_only  # False: deliver every answer (e.g. thumbnails)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        # the thread ends after each task, and with it any OpenMP team torch made there: a
        # lingering team makes libgomp throttle the training thread's spin-waits (2-core CPUs)
        self._pool.setExpiryTimeout(0)
        self._stamp = 0
        self._closed = False
        self._signals = _DescribeSignals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)

    def request(self, cfg: DataConfig) -> int:
        """Describe `cfg` on the pool thread; after `close` nothing starts (returns 0)."""
        if self._closed:
            return 0
        self._stamp += 1
        self._pool.start(_DescribeTask(self._stamp, cfg, self._signals))
        return self._stamp

    def _on_done(self, stamp: int, cfg: DataConfig, description: Any) -> None:
        if stamp == self._stamp or not self.latest_only:
            self.described.emit(cfg, description)

    def _on_failed(self, stamp: int, cfg: DataConfig, failure: FailureInfo) -> None:
        if stamp == self._stamp or not self.latest_only:
            self.failed.emit(cfg, failure)

    def wait(self) -> None:
        self._pool.waitForDone()

    def close(self) -> None:
        """Refuse new requests, drop queued ones and wait for the one running, so no task
        outlives the window (Python code on a pool thread at exit aborts the process)."""
        self._closed = True
        self._pool.clear()
        self._pool.waitForDone()


# -- training -------------------------------------------------------------------------------
class BridgeSink:
    """A run-loop sink living on the training thread: converts reports for the GUI."""

    def __init__(self, worker: TrainingWorker) -> None:
        self.worker = worker
        self._last_game = 0.0

    def on_metrics(self, step: int, metrics: dict[str, float]) -> None:
        self.worker.metrics.append(step, metrics)
        self.worker.step = step
        if self.worker.wants_game and time.monotonic() - self._last_game > GAME_INTERVAL_S:
            self._last_game = time.monotonic()
            self.worker.game.put(self.worker.game_state(step))

    def on_snapshot(self, snapshot: Any) -> None:
        from studio.export.images import snapshot_picture

        picture = snapshot_picture(snapshot)
        self.worker.samples.put(SamplePicture(snapshot.step, picture))
        self.worker.snapshot_written.emit(snapshot.step)

    def on_checkpoint(self, checkpoint: Any) -> None:
        self.worker.event.emit(RunStateEvent(checkpoint.step, "checkpoint"))

    def on_eval(self, step: int, row: dict[str, Any]) -> None:
        self.worker.event.emit(RunStateEvent(step, "eval", "", dict(row)))

    def on_event(self, event: Any) -> None:
        self.worker.event.emit(RunStateEvent(event.step, event.kind, event.message,
                                             dict(event.data)))

    def on_done(self, step: int, status: str) -> None:
        pass

    def on_failed(self, step: int, error: BaseException) -> None:
        pass


class TrainingWorker(QObject):
    """Owns one run on its own QThread. Controls are thread-safe and may be called any time."""

    event = Signal(object)  # RunStateEvent
    failed = Signal(object)  # FailureInfo
    finished = Signal(str)  # end status: finished, stopped, failed
    started_run = Signal(object, object)  # run folder Path, RunConfig
    snapshot_written = Signal(int)
    phase = Signal(str)  # what the run is preparing now: "reading data", "first step…"

    def __init__(self, config: RunConfig | None, folder: Path, resume: bool = False,
                 steps: int | None = None) -> None:
        super().__init__()
        from studio.train.controls import RunControls

        self.config, self.folder, self.resume, self.steps = config, Path(folder), resume, steps
        self.controls = RunControls()
        self.metrics = MetricBuffer()
        if resume:  # the curves show the whole history; redone steps replace their rows
            self.metrics.extend(read_metrics(self.folder))
        self.samples = LatestSlot()
        self.game = LatestSlot()
        self.step = 0
        self.total = 0
        self.wants_game = False
        self.classes: tuple[str, ...] = ()  # the dataset's class names, once it is read
        self._session: Any = None
        self._real_points: np.ndarray | None = None
        self._thread = QThread()
        self._thread.setObjectName("training")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._run)

    def start(self) -> None:
        self._thread.start()

    @Slot()
    def _run(self) -> None:
        status = "failed"
        try:
            status = self._train()
        except Exception as exc:
            self.failed.emit(failure_from(exc, "Training stopped"))
        finally:
            self.finished.emit(status)
            self._thread.quit()

    def _train(self) -> str:
        from studio.session import resume_run, start_run

        sinks = (BridgeSink(self),)
        if self.resume:
            session = resume_run(self.folder, sinks, self.controls, steps=self.steps,
                                 phase=self.phase.emit)
        else:
            session = start_run(self.config, self.folder, sinks, self.controls,
                                phase=self.phase.emit)
        self._session = session
        self.config = session.config
        self.step, self.total = session.loop.step, session.config.train.steps
        data = session.dataset
        self.classes = tuple(data.classes) if data.labels is not None else ()
        if data.kind == "points":
            self.wants_game = True
            self._real_points = data.samples[:GAME_REAL_POINTS].cpu().numpy()
        self.started_run.emit(self.folder, session.config)
        self.phase.emit("first step…")
        return session.run()

    def game_state(self, step: int, fake: np.ndarray | None = None) -> GameState:
        """Generated points (`fake` [N, 2], else 512 new ones), D(x) on a grid and the mode
        coverage of the points; runs on the training thread between steps."""
        from studio.train.game import game_arrays

        trainer = self._session.loop.trainer
        if fake is None:
            fake = trainer.sample(512, seed=step).numpy()  # [512, 2]
        heat, _ = game_arrays(trainer)
        heat_map = None if heat is None else heat.numpy()  # [G, G]
        return GameState(step, self._real_points, fake, heat_map, GAME_EXTENT,
                         self._coverage(fake))

    def _coverage(self, fake: np.ndarray) -> Coverage | None:
        """Modes covered and the high-quality share of `fake` [N, 2], for known mixtures."""
        import torch

        from studio.metrics.coverage import mixture_coverage

        c = mixture_coverage(torch.as_tensor(fake), self.config.data.dataset)
        return None if c is None else Coverage(c.modes_covered, c.modes_total, c.high_quality)

    # -- controls (thread-safe) ----------------------------------------------------------------
    def pause(self) -> None:
        self.controls.pause()

    def resume_training(self) -> None:
        self.controls.resume()

    def stop(self, save: bool = True) -> None:
        self.controls.stop(save)

    def change(self, key: str, value: Any) -> None:
        self.controls.change(key, value)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 30000) -> bool:
        return self._thread.wait(ms)
