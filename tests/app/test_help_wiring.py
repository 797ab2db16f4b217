"""The Help menu and the "?" links open Help → Concepts at the right page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from studio.app.help import ConceptsDialog, ShortcutsDialog
from studio.app.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
    settings.setValue("workspace", str(tmp_path / "runs"))
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()


def open_concepts(w: MainWindow) -> ConceptsDialog | None:
    return next((d for d in w.findChildren(ConceptsDialog) if d.isVisible()), None)


def test_help_menu_opens_concepts_and_shortcuts(window):
    assert open_concepts(window) is None
    window.concepts_action.trigger()
    assert open_concepts(window).current_key() == "index"
    window.shortcuts_action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    texts = [label for _group, label, _keys in dialog.rows()]
    assert "Start" in texts and "Stop" in texts and "Concepts…" in texts


@pytest.mark.parametrize(("plot", "key"), [("loss_plot", "non_saturating"),
                                           ("d_plot", "minimax"), ("v_plot", "minimax")])
def test_a_plots_question_mark_opens_its_concept(qtbot, window, plot, key):
    window.tabs.setCurrentIndex(1)
    button = getattr(window.monitor, plot).concept_button()
    QApplication.processEvents()
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert open_concepts(window).current_key() == key


def test_a_variant_cards_link_opens_its_concept(window):
    window.tabs.setCurrentIndex(0)
    card = window.setup.cards["dcgan"]
    card.concept_link.linkActivated.emit("concept")  # what a click on the link sends
    assert open_concepts(window).current_key() == "dcgan"
