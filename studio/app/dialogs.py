"""Dialogs: a failure with its details, and About."""

from __future__ import annotations

import platform
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from studio import __version__
from studio.app.bridge import FailureInfo


def failure_box(parent: QWidget, failure: FailureInfo) -> QMessageBox:
    """A warning with the plain message; the traceback sits under Show Details."""
    box = QMessageBox(QMessageBox.Icon.Warning, failure.title, failure.message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText("The window keeps working; a run keeps its last good checkpoint.")
    box.setDetailedText(failure.details)
    box.setObjectName("failureDialog")
    return box


def show_failure(parent: QWidget, failure: FailureInfo) -> QMessageBox:
    """Open the failure dialog without blocking the event loop (window-modal)."""
    box = failure_box(parent, failure)
    box.open()
    return box


def about_text(engine: Any) -> str:
    torch = engine.torch_version if engine else "loading…"
    devices = ", ".join(engine.devices) if engine else "loading…"
    return (f"<h3>GAN Studio {__version__}</h3>"
            "<p>Train and explore generative adversarial networks.</p>"
            f"<p>PyTorch {torch}<br>Qt {qVersion()} · PySide6 {pyside_version}<br>"
            f"Python {platform.python_version()}<br>Devices: {devices}</p>")


def show_about(parent: QWidget, engine: Any) -> None:
    QMessageBox.about(parent, "About GAN Studio", about_text(engine))
