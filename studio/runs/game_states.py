"""A 2-D run's game states: beside each snapshot picture, the arrays the game view replays.

One `step_NNNNNNN.game.npz` per snapshot: ``step``, ``extent``, ``fake`` [N, 2] (the
snapshot's points), and where known ``real`` [M, 2], ``heat`` [G, G] (D(x) on the game grid,
row 0 = bottom) and ``coverage`` [modes covered, modes total, high-quality share].
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

KEYS = ("step", "extent", "fake", "real", "heat", "coverage")


def save_game_arrays(path: Path, arrays: dict[str, Any]) -> None:
    """Write the arrays (None values left out) under a temp name, then rename: a reader never
    sees half a file, and a failed write leaves nothing behind."""
    kept = {k: np.asarray(v) for k, v in arrays.items() if k in KEYS and v is not None}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **kept)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_game_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays kept in `path`, or None when it is missing, unfinished or unreadable."""
    try:
        with np.load(path) as f:
            arrays = {k: f[k] for k in KEYS if k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return arrays if {"step", "extent", "fake"} <= arrays.keys() else None
