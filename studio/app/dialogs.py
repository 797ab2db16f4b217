"""Dialogs: a failure with its details, About, Preferences, and saving a picture."""

from __future__ import annotations

import platform
from typing import Any

import numpy as np
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio import __version__
from studio.app.bridge import FailureInfo
from studio.export.images import save_png


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


class PreferencesDialog(QDialog):
    """Where runs are kept, and the colour theme."""

    THEMES = (("Follow the system", "auto"), ("Light", "light"), ("Dark", "dark"))

    def __init__(self, workspace: str, theme: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.workspace = QLineEdit(workspace)
        self.workspace.setToolTip("New runs are written here; the Runs tab lists this folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.workspace, 1)
        row.addWidget(browse)
        self.theme = QComboBox()
        for label, value in self.THEMES:
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme)))
        form = QFormLayout()
        form.addRow("Workspace", row)
        form.addRow("Theme", self.theme)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, 0)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Workspace", self.workspace.text())
        if folder:
            self.workspace.setText(folder)

    def values(self) -> tuple[str, str]:
        return self.workspace.text().strip(), self.theme.currentData()


def save_picture_as(parent: QWidget, picture: np.ndarray | None, suggested: str) -> None:
    """Ask where to save a uint8 picture as PNG and write it atomically; warn on failure."""
    if picture is None:
        return
    path, _ = QFileDialog.getSaveFileName(parent, "Save image", suggested, "PNG (*.png)")
    if not path:
        return
    if not path.lower().endswith(".png"):
        path += ".png"
    try:
        save_png(picture, path)
    except OSError as exc:
        QMessageBox.warning(parent, "Could not save", f"Could not write {path}: {exc}")
