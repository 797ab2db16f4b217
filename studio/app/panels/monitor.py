"""The Monitor tab: live curves of the game, the sample grid and its timelapse, the 2-D view.

It reads from a MetricBuffer and latest-wins slots on a ~10 Hz timer, whether the run trains
in this window or is a folder written by another process (followed by polling its files).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.app.bridge import LatestSlot, MetricBuffer, RunStateEvent
from studio.app.dialogs import save_picture_as
from studio.app.widgets.doctor_banner import DoctorBanners
from studio.app.widgets.game_view import GameView
from studio.app.widgets.image_view import ImageView
from studio.app.widgets.loss_plot import LossPlot
from studio.app.widgets.quality_plot import QualityPlot, hint_text
from studio.config import LOSSES
from studio.progress import format_duration
from studio.runs.reader import RunFollower, list_snapshots, read_evals

REFRESH_MS = 100
PLOT_INTERVAL_S = 1.0
ROOMY_HEIGHT = 640  # below this the doctor's banners take a line each
QUALITY_WIDTH = 250  # the quality column's least width: its titles must fit


class MonitorPanel(QWidget):
    """Shows one run at a time: `watch(...)` for a live run, `follow(folder)` for a folder."""

    change_requested = Signal(str, object)  # live setting key, value
    status_message = Signal(str)  # a note or warning worth a line in the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metrics = MetricBuffer()
        self.samples = LatestSlot()
        self.game = LatestSlot()
        self.folder: Path | None = None
        self.follower: RunFollower | None = None
        self.total = 0
        self._plot_versions = [-1, -1, -1]  # the buffer version each plot last drew
        self._plot_drawn_at = [0.0, 0.0, 0.0]
        self._next_plot = 0
        self._rate: tuple[float, int] | None = None  # (time, step) at the start of the rate
        self._snapshots: list[tuple[int, Path]] = []
        self._live_picture: np.ndarray | None = None
        self._applied: dict[str, Any] = {}
        self.live = False  # a run training in this window: its settings can change
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        layout = QVBoxLayout(self)
        self.banners = DoctorBanners()
        self.banners.fix_requested.connect(self.apply_fix)
        layout.addLayout(self._build_header())
        layout.addWidget(self.banners)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._build_plots())
        self.quality = QualityPlot()
        self.quality.setMinimumWidth(QUALITY_WIDTH)
        self.quality.has_data_changed.connect(self._show_quality)
        self.splitter.addWidget(self.quality)
        self.splitter.addWidget(self._build_samples())
        self._show_quality(False)
        self.quality_hint.hide()  # until a run is shown
        layout.addWidget(self.splitter, 1)

    def _build_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title = QLabel("No run yet")
        self.title.setObjectName("runTitle")
        self.progress = QProgressBar()
        self.progress.setFormat("—")
        self.progress.setMinimumWidth(320)
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
        for w in (self.title, self.progress):
            row.addWidget(w)
        row.addStretch(1)
        for label, w in (("Loss", self.loss), ("lr G", self.lr_g), ("lr D", self.lr_d)):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addWidget(self.apply)
        self.set_live_controls_enabled(False)
        return row

    def _build_plots(self) -> QWidget:
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = LossPlot("Losses", [("loss_d", "D loss", "#3b7dd8"),
                                             ("loss_g", "G loss", "#e6761b")])
        self.d_plot = LossPlot("D outputs", [("d_real", "D(x)", "#2e9e5b"),
                                             ("d_fake", "D(G(z))", "#c0392b")])
        self.v_plot = LossPlot("The minimax game: terms of V(D, G)",
                               [("v_real", "E[log D(x)]", "#2e9e5b"),
                                ("v_fake", "E[log(1 − D(G(z)))]", "#c0392b"),
                                ("v_total", "V(D, G)", "#7f6fb0")])
        # where the theory says the game ends: D(x) = D(G(z)) = ½ and V(D*, G*) = −log 4
        self.d_plot.add_reference(0.5, "equilibrium ½")
        self.v_plot.add_reference(-math.log(4), "−log 4 at equilibrium")
        for plot in self.plots:
            v.addWidget(plot)
        self.quality_hint = QLabel(hint_text(0), wordWrap=True)
        self.quality_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.quality_hint.setContentsMargins(6, 0, 6, 0)
        v.addWidget(self.quality_hint)
        return holder

    def _show_quality(self, shown: bool) -> None:
        """The quality column beside the loss plots while there are evaluations, else a hint."""
        self.quality_hint.setHidden(shown)
        if shown == self.quality.isHidden():  # give the column its share of the width
            self.quality.setVisible(shown)
            # relative weights: the splitter spreads its width (now or once laid out) by them
            self.splitter.setSizes([420, 230, 350] if shown else [620, 0, 420])

    @property
    def plots(self) -> tuple[LossPlot, ...]:
        return (self.loss_plot, self.d_plot, self.v_plot)

    def _build_samples(self) -> QWidget:
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        self.views = QStackedWidget()
        self.image = ImageView()
        self.game_view = GameView()
        self.views.addWidget(self.image)
        self.views.addWidget(self.game_view)
        self.view_choice = QComboBox()
        self.view_choice.addItems(["Samples", "2-D game"])
        self.view_choice.currentIndexChanged.connect(self.views.setCurrentIndex)
        self.view_choice.setEnabled(False)
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setEnabled(False)
        self.timeline.setToolTip("Scrub through every snapshot taken so far (the timelapse)")
        self.timeline.valueChanged.connect(self._scrub)
        self.timeline_label = QLabel("—")
        self.save_button = QPushButton("Save image…")
        self.save_button.clicked.connect(self.save_image)
        row = QHBoxLayout()
        row.addWidget(self.timeline, 1)
        row.addWidget(self.timeline_label)
        row.addWidget(self.save_button)
        v.addWidget(self.view_choice)
        v.addWidget(self.views, 1)
        v.addLayout(row)
        return holder

    # -- what to show --------------------------------------------------------------------------
    def watch(self, folder: Path, total: int, metrics: MetricBuffer, samples: LatestSlot,
              game: LatestSlot, points: bool, live_settings: dict[str, Any],
              eval_every: int = 0) -> None:
        """Show a run training in this window, reading the worker's buffer and slots; new
        evaluations and warnings come through `on_event` (earlier ones of a resumed run are
        read from its folder now)."""
        self._reset(folder, total, points)
        self.quality_hint.setText(hint_text(eval_every))
        self.quality.set_rows(read_evals(folder))
        self.metrics, self.samples, self.game = metrics, samples, game
        self._applied = dict(live_settings)
        self._show_settings(live_settings)
        self.set_live_controls_enabled(True)
        self.timer.start()

    def follow(self, folder: Path, total: int, points: bool, eval_every: int = 0,
               settings: dict[str, Any] | None = None) -> None:
        """Show a run folder, following it live if another process is still writing it; the
        header shows the run's own loss and learning rates (`settings`), then its changes."""
        self._reset(folder, total, points)
        if settings:
            self._show_settings(settings)
        self.quality_hint.setText(hint_text(eval_every))
        self.metrics, self.samples, self.game = MetricBuffer(), LatestSlot(), LatestSlot()
        self.follower = RunFollower(folder)
        self.set_live_controls_enabled(False)
        self.refresh()
        self.timer.start()

    def _reset(self, folder: Path, total: int, points: bool) -> None:
        self.folder, self.total, self.follower = Path(folder), total, None
        self.title.setText(f"<b>{Path(folder).name}</b>")
        self._plot_versions, self._rate, self._snapshots = [-1, -1, -1], None, []
        self._live_picture = None
        for plot in self.plots:
            plot.clear()
        self.quality.clear()
        self.quality_hint.setHidden(self.quality.has_data)
        self.banners.clear()
        self.image.set_image(None)
        self.view_choice.setEnabled(points)
        self.view_choice.setCurrentIndex(1 if points else 0)
        self.timeline.blockSignals(True)
        self.timeline.setRange(0, 0)  # QSlider starts at 0..99: "at the end" must hold now
        self.timeline.blockSignals(False)
        self.timeline.setEnabled(False)
        self.timeline_label.setText("—")

    def _show_settings(self, settings: dict[str, Any]) -> None:
        """The loss and learning rates the run trains with now, in the header."""
        if "loss" in settings:
            self.loss.setCurrentText(str(settings["loss"]))
        for key, box in (("lr_g", self.lr_g), ("lr_d", self.lr_d)):
            if key in settings:
                box.setText(f"{float(settings[key]):g}")

    def set_live_controls_enabled(self, enabled: bool) -> None:
        """Live changes (the header's and the doctor's fixes) only for a run trained here."""
        self.live = enabled
        for w in (self.loss, self.lr_g, self.lr_d, self.apply):
            w.setEnabled(enabled)
        self.banners.set_live(enabled)

    def stop_watching(self, status: str = "finished") -> None:
        """The run ended: draw what is left, then stop the timer (a folder keeps following)."""
        self.refresh()
        for _ in self.plots:
            self._draw_curves(force=True)
        self.set_live_controls_enabled(False)
        last = self.metrics.last()
        step = last[0] if last else 0
        self.progress.setFormat(f"{status} at step {step:,} / {self.total:,}")
        if self.follower is None:
            self.timer.stop()

    # -- the 10 Hz refresh ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Read what is new; draw only while visible (a hidden tab costs the trainer nothing)."""
        if self.follower is not None:
            self._poll_folder()
        if not self.isVisible():
            return  # the buffer and slots keep everything until the tab is shown
        self._draw_curves()
        picture = self.samples.take()
        if picture is not None:
            self._live_picture = picture.picture
            self._update_timeline()
        state = self.game.take()
        if state is not None:
            self.game_view.set_state(state.real, state.fake, state.heat, state.extent)

    def _poll_folder(self) -> None:
        rows, events, snaps = self.follower.poll()
        self.metrics.extend(rows)
        self.quality.add_rows(self.follower.new_evals)
        for event in events:
            self.on_event(RunStateEvent(event.get("step", 0), event.get("kind", ""),
                                        event.get("message", ""), event.get("data", {})))
        if snaps:
            self._update_timeline()

    def _draw_curves(self, force: bool = False) -> None:
        """Redraw at most one stale plot per tick, in turn, each at most once a second.

        A plot repaint costs the GUI thread about ten milliseconds of CPU that training would
        otherwise use; spreading the three over ticks keeps each tick short (no stutter) and
        the cap keeps the total small. `force` skips the cap (the final drawing of a run).
        """
        version, now = self.metrics.version, time.monotonic()
        stale = [i for i, v in enumerate(self._plot_versions) if v != version
                 and (force or now - self._plot_drawn_at[i] >= PLOT_INTERVAL_S)]
        if not stale:
            return
        index = min(stale, key=lambda i: (i - self._next_plot) % len(self.plots))
        self._next_plot = (index + 1) % len(self.plots)
        self._plot_versions[index] = version
        self._plot_drawn_at[index] = now
        steps, cols = self.metrics.arrays()
        if "v_real" in cols and "v_fake" in cols:
            cols["v_total"] = cols["v_real"] + cols["v_fake"]
        self.plots[index].set_data(steps, cols)
        if len(steps):
            self._update_progress(int(steps[-1]))

    def _update_progress(self, step: int) -> None:
        now = time.monotonic()
        if self._rate is None:
            self._rate = (now, step)
        t0, s0 = self._rate
        rate = (step - s0) / (now - t0) if now > t0 and step > s0 else 0.0
        eta = f" · ETA {format_duration((self.total - step) / rate)}" if rate else ""
        speed = f" · {rate:.1f} it/s" if rate else ""
        self.progress.setMaximum(max(1, self.total))
        self.progress.setValue(min(step, self.total))
        last = self.metrics.last()
        growth = growth_text(last[1]) if last else ""
        self.progress.setFormat(f"step {step:,} / {self.total:,}{speed}{eta}{growth}")

    def on_event(self, event: RunStateEvent) -> None:
        """Mark live setting changes on every plot, draw evaluations, show diagnoses."""
        if event.kind == "change":
            key, new = event.data.get("key"), event.data.get("new")
            label = f"{key} → {new}"
            if not self.live and key in ("loss", "lr_g", "lr_d"):
                self._show_settings({key: new})  # a followed run's header follows its changes
            for plot in self.plots:
                plot.add_marker(event.step, label)
            self.quality.add_marker(event.step, label)
        elif event.kind == "eval":
            self.quality.add_rows([{"step": event.step, **event.data}])
        elif event.kind == "warning" and event.data.get("detector"):
            if self.banners.add(event.step, event.data) is not None:
                self.status_message.emit(f"Run doctor: {event.data.get('title', '')} "
                                         f"(step {event.step:,}) — see the Monitor tab")
        elif event.kind in ("warning", "note"):
            self.status_message.emit(event.message)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.banners.set_roomy(self.height() >= ROOMY_HEIGHT)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    # -- the timelapse -------------------------------------------------------------------------
    def _update_timeline(self) -> None:
        if self.folder is None:
            return
        at_end = self.timeline.value() >= self.timeline.maximum()
        self._snapshots = list_snapshots(self.folder)
        self.timeline.blockSignals(True)
        self.timeline.setRange(0, max(0, len(self._snapshots) - 1))
        self.timeline.setEnabled(len(self._snapshots) > 1)
        if at_end:
            self.timeline.setValue(self.timeline.maximum())
        self.timeline.blockSignals(False)
        if at_end:
            self._show_snapshot(self.timeline.value(), live=True)

    def _scrub(self, index: int) -> None:
        self._show_snapshot(index, live=index == self.timeline.maximum())

    def _show_snapshot(self, index: int, live: bool) -> None:
        if live and self._live_picture is not None:
            self.image.set_image(self._live_picture)
            step = self._snapshots[-1][0] if self._snapshots else 0
        elif 0 <= index < len(self._snapshots):
            step, path = self._snapshots[index]
            try:
                with Image.open(path) as img:
                    self.image.set_image(np.asarray(img.convert("RGB")))
            except OSError:
                return  # a snapshot being replaced right now; the next tick shows it
        else:
            return
        self.timeline_label.setText(f"step {step:,}")

    def save_image(self) -> None:
        save_picture_as(self, self.image.image(), "samples.png")

    def apply_fix(self, fix: dict[str, Any]) -> None:
        """Send a diagnosis's fix to the running training, exactly as given, and show the new
        values in the header (the run's change event then marks the plots)."""
        if not self.live:
            return
        for key, value in fix.items():
            if key == "loss":
                self.loss.setCurrentText(str(value))
            elif key in ("lr_g", "lr_d"):
                (self.lr_g if key == "lr_g" else self.lr_d).setText(f"{value:g}")
            self._applied[key] = value
            self.change_requested.emit(key, value)

    def _apply_changes(self) -> None:
        """Send only the settings that differ from what the run uses now."""
        wanted: dict[str, Any] = {"loss": self.loss.currentText()}
        for key, edit in (("lr_g", self.lr_g), ("lr_d", self.lr_d)):
            try:
                wanted[key] = float(edit.text())
            except ValueError:
                QMessageBox.warning(self, "Learning rate", f"{edit.text()!r} is not a number")
                return
        for key, value in wanted.items():
            if self._applied.get(key) != value:
                self._applied[key] = value
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
