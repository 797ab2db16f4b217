"""Start the studio window: a QApplication with the app icon, a light or dark palette, and the
main window (on a machine that never saw the studio, opened on its first-start page)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from studio.app.main_window import MainWindow
from studio.app.style import app_icon, apply_style


def run(argv: list[str] | None = None) -> int:
    """Open the window and run Qt's event loop until it closes; the exit status."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("GAN Studio")
    app.setOrganizationName("GAN Studio")
    app.setDesktopFileName("gan-studio")  # ties the window to gan-studio.desktop's icon
    app.setWindowIcon(app_icon())
    settings = QSettings("GAN Studio", "GAN Studio")
    apply_style(app, str(settings.value("theme", "auto")))
    window = MainWindow(settings, first_start=True)
    window.show()
    return app.exec()
