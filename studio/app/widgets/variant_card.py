"""A clickable card naming a variant and explaining its idea in plain language."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class VariantCard(QFrame):
    """Selected cards get a highlighted frame; disabled cards explain why in their tooltip."""

    clicked = Signal(str)

    def __init__(self, name: str, title: str, summary: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("variantCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.title = QLabel(f"<b>{title}</b>")
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("cardSummary")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        self._selected = False
        self._reason = ""
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        self.setProperty("selected", selected)
        self.style().unpolish(self)
        self.style().polish(self)

    @property
    def selected(self) -> bool:
        return self._selected

    def set_unavailable(self, reason: str | None) -> None:
        """Disable the card with `reason` as its tooltip, or enable it when reason is None."""
        self._reason = reason or ""
        self.setEnabled(reason is None)
        self.setToolTip(reason or "")

    @property
    def reason(self) -> str:
        return self._reason

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.isEnabled() and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.name)
        super().mousePressEvent(event)
