"""The Monitor's header: the run's name, what it is doing (progress, phase, pause) and the live
loss and learning-rate controls; it wraps onto two lines on narrow windows."""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from studio.config import LOSSES
from studio.progress import format_duration

TITLE_MAX = 420  # px: a longer run name is elided (its full name in the tooltip)
PROGRESS_MIN = 220  # px: room for "step 1,000 / 1,000 · 12.3 it/s · ETA 4 min"


class ElidedLabel(QLabel):
    """A one-line bold label that elides its text to the width it gets, full text as tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(60)
        self.setMaximumWidth(TITLE_MAX)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        """Show `text` (plain), elided in the middle when it does not fit."""
        self._full = text
        self.setToolTip(text)
        self._elide()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        hint.setWidth(min(TITLE_MAX, self.fontMetrics().horizontalAdvance(self._full) + 8))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle,
                                              max(10, self.width() - 4))
        self.setText(shown)


class MonitorHeader(QWidget):
    """Run name, progress line and live controls. The progress line says one true thing:
    the phase being prepared with its elapsed time, the step with a fresh rate, "paused",
    or how the run ended."""

    change_requested = Signal(str, object)  # live setting key, value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ElidedLabel("No run yet")
        self.title.setObjectName("runTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.progress = QProgressBar()
        self.progress.setFormat("—")
        self.progress.setMinimumWidth(PROGRESS_MIN)
        self.progress.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.controls = self._build_controls()
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._narrow: bool | None = None
        self.total = 0
        self.start_step = 0
        self.applied: dict[str, Any] = {}
        self._phase: str | None = None
        self._phase_since = 0.0
        self._rate: tuple[float, int] | None = None  # (time, step) at the start of the rate
        self.paused = False
        self._clock = QTimer(self, interval=1000)  # the phase's elapsed time ticks
        self._clock.timeout.connect(self._show_phase)
        self._arrange(narrow=False)

    def _build_controls(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.loss = QComboBox()
        self.loss.addItems(LOSSES)
        self.loss.setToolTip("Switch the adversarial loss while training: try minimax ↔ "
                             "non-saturating and watch G's loss and D(G(z))")
        self.lr_g, self.lr_d = QLineEdit(), QLineEdit()
        for edit, who in ((self.lr_g, "G"), (self.lr_d, "D")):
            edit.setFixedWidth(72)
            edit.setToolTip(f"{who} learning rate, applied live")
        self.apply = QPushButton("Apply")
        self.apply.setToolTip("Apply the loss and learning rates to the running training")
        self.apply.clicked.connect(self._apply_changes)
        self.loss_label = QLabel("Loss")
        for label, w in ((self.loss_label, self.loss), (QLabel("lr G"), self.lr_g),
                         (QLabel("lr D"), self.lr_d)):
            row.addWidget(label)
            row.addWidget(w)
        row.addWidget(self.apply)
        return box

    # -- layout --------------------------------------------------------------------------------
    def _wide_width(self) -> int:
        """The width one line needs: title, the least progress bar, the controls."""
        spacing = 2 * max(0, self._grid.horizontalSpacing())
        return (self.title.sizeHint().width() + PROGRESS_MIN
                + self.controls.sizeHint().width() + spacing + 8)

    def _arrange(self, narrow: bool) -> None:
        """One line when it fits, else the controls on a second line (nothing overlaps)."""
        if narrow == self._narrow:
            return
        self._narrow = narrow
        for w in (self.title, self.progress, self.controls):
            self._grid.removeWidget(w)
        self._grid.addWidget(self.title, 0, 0)
        self._grid.addWidget(self.progress, 0, 1)
        if narrow:
            self._grid.addWidget(self.controls, 1, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        else:
            self._grid.addWidget(self.controls, 0, 2)
        self._grid.setColumnStretch(1, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(narrow=self.width() < self._wide_width())

    @property
    def narrow(self) -> bool:
        """True while the controls sit on their own line."""
        return bool(self._narrow)

    # -- the run's name and what it does -------------------------------------------------------
    def set_run(self, name: str, total: int, start_step: int = 0) -> None:
        """A new run is shown: its name, and the step it starts from (a resume's)."""
        self.title.set_full_text(name)
        self.total, self.start_step = total, start_step
        self._rate, self._phase, self.paused = None, None, False
        self._clock.stop()
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(min(start_step, total))
        self.progress.setFormat("—")
        self._arrange(narrow=self.width() < self._wide_width())

    def set_phase(self, text: str | None) -> None:
        """What the run is preparing ("reading data", "first step…"), with elapsed time since
        the run was started; None when training steps are being reported."""
        if text is None:
            self._phase = None
            self._clock.stop()
            return
        if self._phase is None:
            self._phase_since = time.monotonic()
        self._phase = text
        self._clock.start()
        self._show_phase()

    @property
    def phase(self) -> str | None:
        return self._phase

    def _show_phase(self) -> None:
        if self._phase is None:
            self._clock.stop()
            return
        elapsed = format_duration(time.monotonic() - self._phase_since)
        resuming = f"resuming at step {self.start_step:,}: " if self.start_step else ""
        self.progress.setFormat(f"{resuming}{self._phase} · {elapsed}")

    def show_step(self, step: int, growth: str = "") -> None:
        """Step, rate and ETA (the rate counts only steps seen since it last restarted)."""
        if self._phase is not None:
            self.set_phase(None)
        self.progress.setMaximum(max(1, self.total))
        self.progress.setValue(min(step, self.total))
        if self.paused:
            self.progress.setFormat(f"paused at step {step:,} / {self.total:,}{growth}")
            return
        now = time.monotonic()
        if self._rate is None:
            self._rate = (now, step)
        t0, s0 = self._rate
        rate = (step - s0) / (now - t0) if now > t0 and step > s0 else 0.0
        eta = f" · ETA {format_duration((self.total - step) / rate)}" if rate else ""
        speed = f" · {rate:.1f} it/s" if rate else ""
        self.progress.setFormat(f"step {step:,} / {self.total:,}{speed}{eta}{growth}")

    def set_paused(self, paused: bool, step: int) -> None:
        """Paused: say so, with no rate; on continuing the rate starts afresh."""
        self.paused = paused
        self._rate = None
        self.show_step(step)

    def show_end(self, status: str, step: int) -> None:
        """How the run ended, at which step."""
        self.set_phase(None)
        self.paused = False
        self.progress.setMaximum(max(1, self.total))
        self.progress.setValue(min(step, self.total))
        self.progress.setFormat(f"{status} at step {step:,} / {self.total:,}")

    # -- live controls -------------------------------------------------------------------------
    def show_settings(self, settings: dict[str, Any]) -> None:
        """The loss and learning rates the run trains with now."""
        if "loss" in settings:
            self.loss.setCurrentText(str(settings["loss"]))
        for key, box in (("lr_g", self.lr_g), ("lr_d", self.lr_d)):
            if key in settings:
                box.setText(f"{float(settings[key]):g}")

    def set_controls_enabled(self, enabled: bool) -> None:
        for w in (self.loss, self.lr_g, self.lr_d, self.apply):
            w.setEnabled(enabled)

    def _apply_changes(self) -> None:
        """Send only the settings that differ from what the run uses now."""
        wanted: dict[str, Any] = {"loss": self.loss.currentText()}
        for key, edit in (("lr_g", self.lr_g), ("lr_d", self.lr_d)):
            try:
                wanted[key] = float(edit.text())
            except ValueError:
                QMessageBox.warning(self, "Learning rate", f"{edit.text()!r} is not a number")
                return
            if not math.isfinite(wanted[key]) or wanted[key] <= 0:
                QMessageBox.warning(self, "Learning rate",
                                    f"{edit.text()!r} must be a positive number")
                return
        for key, value in wanted.items():
            if self.applied.get(key) != value:
                self.applied[key] = value
                self.change_requested.emit(key, value)


def growth_text(metrics: dict[str, float]) -> str:
    """' · 32 px' or ' · 32 px fading in 40 %' for a run that reports its resolution."""
    resolution, fade = metrics.get("resolution"), metrics.get("fade")
    if resolution is None or not math.isfinite(resolution) or resolution < 1:
        return ""
    # a logged row averages its steps, so a row spanning a growth step lies between two sizes
    text = f" · {2 ** round(math.log2(resolution))} px"
    if fade is not None and math.isfinite(fade) and fade < 0.999:
        text += f" fading in {100 * fade:.0f} %"
    return text
