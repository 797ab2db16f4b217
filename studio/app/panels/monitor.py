"""The Monitor tab: live curves of the game, the sample grid and its timelapse, the 2-D view.

It reads from a MetricBuffer and latest-wins slots on a ~10 Hz timer, whether the run trains
in this window or is a folder written by another process (followed by polling its files).
The header lives in monitor_header, the sample column in monitor_samples.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from studio.app.bridge import LatestSlot, MetricBuffer, RunStateEvent
from studio.app.panels.monitor_header import MonitorHeader, growth_text
from studio.app.panels.monitor_samples import SamplesPanel
from studio.app.widgets.doctor_banner import DoctorBanners
from studio.app.widgets.loss_plot import LossPlot
from studio.app.widgets.quality_plot import QualityPlot, hint_text
from studio.runs.reader import RunFollower, read_evals, read_events

__all__ = ["MonitorPanel", "growth_text"]

REFRESH_MS = 100
PLOT_INTERVAL_S = 1.0
ROOMY_HEIGHT = 640  # below this the doctor's banners take a line each
QUALITY_WIDTH = 250  # the quality column's least width: its titles must fit
# run-state events marked on the plots (a pause's "continued" sits on its "paused" line)
STATE_MARKS = {"paused": "paused", "stopped": "stopped", "resumed": "resumed",
               "failed": "failed"}
ENDED = ("finished", "stopped", "failed")


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
        self._plot_versions = [-1, -1, -1]  # the buffer version each plot last drew
        self._plot_drawn_at = [0.0, 0.0, 0.0]
        self._next_plot = 0
        self._watched_version = -1  # the buffer's version when a live run was handed over
        self.live = False  # a run training in this window: its settings can change
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        layout = QVBoxLayout(self)
        self.header = MonitorHeader()
        self.header.change_requested.connect(self.change_requested)
        self.banners = DoctorBanners()
        self.banners.fix_requested.connect(self.apply_fix)
        layout.addWidget(self.header)
        layout.addWidget(self.banners)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._build_plots())
        self.quality = QualityPlot()
        self.quality.setMinimumWidth(QUALITY_WIDTH)
        self.quality.has_data_changed.connect(self._show_quality)
        self.splitter.addWidget(self.quality)
        self.sample_panel = SamplesPanel()
        self.sample_panel.saved.connect(self.status_message)
        self.splitter.addWidget(self.sample_panel)
        self._show_quality(False)
        self.quality_hint.hide()  # until a run is shown
        layout.addWidget(self.splitter, 1)
        self.set_live_controls_enabled(False)

    # the header's and the sample column's widgets, by the names the window and tests use
    title = property(lambda self: self.header.title)
    progress = property(lambda self: self.header.progress)
    loss = property(lambda self: self.header.loss)
    lr_g = property(lambda self: self.header.lr_g)
    lr_d = property(lambda self: self.header.lr_d)
    apply = property(lambda self: self.header.apply)
    total = property(lambda self: self.header.total)
    views = property(lambda self: self.sample_panel.views)
    image = property(lambda self: self.sample_panel.image)
    game_view = property(lambda self: self.sample_panel.game_view)
    view_choice = property(lambda self: self.sample_panel.view_choice)
    timeline = property(lambda self: self.sample_panel.timeline)
    timeline_label = property(lambda self: self.sample_panel.timeline_label)
    save_button = property(lambda self: self.sample_panel.save_button)
    coverage_label = property(lambda self: self.sample_panel.coverage_label)

    def _build_plots(self) -> QWidget:
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = LossPlot("Losses", [("loss_d", "D loss", "#3b7dd8"),
                                             ("loss_g", "G loss", "#e6761b")],
                                  concept="non_saturating")
        self.d_plot = LossPlot("D outputs", [("d_real", "D(x)", "#2e9e5b"),
                                             ("d_fake", "D(G(z))", "#c0392b")],
                               concept="minimax")
        self.v_plot = LossPlot("The minimax game: terms of V(D, G)",
                               [("v_real", "E[log D(x)]", "#2e9e5b"),
                                ("v_fake", "E[log(1 − D(G(z)))]", "#c0392b"),
                                ("v_total", "V(D, G)", "#7f6fb0")], concept="minimax")
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

    # -- what to show --------------------------------------------------------------------------
    def watch(self, folder: Path, total: int, metrics: MetricBuffer, samples: LatestSlot,
              game: LatestSlot, points: bool, live_settings: dict[str, Any],
              eval_every: int = 0, classes: Sequence[str] = ()) -> None:
        """Show a run training in this window from the moment it is started, reading the
        worker's buffer (a resumed run's holds its history) and slots. The run's earlier
        evaluations, state changes and snapshots are read from its folder now; new ones come
        through `on_event` and the slots. Until the first new row the header names the phase
        (`set_phase`)."""
        last = metrics.last()
        self._reset(folder, total, points, game=points, start_step=last[0] if last else 0)
        self.quality_hint.setText(hint_text(eval_every))
        self.quality.set_rows(read_evals(folder))
        self.metrics, self.samples, self.game = metrics, samples, game
        self._watched_version = metrics.version
        self.header.applied = dict(live_settings)
        self.header.show_settings(live_settings)
        self.set_class_names(classes)
        self.set_live_controls_enabled(True)
        for event in read_events(folder):  # a resumed run's pauses, stops and changes
            self.on_event(_event(event), history=True)
        self.header.set_phase("starting")
        self.sample_panel.update_timeline()
        for _ in self.plots:  # the history at once
            self._draw_curves(force=True)
        self.timer.start()

    def follow(self, folder: Path, total: int, points: bool, eval_every: int = 0,
               settings: dict[str, Any] | None = None, classes: Sequence[str] = ()) -> None:
        """Show a run folder, following it live if another process is still writing it; the
        header shows the run's own loss and learning rates (`settings`), then its changes."""
        self._reset(folder, total, points, game=None)
        self.set_live_controls_enabled(False)
        if settings:
            self.header.show_settings(settings)
        self.set_class_names(classes)
        self.quality_hint.setText(hint_text(eval_every))
        self.metrics, self.samples, self.game = MetricBuffer(), LatestSlot(), LatestSlot()
        self.follower = RunFollower(folder)
        self.refresh()
        self.timer.start()

    def set_class_names(self, names: Sequence[str]) -> None:
        """A cGAN's class names, shown over the columns of its sample grid."""
        self.sample_panel.set_class_names(names)

    def set_phase(self, text: str) -> None:
        """What a run started here is preparing; shown until its first new log row."""
        if self.live and self.metrics.version == self._watched_version:
            self.header.set_phase(text)

    def _reset(self, folder: Path, total: int, points: bool, game: bool | None,
               start_step: int = 0) -> None:
        self.folder, self.follower = Path(folder), None
        self.header.set_run(Path(folder).name, total, start_step)
        self._plot_versions = [-1, -1, -1]
        for plot in self.plots:
            plot.clear()
            plot.follow_data()
        self.quality.clear()
        self.quality_hint.setHidden(self.quality.has_data)
        self.banners.clear()
        self.sample_panel.reset(folder, points, game)
        if game is None and points:  # a folder: the game view only where states were kept
            self.view_choice.setCurrentIndex(1 if self.sample_panel.has_kept_games() else 0)

    def set_live_controls_enabled(self, enabled: bool) -> None:
        """Live changes (the header's and the doctor's fixes) only for a run trained here."""
        self.live = enabled
        self.header.set_controls_enabled(enabled)
        self.banners.set_live(enabled)

    def stop_watching(self, status: str = "finished") -> None:
        """The run ended: draw what is left, then stop the timer (a folder keeps following)."""
        self.refresh()
        for _ in self.plots:
            self._draw_curves(force=True)
        self.set_live_controls_enabled(False)
        last = self.metrics.last()
        self.header.show_end(status, last[0] if last else 0)
        if self.follower is None:
            self.timer.stop()

    def shutdown(self) -> None:
        """Stop every timer (the refresh and the header's clock): the window is closing."""
        self.timer.stop()
        self.header.set_phase(None)

    def set_paused(self, paused: bool) -> None:
        """A run trained here paused or continued: the progress line says so, without a rate."""
        last = self.metrics.last()
        self.header.set_paused(paused, last[0] if last else 0)

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
            self.sample_panel.show_live_picture(picture.picture)
        state = self.game.take()
        if state is not None:
            self.sample_panel.show_live_game(state)

    def _poll_folder(self) -> None:
        rows, events, snaps = self.follower.poll()
        self.metrics.extend(rows)
        self.quality.add_rows(self.follower.new_evals)
        for event in events:
            self.on_event(_event(event))
        if snaps:
            self.sample_panel.update_timeline()

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
        if len(steps) and not (self.live and version == self._watched_version):
            last = self.metrics.last()
            ended = self.follower.status if self.follower is not None else ""
            if ended in ENDED:  # an opened run says how it ended, not a stale rate
                self.header.show_end(ended, int(steps[-1]))
            else:
                self.header.show_step(int(steps[-1]), growth_text(last[1]) if last else "")

    def on_event(self, event: RunStateEvent, history: bool = False) -> None:
        """Mark live setting changes and pauses, stops and resumes on every plot, draw
        evaluations, show diagnoses (`history`: an event read back from the folder, not news)."""
        if event.kind == "change":
            key, new = event.data.get("key"), event.data.get("new")
            if not self.live and key in ("loss", "lr_g", "lr_d"):
                self.header.show_settings({key: new})  # a followed run's header follows
            self._mark(event.step, f"{key} → {new}")
        elif event.kind in STATE_MARKS:
            self._mark(event.step, STATE_MARKS[event.kind])
        elif event.kind == "eval":
            if not history:  # the folder's evaluations were read with the metrics
                self.quality.add_rows([{"step": event.step, **event.data}])
        elif event.kind == "warning" and event.data.get("detector"):
            if history:
                return  # a resumed run is diagnosed afresh: old findings offer no fixes
            if self.banners.add(event.step, event.data) is not None:
                self.status_message.emit(f"Run doctor: {event.data.get('title', '')} "
                                         f"(step {event.step:,}) — see the Monitor tab")
        elif event.kind in ("warning", "note") and not history:
            self.status_message.emit(event.message)

    def _mark(self, step: int, label: str) -> None:
        for plot in self.plots:
            plot.add_marker(step, label)
        self.quality.add_marker(step, label)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.banners.set_roomy(self.height() >= ROOMY_HEIGHT)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    # -- samples and fixes ---------------------------------------------------------------------
    def save_image(self) -> None:
        """Save what the sample column shows (the grid or the 2-D game)."""
        self.sample_panel.save_image()

    def apply_fix(self, fix: dict[str, Any]) -> None:
        """Send a diagnosis's fix to the running training, exactly as given, and show the new
        values in the header (the run's change event then marks the plots)."""
        if not self.live:
            return
        for key, value in fix.items():
            if key in ("loss", "lr_g", "lr_d"):
                self.header.show_settings({key: value})
            self.header.applied[key] = value
            self.change_requested.emit(key, value)


def _event(row: dict[str, Any]) -> RunStateEvent:
    """An events.jsonl row as the event the worker would have sent."""
    return RunStateEvent(row.get("step", 0), row.get("kind", ""), row.get("message", ""),
                         row.get("data", {}))
