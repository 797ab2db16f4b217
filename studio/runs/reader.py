"""Reading run folders, including ones another process is still writing (following)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.config import RunConfig, load_toml
from studio.errors import RunFolderError
from studio.runs.layout import CHECKPOINTS, CONFIG, EVAL_KIND, EVENTS, METRICS, SNAPSHOTS
from studio.runs.notes import read_notes

END_STATES = {"finished": "finished", "stopped": "stopped", "failed": "failed"}


class JsonlTail:
    """Reads complete new lines of a growing JSON-lines file; a partial last line waits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self._partial = b""

    def read_new(self) -> list[dict[str, Any]]:
        try:
            with open(self.path, "rb") as f:
                if os.fstat(f.fileno()).st_size < self.offset:  # rewritten: start over
                    self.offset, self._partial = 0, b""
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()  # b"" when the chunk ended with a newline
        rows = []
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:  # also UnicodeDecodeError: a line cut inside a character
                continue  # a torn line from a crash: ignored, the next rows are still read
            if isinstance(row, dict):  # a damaged line can parse as a number or a list
                rows.append(row)
        return rows


def is_eval(row: dict[str, Any]) -> bool:
    """True for a quality-evaluation row (FD, KID, …), kept apart from the training rows."""
    return row.get("kind") == EVAL_KIND


def merge_evals(rows: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add `new` evaluation rows in step order; one of the same step and feature net replaces
    the earlier (an evaluation can be made later, of any kept checkpoint, by `gan-studio eval`)."""
    for row in new:
        if not is_eval(row):
            continue
        key = (row.get("step", 0), row.get("features"))
        rows[:] = [r for r in rows if (r.get("step", 0), r.get("features")) != key]
        at = len(rows)
        while at and rows[at - 1].get("step", 0) > key[0]:
            at -= 1
        rows.insert(at, row)
    return rows


def merge_metrics(rows: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append `new` training rows (evaluation rows are left out); a row whose step goes back
    (a resume) replaces the rows it redoes."""
    for row in new:
        if is_eval(row):
            continue
        step = row.get("step", 0)
        while rows and rows[-1].get("step", 0) >= step:
            rows.pop()
        rows.append(row)
    return rows


def read_metrics(folder: Path) -> list[dict[str, Any]]:
    return merge_metrics([], JsonlTail(Path(folder) / METRICS).read_new())


def read_evals(folder: Path) -> list[dict[str, Any]]:
    """The run's quality evaluations in step order (a resume replaces the ones it redoes)."""
    return merge_evals([], JsonlTail(Path(folder) / METRICS).read_new())


def read_events(folder: Path) -> list[dict[str, Any]]:
    return JsonlTail(Path(folder) / EVENTS).read_new()


def list_snapshots(folder: Path) -> list[tuple[int, Path]]:
    """(step, path) of every snapshot, in step order."""
    found = []
    for p in (Path(folder) / SNAPSHOTS).glob("step_*.png"):
        try:
            found.append((int(p.stem.split("_")[1]), p))
        except (IndexError, ValueError):
            continue
    return sorted(found)


def latest_snapshot(folder: Path) -> tuple[Path, float] | None:
    """The newest snapshot picture and its modification time (for a thumbnail), or None."""
    best: tuple[int, os.DirEntry[str]] | None = None
    try:
        with os.scandir(Path(folder) / SNAPSHOTS) as entries:
            for entry in entries:
                stem, _, ext = entry.name.partition(".")
                step = stem[5:] if stem.startswith("step_") and ext == "png" else ""
                if step.isdigit() and (best is None or int(step) > best[0]):
                    best = (int(step), entry)
        return (Path(best[1].path), best[1].stat().st_mtime) if best else None
    except OSError:
        return None


@dataclass(frozen=True)
class RunSummary:
    """One run at a glance. `name` is the person's display name when they gave one, else the
    config's name, else the folder's."""

    folder: Path
    name: str
    variant: str
    dataset: str
    step: int
    steps: int
    status: str  # running, paused, finished, stopped, failed, interrupted, new
    started: float | None
    note: str = ""  # the person's free-text note (notes.json)
    thumbnail: Path | None = None  # the newest snapshot picture
    thumbnail_mtime: float = 0.0  # its modification time: a changed picture is reloaded


def read_config(folder: Path) -> RunConfig:
    path = Path(folder) / CONFIG
    if not path.exists():
        raise RunFolderError(f"{folder} is not a run folder: {CONFIG} is missing")
    return load_toml(path)


def run_status(events: list[dict[str, Any]]) -> str:
    """The last state a run reported: "running" while it has not ended, "new" before it starts."""
    for event in reversed(events):
        kind = event.get("kind")
        if kind in END_STATES:
            return END_STATES[kind]
        if kind in ("started", "resumed", "paused", "continued"):
            return "paused" if kind == "paused" else "running"
    return "new"


STALE_AFTER_S = 300.0  # a "running" run whose files are this old has lost its process


def last_write(folder: Path) -> float:
    """The newest modification time of a run's logs (0 when it has none)."""
    times = [p.stat().st_mtime for p in (Path(folder) / METRICS, Path(folder) / EVENTS)
             if p.exists()]
    return max(times, default=0.0)


def summarize(folder: Path, now: float | None = None) -> RunSummary:
    """A run's summary. A run that says it is running (or paused) but has written nothing for
    STALE_AFTER_S was killed without a word: it is reported "interrupted", and can resume."""
    folder = Path(folder)
    config = read_config(folder)
    events = read_events(folder)
    metrics = read_metrics(folder)
    step = metrics[-1]["step"] if metrics else 0
    started = next((e["time"] for e in events if e.get("kind") == "started"), None)
    status = run_status(events)
    now = time.time() if now is None else now
    if status == "running" and now - last_write(folder) > STALE_AFTER_S:
        status = "interrupted"
    notes, snapshot = read_notes(folder), latest_snapshot(folder)
    return RunSummary(folder, notes.name or config.name or folder.name, config.variant,
                      config.data.dataset, step, config.train.steps, status, started,
                      notes.note, *(snapshot or (None, 0.0)))


def list_runs(workspace: Path) -> list[RunSummary]:
    """Every readable run folder directly inside `workspace`, newest first."""
    if not Path(workspace).is_dir():
        return []
    runs = []
    for folder in Path(workspace).iterdir():
        if (folder / CONFIG).exists():
            try:
                runs.append(summarize(folder))
            except Exception:  # an unreadable run is listed by the caller's error path
                continue
    return sorted(runs, key=lambda r: r.started or 0.0, reverse=True)


def has_checkpoint(folder: Path) -> bool:
    """True when the run holds a complete checkpoint to resume from (no torch needed)."""
    ckpts = Path(folder) / CHECKPOINTS
    return ckpts.is_dir() and any((p / "weights.safetensors").exists() and
                                  (p / "state.pt").exists() for p in ckpts.glob("step_*"))


class RunFollower:
    """Polls a run folder for new metrics, events and snapshots since the last poll."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.metrics: list[dict[str, Any]] = []
        self.evals: list[dict[str, Any]] = []  # quality evaluations, apart from the metrics
        self.new_evals: list[dict[str, Any]] = []  # those the last poll found
        self.events: list[dict[str, Any]] = []
        self._metrics = JsonlTail(self.folder / METRICS)
        self._events = JsonlTail(self.folder / EVENTS)
        self._seen_snapshots: set[int] = set()

    def poll(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[int, Path]]]:
        """(new metric rows, new events, new snapshots) since the previous poll; new
        evaluation rows are in `new_evals`."""
        lines = self._metrics.read_new()
        new_rows = [r for r in lines if not is_eval(r)]
        self.new_evals = [r for r in lines if is_eval(r)]
        merge_metrics(self.metrics, list(new_rows))
        merge_evals(self.evals, self.new_evals)
        new_events = self._events.read_new()
        self.events.extend(new_events)
        snaps = [(s, p) for s, p in list_snapshots(self.folder) if s not in self._seen_snapshots]
        self._seen_snapshots.update(s for s, _ in snaps)
        return new_rows, new_events, snaps

    @property
    def status(self) -> str:
        return run_status(self.events)
