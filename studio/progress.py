"""A terminal progress bar for headless runs: step, it/s, ETA and the latest losses.

It is a run-loop sink. On a terminal it redraws one line; in a log file it prints a line at
every tenth of the run, so CI logs stay short.
"""

from __future__ import annotations

import time
from typing import Any, TextIO


def format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    def __init__(self, stream: TextIO, width: int = 24) -> None:
        self.stream, self.width = stream, width
        self.tty = stream.isatty()
        self.start_step = self.total = 0
        self.t0 = time.perf_counter()
        self._next_line = 0

    def begin(self, step: int, total: int) -> None:
        self.start_step, self.total, self.t0 = step, total, time.perf_counter()
        self._next_line = step

    def line(self, step: int, metrics: dict[str, float]) -> str:
        done = step - self.start_step
        elapsed = time.perf_counter() - self.t0
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - step) / rate if rate > 0 else 0.0
        frac = step / self.total if self.total else 1.0
        filled = int(self.width * frac)
        losses = "  ".join(f"{k} {metrics[k]:.3f}" for k in ("loss_d", "loss_g") if k in metrics)
        return (f"[{'#' * filled}{'-' * (self.width - filled)}] {step}/{self.total} "
                f"{100 * frac:3.0f}%  {rate:.1f} it/s  ETA {format_duration(eta)}  {losses}")

    def on_metrics(self, step: int, metrics: dict[str, float]) -> None:
        if self.tty:
            self.stream.write("\r" + self.line(step, metrics) + "\033[K")
            self.stream.flush()
        elif step >= self._next_line or step == self.total:
            self.stream.write(self.line(step, metrics) + "\n")
            self.stream.flush()
            self._next_line = step + max(1, self.total // 10)

    def on_event(self, event: Any) -> None:
        if event.kind in ("change", "warning"):
            self._print(f"step {event.step}: {event.kind}: {event.message}")

    def on_done(self, step: int, status: str) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def on_failed(self, step: int, error: BaseException) -> None:
        self.on_done(step, "failed")

    def on_snapshot(self, snapshot: Any) -> None:
        pass

    def on_checkpoint(self, checkpoint: Any) -> None:
        pass

    def _print(self, text: str) -> None:
        self.stream.write(("\r\033[K" if self.tty else "") + text + "\n")
        self.stream.flush()
