"""Checkpoints written whole or not at all: a temp folder, then one rename.

weights.safetensors holds every tensor of the nets; state.pt holds optimiser and RNG state and
counters, loaded with `torch.load(weights_only=True)`, so loading never executes code. meta.json
records each file's size and SHA-256, checked on load, so a damaged file is named, never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from studio.errors import RunFolderError
from studio.runs.layout import CONFIG, checkpoint_name

WEIGHTS, STATE, META = "weights.safetensors", "state.pt", "meta.json"
HASHED = (WEIGHTS, STATE)  # the files whose size and SHA-256 meta.json records
FILES = "files"  # meta.json key: {file name: {"bytes": int, "sha256": hex}}
# a writer's temp folder (".tmp-") or a replaced checkpoint being swapped out (".old-"): step,
# pid and (since hashes were added) host; "@host" is absent in folders of older versions
_TEMP = re.compile(r"^\.(tmp|old)-(step_\d+)-(\d+)(?:@(.+))?$")
_LOADED = time.time()  # before any checkpoint this process writes: older temps with its pid
# are a killed predecessor's (containers reuse pids: a restarted one is often pid 1 again)


class DamagedCheckpointError(RunFolderError):
    """A checkpoint file is missing, empty, garbled or differs from what was written."""

    def __init__(self, message: str, path: Path, reason: str) -> None:
        super().__init__(message)
        self.path, self.reason = path, reason


@dataclass
class StoredCheckpoint:
    step: int
    weights: dict[str, torch.Tensor]
    state: dict[str, Any]
    meta: dict[str, Any]


def _host() -> str:
    """This machine's name as it appears in temp folder names (only safe characters)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "host"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (about 25 ms for a 30 MB checkpoint)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(folder: Path, step: int, weights: dict[str, torch.Tensor],
                    state: dict[str, Any], meta: dict[str, Any], keep: int) -> Path:
    """Write checkpoint `step` into `folder` atomically, then keep only the newest `keep`."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / checkpoint_name(step)
    tag = f"{os.getpid()}@{_host()}"
    tmp = folder / f".tmp-{checkpoint_name(step)}-{tag}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in weights.items()}
    save_file(tensors, str(tmp / WEIGHTS), metadata={"step": str(step)})
    torch.save(state, tmp / STATE)
    files = {name: {"bytes": (tmp / name).stat().st_size, "sha256": file_sha256(tmp / name)}
             for name in HASHED}
    (tmp / META).write_text(json.dumps({**meta, "step": step, FILES: files}, indent=1),
                            encoding="utf-8")
    if final.exists():  # rewriting the same step (e.g. after a resume): swap, then drop the old
        old = folder / f".old-{checkpoint_name(step)}-{tag}"
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)
    prune(folder, keep)
    return final


def _pid_running(pid: int) -> bool:
    """Whether process `pid` runs on this machine; when unsure, say yes (keep the folder)."""
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: it runs, as another user
        return True
    return True


def _mtime(path: Path) -> float:
    """When `path` last changed; infinitely recent when it is gone (nothing to remove)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")


def remove_stale_temps(folder: Path) -> list[Path]:
    """Clear what writers killed mid-checkpoint (kill -9, power loss) left in `folder`.

    A temp folder is stale when it was written on this machine by a process that no longer
    runs, or carries this process's pid but is older than this process (a killed predecessor
    had the same pid). A checkpoint swapped out (".old-") whose replacement never arrived is
    put back; the rest is removed. Returns what was removed.
    """
    if not folder.is_dir():
        return []
    removed = []
    for entry in sorted(folder.iterdir()):
        match = _TEMP.match(entry.name)
        if not match or not entry.is_dir():
            continue
        kind, name, pid, host = match.group(1), match.group(2), int(match.group(3)), \
            match.group(4)
        if host is not None and host != _host():
            continue  # another machine's writer: its pid means nothing here
        if pid == os.getpid() and _mtime(entry) >= _LOADED:
            continue  # this process is writing it
        if pid != os.getpid() and _pid_running(pid):
            continue  # a live writer, or the pid now belongs to another process: leave it
        if kind == "old" and not (folder / name).exists():
            try:
                entry.rename(folder / name)  # killed between the two renames of a swap
                continue
            except OSError:
                pass
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def list_checkpoints(folder: Path) -> list[Path]:
    """Complete checkpoints in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("step_*") if p.is_dir() and (p / WEIGHTS).exists()
             and (p / STATE).exists()]
    return sorted(found, key=lambda p: p.name)


def prune(folder: Path, keep: int) -> None:
    for old in list_checkpoints(folder)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def latest_checkpoint(folder: Path) -> Path | None:
    found = list_checkpoints(folder)
    return found[-1] if found else None


def _step_of(path: Path) -> int:
    return int(path.name.split("_")[1])


def checkpoint_at(folder: Path, step: int | None = None) -> Path:
    """The checkpoint of `step` (the newest when None); a clear error names the steps kept."""
    found = list_checkpoints(folder)
    if not found:
        raise RunFolderError(f"{folder.parent} has no checkpoint yet; train it first")
    if step is None:
        return found[-1]
    for path in found:
        if _step_of(path) == step:
            return path
    kept = ", ".join(str(_step_of(p)) for p in found)
    raise RunFolderError(f"{folder.parent} keeps no checkpoint of step {step}; it keeps "
                         f"steps {kept}")


@dataclass
class IntactCheckpoint:
    """The newest checkpoint that passed its checks, and a warning per newer damaged one."""

    path: Path
    stored: StoredCheckpoint
    warnings: list[str]


def _damaged(path: Path, name: str, why: str) -> DamagedCheckpointError:
    """The error for file `name` of checkpoint `path`: which file, why, and what to do."""
    others = [str(_step_of(p)) for p in list_checkpoints(path.parent) if p != path]
    hint = (f"choose another (the run keeps steps {', '.join(others)})" if others
            else "the run keeps no other checkpoint")
    return DamagedCheckpointError(f"checkpoint file {path / name} is damaged: {why}; the "
                                  f"checkpoint {path.name} cannot be used, {hint}",
                                  path / name, why)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f" ({lines[0].strip()})" if lines and lines[0].strip() else ""


def _read_meta(path: Path) -> dict[str, Any]:
    """meta.json as a dict with an integer step, or the error naming what is wrong with it."""
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _damaged(path, META, "it is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged(path, META, "it is not valid JSON") from None
    except OSError as exc:
        raise _damaged(path, META, f"it cannot be read{_first_line(exc)}") from None
    if not isinstance(meta, dict):
        raise _damaged(path, META, "it does not hold a JSON object")
    step = meta.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise _damaged(path, META, f"its step is {step!r}, not a whole number")
    files = meta.get(FILES, {})
    if not isinstance(files, dict) or not all(
            isinstance(r, dict) and isinstance(r.get("bytes"), int)
            and isinstance(r.get("sha256"), str) for r in files.values()):
        raise _damaged(path, META, f"its {FILES!r} list of sizes and checksums is garbled")
    return meta


def _check_file(path: Path, name: str, record: dict[str, Any] | None) -> None:
    """Size and SHA-256 of one file against meta.json's record (only its size when none)."""
    try:
        size = (path / name).stat().st_size
    except FileNotFoundError:
        raise _damaged(path, name, "it is missing") from None
    if size == 0:
        raise _damaged(path, name, "it is empty (0 bytes)")
    if record is None:  # written before checksums were recorded: loaded as before
        return
    if size != record["bytes"]:
        raise _damaged(path, name, f"it has {size} bytes, but {record['bytes']} were written")
    if file_sha256(path / name) != record["sha256"]:
        raise _damaged(path, name, "its contents differ from what was written (SHA-256 "
                       "mismatch)")


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> StoredCheckpoint:
    """Read a checkpoint folder, checking each file against meta.json; never executes code.

    A damaged file raises DamagedCheckpointError naming it. Checkpoints written before
    checksums were recorded load as before, after a check that no file is empty.
    """
    meta = _read_meta(path)
    files = meta.get(FILES, {})
    for name in HASHED:
        _check_file(path, name, files.get(name))
    try:
        weights = load_file(str(path / WEIGHTS), device=str(map_location))
    except Exception as exc:  # safetensors raises its own error types
        raise _damaged(path, WEIGHTS, f"it is not a readable safetensors file"
                                      f"{_first_line(exc)}") from None
    try:
        state = torch.load(path / STATE, map_location=map_location, weights_only=True)
    except Exception:  # torch's text would advise weights_only=False: never pass that on
        raise _damaged(path, STATE, "it is not a readable training-state file (garbled, or "
                                    "holding objects a checkpoint never contains)") from None
    if not isinstance(state, dict):
        raise _damaged(path, STATE, "it does not hold a training-state dictionary")
    return StoredCheckpoint(meta["step"], weights, state, meta)


def load_newest_intact(folder: Path,
                       map_location: str | torch.device = "cpu") -> IntactCheckpoint | None:
    """The newest checkpoint in `folder` that loads and passes its checks (None when there is
    none at all); each newer damaged one becomes a warning naming its file. When every one is
    damaged, the error lists them and says how to start afresh."""
    damaged: list[DamagedCheckpointError] = []
    for path in reversed(list_checkpoints(folder)):
        try:
            stored = load_checkpoint(path, map_location)
        except DamagedCheckpointError as exc:
            damaged.append(exc)
            continue
        warnings = [f"checkpoint file {d.path} is damaged: {d.reason}; using the checkpoint "
                    f"of step {stored.step}, the newest intact one, instead" for d in damaged]
        return IntactCheckpoint(path, stored, warnings)
    if not damaged:
        return None
    run = folder.parent
    raise DamagedCheckpointError(
        f"{run} has no intact checkpoint: " + "; ".join(f"{d.path}: {d.reason}"
                                                         for d in damaged)
        + f". Start a new run with its settings instead (--config {run / CONFIG})",
        damaged[0].path, damaged[0].reason)
