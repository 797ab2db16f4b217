"""Start the studio window: a QApplication with a light or dark palette and the main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from studio.app.main_window import MainWindow
from studio.app.style import apply_style


def run(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("GAN Studio")
    app.setOrganizationName("GAN Studio")
    settings = QSettings("GAN Studio", "GAN Studio")
    apply_style(app, str(settings.value("theme", "auto")))
    window = MainWindow(settings)
    window.show()
    return app.exec()
