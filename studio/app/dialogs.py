"""Dialogs: a failure with its details, About, Preferences, and saving a picture."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

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


def inception_problem(path: str) -> str:
    """Why `path` cannot be the FID Inception weights file ("" when it can, or is empty)."""
    path = path.strip()
    if not path:
        return ""
    if not Path(path).expanduser().is_file():
        return (f"There is no file at {path}. Choose the downloaded weights "
                "(pt_inception-2015-12-05-6726825d.pth), or clear the field.")
    return ""


class PreferencesDialog(QDialog):
    """Where runs are kept, the colour theme, and the FID Inception weights for new runs."""

    THEMES = (("Follow the system", "auto"), ("Light", "light"), ("Dark", "dark"))
    INCEPTION_TIP = ("A local copy of the FID Inception-v3 weights "
                     "(pt_inception-2015-12-05-6726825d.pth). With it, new runs that evaluate "
                     "report standard FID; without it, FD in the studio feature net trained "
                     "on the dataset, which is not comparable with published FIDs.")

    def __init__(self, workspace: str, theme: str, parent: QWidget | None = None, *,
                 inception: str = "") -> None:
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
        form.addRow("FID Inception weights", self._build_inception(inception))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.adjustSize()

    def _build_inception(self, inception: str) -> QWidget:
        """The weights file field with Browse…, and a line saying when the file is missing."""
        self.inception = QLineEdit(inception, placeholderText="none: FD in the studio "
                                   "feature net", toolTip=self.INCEPTION_TIP,
                                   clearButtonEnabled=True)
        browse = QPushButton("Browse…", clicked=self._browse_inception)
        self.inception_error = QLabel(wordWrap=True)
        self.inception_error.setStyleSheet("color: #d32f2f;")
        self.inception_error.hide()
        self.inception.textChanged.connect(self._check_inception)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.inception, 1)
        row.addWidget(browse)
        column.addLayout(row)
        column.addWidget(self.inception_error)
        self._check_inception()
        return holder

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Workspace", self.workspace.text())
        if folder:
            self.workspace.setText(folder)

    def _browse_inception(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "FID Inception weights",
                                              self.inception.text(),
                                              "PyTorch weights (*.pth *.pt);;All files (*)")
        if path:
            self.inception.setText(path)

    def _check_inception(self) -> bool:
        problem = inception_problem(self.inception.text())
        if problem != self.inception_error.text():
            self.inception_error.setText(problem)
            self.inception_error.setVisible(bool(problem))
            self.adjustSize()  # room for the message, or none
        return not problem

    def accept(self) -> None:
        """Close only with a weights file that exists (or none); the red line says why not."""
        if not self._check_inception():
            self.inception.setFocus()
            return
        super().accept()

    def values(self) -> tuple[str, str, str]:
        """(workspace, theme, Inception weights path or "")."""
        workspace, inception = self.workspace.text().strip(), self.inception.text().strip()
        return workspace, self.theme.currentData(), inception
