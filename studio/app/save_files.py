"""Saving files from the studio: a sensible folder, a descriptive name, and a confirmation.

Every save dialog opens where the person last saved in this session; before the first save,
in the run's own `exports/` folder (so a run's pictures travel with it), or for a model that
is not a run in `exports/` beside the workspace. The suggested name says what the file holds
(source, view, seed, step) and never names an existing file. Callers show the returned
"Saved to …" message (the window's status bar), so every save is confirmed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from studio.export.images import save_png

EXPORTS = "exports"
PNG_FILTER = "PNG image (*.png)"
JSON_FILTER = "Recipe (*.json)"

_session = {"folder": None}  # the folder last saved into during this session (Path | None)


def remembered_folder() -> Path | None:
    """The folder a file was last saved into during this session, if any."""
    return _session["folder"]


def remember_folder(folder: Path | None) -> None:
    """Make later dialogs of this session open in `folder` (None forgets)."""
    _session["folder"] = None if folder is None else Path(folder)


def default_folder(workspace: Path | None = None, run_folder: Path | None = None) -> Path:
    """Where a save dialog opens: the session's last folder, else `<run>/exports`, else
    `exports` beside the workspace, else the home folder."""
    remembered = remembered_folder()
    if remembered is not None and remembered.is_dir():
        return remembered
    if run_folder is not None:
        return Path(run_folder) / EXPORTS
    if workspace is not None:
        return Path(workspace).parent / EXPORTS
    return Path.home()


def _slug(text: str) -> str:
    """A file-name-safe form of `text`: letters, digits, '.', '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "picture"


def file_name(source: str, view: str = "", seed: int | None = None,
              step: int | None = None, suffix: str = ".png", extra: str = "") -> str:
    """A name that says what the file holds, e.g. 'tiny-stylegan_image_seed7_step400.png'."""
    parts = [_slug(source)]
    parts += [_slug(p) for p in (view, extra) if p]
    if seed is not None:
        parts.append(f"seed{seed}")
    if step is not None:
        parts.append(f"step{step}")
    return "_".join(parts) + suffix


def unique_path(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext`… when it exists: a suggestion never overwrites."""
    path = Path(path)
    n = 1
    found = path
    while found.exists():
        n += 1
        found = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return found


def saved_message(path: Path) -> str:
    """The confirmation a person sees after a save."""
    return f"Saved to {path}"


def ask_save_path(parent: QWidget, title: str, name: str, file_filter: str = PNG_FILTER, *,
                  workspace: Path | None = None, run_folder: Path | None = None) -> Path | None:
    """Ask where to save `name` (opening in `default_folder`); None when cancelled. The
    suffix of `name` is added when the person leaves it off; the folder is remembered."""
    folder = default_folder(workspace, run_folder)
    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder, made = Path.home(), False
    suggested = unique_path(folder / name)
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), file_filter)
    if made and (not chosen or Path(chosen).parent != folder):
        _remove_if_empty(folder)  # a cancelled dialog leaves no empty exports/ behind
    if not chosen:
        return None
    path = Path(chosen)
    suffix = Path(name).suffix
    if suffix and path.suffix.lower() != suffix.lower():
        path = path.with_name(path.name + suffix)
    remember_folder(path.parent)
    return path


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # rmdir only ever removes an empty folder
        folder.rmdir()


def _write(parent: QWidget, path: Path, write: Callable[[Path], None]) -> str | None:
    try:
        write(path)
    except OSError as exc:
        QMessageBox.warning(parent, "Could not save", f"Could not write {path}: {exc}")
        return None
    return saved_message(path)


def save_picture(parent: QWidget, picture: np.ndarray | None, name: str, *,
                 workspace: Path | None = None, run_folder: Path | None = None) -> str | None:
    """Ask where, write `picture` (uint8 [H, W, C]) as PNG; "Saved to …", or None when there
    was nothing to save, the person cancelled, or writing failed (a warning says why)."""
    if picture is None:
        return None
    path = ask_save_path(parent, "Save image", name, PNG_FILTER, workspace=workspace,
                         run_folder=run_folder)
    if path is None:
        return None
    return _write(parent, path, lambda p: save_png(picture, p))


def save_text(parent: QWidget, make_text: Callable[[Path], str], name: str, *,
              title: str = "Save recipe", file_filter: str = JSON_FILTER,
              workspace: Path | None = None, run_folder: Path | None = None) -> str | None:
    """Ask where, then write `make_text(chosen path)` (the text may depend on where it goes,
    like a recipe's relative source); "Saved to …" or None, as `save_picture`."""
    path = ask_save_path(parent, title, name, file_filter, workspace=workspace,
                         run_folder=run_folder)
    if path is None:
        return None

    def write(p: Path) -> None:
        tmp = p.with_name(f".{p.name}.tmp")
        tmp.write_text(make_text(p), encoding="utf-8")
        tmp.replace(p)

    return _write(parent, path, write)
