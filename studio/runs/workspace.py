"""Where runs live by default, and how a new run folder is named."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path


def default_workspace() -> Path:
    """$GAN_STUDIO_HOME/runs, else the platform's application-data folder."""
    if os.environ.get("GAN_STUDIO_HOME"):
        return Path(os.environ["GAN_STUDIO_HOME"]) / "runs"
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        return base / "GAN Studio" / "runs"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "GAN Studio" / "runs"
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "gan-studio" / "runs"


def default_cache() -> Path:
    """Where derived files that can be rebuilt live (feature nets): beside the runs folder."""
    return default_workspace().parent / "cache"


def keep_to_user_folders() -> None:
    """Environment defaults, set before torch or onnxruntime load, that keep their files in
    the user's data folder: importing torch._dynamo (the optimizers do) otherwise creates
    /tmp/torchinductor_<user>, and onnxruntime writes a telemetry database under ~/.cache."""
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(default_cache() / "torch"))
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def new_run_folder(workspace: Path, variant: str, dataset: str) -> Path:
    """A fresh, unique folder name like `20261129-071500-dcgan-shapes` inside `workspace`."""
    tag = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(dataset).name or dataset).strip("-")[:40]
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{variant}-{tag or 'data'}"
    folder, n = workspace / stem, 1
    while folder.exists():
        n += 1
        folder = workspace / f"{stem}-{n}"
    return folder
