"""The Runs tab: find past work in the workspace, then open, resume, copy or delete it."""

from __future__ import annotations

import functools
import re
import shutil
import time
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QHideEvent,
    QIcon,
    QPainter,
    QPalette,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.app.widgets.run_quality import FIGURES, TIPS, QualityCache, RunQuality
from studio.errors import StudioError
from studio.metrics.names import INCEPTION
from studio.runs.reader import RunSummary, has_checkpoint, list_runs, read_config

HEADERS = ("Name", "Variant", "Dataset", "Progress", "Status", "FD", "Best FD", "Recall",
           "Best recall", "Started")
NAME, VARIANT, DATASET, PROGRESS, STATUS, FD, BEST_FD, RECALL, BEST_RECALL, STARTED = range(
    len(HEADERS))
QUALITY = dict(zip((FD, BEST_FD, RECALL, BEST_RECALL), FIGURES, strict=True))  # col → figure
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_COLOURS = {"running": "#2f7de1", "finished": "#2e9e4f", "stopped": "#8a8a8a",
                  "failed": "#d64541", "paused": "#e0a100", "new": "#b8b8b8",
                  "interrupted": "#c76b29"}
LIVE = {"running", "paused"}  # a process is still writing these folders
EMPTY_TEXT = "No runs yet. Start one from the New run tab, or open a run folder from disk."
REFRESH_MS = 2000


def short_dataset(dataset: str) -> str:
    """The last path component of a folder dataset; a built-in name as it is."""
    return re.split(r"[\\/]", dataset.rstrip("\\/"))[-1] or dataset


def format_started(started: float | None) -> str:
    """Local time like "2026-11-29 14:05", or "—" for a run that never started."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(started)) if started else "—"


@functools.cache
def status_icon(status: str) -> QIcon:
    """A small coloured dot for a run status."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATUS_COLOURS.get(status, "#b8b8b8")))
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pixmap)


class RunTableModel(QAbstractTableModel):
    """One row per run summary."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: list[RunSummary] = []
        self._quality: dict[Path, RunQuality | None] = {}

    def set_runs(self, runs: list[RunSummary],
                 quality: dict[Path, RunQuality | None] | None = None) -> None:
        """Replace the rows (and their quality figures, by folder); the same folders in the
        same order update in place."""
        quality = dict(quality or {})
        if runs == self._runs and quality == self._quality:
            return
        all_inception = self._all_inception()
        self._quality = quality
        if self._all_inception() != all_inception:  # "FD" ↔ "FID" in the headers
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, FD, BEST_FD)
        if [r.folder for r in runs] == [r.folder for r in self._runs]:
            self._runs = list(runs)
            last = self.index(len(runs) - 1, len(HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def summary(self, row: int) -> RunSummary:
        return self._runs[row]

    def quality(self, row: int) -> RunQuality | None:
        return self._quality.get(self._runs[row].folder)

    def _all_inception(self) -> bool:
        """Every listed run with evaluations measured on the FID Inception: FD is FID."""
        nets = {q.features for q in self._quality.values() if q is not None}
        return nets == {INCEPTION}

    def row_of(self, folder: Path) -> int:
        """The row of the run in `folder`, or -1."""
        return next((i for i, r in enumerate(self._runs) if r.folder == Path(folder)), -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and section == PROGRESS:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return TIPS.get(QUALITY.get(section, ""))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if section in (FD, BEST_FD) and self._all_inception():
            return HEADERS[section].replace("FD", "FID")
        return HEADERS[section]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run, col = self._runs[index.row()], index.column()
        if col in QUALITY:
            return self._quality_data(self._quality.get(run.folder), QUALITY[col], role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(run, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return {NAME: str(run.folder), DATASET: run.dataset}.get(col, self._text(run, col))
        if role == Qt.ItemDataRole.DecorationRole and col == STATUS:
            return status_icon(run.status)
        if role == SORT_ROLE:
            return self._sort_key(run, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == PROGRESS:
            return Qt.AlignmentFlag.AlignCenter
        return None

    @staticmethod
    def _text(run: RunSummary, col: int) -> str:
        texts = {NAME: run.name, VARIANT: run.variant, DATASET: short_dataset(run.dataset),
                 PROGRESS: f"{run.step:,} / {run.steps:,}", STATUS: run.status,
                 STARTED: format_started(run.started)}
        return texts.get(col, "")

    @staticmethod
    def _quality_data(quality: RunQuality | None, figure: str, role: int) -> Any:
        """A quality cell: its number to sort by (None when empty), text and tooltip."""
        if quality is None:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return {SORT_ROLE: quality.value, Qt.ItemDataRole.DisplayRole: quality.text,
                Qt.ItemDataRole.ToolTipRole: quality.tooltip}.get(role, lambda _f: None)(figure)

    @staticmethod
    def _sort_key(run: RunSummary, col: int) -> Any:
        if col == PROGRESS:
            return run.step / run.steps if run.steps else 0.0
        if col == STARTED:
            return run.started or 0.0
        return RunTableModel._text(run, col).casefold()


class RunFilterProxy(QSortFilterProxyModel):
    """Sorts by raw values and keeps the rows whose name, variant or dataset match the filter."""

    def __init__(self, runs: RunTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.setSourceModel(runs)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        """Numbers by value; empty cells (runs never evaluated) last in either order."""
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
            return b is None and a is not None if not descending else a is None and b is not None
        return a < b

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        run, pattern = self.runs.summary(source_row), self.filterRegularExpression()
        return any(pattern.match(t).hasMatch() for t in (run.name, run.variant, run.dataset))


class RunsPanel(QWidget):
    """The runs in a workspace as a sortable, filterable table with actions on the selection."""

    open_requested = Signal(Path)
    resume_requested = Signal(Path)
    new_from_config_requested = Signal(Path)

    ACTIONS: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("open_button", "Open", "open_selected"),
        ("resume_button", "Resume", "resume_selected"),
        ("new_button", "New run from config", "new_from_selected"),
        ("reveal_button", "Reveal in file manager", "reveal_selected"),
        ("delete_button", "Delete…", "delete_selected"),
    )

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = Path(workspace)
        self._model = RunTableModel(self)
        self._proxy = RunFilterProxy(self._model, self)
        self._timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        self._quality = QualityCache()
        self._build_ui()
        self.refresh()

    # -- building ----------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.filter_edit = QLineEdit(placeholderText="Filter runs…", clearButtonEnabled=True,
                                     textChanged=self._set_filter)
        self.open_folder_button = QPushButton("Open folder…", clicked=self.open_folder,
                                              toolTip="Open any run folder on disk")
        self.refresh_button = QPushButton("Refresh", clicked=self.refresh)
        top = QHBoxLayout()
        for widget in (self.filter_edit, self.open_folder_button, self.refresh_button):
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
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)

    def _build_table(self) -> QTableView:
        table = self._table = QTableView(
            selectionBehavior=QAbstractItemView.SelectionBehavior.SelectRows,
            selectionMode=QAbstractItemView.SelectionMode.SingleSelection,
            alternatingRowColors=True, wordWrap=False, showGrid=False,
            contextMenuPolicy=Qt.ContextMenuPolicy.CustomContextMenu,
            doubleClicked=lambda _index: self.open_selected(),
            customContextMenuRequested=self._show_context_menu)
        table.setModel(self._proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(STARTED, Qt.SortOrder.DescendingOrder)
        table.verticalHeader().hide()
        table.selectionModel().selectionChanged.connect(self._update_actions)
        header = table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in zip((VARIANT, DATASET, PROGRESS, STATUS, *QUALITY, STARTED),
                              (80, 140, 110, 100, 64, 64, 64, 84, 130), strict=True):
            table.setColumnWidth(col, width)
        return table

    def context_menu(self) -> QMenu:
        """The table's context menu: the same actions as the buttons, enabled the same way."""
        menu = QMenu(self)
        for attr, text, slot in self.ACTIONS:
            if attr == "delete_button":
                menu.addSeparator()
            action = menu.addAction(text, getattr(self, slot))
            action.setEnabled(getattr(self, attr).isEnabled())
        menu.addSeparator()
        menu.addAction("Open folder…", self.open_folder)
        menu.addAction("Refresh", self.refresh)
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

    def table(self) -> QTableView:
        return self._table

    def workspace(self) -> Path:
        return self._workspace

    def set_workspace(self, path: Path) -> None:
        """Show the runs of another workspace."""
        self._workspace = Path(path)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the workspace, keeping the selected run selected."""
        selected = self.selected_folder()
        runs = list_runs(self._workspace)
        self._model.set_runs(runs, {r.folder: self._quality.get(r.folder) for r in runs})
        self.stack.setCurrentIndex(0 if self._model.rowCount() else 1)
        self.filter_edit.setEnabled(self._model.rowCount() > 0)
        if selected is not None and selected != self.selected_folder():
            self.select_folder(selected)
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

    def _update_actions(self) -> None:
        run = self.selected_summary()
        for button in (self.open_button, self.new_button, self.reveal_button):
            button.setEnabled(run is not None)
        self.resume_button.setEnabled(run is not None and self.can_resume(run))
        live = run is not None and run.status in LIVE
        self.delete_button.setEnabled(run is not None and not live)
        self.delete_button.setToolTip("Stop the run before deleting it" if live else "")

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

    def confirm_delete(self, summary: RunSummary) -> bool:
        """Ask before deleting a run; True to go ahead."""
        answer = QMessageBox.question(
            self, "Delete run",
            f"Delete run {summary.name}?\n\nIts folder {summary.folder} and all checkpoints "
            "will be removed. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> None:
        run = self.selected_summary()
        if run is None or run.status in LIVE or not self.confirm_delete(run):
            return
        try:
            shutil.rmtree(run.folder)
        except OSError as exc:
            QMessageBox.warning(self, "Delete run", f"Could not delete {run.folder}: {exc}")
        self.refresh()

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
