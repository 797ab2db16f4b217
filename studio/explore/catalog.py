"""The bundled models' catalogue: which model folders exist — torch-free, for the window.

`studio.explore.source` describes the folder format and loads the generators.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from studio.errors import RunFolderError
from studio.resources import install_root

MODEL_FORMAT, MODEL_VERSION = "gan-studio/model", 1
MODEL_WEIGHTS, MODEL_MANIFEST = "model.safetensors", "manifest.json"
MODELS_MANIFEST = "manifest.json"
# the variants whose generators Explore opens (torch-free, so the window can filter runs);
# studio.explore.source says how each is rebuilt
EXPLORED_VARIANTS = ("stylegan", "cgan", "dcgan", "gan")


@dataclass(frozen=True)
class BundledModel:
    name: str
    title: str
    path: Path


def default_models_root() -> Path:
    """The models/ folder of this installation: next to the studio package in a checkout,
    inside the bundle (`sys._MEIPASS/models`) when frozen by PyInstaller."""
    return install_root() / "models"


def _scan_models(root: Path) -> list[BundledModel]:
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            manifest = json.loads((folder / MODEL_MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("format") == MODEL_FORMAT:
            found.append(BundledModel(str(manifest.get("name", folder.name)),
                                      str(manifest.get("title", folder.name)), folder))
    return found


def list_bundled_models(root: str | Path | None = None) -> list[BundledModel]:
    """The bundled models under `root` (default: the repository's models/), as listed in
    its manifest.json, or found by scanning its folders when there is no list."""
    root = Path(root) if root is not None else default_models_root()
    listing = root / MODELS_MANIFEST
    if not listing.exists():
        return _scan_models(root) if root.is_dir() else []
    try:
        entries = json.loads(listing.read_text(encoding="utf-8"))["models"]
        return [BundledModel(str(e["name"]), str(e["title"]), root / e["path"])
                for e in entries]
    except (ValueError, KeyError, TypeError) as exc:
        raise RunFolderError(f"{listing} is not a valid model list ({exc!r}); it should be "
                             '{"models": [{"name", "title", "path"}]}') from None


def write_models_manifest(root: str | Path) -> Path:
    """(Re)write root/manifest.json listing every bundled model folder under `root`."""
    root = Path(root)
    models = [{"name": m.name, "title": m.title, "path": m.path.name}
              for m in _scan_models(root)]
    tmp = root / f".{MODELS_MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"models": models}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(root / MODELS_MANIFEST)
    return root / MODELS_MANIFEST


BUNDLED_PREFIX = "bundled:"  # a recipe's source naming a model that ships with the studio


def bundled_name(path: str | Path, root: str | Path | None = None) -> str | None:
    """The name of the bundled model whose folder is `path`, or None if it is none of them."""
    try:
        wanted = Path(path).resolve()
        return next((m.name for m in list_bundled_models(root) if m.path.resolve() == wanted),
                    None)
    except (OSError, RunFolderError):
        return None


def find_bundled(name: str, root: str | Path | None = None) -> Path:
    """The folder of the bundled model called `name`; a clear error naming those there are."""
    models = list_bundled_models(root)
    for model in models:
        if model.name == name:
            return model.path
    have = ", ".join(m.name for m in models) or "none is installed"
    raise RunFolderError(f"there is no bundled model called {name!r}; bundled models: {have}")


def portable_source(path: str | Path, recipe_folder: str | Path | None = None,
                    root: str | Path | None = None) -> str:
    """How a recipe should name the source at `path` so it still works when moved:
    "bundled:<name>" for a shipped model; a path relative to the recipe's folder when the
    source lies beside it (within the folder's parent); else the absolute path."""
    name = bundled_name(path, root)
    if name is not None:
        return BUNDLED_PREFIX + name
    source = Path(path).resolve()
    if recipe_folder is not None:
        here = Path(recipe_folder).resolve()
        if source == here.parent or here.parent in source.parents:
            return Path(os.path.relpath(source, here)).as_posix()
    return str(source)
