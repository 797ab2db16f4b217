"""Light and dark themes on the Fusion style, the app icon, and the few style-sheet touches the
studio uses. The themes' colours and sheets are files in resources/themes/ (studio.resources
finds them in a checkout and in a frozen bundle).

Fusion outlines check boxes and radio buttons in a darker shade of the window colour, which on
a dark window is all but invisible; `StudioStyle` outlines them in a contrasting colour there.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

from studio.errors import StudioError
from studio.resources import resource_path

INDICATORS = (QStyle.PrimitiveElement.PE_IndicatorCheckBox,
              QStyle.PrimitiveElement.PE_IndicatorRadioButton)
THEMES = ("light", "dark")
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)  # resources/icons/gan-studio-<size>.png
SHARED_SHEET = "studio.qss"  # both themes' rules; <theme>.qss adds what differs


def theme_colours(theme: str) -> dict[str, Any]:
    """The parsed resources/themes/<theme>.json: {"start", "colors", "disabled"}."""
    path = resource_path("themes", f"{_known(theme)}.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("start") not in ("fusion", "empty"):
            raise ValueError('"start" must be "fusion" or "empty"')
        return {"start": data["start"], "colors": dict(data.get("colors", {})),
                "disabled": dict(data.get("disabled", {}))}
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise StudioError(f"The theme file {path} cannot be read ({exc}). Reinstall GAN Studio "
                          "or restore the file.") from None


def theme_palette(theme: str) -> QPalette:
    """The palette of `theme` ("light" or "dark") as its JSON file describes it."""
    spec = theme_colours(theme)
    if spec["start"] == "fusion":
        palette = QStyleFactory.create("Fusion").standardPalette()
    else:
        palette = QPalette()
    for groups, colours in ((None, spec["colors"]),
                            (QPalette.ColorGroup.Disabled, spec["disabled"])):
        for name, value in colours.items():
            role, colour = _role(theme, name), QColor(str(value))
            if not colour.isValid():
                raise StudioError(f"The {theme} theme's colour {name}={value!r} is not a "
                                  "colour; write it as #rrggbb.")
            if groups is None:
                palette.setColor(role, colour)
            else:
                palette.setColor(groups, role, colour)
    return palette


def dark_palette() -> QPalette:
    """The dark theme's palette."""
    return theme_palette("dark")


def style_sheet(theme: str) -> str:
    """The style sheet of `theme`: the shared rules, then the theme's own."""
    return "\n".join(resource_path("themes", name).read_text(encoding="utf-8")
                     for name in (SHARED_SHEET, f"{_known(theme)}.qss"))


def __getattr__(name: str) -> Any:
    """`SHEET`: the light theme's style sheet, read from its files when first asked for."""
    if name == "SHEET":
        return style_sheet("light")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_icon() -> QIcon:
    """The studio's icon with every bitmap size it ships (16 to 512 px)."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(resource_path("icons", f"gan-studio-{size}.png")), QSize(size, size))
    return icon


def _known(theme: str) -> str:
    if theme not in THEMES:
        raise StudioError(f"There is no theme called {theme!r}; choose one of "
                          f"{', '.join(THEMES)} or auto.")
    return theme


def _role(theme: str, name: str) -> QPalette.ColorRole:
    try:
        return QPalette.ColorRole[name]
    except KeyError:
        raise StudioError(f"The {theme} theme names an unknown palette role {name!r}; roles "
                          "are Qt's, e.g. Window, Text, Highlight.") from None


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
    app.setPalette(theme_palette(theme))
    app.setStyleSheet(style_sheet(theme))
