"""Help → Concepts and Help → Keyboard shortcuts, driven through the real widgets.

Cost: about 3 s in all on one core (each page draws one figure of ~600×250 px)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QColor,
    QImage,
    QKeySequence,
    QPalette,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QWidget

from studio.app.help import CONCEPTS, INDEX, ConceptsDialog, ShortcutsDialog, show_concept
from studio.app.help.figures import FIGURES
from studio.app.help.shortcuts import CONTROLS, MENUS, show_shortcuts
from studio.app.style import dark_palette

NATIVE = QKeySequence.SequenceFormat.NativeText


@pytest.fixture
def window(qtbot, qapp):
    """A shown top-level widget on the light palette; the app's palette is restored after."""
    before = QPalette(qapp.palette())
    qapp.setPalette(qapp.style().standardPalette())
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    yield w
    for dialog in w.findChildren(QWidget):
        if dialog.isWindow():
            dialog.close()
    qapp.setPalette(before)


def shown_figure(dialog: ConceptsDialog) -> QImage:
    """The first image on the page, as the document holds it."""
    names = dialog.browser.image_names()
    assert names, "the page shows no figure"
    image = dialog.browser.document().resource(QTextDocument.ResourceType.ImageResource,
                                               QUrl(names[0]))
    assert isinstance(image, QImage)
    return image


def colours(image: QImage, step: int = 5) -> set[int]:
    """The distinct pixel values on a grid over the image."""
    return {image.pixel(x, y) for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}


def click_link(qtbot, dialog: ConceptsDialog, href: str) -> None:
    """Scroll the link `href` into view and click it with the mouse."""
    browser = dialog.browser
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(browser.document())
                cursor.setPosition(fragment.position() + 1)
                browser.setTextCursor(cursor)
                browser.ensureCursorVisible()
                qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton,
                                 pos=browser.cursorRect(cursor).center())
                return
            it += 1
        block = block.next()
    raise AssertionError(f"no link to {href} on the page")


@pytest.mark.parametrize("key", list(CONCEPTS))
def test_every_concept_opens_with_its_title_and_a_drawn_figure(window, key):
    dialog = show_concept(window, key)
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.current_key() == key
    assert CONCEPTS[key].title in dialog.browser.toPlainText()
    image = shown_figure(dialog)
    assert not image.isNull() and image.width() >= 300 and image.height() >= 150
    assert len(colours(image)) >= 8, "the figure is blank or nearly so"
    assert dialog.topics.currentItem().text() == CONCEPTS[key].title


def test_concept_texts_are_short_and_link_only_to_pages_that_exist():
    assert set(CONCEPTS) >= {"gan", "minimax", "non_saturating", "cgan", "dcgan", "stylegan",
                             "r1", "ema", "truncation", "style_mixing", "fd_kid",
                             "precision_recall", "mode_collapse"}
    for concept in CONCEPTS.values():
        text = " ".join(concept.paragraphs)
        words = len(re.sub(r"<[^>]+>", " ", text).split())
        assert 100 <= words <= 250, (concept.key, words)
        assert concept.figure in FIGURES
        for target in [*re.findall(r'href="concept:(\w+)"', text), *concept.see_also]:
            assert target in CONCEPTS, (concept.key, target)


def test_unknown_key_shows_the_index_and_one_window_is_reused(window):
    dialog = show_concept(window, "no such idea")
    assert dialog.current_key() == INDEX
    text = dialog.browser.toPlainText()
    assert all(c.title in text for c in CONCEPTS.values())
    again = show_concept(window, "ema")
    assert again is dialog and dialog.current_key() == "ema"
    assert len(window.findChildren(ConceptsDialog)) == 1


def test_links_between_pages_navigate_and_back_returns(qtbot, window):
    dialog = show_concept(window, "gan")
    click_link(qtbot, dialog, "concept:minimax")
    assert dialog.current_key() == "minimax"
    assert "The minimax value" in dialog.browser.toPlainText()
    assert dialog.topics.currentItem().text() == CONCEPTS["minimax"].title
    click_link(qtbot, dialog, "concept:non_saturating")
    assert dialog.current_key() == "non_saturating"
    assert dialog.back_action.isEnabled()
    back = dialog.back_action.shortcut()[0]  # Alt+Left on Linux and Windows
    qtbot.keyClick(dialog.browser, back.key(), back.keyboardModifiers())
    assert dialog.current_key() == "minimax"
    click_link(qtbot, dialog, "concept:index")
    assert dialog.current_key() == INDEX


def test_choosing_a_concept_in_the_list_shows_it(qtbot, window):
    dialog = show_concept(window, INDEX)
    topics = dialog.topics
    item = next(topics.item(i) for i in range(topics.count())
                if topics.item(i).text() == CONCEPTS["truncation"].title)
    topics.scrollToItem(item)
    qtbot.mouseClick(topics.viewport(), Qt.MouseButton.LeftButton,
                     pos=topics.visualItemRect(item).center())
    assert dialog.current_key() == "truncation"
    assert "ψ" in dialog.browser.toPlainText()


def test_theme_switch_redraws_the_figures(qtbot, qapp, window):
    dialog = show_concept(window, "non_saturating")
    light = shown_figure(dialog)
    corner_light = QColor(light.pixel(3, 3))
    qapp.setPalette(dark_palette())
    qtbot.waitUntil(lambda: dialog.browser.generation > 0, timeout=2000)
    dark = shown_figure(dialog)
    assert dialog.browser.image_names() != ["figure:g_losses?v=0"]
    assert dark.size() == light.size()
    assert QColor(dark.pixel(3, 3)).lightness() < 80 < corner_light.lightness()
    changed = sum(light.pixel(x, y) != dark.pixel(x, y)
                  for x in range(0, light.width(), 4) for y in range(0, light.height(), 4))
    assert changed > 0.5 * (light.width() // 4) * (light.height() // 4)


def test_shortcuts_dialog_lists_each_actions_keys(qtbot, window):
    start = QAction("&Start", window)
    start.setShortcut(QKeySequence("Ctrl+Return"))
    views = QAction("Monitor", window)
    views.setShortcuts([QKeySequence("Ctrl+2"), QKeySequence("F2")])
    silent = QAction("About GAN Studio", window)
    dialog = ShortcutsDialog([start, views, silent, start], window)
    qtbot.addWidget(dialog)
    rows = dialog.rows()
    menus = [(label, keys) for group, label, keys in rows if group == MENUS]
    assert menus == [("Start", QKeySequence("Ctrl+Return").toString(NATIVE)),
                     ("Monitor", QKeySequence("Ctrl+2").toString(NATIVE) + ", "
                      + QKeySequence("F2").toString(NATIVE))]
    assert any(group == CONTROLS for group, _, _ in rows)
    shown = show_shortcuts(window, [start])
    assert shown.isVisible() and [r[1] for r in shown.rows() if r[0] == MENUS] == ["Start"]
    assert show_shortcuts(window, [start, views]) is shown and len(shown.rows()) > len(menus)
