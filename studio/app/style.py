"""Light and dark palettes on the Fusion style, and the few style-sheet touches the studio uses.

Fusion outlines check boxes and radio buttons in a darker shade of the window colour, which on
a dark window is all but invisible; `StudioStyle` outlines them in a contrasting colour there.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

INDICATORS = (QStyle.PrimitiveElement.PE_IndicatorCheckBox,
              QStyle.PrimitiveElement.PE_IndicatorRadioButton)

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
        QPalette.ColorRole.PlaceholderText: "#8a8d93", QPalette.ColorRole.Link: "#7ab4ff",
        QPalette.ColorRole.LinkVisited: "#c5a3ff",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b6e74"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b6e74"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#6b6e74"))
    return p


def is_dark(palette: QPalette) -> bool:
    """Whether a palette draws light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def indicator_outline(palette: QPalette) -> QColor:
    """The outline of an unchecked box or radio on a dark window: halfway from the field's
    colour to the text's, so it stands out from both the window and the field."""
    base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    return QColor.fromRgbF(*((b + (t - b) * 0.55) for b, t in
                             ((base.redF(), text.redF()), (base.greenF(), text.greenF()),
                              (base.blueF(), text.blueF()))))


class StudioStyle(QProxyStyle):
    """Fusion, with check-box and radio-button indicators that show on dark windows too."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:
        """Fusion's drawing, then a contrasting outline around indicators on dark windows."""
        super().drawPrimitive(element, option, painter, widget)
        if element not in INDICATORS or not is_dark(option.palette):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(indicator_outline(option.palette), 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        rect = QRectF(option.rect).adjusted(0.6, 0.6, -0.6, -0.6)
        if element == QStyle.PrimitiveElement.PE_IndicatorCheckBox:
            painter.drawRoundedRect(rect, 1.5, 1.5)
        else:
            painter.drawEllipse(rect.adjusted(0.4, 0.4, -0.4, -0.4))
        painter.restore()


def apply_style(app: QApplication, theme: str = "auto") -> None:
    """theme: "light", "dark" or "auto" (follow the system's colour scheme)."""
    if not isinstance(app.style(), StudioStyle):
        app.setStyle(StudioStyle())
    if theme == "auto":
        scheme = QGuiApplication.styleHints().colorScheme()
        theme = "dark" if scheme == scheme.Dark else "light"
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
    app.setStyleSheet(SHEET)
