"""The run writer: a sink that turns the run loop's reports into a run folder."""

from __future__ import annotations

import json
import os
import time
import traceback
from pathlib import Path
from typing import IO, Any

from studio import __version__
from studio.config import RunConfig, save_toml
from studio.data.game_grid import GAME_EXTENT
from studio.errors import RunFolderError
from studio.export.images import save_png, snapshot_picture
from studio.metrics.coverage import mixture_coverage
from studio.runs import checkpoints
from studio.runs.game_states import save_game_arrays
from studio.runs.layout import (
    CHECKPOINTS,
    CONFIG,
    EVAL_KIND,
    EVENTS,
    FAILURE,
    METRICS,
    SNAPSHOTS,
    game_state_name,
    snapshot_name,
)


class RunWriter:
    """Writes config, metrics, events, snapshots and checkpoints of one run into `folder`."""

    def __init__(self, folder: str | Path, config: RunConfig, resume: bool = False) -> None:
        self.folder = Path(folder)
        self.config = config
        if not resume:
            self._claim_folder()
            save_toml(config, self.folder / CONFIG)
        elif not (self.folder / CONFIG).exists():
            raise RunFolderError(f"{self.folder} is not a run folder (no {CONFIG})")
        (self.folder / SNAPSHOTS).mkdir(exist_ok=True)
        self._metrics = open_for_append(self.folder / METRICS)
        self._events = open_for_append(self.folder / EVENTS)

    def _claim_folder(self) -> None:
        if self.folder.exists() and any(self.folder.iterdir()):
            raise RunFolderError(f"{self.folder} already exists and is not empty; choose "
                                 "another --out, or continue that run with --resume")
        self.folder.mkdir(parents=True, exist_ok=True)

    # -- sink --------------------------------------------------------------------------------
    def on_metrics(self, step: int, metrics: dict[str, float]) -> None:
        self._append(self._metrics, {"step": step, "time": round(time.time(), 3), **metrics})

    def on_eval(self, step: int, row: dict[str, Any]) -> None:
        """A quality evaluation: an `eval` row among the metrics (the reader keeps it apart)."""
        self._append(self._metrics, {"step": step, "time": round(time.time(), 3),
                                     "kind": EVAL_KIND, **row})

    def on_snapshot(self, snapshot: Any) -> None:
        picture = snapshot_picture(snapshot)
        save_png(picture, self.folder / SNAPSHOTS / snapshot_name(snapshot.step))
        if getattr(snapshot, "heat", None) is not None or getattr(snapshot, "real", None) \
                is not None:
            self._save_game_state(snapshot)

    def _save_game_state(self, snapshot: Any) -> None:
        """A 2-D snapshot's points, D(x) grid and mode coverage, for the game view's replay."""
        fake = snapshot.samples.float()  # [N, 2]
        c = mixture_coverage(fake, self.config.data.dataset)
        coverage = None if c is None else [c.modes_covered, c.modes_total, c.high_quality]
        save_game_arrays(self.folder / SNAPSHOTS / game_state_name(snapshot.step), {
            "step": snapshot.step, "extent": GAME_EXTENT, "fake": fake.numpy(),
            "real": None if snapshot.real is None else snapshot.real.numpy(),
            "heat": None if snapshot.heat is None else snapshot.heat.numpy(),
            "coverage": coverage})

    def on_checkpoint(self, checkpoint: Any) -> None:
        meta = {"variant": self.config.variant, "time": time.time(), "version": __version__}
        checkpoints.save_checkpoint(self.folder / CHECKPOINTS, checkpoint.step,
                                    checkpoint.weights, checkpoint.state, meta,
                                    self.config.train.keep_checkpoints)

    def on_event(self, event: Any) -> None:
        self._append(self._events, {"step": event.step, "time": round(time.time(), 3),
                                    "kind": event.kind, "message": event.message,
                                    **({"data": event.data} if event.data else {})})

    def on_done(self, step: int, status: str) -> None:
        self.close()

    def on_failed(self, step: int, error: BaseException) -> None:
        detail = "".join(traceback.format_exception(error))
        (self.folder / FAILURE).write_text(detail, encoding="utf-8")
        self._append(self._events, {"step": step, "time": round(time.time(), 3),
                                    "kind": "failed", "message": str(error) or repr(error),
                                    "data": {"type": type(error).__name__}})
        self.close()

    # -- files -------------------------------------------------------------------------------
    @staticmethod
    def _append(handle: Any, row: dict[str, Any]) -> None:
        if handle.closed:
            return
        handle.write(json.dumps(row, default=str) + "\n")
        handle.flush()

    def close(self) -> None:
        self._metrics.close()
        self._events.close()


def append_eval(folder: str | Path, step: int, row: dict[str, Any]) -> None:
    """Add one evaluation row to a run's metrics (from `gan-studio eval`, outside a run)."""
    line = json.dumps({"step": step, "time": round(time.time(), 3), "kind": EVAL_KIND, **row},
                      default=str) + "\n"
    with open_for_append(Path(folder) / METRICS) as handle:
        handle.write(line)


def open_for_append(path: Path) -> IO[str]:
    """`path` opened to append JSON lines, starting on a fresh line.

    A crash or a full disk can leave a torn last line with no newline; the next row would be
    glued onto it and lost with it. A newline ends the torn line first (readers skip it as
    unreadable), and a complete row that only lacks its newline is kept.
    """
    handle = open(path, "a", encoding="utf-8")  # noqa: SIM115
    if _ends_mid_line(path):
        handle.write("\n")
        handle.flush()
    return handle


def _ends_mid_line(path: Path) -> bool:
    """True when the file is not empty and its last byte is not a newline."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return False
        handle.seek(size - 1)
        return handle.read(1) != b"\n"
