"""Connects the Explore tab to its render worker and to what there is to explore: the bundled
models and the workspace's GAN, DCGAN, cGAN and StyleGAN runs of images (including the one
training right now)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMainWindow

from studio.app.panels.explore import ExplorePanel
from studio.app.render_worker import RenderWorker
from studio.data import BUILTINS, POINTS
from studio.errors import StudioError
from studio.explore.catalog import EXPLORED_VARIANTS, list_bundled_models
from studio.runs.reader import RunSummary, has_checkpoint, list_runs
from studio.variants import VARIANTS


def explorable_run(run: RunSummary) -> bool:
    """A run Explore can open: an explorable variant, images (not 2-D points), a checkpoint."""
    builtin = BUILTINS.get(run.dataset)
    points = builtin is not None and builtin.kind == POINTS
    return run.variant in EXPLORED_VARIANTS and not points and has_checkpoint(run.folder)


class Explorer(QObject):
    """Owns the render worker; the window calls it on tab changes and new checkpoints."""

    def __init__(self, window: QMainWindow, panel: ExplorePanel) -> None:
        super().__init__(window)
        self.window, self.panel = window, panel
        self.renderer = RenderWorker("auto", self)
        panel.render_requested.connect(self.renderer.request)
        panel.open_requested.connect(self.open_folder)
        self.renderer.rendered.connect(panel.show_result)
        self.renderer.source_loaded.connect(panel.show_source)
        self.renderer.source_failed.connect(panel.show_source_failure)
        panel.status_message.connect(self._say)
        panel.workspace = Path(window.workspace)  # type: ignore[attr-defined]

    def _say(self, message: str, ms: int = 8000) -> None:
        self.window.statusBar().showMessage(message, ms)

    def sources(self) -> list[tuple[str, str]]:
        """The bundled models, then every explorable run of the workspace (see
        `explorable_run`), each labelled with its variant."""
        try:
            models = [(f"{m.title} (bundled)", str(m.path)) for m in list_bundled_models()]
        except StudioError as exc:
            self._say(str(exc))
            models = []
        workspace = Path(self.window.workspace)  # type: ignore[attr-defined]
        self.panel.workspace = workspace
        runs = [(f"{r.name} · {VARIANTS[r.variant].title} · {r.status}", str(r.folder))
                for r in list_runs(workspace) if explorable_run(r)]
        return models + runs

    def on_tab_changed(self, index: int) -> None:
        """Showing the tab lists the sources and, the first time, opens the first one."""
        if self.window.centralWidget().widget(index) is not self.panel:  # type: ignore[attr-defined]
            return
        sources = self.sources()
        self.panel.set_sources(sources)
        if self.panel.source_path is None and sources:
            self.panel.open_source(sources[0][1], sources[0][0])

    def refresh_if_exploring(self, folder: Path) -> None:
        """A run wrote a snapshot: if it is the one explored, re-render (the worker reloads
        its generator when a newer checkpoint exists)."""
        if self.panel.isVisible() and self.panel.source_path == str(folder):
            self.panel.refresh()

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open a run or model folder")
        if folder:
            self.panel.open_source(folder)

    def explore_bundled(self) -> None:
        """Show the first bundled model in the Explore tab."""
        models = list_bundled_models()
        if not models:
            self._say("No bundled model is installed", 5000)
            return
        self.window.centralWidget().setCurrentWidget(self.panel)  # type: ignore[attr-defined]
        self.panel.open_source(str(models[0].path), f"{models[0].title} (bundled)")

    def offer_bundled_model(self) -> None:
        """On the very first start, point at the model that ships with the studio."""
        settings = self.window.settings  # type: ignore[attr-defined]
        if settings.value("offered_bundled_model", False, type=bool):
            return
        settings.setValue("offered_bundled_model", True)
        models = list_bundled_models()
        if models:
            self._say(f"New here? “{models[0].title}”, a StyleGAN that ships with GAN Studio, "
                      "is ready to play with in the Explore tab (Ctrl+3).", 20000)

    def shutdown(self) -> None:
        self.renderer.shutdown()
