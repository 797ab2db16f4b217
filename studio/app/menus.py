"""The main window's menus and toolbar: every action a person can trigger, with its shortcut."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from studio.app.dialogs import show_about
from studio.app.help import show_concept, show_shortcuts

if TYPE_CHECKING:
    from studio.app.main_window import MainWindow

TAB_NAMES = ("New run", "Monitor", "Explore", "Runs")


def make_action(window: MainWindow, text: str, slot: Any, shortcut: Any = None,
                tip: str = "") -> QAction:
    """An action owned by `window` with its tooltip, status tip and optional shortcut."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(tip or text)
    action.setStatusTip(tip or text)
    action.triggered.connect(slot)
    return action


def build_menus(w: MainWindow) -> None:
    """File, Run, View and Help menus and the Run toolbar; sets the window's action attributes
    (start_action, pause_action, stop_action, open_run_action, …) that the window enables."""
    w.start_action = make_action(w, "Start", w.start_training, "Ctrl+Return",
                                 "Start training (Ctrl+Return)")
    w.pause_action = make_action(w, "Pause", w.toggle_pause, Qt.Key.Key_Space,
                                 "Pause or resume (Space)")
    w.stop_action = make_action(w, "Stop", w.stop_training, "Ctrl+.",
                                "Stop and save a checkpoint (Ctrl+.)")
    w.open_run_action = make_action(w, "Open run folder…", w.runs.open_folder,
                                    QKeySequence.StandardKey.Open)
    w.open_data_action = make_action(w, "Open dataset folder…", w.setup.browse_button.click)
    w.preferences_action = make_action(w, "Preferences…", w.edit_preferences,
                                       QKeySequence.StandardKey.Preferences)
    menu = w.menuBar()
    file_menu = menu.addMenu("&File")
    file_menu.addAction(w.open_run_action)
    file_menu.addAction(w.open_data_action)
    w.recent_menu = file_menu.addMenu("Recent datasets")
    file_menu.addSeparator()
    file_menu.addAction(w.preferences_action)
    file_menu.addSeparator()
    file_menu.addAction(make_action(w, "Quit", w.close, QKeySequence.StandardKey.Quit))
    run_menu = menu.addMenu("&Run")
    for a in (w.start_action, w.pause_action, w.stop_action):
        run_menu.addAction(a)
    view_menu = menu.addMenu("&View")
    for i, name in enumerate(TAB_NAMES):
        show = lambda _=False, i=i: w.tabs.setCurrentIndex(i)  # noqa: E731
        view_menu.addAction(make_action(w, name, show, f"Ctrl+{i + 1}"))
    _build_help_menu(w)
    toolbar = w.addToolBar("Run")
    toolbar.setObjectName("runToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for a in (w.start_action, w.pause_action, w.stop_action):
        toolbar.addAction(a)


def _build_help_menu(w: MainWindow) -> None:
    help_menu = w.menuBar().addMenu("&Help")
    w.concepts_action = make_action(
        w, "Concepts…", lambda: show_concept(w, "index"), QKeySequence.StandardKey.HelpContents,
        "Short illustrated pages on the ideas the studio shows: the minimax game, the "
        "non-saturating loss, R1, EMA, truncation, style mixing, the quality figures")
    w.shortcuts_action = make_action(
        w, "Keyboard shortcuts…", lambda: show_shortcuts(w, shortcut_actions(w)))
    help_menu.addAction(w.concepts_action)
    help_menu.addAction(w.shortcuts_action)
    help_menu.addSeparator()
    help_menu.addAction(make_action(w, "Explore the bundled model", w.explorer.explore_bundled,
                                    tip="Open a StyleGAN that ships with GAN Studio in the "
                                    "Explore tab"))
    help_menu.addAction(make_action(w, "About GAN Studio", lambda: show_about(w, w.engine)))


def shortcut_actions(w: MainWindow) -> list[QAction]:
    """Every action of the window (and its panels) that has a keyboard shortcut."""
    return [a for a in w.findChildren(QAction) if not a.shortcut().isEmpty()]
