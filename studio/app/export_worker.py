"""Runs the Export dialog's work off the GUI thread: loading the generator and one export.

Tasks run one at a time on a one-thread pool (as the estimate worker's do); torch and the
export engine are imported there, never on the GUI thread. The engine's `Progress` callback
becomes a queued Qt signal, and Cancel sets a flag the engine checks at its next step (it
then raises ExportCancelled and leaves nothing behind). Results are plain dataclasses.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from studio.app.bridge import FailureInfo
from studio.app.workers import failure_from

EXPORT_KINDS = ("images", "video", "onnx", "model", "torchscript")
MODEL_KINDS = ("onnx", "model", "torchscript")  # exported from a CPU copy of the generator


@dataclass(frozen=True)
class SourceFacts:
    """What the dialog needs to know about the generator a recipe names."""

    path: str  # the resolved run or model folder
    label: str
    step: int
    variant: str
    styled: bool  # a StyleGAN: ψ, noise, directions
    height: int
    width: int
    channels: int
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportJob:
    """One export: `kind` (see EXPORT_KINDS), the recipe as a dict, where, and the engine
    function's own keyword options (count, fps, seconds …)."""

    kind: str
    recipe: dict[str, Any]
    out: Path
    force: bool = False
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportDone:
    """What a finished export wrote, the engine's figures, and how long it took."""

    job: ExportJob
    paths: tuple[Path, ...]
    details: dict[str, Any]
    seconds: float


class _Signals(QObject):
    """Emitted from the pool thread; parentless, so it outlives a worker deleted meanwhile."""

    loaded = Signal(object)  # SourceFacts
    load_failed = Signal(object)  # FailureInfo
    progress = Signal(int, int, str)  # done, total, what
    done = Signal(object)  # ExportDone
    failed = Signal(object)  # FailureInfo
    cancelled = Signal(str)


class ExportWorker(QObject):
    """`load(recipe)` opens the recipe's generator; `start(job)` exports; `cancel()` stops
    the running export at its next step. Answers arrive as queued signals."""

    source_loaded = Signal(object)  # SourceFacts
    source_failed = Signal(object)  # FailureInfo
    progressed = Signal(int, int, str)  # done, total, what
    finished = Signal(object)  # ExportDone
    failed = Signal(object)  # FailureInfo
    cancelled = Signal(str)  # the engine's message: nothing was written

    def __init__(self, device: str = "auto", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.device = device
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(0)  # no idle thread (and OpenMP team) left behind
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._sources: dict[tuple[str, int | None, str], Any] = {}
        self._running = False
        self.signals = _Signals()
        # bound methods: Qt drops them when this worker is deleted, so late answers reach no one
        self.signals.loaded.connect(self.source_loaded)
        self.signals.load_failed.connect(self.source_failed)
        self.signals.progress.connect(self.progressed)
        self.signals.done.connect(self._on_done)
        self.signals.failed.connect(self._on_failed)
        self.signals.cancelled.connect(self._on_cancelled)

    # -- GUI thread ----------------------------------------------------------------------------
    def load(self, recipe: dict[str, Any]) -> None:
        """Open the recipe's generator on the worker; `source_loaded` or `source_failed`."""
        signals = self.signals

        def task() -> None:
            try:
                source = self._source(recipe, self.device)
                facts = source_facts(source)
            except Exception as exc:
                _emit(signals.load_failed, failure_from(exc, "Could not open the generator"))
                return
            _emit(signals.loaded, facts)

        self._pool.start(task)

    def start(self, job: ExportJob) -> None:
        """Run `job` on the worker; one export at a time."""
        if job.kind not in EXPORT_KINDS:
            raise ValueError(f"unknown export kind {job.kind!r}")
        if self._running:
            raise RuntimeError("an export is already running")
        self._running = True
        self._cancel.clear()
        signals, cancel = self.signals, self._cancel

        def task() -> None:
            from studio.export.files import ExportCancelled, Progress

            start = time.perf_counter()
            progress = Progress(report=lambda d, t, w: _emit(signals.progress, d, t, w),
                                cancelled=cancel.is_set)
            try:
                progress.check()  # cancelled while it waited for the generator to load
                result = self._export(job, progress)
            except ExportCancelled as exc:
                _emit(signals.cancelled, str(exc))
                return
            except Exception as exc:  # shown in the dialog as a message, the window lives on
                _emit(signals.failed, failure_from(exc, "The export failed"))
                return
            _emit(signals.done, ExportDone(job, tuple(Path(p) for p in result.paths),
                                           dict(result.details), time.perf_counter() - start))

        self._pool.start(task)

    def cancel(self) -> None:
        """Ask the running export to stop at its next step."""
        self._cancel.set()

    def is_running(self) -> bool:
        return self._running

    def wait(self, ms: int = -1) -> bool:
        """Block until the worker is idle (tests, and shutting the window); True when it is."""
        return self._pool.waitForDone(ms)

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel what runs and wait for it to stop (its partial output is then removed)."""
        self.cancel()
        self._pool.waitForDone(timeout_ms)

    def _on_done(self, done: ExportDone) -> None:
        self._running = False
        self.finished.emit(done)

    def _on_failed(self, failure: FailureInfo) -> None:
        self._running = False
        self.failed.emit(failure)

    def _on_cancelled(self, message: str) -> None:
        self._running = False
        self.cancelled.emit(message)

    # -- worker thread -------------------------------------------------------------------------
    def _source(self, recipe: dict[str, Any], device: str) -> Any:
        """The recipe's generator on `device`, loaded once per (source, checkpoint, device)."""
        from studio.explore.source import load_source, resolve_source

        key = (str(recipe["source"]), recipe.get("checkpoint"), device)
        with self._lock:
            if key in self._sources:
                return self._sources[key]
        source = load_source(resolve_source(key[0]), key[1], device=device)
        with self._lock:
            self._sources[key] = source
        return source

    def _export(self, job: ExportJob, progress: Any) -> Any:
        """Call the engine function for `job.kind` with the documented signature."""
        from studio.explore.recipe import Recipe

        device = "cpu" if job.kind in MODEL_KINDS else self.device
        source = self._source(job.recipe, device)
        common = {"force": job.force, "progress": progress, **job.options}
        if job.kind == "images":
            from studio.export.samples import export_images

            return export_images(source, Recipe.from_dict(job.recipe), job.out, **common)
        if job.kind == "video":
            from studio.export.video import export_video

            return export_video(source, Recipe.from_dict(job.recipe), job.out, **common)
        if job.kind == "onnx":
            from studio.export.onnx_export import export_onnx

            return export_onnx(source, job.out, **common)
        if job.kind == "model":
            from studio.export.model_files import export_model

            return export_model(source, job.out, **common)
        from studio.export.model_files import export_torchscript

        return export_torchscript(source, job.out, **common)


def _emit(signal: Any, *args: Any) -> None:
    """Emit from the worker thread; a signal object already deleted is no error."""
    with contextlib.suppress(RuntimeError):
        signal.emit(*args)


def source_facts(source: Any) -> SourceFacts:
    """The facts of a loaded GeneratorSource (its G, config and data)."""
    g = source.G
    shape = tuple(getattr(source.data, "shape", ()) or ())  # (C, H, W)
    side = int(getattr(g, "resolution", 0))
    channels, height, width = shape if len(shape) == 3 else (3, side, side)
    return SourceFacts(str(source.path), source.label, int(source.step), source.config.variant,
                       hasattr(g, "synthesis"), int(height), int(width), int(channels),
                       tuple(getattr(g, "classes", ()) or ()))
