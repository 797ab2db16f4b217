"""The workspace's trash: deleting a run moves its folder aside, so it can be restored.

    <workspace>/.trash/<folder>-<YYYYmmdd-HHMMSS>/               the run folder, moved whole
    <workspace>/.trash/<folder>-<YYYYmmdd-HHMMSS>/trashed.json   where it was, its name, when

The trash lies inside the workspace (same disk), so moving a run there is a rename: instant,
whatever the size of its checkpoints. Only "Empty trash" removes files. Torch-free.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.runs.layout import CONFIG
from studio.runs.notes import read_notes
from studio.runs.reader import STALE_AFTER_S, last_write, read_config, read_events, run_status

TRASH = ".trash"
RECORD = "trashed.json"
_STAMP = re.compile(r"-\d{8}-\d{6}(-\d+)?$")  # the suffix trash_run adds to a folder name


@dataclass(frozen=True)
class TrashedRun:
    """A run in the trash: its folder there, where it came from, its name and when it left."""

    entry: Path
    original: Path
    name: str
    trashed_at: float | None  # None when the record is lost
    size: int  # bytes on disk, all files together


def trash_folder(workspace: Path) -> Path:
    """The trash of `workspace` (it may not exist yet)."""
    return Path(workspace) / TRASH


def is_live(folder: Path, now: float | None = None) -> bool:
    """True while a process may be writing the run: it says it is running (and wrote in the
    last STALE_AFTER_S) or paused, or it is new and was set up moments ago (still building)."""
    folder = Path(folder)
    now = time.time() if now is None else now
    status = run_status(read_events(folder))
    if status == "paused":
        return True
    if status == "running":
        return now - last_write(folder) <= STALE_AFTER_S
    if status == "new":
        with contextlib.suppress(OSError):
            return now - (folder / CONFIG).stat().st_mtime <= STALE_AFTER_S
    return False


def _display_name(folder: Path) -> str:
    """The run's name as the Runs list shows it, read cheaply (no metrics)."""
    if name := read_notes(folder).name:
        return name
    try:
        return read_config(folder).name or folder.name
    except Exception:  # a damaged config still lets the folder go to the trash
        return folder.name


def _free(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`, … : the first that does not exist."""
    found, n = path, 1
    while found.exists():
        n += 1
        found = path.with_name(f"{path.name}-{n}")
    return found


def trash_run(folder: Path, now: float | None = None) -> TrashedRun:
    """Move the run in `folder` into its workspace's trash; StudioError when it is still
    running or cannot be moved (the folder is then left as it was)."""
    folder = Path(folder).absolute()
    if not (folder / CONFIG).is_file():
        raise StudioError(f"{folder} is not a run folder ({CONFIG} is missing); "
                          "nothing was moved.")
    now = time.time() if now is None else now
    name = _display_name(folder)
    if is_live(folder, now):
        raise StudioError(f"The run {name} is still running or paused; stop it before "
                          "moving it to the trash.")
    trash = trash_folder(folder.parent)
    entry = _free(trash / f"{folder.name}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}")
    record = {"original": str(folder), "name": name, "trashed_at": round(now, 3)}
    try:
        trash.mkdir(exist_ok=True)
        (folder / RECORD).write_text(json.dumps(record, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        os.rename(folder, entry)
    except OSError as exc:
        with contextlib.suppress(OSError):
            (folder / RECORD).unlink()
        raise StudioError(f"Could not move the run {name} to the trash: {exc.strerror or exc}."
                          " Close any program using its files and try again.") from exc
    return TrashedRun(entry, folder, name, now, _size(entry))


def _size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for file in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, file)).st_size
    return total


def _read_record(entry: Path) -> dict[str, Any]:
    try:
        record = json.loads((entry / RECORD).read_text(encoding="utf-8"))
        return record if isinstance(record, dict) else {}
    except (OSError, ValueError):
        return {}


def read_trashed(entry: Path) -> TrashedRun:
    """One trash entry; a lost record falls back to the workspace and the folder's name."""
    entry = Path(entry)
    record = _read_record(entry)
    fallback = entry.parent.parent / _STAMP.sub("", entry.name)
    original = Path(record["original"]) if isinstance(record.get("original"), str) else fallback
    name = record.get("name") if isinstance(record.get("name"), str) else original.name
    when = record.get("trashed_at")
    when = float(when) if isinstance(when, int | float) and not isinstance(when, bool) else None
    return TrashedRun(entry, original, name, when, _size(entry))


def list_trash(workspace: Path) -> list[TrashedRun]:
    """Every run in the workspace's trash, the most recently trashed first."""
    trash = trash_folder(workspace)
    if not trash.is_dir():
        return []
    found = [read_trashed(p) for p in trash.iterdir() if p.is_dir()]
    return sorted(found, key=lambda t: t.trashed_at or 0.0, reverse=True)


def count_trash(workspace: Path) -> int:
    """How many runs are in the trash (one directory listing, cheap enough for a timer)."""
    try:
        with os.scandir(trash_folder(workspace)) as entries:
            return sum(1 for e in entries if e.is_dir())
    except OSError:
        return 0


def restore(entry: Path) -> Path:
    """Put a trashed run back where it was (as `<name>-restored` when that place is taken,
    or in the trash's workspace when its old parent is gone); returns where it now lies."""
    trashed = read_trashed(entry)
    target = trashed.original
    if not target.parent.is_dir():
        target = Path(entry).parent.parent / target.name
    if target.exists():
        target = _free(target.with_name(f"{target.name}-restored"))
    try:
        os.rename(entry, target)
    except OSError as exc:
        raise StudioError(f"Could not restore {trashed.name} to {target}: "
                          f"{exc.strerror or exc}.") from exc
    with contextlib.suppress(OSError):
        (target / RECORD).unlink()
    return target


def empty_trash(workspace: Path) -> int:
    """Remove every run in the trash for good; returns how many went. StudioError names the
    entries that could not be removed (the others are gone)."""
    trash, removed, failed = trash_folder(workspace), 0, []
    if not trash.is_dir():
        return 0
    for path in list(trash.iterdir()):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
                removed += 1
            else:
                path.unlink()
        except OSError as exc:
            failed.append(f"{path.name} ({exc.strerror or exc})")
    if failed:
        raise StudioError(f"Could not remove {', '.join(failed)} from the trash {trash}; "
                          "close any program using those files and empty it again.")
    return removed
