"""The explorer's renderer: a worker thread that draws only the newest request (DESIGN §3).

Requests are immutable and stamped. While one renders, newer ones replace each other in a
one-place mailbox, so a slider drag costs at most one render behind the newest position and
never queues up. The thread ends after `IDLE_EXIT_S` without requests: an idle OpenMP team
left behind would make libgomp slow a training thread down on a small CPU.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.app.bridge import RenderRequest, RenderResult, SourceInfo
from studio.app.workers import failure_from

IDLE_EXIT_S = 2.0


@dataclass(frozen=True)
class GeneratorInfo(SourceInfo):
    """SourceInfo plus what decides the Explore controls: the variant, whether it has W and
    styles (StyleGAN), and a conditional generator's class names."""

    variant: str = "stylegan"
    styled: bool = True  # False: a GAN/DCGAN/cGAN, z only (num_ws = 0)
    classes: tuple[str, ...] = ()


class RenderWorker(QObject):
    """Loads generators and renders recipes off the GUI thread, newest request first."""

    rendered = Signal(object)  # RenderResult
    source_loaded = Signal(object)  # SourceInfo
    source_failed = Signal(object)  # FailureInfo

    def __init__(self, device: str = "cpu", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.device = device
        self._cond = threading.Condition()
        self._pending: RenderRequest | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._loaded: dict[str, Any] = {}  # source path → (checkpoint key, GeneratorSource)
        self.rendered_stamps: deque[int] = deque(maxlen=256)  # the last stamps rendered

    def request(self, request: RenderRequest) -> None:
        """Render `request` soon; any request still waiting is dropped in its favour."""
        with self._cond:
            if self._closing:
                return
            self._pending = request
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="render", daemon=True)
                self._thread.start()
            self._cond.notify()

    def shutdown(self, timeout: float = 30.0) -> None:
        """Drop what is waiting, let the current render finish and end the thread."""
        with self._cond:
            self._closing = True
            self._pending = None
            thread = self._thread
            self._cond.notify()
        if thread is not None:
            thread.join(timeout)

    def is_running(self) -> bool:
        with self._cond:
            return self._thread is not None

    def _next(self) -> RenderRequest | None:
        with self._cond:
            deadline = time.monotonic() + IDLE_EXIT_S
            while self._pending is None and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            request, self._pending = self._pending, None
            if request is None:
                self._thread = None  # decided under the lock: a new request starts a new one
            return request

    def _loop(self) -> None:
        while (request := self._next()) is not None:
            self._render(request)

    def _render(self, request: RenderRequest) -> None:
        from studio.explore.recipe import render_picture

        start = time.perf_counter()
        try:
            source = self._source(request.recipe.source, request.recipe.checkpoint)
            recipe = replace(request.recipe, checkpoint=source.step)
            picture = render_picture(source.G, recipe)
        except Exception as exc:
            failure = failure_from(exc, "Could not render")
            self.rendered.emit(RenderResult(request.stamp, request.view, None, request.recipe,
                                            time.perf_counter() - start, failure))
            return
        self.rendered_stamps.append(request.stamp)
        self.rendered.emit(RenderResult(request.stamp, request.view, picture, recipe,
                                        time.perf_counter() - start))

    def _source(self, path: str, checkpoint: int | None) -> Any:
        """The generator for (path, checkpoint); reloaded when a run writes a newer one."""
        from studio.explore.source import current_checkpoint_key, load_source

        key = current_checkpoint_key(Path(path), checkpoint)
        cached = self._loaded.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            source = load_source(Path(path), checkpoint, device=self.device)
        except Exception as exc:
            self.source_failed.emit(failure_from(exc, "Could not open the generator"))
            raise
        self._loaded = {path: (key, source)}  # one generator in memory at a time
        self.source_loaded.emit(generator_info(path, source))
        return source


def generator_info(path: str, source: Any) -> GeneratorInfo:
    """What the panel needs to know about a loaded GeneratorSource."""
    g = source.G
    styled = hasattr(g, "synthesis")
    return GeneratorInfo(path, source.label, source.step, g.resolution,
                         g.num_ws if styled else 0,
                         tuple(g.layer_resolutions) if styled else (),
                         source.config.variant, styled, tuple(getattr(g, "classes", ())))
