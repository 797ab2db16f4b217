"""The Runs tab's views: the runs table and its name cell (thumbnail, name, note), and the
dialogs for a run's name and note and for the workspace's trash."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.app.panels.runs_model import NAME, NAME_MIN, NOTE_ROLE, THUMB
from studio.errors import StudioError
from studio.runs.notes import MAX_NAME
from studio.runs.trash import TrashedRun, empty_trash, list_trash, restore

ENTRY_ROLE = Qt.ItemDataRole.UserRole


def human_size(size: int) -> str:
    """Bytes as a person reads them: "812 bytes", "4.2 MB", "130 MB"."""
    if size < 1000:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


class NotesDialog(QDialog):
    """Edit a run's display name and its free-text note."""

    def __init__(self, name: str, default_name: str, note: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Name and note — {name}")
        self.name_edit = QLineEdit(name if name != default_name else "", maxLength=MAX_NAME,
                                   placeholderText=default_name)
        self.name_edit.setToolTip("The name the Runs list shows; the folder keeps its name. "
                                  f"Leave empty for {default_name!r}.")
        self.note_edit = QPlainTextEdit(note, placeholderText="What did you try, what did you "
                                        "see? (shown under the name in the Runs list)")
        self.note_edit.setTabChangesFocus(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel,
                                   accepted=self.accept, rejected=self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        form = QFormLayout(self)
        form.addRow("Name", self.name_edit)
        form.addRow("Note", self.note_edit)
        form.addRow(buttons)
        self.resize(420, 260)

    def values(self) -> tuple[str, str]:
        """(name, note) as typed; an empty name means the default."""
        return self.name_edit.text(), self.note_edit.toPlainText()


class _EmptySignals(QObject):
    done = Signal(int, str)  # runs removed (−1 when some could not be), the reason


class TrashDialog(QDialog):
    """The runs in the workspace's trash, with Restore and Empty trash (which deletes on a
    thread of its own: gigabytes of checkpoints must not freeze the window)."""

    restored = Signal(Path)  # where the run now lies
    emptied = Signal(int)  # how many runs were removed for good

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = Path(workspace)
        self.setWindowTitle("Trash")
        self.tree = QTreeWidget(rootIsDecorated=False, uniformRowHeights=True,
                                selectionMode=QAbstractItemView.SelectionMode.SingleSelection,
                                itemSelectionChanged=self._update_buttons,
                                itemDoubleClicked=lambda *_: self.restore_selected())
        self.tree.setHeaderLabels(["Name", "Was in", "Moved to trash", "Size"])
        self.tree.setColumnWidth(0, 200)
        self.tree.setColumnWidth(1, 220)
        self.tree.setColumnWidth(2, 130)
        self.info = QLabel(wordWrap=True)
        self.restore_button = QPushButton("Restore", clicked=self.restore_selected,
                                          toolTip="Put the run back in the workspace")
        self.empty_button = QPushButton("Empty trash…", clicked=self.empty,
                                        toolTip="Remove every run in the trash for good")
        close = QPushButton("Close", clicked=self.reject)
        row = QHBoxLayout()
        for button in (self.restore_button, self.empty_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.info)
        layout.addLayout(row)
        self.resize(680, 340)
        self.emptying = False
        self._signals = _EmptySignals(self)
        self._signals.done.connect(self._emptied)  # a bound slot: dropped if the dialog goes
        self.reload()

    def entries(self) -> list[TrashedRun]:
        return self._entries

    def reload(self) -> None:
        """Re-read the trash."""
        self._entries = list_trash(self.workspace)
        self.tree.clear()
        for run in self._entries:
            when = (time.strftime("%Y-%m-%d %H:%M", time.localtime(run.trashed_at))
                    if run.trashed_at else "—")
            item = QTreeWidgetItem([run.name, str(run.original.parent), when,
                                    human_size(run.size)])
            item.setData(0, ENTRY_ROLE, str(run.entry))
            item.setToolTip(0, str(run.original))
            item.setToolTip(1, str(run.original))
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
        total = sum(r.size for r in self._entries)
        self.info.setText(f"{len(self._entries)} run{'s' * (len(self._entries) != 1)} in the "
                          f"trash, {human_size(total)} in all." if self._entries else
                          "The trash is empty. Runs you delete wait here until you empty it.")
        if self._entries:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(bool(self.tree.selectedItems()) and not self.emptying)
        self.empty_button.setEnabled(bool(self._entries) and not self.emptying)

    def restore_selected(self) -> None:
        """Put the selected run back (under a new name when its old one is taken)."""
        items = self.tree.selectedItems()
        if not items:
            return
        try:
            target = restore(Path(items[0].data(0, ENTRY_ROLE)))
        except StudioError as exc:
            QMessageBox.warning(self, "Restore run", str(exc))
            self.reload()
            return
        self.reload()
        self.restored.emit(target)

    def confirm_empty(self, count: int, size: int) -> bool:
        """Ask before removing files for good; True to go ahead."""
        answer = QMessageBox.question(
            self, "Empty trash",
            f"Remove the {count} run{'s' * (count != 1)} in the trash ({human_size(size)}) for "
            "good?\n\nTheir checkpoints and pictures will be deleted. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def empty(self) -> None:
        """Remove every trashed run, after asking, on a thread; `emptied` tells when done."""
        if self.emptying or not self._entries or not self.confirm_empty(
                len(self._entries), sum(r.size for r in self._entries)):
            return
        self.emptying = True
        self._update_buttons()
        self.info.setText("Emptying the trash…")
        workspace, signals = self.workspace, self._signals

        def work() -> None:
            try:
                removed, error = empty_trash(workspace), ""
            except StudioError as exc:
                removed, error = -1, str(exc)
            with contextlib.suppress(RuntimeError):  # the dialog was closed meanwhile
                signals.done.emit(removed, error)

        threading.Thread(target=work, name="empty-trash").start()  # not a daemon: finishes

    def _emptied(self, removed: int, error: str) -> None:
        self.emptying = False
        if error:
            QMessageBox.warning(self, "Empty trash", error)
        self.reload()
        if removed >= 0:
            self.emptied.emit(removed)


class NameDelegate(QStyledItemDelegate):
    """The name cell: the run's thumbnail, its name and, below in a quieter colour, the first
    line of its note (both elided to the column's width)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        note = (index.data(NOTE_ROLE) or "").strip().splitlines()
        if not note:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        name, opt.text = opt.text, ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Text)
        note_colour = QColor(text_colour)
        note_colour.setAlphaF(0.8 if selected else 0.6)
        metrics, half = opt.fontMetrics, rect.height() // 2
        rect = rect.adjusted(2, 0, -2, 0)
        painter.save()
        lines = ((name, text_colour, rect.top(), Qt.AlignmentFlag.AlignBottom),
                 (note[0], note_colour, rect.top() + half, Qt.AlignmentFlag.AlignTop))
        for text, colour, top, align in lines:
            painter.setPen(colour)
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(rect.left(), top, rect.width(), half,
                             Qt.AlignmentFlag.AlignLeft | align, elided)
        painter.restore()

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        """Fill the name editor, unless the person has typed in it (a refresh or a thumbnail
        arriving must not undo their typing)."""
        if isinstance(editor, QLineEdit) and editor.isModified():
            return
        super().setEditorData(editor, index)

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), THUMB + 6))


class RunTable(QTableView):
    """The runs table: the name column takes the width the others leave, but never less than
    NAME_MIN; on a narrow window the other columns scroll sideways instead."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_name_column()

    def fit_name_column(self) -> None:
        """Give the name column the free width (at least NAME_MIN)."""
        model = self.model()
        if model is None:
            return
        others = sum(self.columnWidth(c) for c in range(model.columnCount())
                     if c != NAME and not self.isColumnHidden(c))
        self.setColumnWidth(NAME, max(NAME_MIN, self.viewport().width() - others))
