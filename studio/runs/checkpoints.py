"""Checkpoints written whole or not at all: a temp folder, then one rename.

weights.safetensors holds every tensor of the nets; state.pt holds optimiser and RNG state and
counters, loaded with `torch.load(weights_only=True)`, so loading never executes code.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from studio.errors import RunFolderError
from studio.runs.layout import checkpoint_name

WEIGHTS, STATE, META = "weights.safetensors", "state.pt", "meta.json"


@dataclass
class StoredCheckpoint:
    step: int
    weights: dict[str, torch.Tensor]
    state: dict[str, Any]
    meta: dict[str, Any]


def save_checkpoint(folder: Path, step: int, weights: dict[str, torch.Tensor],
                    state: dict[str, Any], meta: dict[str, Any], keep: int) -> Path:
    """Write checkpoint `step` into `folder` atomically, then keep only the newest `keep`."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / checkpoint_name(step)
    tmp = folder / f".tmp-{checkpoint_name(step)}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in weights.items()}
    save_file(tensors, str(tmp / WEIGHTS), metadata={"step": str(step)})
    torch.save(state, tmp / STATE)
    (tmp / META).write_text(json.dumps({**meta, "step": step}, indent=1), encoding="utf-8")
    if final.exists():  # rewriting the same step (e.g. after a resume): swap, then drop the old
        old = folder / f".old-{checkpoint_name(step)}-{os.getpid()}"
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)
    prune(folder, keep)
    return final


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


def checkpoint_at(folder: Path, step: int | None = None) -> Path:
    """The checkpoint of `step` (the newest when None); a clear error names the steps kept."""
    found = list_checkpoints(folder)
    if not found:
        raise RunFolderError(f"{folder.parent} has no checkpoint yet; train it first")
    if step is None:
        return found[-1]
    for path in found:
        if int(path.name.split("_")[1]) == step:
            return path
    kept = ", ".join(str(int(p.name.split("_")[1])) for p in found)
    raise RunFolderError(f"{folder.parent} keeps no checkpoint of step {step}; it keeps "
                         f"steps {kept}")


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> StoredCheckpoint:
    """Read a checkpoint folder; never executes code from it."""
    try:
        weights = load_file(str(path / WEIGHTS), device=str(map_location))
        state = torch.load(path / STATE, map_location=map_location, weights_only=True)
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunFolderError(f"checkpoint {path} is incomplete: {Path(exc.filename).name} "
                             "is missing") from None
    except Exception as exc:  # a damaged file: say which checkpoint
        raise RunFolderError(f"checkpoint {path} cannot be read: {exc}") from None
    return StoredCheckpoint(int(meta["step"]), weights, state, meta)
