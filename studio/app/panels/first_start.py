"""The first-start page: on a machine that never saw the studio, two big ways in — explore the
bundled landscapes model, or watch a GAN learn ring8 in a one-click Quick look — and a Skip.

`FirstStartPage` is the widget; `FirstStart` shows it in the window and carries out a choice
through the window's own paths (the Help menu's bundled-model action, the New run tab's Start),
so there is no second way of starting a run.
"""

from __future__ import annotations

import contextlib
import math
import random
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPointF, QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.app.style import app_icon
from studio.errors import StudioError
from studio.explore.catalog import list_bundled_models

DONE_KEY = "first_start_done"  # QSettings: the page was used or dismissed; never show it again
QUICK_LOOK = ("gan", "ring8", "Quick look")  # variant, dataset, preset of the one-click run
PICTURE = QSize(264, 132)  # each card's picture
EXPLORE_TEXT = ("A StyleGAN that ships with the studio, trained on day, sunset, dusk and "
                "night skies. Wander through what it learned, mix styles, save pictures.")
QUICK_TEXT = ("A small GAN learns eight clusters of points on a ring. Within seconds you see "
              "its points move as the generator learns to fool the discriminator.")


def has_runs(workspace: Path) -> bool:
    """Whether `workspace` holds at least one run folder (one with a config.toml)."""
    try:
        return any((child / "config.toml").is_file() for child in Path(workspace).iterdir())
    except OSError:
        return False


def should_offer(settings: QSettings, workspace: Path) -> bool:
    """The page is for a machine that never saw the studio: no run in the workspace and the
    page never used or dismissed."""
    return not settings.value(DONE_KEY, False, type=bool) and not has_runs(workspace)


class ChoiceCard(QPushButton):
    """A big button: a picture, a title, two lines of text and what clicking does."""

    def __init__(self, picture: QPixmap | None, title: str, text: str, action: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(8)
        self.picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedHeight(PICTURE.height())
        if picture is not None:
            self.picture.setPixmap(picture)
        self.title = QLabel(title, objectName="choiceTitle", wordWrap=True)
        self.text = QLabel(text, objectName="choiceText", wordWrap=True)
        self.action = QLabel(action, objectName="choiceAction")
        self._idle_action = action
        for label in (self.picture, self.title, self.text, self.action):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        layout.addStretch(1)
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)

    def sizeHint(self) -> QSize:
        """As large as its contents (a plain button would size to its empty text)."""
        return self.layout().sizeHint()

    def minimumSizeHint(self) -> QSize:
        return QSize(260, self.layout().minimumSize().height())

    def heightForWidth(self, width: int) -> int:
        return self.layout().totalHeightForWidth(width)

    def hasHeightForWidth(self) -> bool:
        return True

    @property
    def waiting(self) -> bool:
        return self.property("waiting") is True

    def set_waiting(self, text: str | None) -> None:
        """Show `text` in place of the action while what it started gets ready (the card stays
        lit and emits no more choices), or the action again (None)."""
        self.action.setText(text or self._idle_action)
        self.setProperty("waiting", text is not None)
        self.style().unpolish(self)  # the style sheet's [waiting="true"] rule
        self.style().polish(self)

    def set_unavailable(self, why: str) -> None:
        """Say why this choice cannot be taken here, and take no clicks."""
        self.action.setText(why)
        self.setEnabled(False)


class FirstStartPage(QScrollArea):
    """Welcome, two choice cards and a Skip; emits what the person chose."""

    explore_chosen = Signal()
    quick_look_chosen = Signal()
    skipped = Signal()

    def __init__(self, workspace: Path, model_picture: Path | None = None,
                 model_missing: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstStart")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("firstStartInner")
        inner.setMaximumWidth(1000)
        outer = QHBoxLayout()
        outer.addStretch(1)
        outer.addWidget(inner, 20)
        outer.addStretch(1)
        holder = QWidget()
        holder.setLayout(outer)
        self.setWidget(holder)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(12, 18, 12, 12)
        layout.setSpacing(14)
        layout.addStretch(1)
        layout.addLayout(self._header())
        layout.addLayout(self._cards(model_picture, model_missing))
        layout.addLayout(self._footer(workspace))
        layout.addStretch(2)

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(16)
        self.logo = QLabel()
        with contextlib.suppress(StudioError):  # an install without icons still shows it
            self.logo.setPixmap(app_icon().pixmap(64, 64))
        words = QVBoxLayout()
        words.setSpacing(4)
        words.addWidget(QLabel("Welcome to GAN Studio", objectName="firstStartTitle"))
        words.addWidget(QLabel("Two ways to begin. Both run on this computer; nothing is "
                               "downloaded.", objectName="firstStartLead", wordWrap=True))
        row.addWidget(self.logo, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addLayout(words, 1)
        return row

    def _cards(self, model_picture: Path | None, model_missing: str) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(18)
        self.explore_card = ChoiceCard(
            landscape_strip(model_picture), "Explore the bundled landscapes model",
            EXPLORE_TEXT, "Open in Explore  →")
        self.quick_card = ChoiceCard(
            ring_picture(), "Watch a GAN learn: Quick look on ring8", QUICK_TEXT,
            "Start training  →")
        if model_missing:
            self.explore_card.set_unavailable(model_missing)
        for card, chosen in ((self.explore_card, self.explore_chosen),
                             (self.quick_card, self.quick_look_chosen)):
            card.clicked.connect(lambda _=False, c=card, s=chosen: self._choose(c, s))
        row.addWidget(self.explore_card, 1)
        row.addWidget(self.quick_card, 1)
        return row

    @staticmethod
    def _choose(card: ChoiceCard, chosen: Any) -> None:
        """A click on a card is a choice, unless what it started is still getting ready."""
        if not card.waiting:
            chosen.emit()

    def _footer(self, workspace: Path) -> QHBoxLayout:
        row = QHBoxLayout()
        self.note = QLabel(f"Your runs are kept in {tilde(workspace)}", objectName="firstStartNote",
                           wordWrap=True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.skip_button = QPushButton("Skip, and don't show this again", objectName="skipButton")
        self.skip_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.skip_button.clicked.connect(self.skipped)
        row.addWidget(self.note, 1)
        row.addWidget(self.skip_button)
        return row

    def set_waiting(self, text: str | None) -> None:
        """The Quick look card says what it waits for (None: it waits for nothing)."""
        self.quick_card.set_waiting(text)


def tilde(path: Path) -> str:
    """`path` with the home folder written as ~, as people read it."""
    try:
        return "~/" + Path(path).relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def landscape_strip(samples: Path | None) -> QPixmap | None:
    """Two rows of four tiles from the bundled model's samples.png (an 8×8 grid of 64 px
    pictures 2 px apart), scaled to the card's picture."""
    if samples is None or not samples.is_file():
        return None
    grid = QPixmap(str(samples))
    if grid.isNull():
        return None
    cell = (grid.width() - 2) // 8  # 66: a tile and its gap
    strip = grid.copy(QRect(2, 2 + cell, 4 * cell - 2, 2 * cell - 2))  # rows 1–2, columns 0–3
    return strip.scaled(PICTURE, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def ring_picture() -> QPixmap:
    """Eight grey clusters on a ring and the generator's orange points spread along it: what
    the Quick look's Monitor shows a few seconds in."""
    ratio = QGuiApplication.instance().devicePixelRatio()  # sharp on high-density screens
    pixmap = QPixmap(PICTURE * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rng = random.Random(8)
    centre, radius = QPointF(PICTURE.width() / 2, PICTURE.height() / 2), PICTURE.height() * 0.4
    painter.setPen(QPen(QColor(60, 60, 60, 160), 0.6))
    painter.setBrush(QColor(140, 140, 140))
    for k in range(8):  # the data: eight tight clusters
        angle = 2 * math.pi * k / 8
        for _ in range(22):
            painter.drawEllipse(centre + QPointF(radius * math.cos(angle) + rng.gauss(0, 2.6),
                                                 radius * math.sin(angle) + rng.gauss(0, 2.6)),
                                2.3, 2.3)
    painter.setPen(QPen(QColor(120, 50, 10, 170), 0.6))
    painter.setBrush(QColor(245, 130, 40))
    for _ in range(110):  # the generator's points: on the ring, not yet on the clusters
        angle = rng.uniform(0, 2 * math.pi)
        r = radius + rng.gauss(0, 4.5)
        painter.drawEllipse(centre + QPointF(r * math.cos(angle), r * math.sin(angle)), 2.2, 2.2)
    painter.end()
    return pixmap


class FirstStart(QObject):
    """Shows the page as the window's only visible view (its tab bar hidden) until the person
    chooses, skips or goes to a tab; then stores DONE_KEY and removes the page for good.

    `window` is the MainWindow: its tabs, setup, explorer, describer, loader, settings,
    workspace, start_training() and statusBar() are used."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.pending = False  # the Quick look starts once the engine and ring8 are ready
        self.dismissed = False
        try:
            models = list_bundled_models()
        except StudioError:
            models = []
        samples = models[0].path / "samples.png" if models else None
        self.page = FirstStartPage(window.workspace, samples,
                                   "" if models else "No bundled model is installed")
        tabs = window.tabs
        tabs.addTab(self.page, "Welcome")
        tabs.setCurrentWidget(self.page)
        tabs.tabBar().hide()
        tabs.currentChanged.connect(self._tab_changed)
        self.page.explore_chosen.connect(self.explore)
        self.page.quick_look_chosen.connect(self.quick_look)
        self.page.skipped.connect(self.skip)
        # the page offers the bundled model: the status-bar hint for it is not needed too
        window.settings.setValue("offered_bundled_model", True)
        window.describer.described.connect(self._try_start)  # after the setup panel's slot
        window.describer.failed.connect(self._cannot_start)
        window.loader.failed.connect(self._cannot_start)

    @property
    def showing(self) -> bool:
        return not self.dismissed

    def explore(self) -> None:
        """Open the bundled model in the Explore tab (as Help ▸ Explore the bundled model)."""
        self.window.explorer.explore_bundled()

    def quick_look(self) -> None:
        """Choose ring8, the vanilla GAN and Quick look in the New run tab and press its Start
        as soon as the engine has loaded and ring8 is described."""
        variant, dataset, preset = QUICK_LOOK
        setup = self.window.setup
        setup.choose_dataset(dataset)
        setup.select_variant(variant)
        if setup.preset.currentText() != preset:
            setup.preset.setCurrentText(preset)
            setup.apply_preset()
        self.pending = True
        self.page.set_waiting("Getting ready…")
        self._try_start()

    def _try_start(self, *_: Any) -> None:
        if not self.pending:
            return
        ok, why = self.window.setup.can_start()
        if not ok:
            self.page.set_waiting(f"Starting soon: {why[:1].lower()}{why[1:]}")
            return
        self.pending = False
        self.window.start_training()  # the Start button's path; it shows the Monitor

    def _cannot_start(self, *_: Any) -> None:
        """The engine or the dataset failed (the window shows why): the card is clickable
        again."""
        if self.pending:
            self.pending = False
            self.page.set_waiting(None)

    def skip(self) -> None:
        self.window.tabs.setCurrentWidget(self.window.setup)

    def _tab_changed(self, index: int) -> None:
        if not self.dismissed and self.window.tabs.widget(index) is not self.page:
            self.dismiss()

    def dismiss(self) -> None:
        """Never show the page again; the tabs come back."""
        self.dismissed, self.pending = True, False
        self.window.settings.setValue(DONE_KEY, True)
        self.window.tabs.tabBar().show()
        QTimer.singleShot(0, self._remove_page)  # not while the tab widget is switching

    def _remove_page(self) -> None:
        index = self.window.tabs.indexOf(self.page)
        if index >= 0:
            self.window.tabs.removeTab(index)
        self.page.deleteLater()
