"""Light and dark palettes on the Fusion style, and the few style-sheet touches the studio uses."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

SHEET = """
QFrame#variantCard { border: 1px solid palette(mid); border-radius: 6px; }
QFrame#variantCard[selected="true"] { border: 2px solid palette(highlight); }
QPushButton#startButton { padding: 8px 18px; font-weight: bold; }
QLabel#runTitle { font-size: 14px; }
"""


def dark_palette() -> QPalette:
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f2124", QPalette.ColorRole.AlternateBase: "#2a2c30",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#35373c",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3b7dd8",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#35373c",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.Mid: "#55585e",
        QPalette.ColorRole.PlaceholderText: "#8a8d93",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b6e74"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b6e74"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#6b6e74"))
    return p


def apply_style(app: QApplication, theme: str = "auto") -> None:
    """theme: "light", "dark" or "auto" (follow the system's colour scheme)."""
    app.setStyle("Fusion")
    if theme == "auto":
        scheme = QGuiApplication.styleHints().colorScheme()
        theme = "dark" if scheme == scheme.Dark else "light"
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
    app.setStyleSheet(SHEET)
