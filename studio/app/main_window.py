"""The main window: menus, toolbar, tabs and status bar; wires the panels to the workers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QTabWidget

from studio.app.bridge import FailureInfo, RunStateEvent
from studio.app.dialogs import PreferencesDialog, show_failure
from studio.app.estimate_worker import EstimateWorker
from studio.app.explorer import Explorer
from studio.app.export_dialog import ExportDialog, open_export_dialog
from studio.app.help import show_concept
from studio.app.menus import build_menus, make_action
from studio.app.panels.explore import ExplorePanel
from studio.app.panels.first_start import FirstStart, should_offer
from studio.app.panels.monitor import MonitorPanel
from studio.app.panels.monitor_notify import Notifier
from studio.app.panels.runs import RunsPanel
from studio.app.panels.setup import SetupPanel
from studio.app.style import apply_style
from studio.app.workers import DatasetDescriber, EngineInfo, EngineLoader, TrainingWorker
from studio.config import DataConfig, RunConfig
from studio.data import BUILTINS
from studio.errors import StudioError
from studio.runs.reader import read_config
from studio.runs.workspace import default_workspace, new_run_folder

MAX_RECENT = 8
BUSY_TIP = "A run is training: stop it (Ctrl+.) before starting another"
MONITOR_TAB = 1


def is_points(config: RunConfig) -> bool:
    """Whether the run learns 2-D points (the Monitor then shows the 2-D game)."""
    builtin = BUILTINS.get(config.data.dataset)
    return builtin is not None and builtin.kind == "points"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, load_engine: bool = True,
                 first_start: bool = False) -> None:
        """`first_start`: open on the first-start page if this machine never saw the studio
        (no run in the workspace, the page never dismissed); the app passes True."""
        super().__init__()
        self.settings = settings or QSettings("GAN Studio", "GAN Studio")
        self.setWindowTitle("GAN Studio")
        self.setAcceptDrops(True)
        self.engine: EngineInfo | None = None
        self.worker: TrainingWorker | None = None
        self._run_began = 0.0  # monotonic time the current run was started
        self._opened_config: tuple[Path | None, Any] = (None, None)  # opened cGAN run's data
        self.workspace = Path(str(self.settings.value("workspace", "")) or default_workspace())
        self.setup = SetupPanel()
        self.setup.set_inception(str(self.settings.value("inception", "") or ""))
        self.monitor = MonitorPanel()
        self.runs = RunsPanel(self.workspace)
        self.explore = ExplorePanel()
        self.explorer = Explorer(self, self.explore)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for panel, title in ((self.setup, "New run"), (self.monitor, "Monitor"),
                             (self.explore, "Explore"), (self.runs, "Runs")):
            self.tabs.addTab(panel, title)
        self.setCentralWidget(self.tabs)
        self.describer = DatasetDescriber(self)
        self.thumbnails = DatasetDescriber(self, latest_only=False)
        self.class_reader = DatasetDescriber(self)  # an opened cGAN run's class names
        self.notifier = Notifier(self)
        self.estimator = EstimateWorker(self)  # times a few steps of the form's run
        self.setup.attach_estimator(self.estimator)
        self._build_actions()
        self._build_status_bar()
        self._wire()
        self._restore_settings()
        self.loader = EngineLoader(self)
        self.loader.loaded.connect(self._engine_loaded)
        self.loader.failed.connect(self._engine_failed)
        self.first_start = (FirstStart(self) if first_start
                            and should_offer(self.settings, self.workspace) else None)
        if self.first_start is None:  # (the first-start page offers the bundled model itself)
            QTimer.singleShot(0, self.explorer, self.explorer.offer_bundled_model)
        if load_engine:
            self.loader.start()

    # -- building ------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        build_menus(self)
        self._set_running(False)

    def _build_status_bar(self) -> None:
        self.engine_label = QLabel("Loading the training engine…")
        self.state_label = QLabel("Idle")
        self.statusBar().addWidget(self.engine_label, 1)
        self.statusBar().addPermanentWidget(self.state_label)

    def _wire(self) -> None:
        self.setup.dataset_changed.connect(self.describer.request)
        self.setup.folder_chosen.connect(self._remember_dataset)
        self.setup.start_requested.connect(self.start_training)
        self.describer.described.connect(lambda cfg, d: self.setup.show_description(d))
        self.describer.failed.connect(lambda cfg, f: self.setup.show_dataset_error(f.message))
        self.class_reader.described.connect(self._opened_run_described)
        self.monitor.change_requested.connect(self._change_setting)
        self.monitor.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.runs.open_requested.connect(self.open_run)
        self.runs.resume_requested.connect(self.resume_training)
        self.runs.new_from_config_requested.connect(self.new_from_config)
        self.runs.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.setup.concept_requested.connect(lambda key: show_concept(self, key))
        for plot in (*self.monitor.plots, self.monitor.quality):  # a title's "?": Help page
            plot.concept_requested.connect(lambda key: show_concept(self, key))
        self.tabs.currentChanged.connect(self.explorer.on_tab_changed)
        self.explore.export_requested.connect(lambda recipe: open_export_dialog(self, recipe))

    # -- engine --------------------------------------------------------------------------------
    def _engine_loaded(self, info: EngineInfo) -> None:
        self.engine = info
        self.engine_label.setText(f"Engine ready · torch {info.torch_version} · "
                                  f"{', '.join(info.devices)}")
        self.setup.set_devices(list(info.devices))
        self.setup.set_engine_ready(True)
        self.setup.refresh_dataset()
        self.thumbnails.described.connect(lambda cfg, d: self.setup.set_thumbnail(d))
        for name, builtin in BUILTINS.items():  # small versions, just for icon and classes
            size = 2000 if builtin.kind == "points" else 64  # a scatter needs many points
            self.thumbnails.request(DataConfig(dataset=name, size=size, resolution=32))

    def _engine_failed(self, failure: FailureInfo) -> None:
        self.engine_label.setText("The training engine could not load")
        show_failure(self, failure)

    # -- running -------------------------------------------------------------------------------
    def start_training(self) -> None:
        if self.worker is not None or not self.start_action.isEnabled():
            return
        ok, why = self.setup.can_start()
        if not ok:
            self.statusBar().showMessage(why, 5000)
            return
        try:
            config = self.setup.current_config()
        except StudioError as exc:
            QMessageBox.warning(self, "Cannot start", str(exc))
            return
        folder = new_run_folder(self.workspace, config.variant, config.data.dataset)
        self._launch(TrainingWorker(config, folder), config)

    def resume_training(self, folder: Path) -> None:
        if self.worker is not None:
            QMessageBox.information(self, "Busy", "Stop the current run before resuming one.")
            return
        try:
            config = read_config(folder)
        except StudioError as exc:
            QMessageBox.warning(self, "Cannot resume", str(exc))
            return
        self._launch(TrainingWorker(None, folder, resume=True), config)

    def _launch(self, worker: TrainingWorker, config: RunConfig) -> None:
        """Start `worker` and show its run in the Monitor at once (name, phase, history)."""
        self.worker = worker
        self._run_began = time.monotonic()
        t = config.train
        self.monitor.watch(worker.folder, t.steps, worker.metrics, worker.samples, worker.game,
                           is_points(config), {"loss": t.loss, "lr_g": t.lr_g, "lr_d": t.lr_d},
                           t.eval_every)
        self.settings.setValue("last_run", str(worker.folder))
        self.tabs.setCurrentWidget(self.monitor)
        worker.phase.connect(self.monitor.set_phase)
        worker.started_run.connect(self._run_started)
        worker.event.connect(self._on_event)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        worker.snapshot_written.connect(
            lambda _step: self.explorer.refresh_if_exploring(worker.folder))
        self._set_running(True)
        self.runs.set_active_run(worker.folder)  # the run this window trains cannot be trashed
        self.state_label.setText("Starting…")
        worker.start()

    def _run_started(self, folder: Path, config: Any) -> None:
        """The networks are built: the run's total (a resume may raise it) and class names."""
        if self.worker is None:
            return
        self.monitor.header.total = config.train.steps
        if config.variant == "cgan":
            self.monitor.set_class_names(self.worker.classes)
        self.state_label.setText("Training")

    def _on_event(self, event: RunStateEvent) -> None:
        self.monitor.on_event(event)
        if event.kind in ("paused", "continued"):
            paused = event.kind == "paused"
            self.pause_action.setText("Resume" if paused else "Pause")
            self.state_label.setText("Paused" if paused else "Training")
            self.monitor.set_paused(paused)

    def _on_failed(self, failure: FailureInfo) -> None:
        show_failure(self, failure)

    def _on_finished(self, status: str) -> None:
        folder = self.worker.folder if self.worker is not None else None
        if self.worker is not None:
            self.worker.wait()
        self.worker = None
        self.runs.set_active_run(None)
        self.monitor.stop_watching(status)
        self._set_running(False)
        self.state_label.setText({"finished": "Finished", "stopped": "Stopped"}.get(
            status, "Failed — the last good checkpoint is kept"))
        self.runs.refresh()
        if folder is not None and status in ("finished", "failed"):
            self.notifier.run_ended(folder.name, status, time.monotonic() - self._run_began,
                                    self.isActiveWindow())

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self.worker.controls.paused:
            self.worker.resume_training()
        else:
            self.worker.pause()

    def stop_training(self) -> None:
        if self.worker is not None:
            self.state_label.setText("Stopping — saving a checkpoint…")
            self.worker.stop(save=True)

    def _change_setting(self, key: str, value: Any) -> None:
        if self.worker is not None:
            self.worker.change(key, value)

    def _set_running(self, running: bool) -> None:
        """Start is off while a run trains (saying why); Pause and Stop only then."""
        self.start_action.setEnabled(not running)
        self.start_action.setToolTip(BUSY_TIP if running else "Start training (Ctrl+Return)")
        # the New run tab keeps Start off with the reason, and times no steps beside the run
        # (building a trainer there would touch torch's global seed)
        self.setup.set_busy(BUSY_TIP if running else "")
        if running:
            self.estimator.cancel()
        self.pause_action.setEnabled(running)
        self.pause_action.setText("Pause")
        self.stop_action.setEnabled(running)

    # -- runs on disk --------------------------------------------------------------------------
    def open_run(self, folder: Path) -> bool:
        """Show a run folder in the Monitor (following it while another process writes it)."""
        try:
            config = read_config(folder)
        except StudioError as exc:
            QMessageBox.warning(self, "Cannot open run", str(exc))
            return False
        t = config.train
        self.monitor.follow(folder, t.steps, is_points(config), t.eval_every,
                            {"loss": t.loss, "lr_g": t.lr_g, "lr_d": t.lr_d})
        if config.variant == "cgan":
            self._opened_config = (Path(folder), config.data)
            self.class_reader.request(config.data)
        self.settings.setValue("last_run", str(folder))
        self.tabs.setCurrentWidget(self.monitor)
        return True

    def _opened_run_described(self, data: DataConfig, description: Any) -> None:
        """An opened cGAN run's dataset was read: its class names label the grid's columns."""
        folder, wanted = self._opened_config
        if data == wanted and self.monitor.folder == folder and self.worker is None:
            self.monitor.set_class_names(description.classes)

    def new_from_config(self, folder: Path) -> None:
        try:
            self.setup.set_config(read_config(folder))
        except StudioError as exc:
            QMessageBox.warning(self, "Cannot read config", str(exc))
            return
        self.tabs.setCurrentWidget(self.setup)

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(str(self.workspace),
                                   str(self.settings.value("theme", "auto")), self,
                                   inception=self.setup.inception)
        dialog.accepted.connect(lambda: self.apply_preferences(*dialog.values()))
        dialog.open()

    def apply_preferences(self, workspace: str, theme: str, inception: str | None = None) -> None:
        """Use `workspace` for new runs and the Runs tab, switch the colour theme, and give new
        runs the FID Inception weights file `inception` ("" for none, None: unchanged)."""
        if inception is not None:
            self.settings.setValue("inception", inception)
            self.setup.set_inception(inception)
        if workspace:
            self.workspace = Path(workspace).expanduser()
            self.settings.setValue("workspace", str(self.workspace))
            self.runs.set_workspace(self.workspace)
        self.settings.setValue("theme", theme)
        apply_style(QApplication.instance(), theme)

    # -- drag and drop, recent datasets, settings ----------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() and Path(u.toLocalFile()).is_dir() for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folder = Path(event.mimeData().urls()[0].toLocalFile())
        if (folder / "config.toml").exists():
            self.open_run(folder)
        else:
            self.setup.choose_dataset(str(folder))
            self._remember_dataset(str(folder))
            self.tabs.setCurrentWidget(self.setup)

    def _remember_dataset(self, path: str) -> None:
        recent = [p for p in self._recent() if p != path]
        self.settings.setValue("recent_datasets", [path, *recent][:MAX_RECENT])
        self._fill_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent_datasets", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            self.recent_menu.addAction(make_action(
                self, path, lambda _=False, p=path: self.setup.choose_dataset(p)))
        self.recent_menu.setEnabled(bool(self._recent()))

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)
        self._fill_recent_menu()
        self.setup.choose_dataset(str(self.settings.value("dataset", "ring8")))
        self.setup.select_variant(str(self.settings.value("variant", "gan")))
        self._restore_tab(int(self.settings.value("tab", 0)))

    def _restore_tab(self, tab: int) -> None:
        """Reopen the last-used tab, never an empty Monitor: it shows the last run shown
        there, or the window opens on New run."""
        last = Path(str(self.settings.value("last_run", "") or "."))
        if tab == MONITOR_TAB and not ((last / "config.toml").is_file() and self.open_run(last)):
            tab = 0
        self.tabs.setCurrentIndex(tab if 0 <= tab < self.tabs.count() else 0)

    def _save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.setValue("dataset", self.setup.dataset())
        self.settings.setValue("variant", self.setup.variant)
        self.settings.setValue("tab", self.tabs.currentIndex())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.worker is not None:
            answer = QMessageBox.question(
                self, "Training is running",
                "Stop training and quit? A checkpoint is saved so the run can be resumed.\n"
                "Choose No to keep training.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.worker.stop(save=True)
            self.worker.wait()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop every timer and wait for every thread, so nothing outlives the window."""
        self._save_settings()
        self.monitor.shutdown()
        self.runs.stop_timers()
        self.explore.interp_view.play_button.setChecked(False)
        for timer in self.statusBar().findChildren(QTimer):  # a timed message's timer
            timer.stop()
        self.loader.wait()
        for worker in (self.describer, self.thumbnails, self.class_reader, self.estimator):
            worker.close()  # no request made after this (a late timer, a late signal) starts
        self.notifier.hide()
        for dialog in self.findChildren(ExportDialog):  # cancels an export; removes its parts
            dialog.worker.shutdown()
        self.explorer.shutdown()
        if self.worker is not None:
            self.worker.stop(save=True)
            self.worker.wait()
