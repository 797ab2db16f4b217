"""Pause, resume, stop and live setting changes, asked for from any thread, obeyed between steps."""

from __future__ import annotations

import queue
import threading
from typing import Any


class RunControls:
    """Thread-safe requests to a running loop. Nothing is interrupted mid-step."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._changes: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.save_on_stop = True

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self, save: bool = True) -> None:
        """Ask the loop to end after the current step, writing a checkpoint if `save`."""
        self.save_on_stop = save
        self._stop.set()
        self._running.set()  # a paused loop must wake to stop

    def change(self, key: str, value: Any) -> None:
        """Change a live setting (e.g. "loss", "lr_g", "lr_d") before the next step."""
        self._changes.put((key, value))

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self, timeout: float = 0.1) -> bool:
        """Block while paused, `timeout` seconds at a time; True once running again."""
        return self._running.wait(timeout)

    def pending_changes(self) -> list[tuple[str, Any]]:
        out = []
        while True:
            try:
                out.append(self._changes.get_nowait())
            except queue.Empty:
                return out
