"""Help → Concepts: a non-modal window with the list of concepts on the left and the page on the
right. Figures are drawn for the current palette and redrawn when the theme changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence, QTextImageFormat
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.app.help.concepts import CONCEPTS, INDEX
from studio.app.help.figures import logical_size, render_figure
from studio.app.help.pages import (
    FIGURE_SCHEME,
    SCHEME,
    concept_href,
    concept_html,
    figure_href,
    index_html,
    style_sheet,
)

DIALOG_NAME = "conceptsDialog"
_WITHOUT_PARENT: list[ConceptsDialog] = []  # keeps a parentless window alive while shown


def page_key(url: QUrl) -> str:
    """The concept a concept:KEY address names; the index for anything unknown."""
    key = url.path() if url.scheme() == SCHEME else ""
    return key if key in CONCEPTS else INDEX


class ConceptBrowser(QTextBrowser):
    """A text browser that serves concept:KEY pages and figure:NAME images from code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.generation = 0  # bumped on every theme change, so figure URLs change with it
        self._figures: dict[str, QImage] = {}
        self.setOpenExternalLinks(False)
        self.document().setDefaultStyleSheet(style_sheet(self.palette()))

    def figure(self, name: str) -> QImage:
        """Figure `name` for the current palette (drawn once per theme)."""
        if name not in self._figures:
            self._figures[name] = render_figure(name, self.palette(), self.devicePixelRatioF())
        return self._figures[name]

    def loadResource(self, kind: int, url: QUrl) -> Any:
        if url.scheme() == FIGURE_SCHEME:
            return self.figure(url.path())
        if url.scheme() == SCHEME:
            return self.page(page_key(url))
        return super().loadResource(kind, url)

    def page(self, key: str) -> str:
        if key not in CONCEPTS:
            return index_html()
        concept = CONCEPTS[key]
        image = self.figure(concept.figure)
        return concept_html(concept, figure_href(concept.figure, self.generation),
                            logical_size(image))

    def redraw(self) -> None:
        """Draw the figures and colour the text again for the current palette, in place."""
        self.generation += 1
        self._figures.clear()
        self.document().setDefaultStyleSheet(style_sheet(self.palette()))
        position = self.verticalScrollBar().value()
        self.reload()
        self.verticalScrollBar().setValue(position)

    def image_names(self) -> list[str]:
        """The addresses of the images on the page shown, in document order."""
        names, block = [], self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fmt = it.fragment().charFormat()
                if fmt.isImageFormat():
                    names.append(QTextImageFormat(fmt).name())
                it += 1
            block = block.next()
        return names


class ConceptsDialog(QDialog):
    """Concepts on the left, the page on the right, back and forward above; non-modal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(DIALOG_NAME)
        self.setWindowTitle("GAN Studio — Concepts")
        self.setModal(False)
        self.browser = ConceptBrowser(self)
        self.browser.setObjectName("conceptBrowser")
        self.topics = QListWidget()
        self.topics.setObjectName("conceptList")
        self.topics.setWordWrap(True)  # long titles wrap instead of scrolling sideways
        self.topics.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.topics.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.topics.setSpacing(2)
        for key, title in [(INDEX, "All concepts"),
                           *((c.key, c.title) for c in CONCEPTS.values())]:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(CONCEPTS[key].summary if key in CONCEPTS else "")
            self.topics.addItem(item)
        self.topics.currentItemChanged.connect(self._topic_chosen)
        self.browser.sourceChanged.connect(self._source_changed)
        self._redraw_timer = QTimer(self, singleShot=True, interval=0)
        self._redraw_timer.timeout.connect(self.browser.redraw)
        self._build(self._history_row())
        self._fit_to_screen()

    def _history_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for name, arrow, key, slot, signal in (
                ("Back", Qt.ArrowType.LeftArrow, QKeySequence.StandardKey.Back,
                 self.browser.backward, self.browser.backwardAvailable),
                ("Forward", Qt.ArrowType.RightArrow, QKeySequence.StandardKey.Forward,
                 self.browser.forward, self.browser.forwardAvailable)):
            action = QAction(name, self)
            action.setShortcuts(key)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setEnabled(False)
            action.triggered.connect(slot)
            signal.connect(action.setEnabled)
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{name} ({shortcut})" if shortcut else name)
            self.addAction(action)
            button = QToolButton(arrowType=arrow, autoRaise=True)
            button.setDefaultAction(action)
            button.setArrowType(arrow)
            row.addWidget(button)
            setattr(self, f"{name.lower()}_action", action)
        row.addStretch(1)
        return row

    def _build(self, history: QHBoxLayout) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.topics)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 670])
        splitter.setChildrenCollapsible(False)
        self.topics.setMinimumWidth(160)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(history)
        layout.addWidget(splitter, 1)

    def _fit_to_screen(self) -> None:
        """900×620 where the screen allows, less on a small one."""
        screen = QGuiApplication.primaryScreen()
        room = screen.availableSize() if screen is not None else QSize(1024, 640)
        self.resize(min(900, int(room.width() * 0.9)), min(620, int(room.height() * 0.9)))

    # -- pages ---------------------------------------------------------------------------------
    def show_page(self, key: str) -> None:
        """Show concept `key`; an unknown key shows the index."""
        key = key if key in CONCEPTS else INDEX
        if self.current_key() != key or self.browser.source().isEmpty():
            self.browser.setSource(QUrl(concept_href(key)))

    def current_key(self) -> str:
        return page_key(self.browser.source())

    def _topic_chosen(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is not None:
            self.show_page(str(item.data(Qt.ItemDataRole.UserRole)))

    def _source_changed(self, url: QUrl) -> None:
        """Keep the list's selection on the page shown, without navigating again."""
        key = page_key(url)
        for row in range(self.topics.count()):
            if self.topics.item(row).data(Qt.ItemDataRole.UserRole) == key:
                blocked = self.topics.blockSignals(True)
                self.topics.setCurrentRow(row)
                self.topics.blockSignals(blocked)
                break

    # -- theme ---------------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        """A palette change (theme switch) redraws the figures, once per burst of events."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._redraw_timer.start()
        super().changeEvent(event)


def show_concept(parent: QWidget | None, key: str) -> ConceptsDialog:
    """Open the Concepts window at page `key` (the index if unknown), or raise the open one."""
    window: QObject | None = parent.window() if parent is not None else None
    dialog: ConceptsDialog | None = None
    if isinstance(window, ConceptsDialog):
        dialog = window
    elif window is not None:
        dialog = window.findChild(ConceptsDialog, DIALOG_NAME,
                                  Qt.FindChildOption.FindDirectChildrenOnly)
    elif _WITHOUT_PARENT:
        dialog = _WITHOUT_PARENT[0]
    if dialog is None:
        dialog = ConceptsDialog(window if isinstance(window, QWidget) else None)
        if window is None:
            _WITHOUT_PARENT.append(dialog)
    dialog.show_page(key)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
