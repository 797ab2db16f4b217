"""The Export dialog: images, a video or the model from an Explore view's recipe.

It opens prefilled with the view's recipe, loads the generator on the export worker (never
on the GUI thread), and says what Start will write. Start runs the export on the worker:
a progress bar with the time left, Cancel (the engine stops at its next step and leaves
nothing), and at the end what was written or the error's plain message, in the dialog.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.app import save_files
from studio.app.bridge import FailureInfo
from studio.app.export_form import ImagesPage, ModelPage, VideoPage, duration, result_text
from studio.app.export_worker import ExportDone, ExportJob, ExportWorker, SourceFacts
from studio.explore.catalog import BUNDLED_PREFIX
from studio.variants import VARIANTS

ERROR_STYLE = "color: #e53935;"  # readable on the light and the dark window


def open_export_dialog(window: QWidget, recipe: dict[str, Any]) -> ExportDialog:
    """Open a non-modal Export dialog for `recipe` over `window` (its `workspace`, when it
    has one, decides the default exports folder); it deletes itself when closed."""
    dialog = ExportDialog(window, recipe, workspace=getattr(window, "workspace", None))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def source_name(source: str) -> str:
    """A short name of a recipe's source for file names: the bundled name or folder name."""
    if source.startswith(BUNDLED_PREFIX):
        return source[len(BUNDLED_PREFIX):]
    return Path(source).name or "export"


def run_folder_of(source: str) -> Path | None:
    """The run folder a recipe's source names (exports then go to its exports/), or None
    for a bundled or model folder."""
    if source.startswith(BUNDLED_PREFIX):
        return None
    path = Path(source).expanduser()
    is_run = (path / "config.toml").exists() and not (path / "manifest.json").exists()
    return path if is_run else None


class ExportDialog(QDialog):
    """Kind pages, the output path, Overwrite, a summary, progress, and the result."""

    def __init__(self, parent: QWidget | None, recipe: dict[str, Any], *,
                 workspace: Path | None = None, device: str = "auto") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.recipe = dict(recipe)
        self.workspace = Path(workspace) if workspace else None
        self.facts: SourceFacts | None = None
        self.last: ExportDone | None = None
        self._path_edited = False  # the person typed or chose a name: keep it
        self._folder: Path | None = None  # the folder the person chose with Browse…
        self._close_when_done = False
        self._started = 0.0
        self.worker = ExportWorker(device, self)
        self.worker.source_loaded.connect(self._on_loaded)
        self.worker.source_failed.connect(self._on_load_failed)
        self.worker.progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self._build()
        self._default_path()
        self._update()
        self.worker.load(self.recipe)

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_label = QLabel(f"Opening {html.escape(source_name(self.recipe['source']))}…")
        self.source_label.setWordWrap(True)
        self.pages = QTabWidget()
        self.images = ImagesPage(self.recipe)
        self.video = VideoPage(self.recipe)
        self.model = ModelPage(self.recipe)
        for page, title in ((self.images, "Images"), (self.video, "Video"),
                            (self.model, "Model")):
            self.pages.addTab(page, title)
            page.changed.connect(self._on_options)
        self.pages.currentChanged.connect(self._on_options)
        self.path = QLineEdit()
        self.path.setToolTip("Where the export goes; a folder for images, ONNX and model "
                             "files, a file for a video or TorchScript")
        self.path.textEdited.connect(self._on_path_edited)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        self.overwrite = QCheckBox("Overwrite if it exists")
        self.overwrite.setToolTip("Replace an existing file or folder of this name (only once "
                                  "the new one is complete)")
        self.overwrite.toggled.connect(self._update)
        self.path_note = QLabel()
        self.path_note.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("exportSummary")
        self.summary.setStyleSheet("font-weight: bold;")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)  # no "0%" before anything started
        self.progress_label = QLabel()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setLayout(self._arrange())
        self.resize(620, 500)

    def _arrange(self) -> QVBoxLayout:
        path_row = QHBoxLayout()
        path_row.addWidget(QLabel("Save to"))
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse_button)
        self.open_button = QPushButton("Open folder")
        self.open_button.setToolTip("Show the exported files in the file manager")
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.setEnabled(False)
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the export; nothing it started to write is kept")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout()
        layout.addWidget(self.source_label)
        layout.addWidget(self.pages, 1)
        layout.addLayout(path_row)
        layout.addWidget(self.overwrite)
        layout.addWidget(self.path_note)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.result)
        layout.addLayout(buttons)
        return layout

    # -- choices -------------------------------------------------------------------------------
    def page(self) -> Any:
        return self.pages.currentWidget()

    def job_kind(self) -> str:
        """The engine's kind: images, video, or the model format (onnx, model, torchscript)."""
        page = self.page()
        return page.model_format() if page is self.model else page.kind

    def output(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def _default_path(self) -> None:
        """A descriptive name in the exports folder that names nothing existing yet."""
        what, suffix = self.page().output_name()
        folder = self._folder or save_files.default_folder(self.workspace,
                                                           run_folder_of(self.recipe["source"]))
        name = save_files.file_name(source_name(self.recipe["source"]), what,
                                    step=self.recipe.get("checkpoint"), suffix=suffix)
        self.path.setText(str(save_files.unique_path(folder / name)))

    def _on_path_edited(self) -> None:
        self._path_edited = True
        self._update()

    def _on_options(self, *_: Any) -> None:
        """A new kind or format: a fresh default name, or the person's name with the
        suffix the new format needs."""
        if not self._path_edited:
            self._default_path()
        else:
            suffix = self.page().output_name()[1]
            out = self.output()
            if suffix and out.suffix.lower() != suffix:
                known = out.suffix.lower() in (".mp4", ".gif", ".pt")
                self.path.setText(str(out.with_suffix(suffix) if known else
                                      out.with_name(out.name + suffix)))
        self._update()

    def browse(self) -> None:
        """Choose the file (video, TorchScript) or the folder to put the output folder in."""
        out = self.output()
        suffix = self.page().output_name()[1]
        if suffix:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export to", str(out), f"{suffix[1:].upper()} (*{suffix})")
            if not chosen:
                return
            path = Path(chosen)
            path = path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)
            self.path.setText(str(path))
            self._path_edited = True
        else:
            chosen = QFileDialog.getExistingDirectory(self, "Export into folder",
                                                      str(out.parent))
            if not chosen:
                return
            self.path.setText(str(save_files.unique_path(Path(chosen) / out.name)))
        self._folder = Path(self.path.text()).parent
        self._update()

    def _update(self, *_: Any) -> None:
        """The summary line, the note on an existing output, and which buttons work."""
        self.summary.setText(self.page().summary())
        out = self.output()
        exists = bool(self.path.text().strip()) and out.exists()
        if exists and self.overwrite.isChecked():
            self.path_note.setText(f"{out.name} exists and will be replaced.")
        elif exists:
            self.path_note.setText(f"{out.name} exists: tick “Overwrite if it exists” or "
                                   "choose another name.")
        self.path_note.setVisible(exists)
        running = self.worker.is_running()
        self.start_button.setEnabled(self.facts is not None and not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.pages, self.path, self.browse_button, self.overwrite):
            widget.setEnabled(not running)

    # -- the source ----------------------------------------------------------------------------
    def _on_loaded(self, facts: SourceFacts) -> None:
        self.facts = facts
        variant = VARIANTS.get(facts.variant)
        kind = variant.title if variant is not None else facts.variant
        classes = f" · {len(facts.classes)} classes" if facts.classes else ""
        self.source_label.setText(
            f"<b>{html.escape(facts.label)}</b> · step {facts.step:,} · "
            f"{facts.width}×{facts.height} px · {kind}{classes} · {self._recipe_line()}")
        for page in (self.images, self.video, self.model):
            page.set_facts(facts)
        self._update()

    def _recipe_line(self) -> str:
        r = self.recipe
        parts = [f"{r.get('view', 'image')} view", f"seed {r.get('seed', 0)}"]
        if self.facts is not None and self.facts.styled:
            parts.append(f"ψ {float(r.get('psi', 1.0)):g}")
            directions = r.get("directions") or {}
            if directions:
                method = {"pca": "PCA", "sefa": "SeFa"}.get(directions.get("method"), "")
                parts.append(f"{directions.get('count')} {method} directions")
        return ", ".join(parts)

    def _on_load_failed(self, failure: FailureInfo) -> None:
        self.source_label.setText(f"<span style='{ERROR_STYLE}'>"
                                  f"{html.escape(failure.message, quote=False)}</span>")
        self._update()

    # -- running -------------------------------------------------------------------------------
    def job(self) -> ExportJob:
        """The export the dialog describes now."""
        return ExportJob(self.job_kind(), self.recipe, self.output(),
                         self.overwrite.isChecked(), self.page().options())

    def start(self) -> None:
        """Check the output path, then export on the worker."""
        if self.worker.is_running() or self.facts is None:
            return
        out = self.output()
        if not self.path.text().strip():
            self._say_error("Choose where to save the export.")
            return
        if out.exists() and not self.overwrite.isChecked():
            self._say_error(f"{out} already exists. Tick “Overwrite if it exists” to replace "
                            "it, or choose another name.")
            return
        self.last = None
        self.open_button.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText("")
        self.progress.setRange(0, 0)  # busy until the first step reports
        self.progress.setTextVisible(True)
        self.progress_label.setText("Starting…")
        self._started = time.monotonic()
        self.worker.start(self.job())
        self._update()

    def cancel(self) -> None:
        """Ask the export to stop at its next step."""
        if self.worker.is_running():
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling…")

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(min(done, max(1, total)))
        if self.progress_label.text() == "Cancelling…":
            return
        left = ""
        elapsed = time.monotonic() - self._started
        if 0 < done < total and elapsed > 1.0:
            left = f" · about {duration(elapsed / done * (total - done))} left"
        self.progress_label.setText(f"{what or 'step'}: {done} of {total}{left}")

    def _finish(self) -> None:
        self.progress.setRange(0, 1)
        self._update()
        if self._close_when_done:
            self.close()

    def _on_finished(self, done: ExportDone) -> None:
        self.last = done
        self.progress_label.setText(f"Done in {duration(done.seconds)}")
        self.result.setStyleSheet("")
        self.result.setText(result_text(done))
        self.open_button.setEnabled(True)
        save_files.remember_folder(done.job.out.parent)
        if not self._path_edited:
            self._default_path()  # Start again makes a new export, not a clash with this one
        self._finish()
        self.progress.setValue(1)  # full

    def _on_failed(self, failure: FailureInfo) -> None:
        self.progress_label.setText("")
        self._say_error(failure.message)
        self._finish()
        self.progress.setValue(0)
        self.progress.setTextVisible(False)

    def _on_cancelled(self, message: str) -> None:
        self.progress_label.setText("")
        self.result.setStyleSheet("")
        self.result.setText("Cancelled: nothing was written.")
        self._finish()
        self.progress.setValue(0)
        self.progress.setTextVisible(False)

    def _say_error(self, message: str) -> None:
        self.result.setStyleSheet(ERROR_STYLE)
        self.result.setText(message)

    def open_folder(self) -> None:
        """Show the exported folder (or the folder holding the exported file)."""
        if self.last is None:
            return
        out = self.last.job.out
        folder = out if out.is_dir() else out.parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing while exporting cancels; the dialog closes once the export has stopped."""
        if self.worker.is_running():
            self._close_when_done = True
            self.cancel()
            event.ignore()
            return
        event.accept()  # not QDialog's closeEvent: that calls reject(), which closes again

    def reject(self) -> None:
        """Esc: as Close (so a dialog opened with WA_DeleteOnClose is deleted)."""
        self.close()

