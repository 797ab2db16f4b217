"""Where the studio's read-only files lie: the icons, themes and desktop entry in resources/.

In a checkout they are the folder next to the `studio` package; in an app frozen by PyInstaller
they are unpacked beside it, under `sys._MEIPASS`. Torch-free and Qt-free, so anything may ask.
"""

from __future__ import annotations

import sys
from pathlib import Path

from studio.errors import StudioError

RESOURCES = "resources"


def bundle_root() -> Path | None:
    """The folder a PyInstaller-frozen app unpacked itself into, or None when not frozen."""
    if getattr(sys, "frozen", False) and getattr(sys, "_MEIPASS", None):
        return Path(sys._MEIPASS)
    return None


def install_root() -> Path:
    """The folder that holds resources/ and models/: the bundle when frozen, else the
    repository checkout (the parent of the `studio` package)."""
    frozen = bundle_root()
    return frozen if frozen is not None else Path(__file__).resolve().parent.parent


def resources_root() -> Path:
    """The resources/ folder of this installation."""
    return install_root() / RESOURCES


def resource_path(*parts: str) -> Path:
    """The file `resources/<parts…>`; a StudioError saying what is missing and where it was
    looked for when the installation lacks it."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        where = "the app bundle" if bundle_root() is not None else "the GAN Studio checkout"
        raise StudioError(f"The studio's resource file {'/'.join(parts)} is missing (looked for "
                          f"{path}). {where.capitalize()} is incomplete: reinstall GAN Studio, "
                          "or restore the resources/ folder.")
    return path
