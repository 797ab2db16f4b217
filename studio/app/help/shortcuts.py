"""Help → Keyboard shortcuts: the shortcuts of the window's actions, read from the actions
themselves (so the list cannot go stale), and the keys the controls inside the window answer."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

NATIVE = QKeySequence.SequenceFormat.NativeText
MENUS, CONTROLS = "Menus and toolbar", "Inside the window"
DIALOG_NAME = "shortcutsDialog"


def key_text(*keys: QKeySequence | QKeySequence.StandardKey | Qt.Key | str) -> str:
    """Key sequences as this platform writes them, joined by " / "."""
    texts = []
    for key in keys:
        if isinstance(key, QKeySequence.StandardKey):
            texts.extend(s.toString(NATIVE) for s in QKeySequence.keyBindings(key)[:1])
        else:
            texts.append(QKeySequence(key).toString(NATIVE))
    return " / ".join(t for t in texts if t)


def action_label(action: QAction) -> str:
    """The action's text without its mnemonic ampersands ("&&" stays one "&")."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def action_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(label, shortcuts) of every action that has a shortcut, each action once, in order."""
    rows, seen = [], set()
    for action in actions:
        if id(action) in seen or action.isSeparator():
            continue
        seen.add(id(action))
        keys = [s.toString(NATIVE) for s in action.shortcuts() if not s.isEmpty()]
        if keys and action_label(action):
            rows.append((action_label(action), ", ".join(keys)))
    return rows


def control_rows() -> list[tuple[str, str]]:
    """Keys that Qt's own controls answer in the studio (no action carries them)."""
    return [
        ("Back / forward in Help → Concepts",
         key_text(QKeySequence.StandardKey.Back, QKeySequence.StandardKey.Forward)),
        ("Move a focused slider or number box by one step", "← → ↑ ↓"),
        ("… by a larger step", key_text(Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)),
        ("Move a focused slider to its start / end", key_text(Qt.Key.Key_Home, Qt.Key.Key_End)),
        ("Next / previous control", key_text(Qt.Key.Key_Tab, "Shift+Tab")),
        ("Press the focused button or tick the focused box", key_text(Qt.Key.Key_Space)),
        ("Close a dialog", key_text(Qt.Key.Key_Escape)),
    ]


class ShortcutsDialog(QDialog):
    """A two-column list: what each shortcut does, and its keys as this platform writes them."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(DIALOG_NAME)
        self.setWindowTitle("Keyboard shortcuts")
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcutList")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.set_actions(actions)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(520, 460)

    def set_actions(self, actions: list[QAction]) -> None:
        """List these actions' shortcuts, then the controls' keys."""
        self.tree.clear()
        for title, rows in ((MENUS, action_rows(actions)), (CONTROLS, control_rows())):
            if not rows:
                continue
            group = QTreeWidgetItem(self.tree, [title])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for label, keys in rows:
                QTreeWidgetItem(group, [label, keys])
            group.setExpanded(True)

    def rows(self) -> list[tuple[str, str, str]]:
        """(group, action, keys) of every listed shortcut, as shown."""
        found = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for i in range(group.childCount()):
                child = group.child(i)
                found.append((group.text(0), child.text(0), child.text(1)))
        return found


def show_shortcuts(parent: QWidget, actions: list[QAction]) -> ShortcutsDialog:
    """Open the shortcuts list (non-modal) for `actions`, or refresh and raise the open one."""
    dialog = parent.window().findChild(ShortcutsDialog, DIALOG_NAME,
                                       Qt.FindChildOption.FindDirectChildrenOnly)
    if dialog is None:
        dialog = ShortcutsDialog(actions, parent.window())
    else:
        dialog.set_actions(actions)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
