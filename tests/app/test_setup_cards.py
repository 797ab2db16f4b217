"""The New run tab's variant cards: which variant will train is unmistakable on screen, cards
fit a narrow window, and each card links to its concept page. (About 2 s in all.)"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from studio.app.panels.setup import SetupPanel
from studio.app.style import SHEET
from studio.app.widgets.variant_card import SELECTED_MARK


@pytest.fixture
def panel(qtbot):
    app = QApplication.instance()
    old_sheet = app.styleSheet()
    app.setStyleSheet(SHEET)  # the studio's outline rule for selected cards
    p = SetupPanel()
    qtbot.addWidget(p)
    p.resize(1366, 640)
    p.show()
    qtbot.waitExposed(p)
    yield p
    app.setStyleSheet(old_sheet)


def _on_screen(widget) -> np.ndarray:
    """What the window's backing store holds for `widget` now (not a fresh render), [H, W, 3]."""
    window = widget.window()
    QApplication.processEvents()
    shot = window.screen().grabWindow(window.winId()).toImage()
    shot = shot.convertToFormat(QImage.Format.Format_RGB888)
    top_left = widget.mapTo(window, QPoint(0, 0))
    ratio = shot.devicePixelRatio()
    h, w = shot.height(), shot.width()
    bits = np.frombuffer(shot.constBits(), np.uint8).reshape(h, shot.bytesPerLine())
    rgb = bits[:, : w * 3].reshape(h, w, 3)
    x0, y0 = int(top_left.x() * ratio), int(top_left.y() * ratio)
    return rgb[y0:y0 + int(widget.height() * ratio), x0:x0 + int(widget.width() * ratio)].copy()


def _highlight_share(pixels: np.ndarray, colour: QColor) -> float:
    """Share of the card's left-edge column (its outline) drawn in the highlight colour."""
    edge = pixels[8:-8, 0].astype(int)  # [H - 16, 3]
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return float((np.abs(edge - target).sum(axis=1) < 60).mean())


def test_clicking_a_card_moves_the_outline_on_screen(qtbot, panel):
    gan, dcgan = panel.cards["gan"], panel.cards["dcgan"]
    highlight = panel.palette().color(QPalette.ColorRole.Highlight)
    qtbot.waitUntil(lambda: _highlight_share(_on_screen(gan), highlight) > 0.8)
    assert _highlight_share(_on_screen(dcgan), highlight) < 0.2
    qtbot.mouseClick(dcgan, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    qtbot.wait(50)
    assert panel.variant == "dcgan"
    # the screen itself: the old card lost its outline, the new one has it
    assert _highlight_share(_on_screen(gan), highlight) < 0.2
    assert _highlight_share(_on_screen(dcgan), highlight) > 0.8


def test_selection_is_marked_in_words_not_only_by_an_outline(qtbot, panel):
    qtbot.mouseClick(panel.cards["stylegan"], Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    for name, card in panel.cards.items():
        chosen = name == "stylegan"
        mark = card.findChild(QLabel, "cardSelectedMark")
        assert mark is not None and mark.text() == SELECTED_MARK
        assert mark.isVisible() == chosen
        assert card.accessibleName().endswith("(selected)" if chosen else "(not selected)")


def test_what_is_this_link_asks_for_the_variants_concept(qtbot, panel):
    card = panel.cards["cgan"]
    link = card.findChild(QLabel, "cardConceptLink")
    assert link is not None and link.isVisible()
    with qtbot.waitSignal(panel.concept_requested, timeout=2000) as blocker:
        link.linkActivated.emit("concept")  # what a click on the link's anchor sends
    assert blocker.args == ["cgan"]
    assert panel.variant == "gan"  # asking what cGAN is does not select it


def test_cards_fit_a_1024_by_640_window(qtbot, panel):
    panel.resize(1000, 560)  # the tab's share of a 1024×640 window
    qtbot.wait(50)
    for card in panel.cards.values():
        summary = card.findChild(QLabel, "cardSummary")
        # every line of the summary lies inside the card: wrapped, not run off the edge
        assert summary.geometry().right() <= card.contentsRect().right()
        need = summary.heightForWidth(summary.width())
        assert summary.height() >= need, f"{card.name}'s text is cut: {summary.height()} < {need}"


@pytest.mark.parametrize("width", [1024, 1366, 1600])
def test_every_cards_text_gets_the_height_it_needs(qtbot, panel, width):
    """The StyleGAN card's summary ran off at 1366×700: its label was given less height than
    its wrapped text needs, in the main window's real style."""
    panel.resize(width, 640)
    panel.select_variant("stylegan")
    QApplication.processEvents()
    for name, card in panel.cards.items():
        for label in (card.title, card.summary):
            need = label.heightForWidth(label.width())
            assert label.height() >= need, (name, label.text()[:20], label.height(), need)
        assert card.height() >= card.layout().totalMinimumSize().height(), name
