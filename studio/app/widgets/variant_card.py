"""A clickable card naming a variant and explaining its idea in plain language."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

SELECTED_MARK = "✓ Selected"


class VariantCard(QFrame):
    """Selected cards get a highlighted frame and a "✓ Selected" mark (so the choice never
    rests on an outline alone); disabled cards explain why in their tooltip. The "What is
    this?" link asks for the variant's concept page."""

    clicked = Signal(str)
    concept_requested = Signal(str)  # the variant's key: "gan", "cgan", "dcgan", "stylegan"

    def __init__(self, name: str, title: str, summary: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._title_text = title
        self.setObjectName("variantCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # wrap instead of widening the column: the card must fit a 1024 px window
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.title = QLabel(f"<b>{html.escape(title)}</b>")
        self.title.setWordWrap(True)
        self.mark = QLabel(SELECTED_MARK)
        self.mark.setObjectName("cardSelectedMark")
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("cardSummary")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.concept_link = QLabel()
        self.concept_link.setObjectName("cardConceptLink")
        flags = Qt.TextInteractionFlag
        self.concept_link.setTextInteractionFlags(flags.LinksAccessibleByMouse
                                                  | flags.LinksAccessibleByKeyboard)
        self.concept_link.setToolTip(f"Open the Help page explaining {title}")
        self.concept_link.linkActivated.connect(lambda _: self.concept_requested.emit(self.name))
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 1)
        head.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignTop)
        foot = QHBoxLayout()
        foot.setContentsMargins(0, 0, 0, 0)
        foot.addStretch(1)
        foot.addWidget(self.concept_link)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(3)
        layout.addLayout(head)
        layout.addWidget(self.summary)
        layout.addLayout(foot)
        self._selected = False
        self._reason = ""
        self._colour_link()
        self.set_selected(False)

    def _colour_link(self) -> None:
        """The link in the theme's highlight colour: default link blue is unreadable on dark."""
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        if self.palette().color(QPalette.ColorRole.Window).lightness() < 128:
            colour = colour.lighter(135)
        self.concept_link.setText(f"<a href='concept' style='color:{colour.name()}'>"
                                  "What is this?</a>")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_link()
        super().changeEvent(event)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """The height the wrapped text needs at `width`, asked of the labels themselves."""
        return sum(self._text_heights(width)) + self._chrome_height()

    def _inner_width(self, width: int) -> int:
        m = self.layout().contentsMargins()
        return max(1, width - m.left() - m.right() - 2 * self.frameWidth())

    def _text_heights(self, width: int) -> tuple[int, int]:
        """(title row, summary) heights when the card is `width` wide."""
        inner = self._inner_width(width)
        selected = getattr(self, "_selected", False)
        mark = self.mark.sizeHint().width() + self.layout().spacing() if selected else 0
        head = max(self.title.heightForWidth(max(1, inner - mark)), self.mark.sizeHint().height())
        return head, self.summary.heightForWidth(inner)

    def _chrome_height(self) -> int:
        m = self.layout().contentsMargins()
        return (m.top() + m.bottom() + 2 * self.frameWidth() + 2 * self.layout().spacing()
                + self.concept_link.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Give the labels and the card exactly the height the wrapped text needs at the new
        width: the box layouts' cached height-for-width answers went stale and cut the
        longest summary short."""
        super().resizeEvent(event)
        self._fit(event.size().width())

    def _fit(self, width: int) -> None:
        head, summary = self._text_heights(width)
        self.title.setFixedHeight(head)
        self.summary.setFixedHeight(summary)
        need = head + summary + self._chrome_height()
        if need != self.height():
            self.setFixedHeight(need)

    def set_selected(self, selected: bool) -> None:
        """Mark the card chosen or not: outline, "✓ Selected" and accessible name, repainted
        now (a style-sheet property change alone leaves the old outline on screen)."""
        self._selected = selected
        self.setProperty("selected", selected)
        self.mark.setVisible(selected)
        state = "selected" if selected else "not selected"
        self.setAccessibleName(f"{self._title_text} ({state})")
        self.style().unpolish(self)
        self.style().polish(self)
        self._fit(self.width())  # the mark takes room from the title
        self.update()

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
