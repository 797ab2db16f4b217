"""The Runs tab: find past work in the workspace, name and annotate it, then open, resume,
copy it, or move it to the trash (and back)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QHideEvent, QKeySequence, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.app.panels.runs_model import (
    BEST_FD,
    BEST_RECALL,
    DATASET,
    FD,
    HEADERS,
    NAME,
    PROGRESS,
    QUALITY,
    RECALL,
    STARTED,
    STATUS,
    THUMB,
    VARIANT,
    RunFilterProxy,
    RunTableModel,
    format_started,
    short_dataset,
)
from studio.app.panels.runs_views import NameDelegate, NotesDialog, RunTable, TrashDialog
from studio.app.widgets.run_quality import QualityCache
from studio.errors import StudioError
from studio.runs.notes import RunNotes, clean_name, write_notes
from studio.runs.reader import RunSummary, has_checkpoint, list_runs, read_config, summarize
from studio.runs.trash import count_trash, trash_run

__all__ = ["BEST_FD", "BEST_RECALL", "DATASET", "FD", "HEADERS", "NAME", "PROGRESS", "RECALL",
           "STARTED", "STATUS", "VARIANT", "RunsPanel", "format_started", "short_dataset"]

LIVE = {"running", "paused"}  # a process is still writing these folders
EMPTY_TEXT = "No runs yet. Start one from the New run tab, or open a run folder from disk."
REFRESH_MS = 2000
ROW_HEIGHT = 46  # pixels: room for a run's thumbnail


class RunsPanel(QWidget):
    """The runs in a workspace as a sortable, filterable table with actions on the selection."""

    open_requested = Signal(Path)
    resume_requested = Signal(Path)
    new_from_config_requested = Signal(Path)
    status_message = Signal(str)  # a line for the status bar, e.g. "Moved … to the trash"

    ACTIONS: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("open_button", "Open", "open_selected"),
        ("resume_button", "Resume", "resume_selected"),
        ("new_button", "New run from config", "new_from_selected"),
        ("reveal_button", "Reveal in file manager", "reveal_selected"),
        ("notes_button", "Name and note…", "edit_notes_selected"),
        ("delete_button", "Delete", "delete_selected"),
    )

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = Path(workspace)
        self._active: Path | None = None  # the run this studio is training now
        self._model = RunTableModel(self)
        self._model.rename_failed.connect(lambda msg: QMessageBox.warning(self, "Rename", msg))
        self._proxy = RunFilterProxy(self._model, self)
        self._timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        self._quality = QualityCache()
        self.notes_dialog: NotesDialog | None = None
        self.trash_dialog: TrashDialog | None = None
        self._build_ui()
        self.refresh()

    # -- building ----------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.filter_edit = QLineEdit(placeholderText="Filter runs…", clearButtonEnabled=True,
                                     textChanged=self._set_filter)
        self.open_folder_button = QPushButton("Open folder…", clicked=self.open_folder,
                                              toolTip="Open any run folder on disk")
        self.refresh_button = QPushButton("Refresh", clicked=self.refresh)
        self.trash_button = QPushButton("Trash…", clicked=self.show_trash,
                                        toolTip="Runs you deleted: restore them, or empty the "
                                        "trash to free the disk")
        top = QHBoxLayout()
        for widget in (self.filter_edit, self.open_folder_button, self.refresh_button,
                       self.trash_button):
            top.addWidget(widget, widget is self.filter_edit)
        self.empty_label = QLabel(EMPTY_TEXT, alignment=Qt.AlignmentFlag.AlignCenter,
                                  wordWrap=True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_table())
        self.stack.addWidget(self.empty_label)
        bottom = QHBoxLayout()
        for attr, text, slot in self.ACTIONS:
            setattr(self, attr, QPushButton(text, clicked=getattr(self, slot)))
            if attr == "delete_button":
                bottom.addStretch(1)
            bottom.addWidget(getattr(self, attr))
        self.notes_button.setToolTip("Give the run a name of your own and a note (F2 renames "
                                     "it in the list)")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)

    def _build_table(self) -> RunTable:
        table = self._table = RunTable(
            selectionBehavior=QAbstractItemView.SelectionBehavior.SelectRows,
            selectionMode=QAbstractItemView.SelectionMode.SingleSelection,
            alternatingRowColors=True, wordWrap=False, showGrid=False,
            editTriggers=QAbstractItemView.EditTrigger.EditKeyPressed,
            horizontalScrollMode=QAbstractItemView.ScrollMode.ScrollPerPixel,
            contextMenuPolicy=Qt.ContextMenuPolicy.CustomContextMenu,
            doubleClicked=lambda _index: self.open_selected(),
            customContextMenuRequested=self._show_context_menu)
        table.setModel(self._proxy)
        table.setItemDelegateForColumn(NAME, NameDelegate(table))
        table.setSortingEnabled(True)
        table.sortByColumn(STARTED, Qt.SortOrder.DescendingOrder)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        table.setIconSize(QSize(THUMB, THUMB))
        table.selectionModel().selectionChanged.connect(self._update_actions)
        header = table.horizontalHeader()
        header.setMinimumSectionSize(48)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in zip((VARIANT, DATASET, PROGRESS, STATUS, *QUALITY, STARTED),
                              (70, 110, 96, 92, 60, 64, 60, 80, 120), strict=True):
            table.setColumnWidth(col, width)
        table.fit_name_column()
        self.trash_action = QAction("Delete", table, shortcut=QKeySequence.StandardKey.Delete,
                                    shortcutContext=Qt.ShortcutContext.WidgetShortcut,
                                    triggered=self.delete_selected)
        table.addAction(self.trash_action)
        return table

    def context_menu(self) -> QMenu:
        """The table's context menu: the same actions as the buttons, enabled the same way."""
        menu = QMenu(self)
        for attr, text, slot in self.ACTIONS:
            if attr == "delete_button":
                menu.addSeparator()
            elif attr == "notes_button":
                menu.addSeparator()
                rename = menu.addAction("Rename", self.rename_selected)
                rename.setShortcut(QKeySequence(Qt.Key.Key_F2))
                rename.setEnabled(self.notes_button.isEnabled())
            action = menu.addAction(text, getattr(self, slot))
            action.setEnabled(getattr(self, attr).isEnabled())
        menu.addSeparator()
        menu.addAction("Open folder…", self.open_folder)
        menu.addAction("Refresh", self.refresh)
        menu.addAction(self.trash_button.text(), self.show_trash)
        return menu

    def _show_context_menu(self, pos: QPoint) -> None:
        index = self._table.indexAt(pos)
        if index.isValid():
            self._table.selectRow(index.row())
        self.context_menu().exec(self._table.viewport().mapToGlobal(pos))

    # -- for the main window and tests -------------------------------------------------------
    def model(self) -> RunTableModel:
        return self._model

    def proxy(self) -> RunFilterProxy:
        return self._proxy

    def table(self) -> RunTable:
        return self._table

    def workspace(self) -> Path:
        return self._workspace

    def set_workspace(self, path: Path) -> None:
        """Show the runs of another workspace."""
        self._workspace = Path(path)
        self.refresh()

    def set_active_run(self, folder: Path | None) -> None:
        """The run this studio is training (None when idle): it cannot be deleted."""
        self._active = Path(folder) if folder is not None else None
        self._update_actions()

    def refresh(self) -> None:
        """Re-read the workspace, keeping the selected run selected (not while a name is being
        edited: a changed list would close the editor and lose what was typed)."""
        if self._table.state() == QAbstractItemView.State.EditingState:
            return
        selected = self.selected_folder()
        runs = list_runs(self._workspace)
        self._model.set_runs(runs, {r.folder: self._quality.get(r.folder) for r in runs})
        self.stack.setCurrentIndex(0 if self._model.rowCount() else 1)
        self.filter_edit.setEnabled(self._model.rowCount() > 0)
        if selected is not None and selected != self.selected_folder():
            self.select_folder(selected)
        trashed = count_trash(self._workspace)
        self.trash_button.setText(f"Trash ({trashed})…" if trashed else "Trash…")
        self._update_actions()

    def selected_summary(self) -> RunSummary | None:
        """The selected run, or None."""
        rows = self._table.selectionModel().selectedRows()
        return self._model.summary(self._proxy.mapToSource(rows[0]).row()) if rows else None

    def selected_folder(self) -> Path | None:
        return run.folder if (run := self.selected_summary()) else None

    def select_folder(self, path: Path) -> bool:
        """Select the run in `path`; False when it is not shown."""
        row = self._model.row_of(Path(path))
        index = self._proxy.mapFromSource(self._model.index(row, 0)) if row >= 0 else None
        if index is None or not index.isValid():
            return False
        self._table.selectRow(index.row())
        self._table.scrollTo(index)
        return True

    # -- actions -----------------------------------------------------------------------------
    def can_resume(self, run: RunSummary) -> bool:
        """True when the run has stopped short of its budget and left a checkpoint."""
        return run.status not in LIVE and run.step < run.steps and has_checkpoint(run.folder)

    def can_delete(self, run: RunSummary) -> bool:
        """False while a process may still write the run (running, paused, or trained here)."""
        return run.status not in LIVE and run.folder != self._active

    def _update_actions(self) -> None:
        run = self.selected_summary()
        for button in (self.open_button, self.new_button, self.reveal_button,
                       self.notes_button):
            button.setEnabled(run is not None)
        self.resume_button.setEnabled(run is not None and self.can_resume(run))
        deletable = run is not None and self.can_delete(run)
        self.delete_button.setEnabled(deletable)
        self.trash_action.setEnabled(deletable)
        self.delete_button.setToolTip(
            "Stop the run before deleting it" if run is not None and not deletable else
            "Move the run to the trash (Delete); restore it from Trash…")

    def _set_filter(self, text: str) -> None:
        self._proxy.setFilterFixedString(text.strip())
        self._update_actions()

    def open_selected(self) -> None:
        if folder := self.selected_folder():
            self.open_requested.emit(folder)

    def resume_selected(self) -> None:
        if (run := self.selected_summary()) and self.can_resume(run):
            self.resume_requested.emit(run.folder)

    def new_from_selected(self) -> None:
        if folder := self.selected_folder():
            self.new_from_config_requested.emit(folder)

    def reveal_selected(self) -> None:
        if folder := self.selected_folder():
            self.reveal(folder)

    def reveal(self, folder: Path) -> None:
        """Show `folder` in the platform's file manager."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def rename_selected(self) -> None:
        """Edit the selected run's name in place (Enter keeps it, Escape cancels)."""
        if rows := self._table.selectionModel().selectedRows():
            self._table.edit(rows[0].siblingAtColumn(NAME))

    def edit_notes_selected(self) -> None:
        """Open the name-and-note dialog for the selected run (saved when accepted)."""
        if (run := self.selected_summary()) is None:
            return
        try:
            default = read_config(run.folder).name or run.folder.name
        except StudioError as exc:
            QMessageBox.warning(self, "Name and note", str(exc))
            return
        self.notes_dialog = dialog = NotesDialog(run.name, default, run.note, self)
        dialog.accepted.connect(lambda: self._save_notes(run.folder, *dialog.values()))
        dialog.open()

    def _save_notes(self, folder: Path, name: str, note: str) -> None:
        try:
            write_notes(folder, RunNotes(clean_name(name), note.strip()))
            row = self._model.row_of(folder)
            if row >= 0:
                self._model.update_summary(row, summarize(folder))
        except StudioError as exc:
            QMessageBox.warning(self, "Name and note", str(exc))

    def delete_selected(self) -> None:
        """Move the selected run to the workspace's trash (never removes files)."""
        run = self.selected_summary()
        if run is None or not self.can_delete(run):
            return
        try:
            trash_run(run.folder)
        except StudioError as exc:
            QMessageBox.warning(self, "Delete run", str(exc))
        else:
            self.status_message.emit(f"Moved {run.name} to the trash (Runs → Trash… to "
                                     "restore it)")
        self.refresh()

    def show_trash(self) -> None:
        """Open the trash: restore runs from it, or empty it."""
        self.trash_dialog = dialog = TrashDialog(self._workspace, self)
        dialog.restored.connect(self._restored)
        dialog.emptied.connect(lambda n: (self.refresh(), self.status_message.emit(
            f"Removed {n} run{'s' * (n != 1)} for good")))
        dialog.open()

    def _restored(self, folder: Path) -> None:
        self.refresh()
        self.select_folder(folder)
        self.status_message.emit(f"Restored {folder.name}")

    def open_folder(self) -> None:
        """Pick any run folder on disk (even one a CLI process is writing) and open it."""
        chosen = QFileDialog.getExistingDirectory(self, "Open run folder", str(self._workspace))
        if not chosen:
            return
        try:
            read_config(Path(chosen))  # says what is wrong when it is not a readable run
        except StudioError as exc:
            QMessageBox.warning(self, "Open run folder", str(exc))
            return
        self.open_requested.emit(Path(chosen))

    # -- live updates ------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def stop_timers(self) -> None:
        """Stop the refresh timer (the window calls this when it closes)."""
        self._timer.stop()
