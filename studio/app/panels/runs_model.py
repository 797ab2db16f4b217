"""The Runs tab's table model: one row per run (name, thumbnail and note included), sorting
and filtering, and the thumbnails loaded off the GUI thread."""

from __future__ import annotations

import functools
import queue
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap

from studio.app.widgets.run_quality import FIGURES, TIPS, RunQuality
from studio.errors import StudioError
from studio.metrics.names import INCEPTION
from studio.runs.notes import set_name
from studio.runs.reader import RunSummary, read_config

HEADERS = ("Name", "Variant", "Dataset", "Progress", "Status", "FD", "Best FD", "Recall",
           "Best recall", "Started")
NAME, VARIANT, DATASET, PROGRESS, STATUS, FD, BEST_FD, RECALL, BEST_RECALL, STARTED = range(
    len(HEADERS))
QUALITY = dict(zip((FD, BEST_FD, RECALL, BEST_RECALL), FIGURES, strict=True))  # col → figure
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
NOTE_ROLE = Qt.ItemDataRole.UserRole + 2  # the run's note, on the name column
STATUS_COLOURS = {"running": "#2f7de1", "finished": "#2e9e4f", "stopped": "#8a8a8a",
                  "failed": "#d64541", "paused": "#e0a100", "new": "#b8b8b8",
                  "interrupted": "#c76b29"}
THUMB = 40  # pixels: the side of a run's thumbnail in the list
NAME_MIN = 230  # pixels: the name column never gets narrower; the table scrolls instead
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-thumbnails")


def short_dataset(dataset: str) -> str:
    """The last path component of a folder dataset; a built-in name as it is."""
    return re.split(r"[\\/]", dataset.rstrip("\\/"))[-1] or dataset


def format_started(started: float | None) -> str:
    """Local time like "2026-11-29 14:05", or "—" for a run that never started."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(started)) if started else "—"


@functools.cache
def status_icon(status: str) -> QPixmap:
    """A small coloured dot for a run status (a pixmap: the view draws it at its own size)."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATUS_COLOURS.get(status, "#b8b8b8")))
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return pixmap


def picture_icon(pixmap: QPixmap) -> QIcon:
    """An icon that shows the picture as it is, also on a selected row (not tinted)."""
    icon = QIcon()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
        icon.addPixmap(pixmap, mode)
    return icon


@functools.cache
def blank_thumbnail() -> QIcon:
    """Room for a thumbnail not drawn yet, so every run's name starts at the same place."""
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(Qt.GlobalColor.transparent)
    return picture_icon(pixmap)


def _load_thumbnail(path: Path, size: int) -> QImage:
    """The picture at `path` fitted into size×size (a null image when unreadable); runs on the
    loader thread, where QImage (unlike QPixmap) may be used."""
    image = QImage(str(path))
    if image.isNull():
        return image
    return image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


class ThumbnailCache(QObject):
    """Thumbnails of snapshot pictures keyed by (path, mtime): asked for one not yet loaded,
    it loads it on a worker thread and emits `ready(path)` once it can be drawn."""

    ready = Signal(Path)

    def __init__(self, size: int = THUMB, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self._icons: dict[Path, tuple[float, QIcon | None]] = {}  # path → (mtime, icon)
        self._pending: set[tuple[Path, float]] = set()
        self._done: queue.SimpleQueue[tuple[Path, float, QImage]] = queue.SimpleQueue()
        self._poll = QTimer(self, interval=30, timeout=self._collect)

    def icon(self, path: Path, mtime: float) -> QIcon | None:
        """The thumbnail if loaded (an older one while a newer picture loads), else None."""
        mtime_icon = self._icons.get(path)
        if (mtime_icon is None or mtime_icon[0] != mtime) and (path, mtime) not in self._pending:
            done, size = self._done, self.size  # the loader touches no Qt object of ours
            try:
                _LOADER.submit(lambda: done.put((path, mtime, _load_thumbnail(path, size))))
            except RuntimeError:  # the interpreter is shutting down
                return None
            self._pending.add((path, mtime))
            self._poll.start()
        return mtime_icon[1] if mtime_icon else None

    def _collect(self) -> None:
        """Turn the images the loader finished into icons (on the GUI thread)."""
        while True:
            try:
                path, mtime, image = self._done.get_nowait()
            except queue.Empty:
                break
            self._pending.discard((path, mtime))
            icon = None if image.isNull() else picture_icon(QPixmap.fromImage(image))
            self._icons[path] = (mtime, icon)
            self.ready.emit(path)
        if not self._pending:
            self._poll.stop()

    def forget(self, keep: set[Path]) -> None:
        """Drop the thumbnails of pictures no longer listed."""
        self._icons = {p: v for p, v in self._icons.items() if p in keep}


class RunTableModel(QAbstractTableModel):
    """One row per run summary; the name is edited in place (stored in the run's notes.json)."""

    rename_failed = Signal(str)  # the message to show

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: list[RunSummary] = []
        self._quality: dict[Path, RunQuality | None] = {}
        self.thumbnails = ThumbnailCache(parent=self)
        self.thumbnails.ready.connect(self._thumbnail_ready)

    def set_runs(self, runs: list[RunSummary],
                 quality: dict[Path, RunQuality | None] | None = None) -> None:
        """Replace the rows (and their quality figures, by folder); the same folders in the
        same order update in place."""
        quality = dict(quality or {})
        self.thumbnails.forget({r.thumbnail for r in runs if r.thumbnail})
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

    def update_summary(self, row: int, run: RunSummary) -> None:
        """Show a run's new details (after a rename or a note) without a full refresh."""
        self._runs[row] = run
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def quality(self, row: int) -> RunQuality | None:
        return self._quality.get(self._runs[row].folder)

    def _all_inception(self) -> bool:
        """Every listed run with evaluations measured on the FID Inception: FD is FID."""
        nets = {q.features for q in self._quality.values() if q is not None}
        return nets == {INCEPTION}

    def row_of(self, folder: Path) -> int:
        """The row of the run in `folder`, or -1."""
        return next((i for i, r in enumerate(self._runs) if r.folder == Path(folder)), -1)

    def _thumbnail_ready(self, path: Path) -> None:
        for row, run in enumerate(self._runs):
            if run.thumbnail == path:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1),
                                      [Qt.ItemDataRole.DecorationRole])

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == NAME else flags

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

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run, col = self._runs[index.row()], index.column()
        if col in QUALITY:
            return self._quality_data(self._quality.get(run.folder), QUALITY[col], role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(run, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return {NAME: self._name_tip(run), DATASET: run.dataset}.get(col,
                                                                         self._text(run, col))
        if role == Qt.ItemDataRole.DecorationRole and col == STATUS:
            return status_icon(run.status)
        if role == Qt.ItemDataRole.DecorationRole and col == NAME:
            found = run.thumbnail and self.thumbnails.icon(run.thumbnail, run.thumbnail_mtime)
            return found or blank_thumbnail()
        if role == NOTE_ROLE and col == NAME:
            return run.note
        if role == SORT_ROLE:
            return self._sort_key(run, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == PROGRESS:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Rename a run (the name column): the name is kept in its folder's notes.json; an
        empty name goes back to the name in its config."""
        if not index.isValid() or index.column() != NAME or role != Qt.ItemDataRole.EditRole:
            return False
        run = self._runs[index.row()]
        if str(value).strip() == run.name:
            return False
        try:
            notes = set_name(run.folder, str(value))
            name = notes.name or read_config(run.folder).name or run.folder.name
        except StudioError as exc:
            self.rename_failed.emit(str(exc))
            return False
        self.update_summary(index.row(), replace(run, name=name))
        return True

    @staticmethod
    def _name_tip(run: RunSummary) -> str:
        return f"{run.name}\n{run.folder}" + (f"\n\n{run.note}" if run.note else "")

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
    """Sorts by raw values and keeps the rows whose name, variant, dataset or note match."""

    def __init__(self, runs: RunTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.setSourceModel(runs)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def lessThan(self, left: QModelIndex | QPersistentModelIndex,
                 right: QModelIndex | QPersistentModelIndex) -> bool:
        """Numbers by value; empty cells (runs never evaluated) last in either order."""
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
            return b is None and a is not None if not descending else a is None and b is not None
        return a < b

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        run, pattern = self.runs.summary(source_row), self.filterRegularExpression()
        return any(pattern.match(t).hasMatch()
                   for t in (run.name, run.variant, run.dataset, run.note))
