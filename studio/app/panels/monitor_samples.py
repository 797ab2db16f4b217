"""The Monitor's sample column: the sample grid or the 2-D game, the timelapse slider that
replays both, the mode coverage of 2-D mixtures and the class names over a cGAN's columns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.app.bridge import GameState, game_state_name, load_game_state
from studio.app.save_files import file_name, save_picture
from studio.app.widgets.game_view import GameView
from studio.app.widgets.image_view import ImageView
from studio.runs.layout import SNAPSHOTS
from studio.runs.reader import list_snapshots

GRID_PAD = 2  # the padding studio.export.images.image_grid puts around each tile
LABEL_COLOUR = QColor("#dadce0")
MAX_LABELLED_COLUMNS = 16  # a cGAN lays one class per column up to this many classes
NO_GAME_NOTE = ("No game state was kept for this snapshot (the run was trained outside the "
                "studio): choose Samples to see its points")
COVERAGE_TIP = ("Of the mixture's modes, how many hold at least 1 % of the generated points "
                "within 3σ of their centre, and the share of points that lie that close to "
                "some mode (the rest are off the data)")


class ClassGridView(ImageView):
    """A sample grid with the class names over its columns (a cGAN's snapshot: one class per
    column); without names it is a plain ImageView."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: tuple[str, ...] = ()

    def set_column_names(self, names: Sequence[str]) -> None:
        """Label the grid's columns with `names` (one per column); () for no labels."""
        self._names = tuple(names)
        self.setToolTip("Columns: " + ", ".join(self._names) if self._names else "")
        self.update()

    def column_names(self) -> tuple[str, ...]:
        return self._names

    def _labelled(self) -> bool:
        """Names fit this picture: one per column of equal tiles."""
        image = self.image()
        n = len(self._names)
        return bool(n) and image is not None and (image.shape[1] - GRID_PAD) % n == 0

    def _strip(self) -> int:
        return self.fontMetrics().height() + 4

    def image_rect(self) -> QRect:
        """Fit the picture below a strip for the column names (when there are names)."""
        if not self._labelled():
            return super().image_rect()
        h, w = self.image().shape[:2]
        strip = self._strip()
        size = QSize(w, h).scaled(QSize(self.width(), max(1, self.height() - strip)),
                                  Qt.AspectRatioMode.KeepAspectRatio)
        if size.isEmpty():
            return QRect()
        left = (self.width() - size.width()) // 2
        top = strip + (self.height() - strip - size.height()) // 2
        return QRect(left, top, size.width(), size.height())

    def column_label_rects(self) -> list[QRect]:
        """Where each column's name is drawn (widget coordinates), left to right."""
        if not self._labelled():
            return []
        rect, width = self.image_rect(), self.image().shape[1]
        n = len(self._names)
        tile = (width - GRID_PAD) / n - GRID_PAD  # one tile's width in picture pixels
        scale = rect.width() / width
        strip = self._strip()
        return [QRect(round(rect.left() + (GRID_PAD + c * (tile + GRID_PAD)) * scale),
                      rect.top() - strip, max(1, round(tile * scale)), strip)
                for c in range(n)]

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        rects = self.column_label_rects()
        if not rects:
            return
        painter = QPainter(self)
        painter.setPen(LABEL_COLOUR)
        metrics = self.fontMetrics()
        for rect, name in zip(rects, self._names, strict=True):
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, rect.width() + 2)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()


class SamplesPanel(QWidget):
    """Samples or 2-D game, with the timelapse: the slider's end follows the live run, any
    other position replays that snapshot (its picture, and for 2-D runs its game state)."""

    saved = Signal(str)  # "Saved to …" after Save image

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder: Path | None = None
        self.shown_step: int | None = None  # the snapshot's step on screen (names saved files)
        self.snapshots: list[tuple[int, Path]] = []
        self.live_picture: np.ndarray | None = None
        self.live_game: GameState | None = None
        self._games: dict[int, GameState | None] = {}  # kept game states read from the folder
        self.views = QStackedWidget()
        self.image = ClassGridView()
        self.game_view = GameView()
        self.views.addWidget(self.image)
        self.views.addWidget(self.game_view)
        self.view_choice = QComboBox()
        self.view_choice.addItems(["Samples", "2-D game"])
        self.view_choice.currentIndexChanged.connect(self.views.setCurrentIndex)
        self.view_choice.setEnabled(False)
        self.coverage_label = QLabel()
        self.coverage_label.setToolTip(COVERAGE_TIP)
        self.coverage_label.hide()
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setEnabled(False)
        self.timeline.setToolTip("Scrub through every snapshot taken so far (the timelapse)")
        self.timeline.valueChanged.connect(self._scrub)
        self.timeline_label = QLabel("—")
        self.save_button = QPushButton("Save image…")
        self.save_button.setToolTip("Save what is shown: the sample grid or the 2-D game")
        self.save_button.clicked.connect(self.save_image)
        top = QHBoxLayout()
        top.addWidget(self.view_choice)
        top.addWidget(self.coverage_label, 1)
        row = QHBoxLayout()
        row.addWidget(self.timeline, 1)
        row.addWidget(self.timeline_label)
        row.addWidget(self.save_button)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(top)
        v.addWidget(self.views, 1)
        v.addLayout(row)

    def reset(self, folder: Path, points: bool, game: bool | None = None) -> None:
        """Show a new run; `game`: open on the 2-D game (default: for every 2-D run)."""
        self.folder = Path(folder)
        self.snapshots, self.live_picture, self.live_game, self._games = [], None, None, {}
        self.image.set_image(None)
        self.image.set_column_names(())
        self.game_view.set_state(None, None, None)
        self.game_view.set_note("")
        self.coverage_label.clear()
        self.coverage_label.setVisible(False)
        self.view_choice.setEnabled(points)
        self.view_choice.setCurrentIndex(1 if points and (game is None or game) else 0)
        self.timeline.blockSignals(True)
        self.timeline.setRange(0, 0)  # QSlider starts at 0..99: "at the end" must hold now
        self.timeline.blockSignals(False)
        self.timeline.setEnabled(False)
        self.timeline_label.setText("—")

    def set_class_names(self, names: Sequence[str]) -> None:
        """Label a cGAN grid's columns (one class per column, up to 16 classes)."""
        self.image.set_column_names(names if len(names) <= MAX_LABELLED_COLUMNS else ())

    @property
    def at_end(self) -> bool:
        return self.timeline.value() >= self.timeline.maximum()

    # -- live ----------------------------------------------------------------------------------
    def show_live_picture(self, picture: np.ndarray) -> None:
        self.live_picture = picture
        self.update_timeline()

    def show_live_game(self, state: GameState) -> None:
        """The newest game state of a run training here; shown while the slider is at its end."""
        self.live_game = state
        if self.at_end:
            self._show_game(state)

    # -- the timelapse -------------------------------------------------------------------------
    def update_timeline(self) -> None:
        """Take in new snapshots; a slider at its end moves on to the newest."""
        if self.folder is None:
            return
        at_end = self.at_end
        self.snapshots = list_snapshots(self.folder)
        self.timeline.blockSignals(True)
        self.timeline.setRange(0, max(0, len(self.snapshots) - 1))
        self.timeline.setEnabled(len(self.snapshots) > 1)
        if at_end:
            self.timeline.setValue(self.timeline.maximum())
        self.timeline.blockSignals(False)
        if at_end:
            self.show_snapshot(self.timeline.value(), live=True)

    def _scrub(self, index: int) -> None:
        self.show_snapshot(index, live=index == self.timeline.maximum())

    def show_snapshot(self, index: int, live: bool) -> None:
        """Show snapshot `index`; `live`: the newest pictures of a run training here first."""
        if not 0 <= index < len(self.snapshots):
            if live and self.live_picture is not None:
                self.image.set_image(self.live_picture)
            return
        step, path = self.snapshots[index]
        if live and self.live_picture is not None:
            self.image.set_image(self.live_picture)
        else:
            try:
                with Image.open(path) as img:
                    self.image.set_image(np.asarray(img.convert("RGB")))
            except OSError:
                return  # a snapshot being replaced right now; the next tick shows it
        self.timeline_label.setText(f"step {step:,}")
        self.shown_step = step
        if self.view_choice.isEnabled():
            live_game = self.live_game if live else None
            self._show_game(live_game or self.kept_game(step))

    def kept_game(self, step: int) -> GameState | None:
        """The game state kept beside snapshot `step` (read once), or None."""
        if step not in self._games and self.folder is not None:
            state = load_game_state(self.folder / SNAPSHOTS / game_state_name(step))
            if state is None:
                return None  # perhaps still being written: read again next time
            self._games[step] = state
        return self._games.get(step)

    def _show_game(self, state: GameState | None) -> None:
        if state is None:
            self.game_view.set_state(None, None, None)
            self.game_view.set_note(NO_GAME_NOTE)
            self.coverage_label.setVisible(False)
            return
        self.game_view.set_note("")
        self.game_view.set_state(state.real, state.fake, state.heat, state.extent)
        if state.coverage is not None:
            self.coverage_label.setText(state.coverage.text())
            self.coverage_label.setVisible(True)
        else:
            self.coverage_label.setVisible(False)

    def has_kept_games(self) -> bool:
        """Whether the run folder keeps game states beside its snapshots."""
        return self.folder is not None and any(
            (self.folder / SNAPSHOTS).glob("step_*.game.npz"))

    # -- saving --------------------------------------------------------------------------------
    def save_image(self) -> None:
        """Save what is shown: the 2-D game as drawn, or the sample grid at full size."""
        if self.views.currentWidget() is self.game_view:
            picture, view = self.game_view.picture(), "game"
        else:
            picture, view = self.image.image(), "samples"
        if self.folder is None:
            return
        name = file_name(self.folder.name, view, step=self.shown_step)
        message = save_picture(self, picture, name, run_folder=self.folder)
        if message:
            self.saved.emit(message)
