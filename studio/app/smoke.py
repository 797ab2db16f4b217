"""The window's part of `gan-studio --self-test`: the studio opens offscreen, explores the
bundled model, and exports PNGs, an MP4, a GIF and an ONNX through the Explore tab's Export
dialog, as a person would; the ONNX, run in onnxruntime, must give the picture Explore shows.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

EXPORTS = (  # (Export dialog page, settings, output name)
    ("images", {"count": 2}, "pictures"),
    ("video", {"format": "mp4"}, "walk.mp4"),
    ("video", {"format": "gif"}, "walk.gif"),
    ("model", {"format": "onnx"}, "onnx"),
)


class SmokeFailed(Exception):
    """Something a person would see go wrong in the window; the message says what."""


def _wait(done: Callable[[], Any], what: str, timeout_s: float = 120.0) -> Any:
    """Run the event loop until `done()` is neither None nor False; its value, or SmokeFailed
    on timeout."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while True:
        value = done()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailed(f"waited {timeout_s:.0f} s for {what}")
        QTimer.singleShot(10, loop.quit)
        loop.exec()


def _offscreen_app() -> QApplication:
    if QCoreApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return QApplication([sys.argv[0]])
    return QApplication.instance()  # type: ignore[return-value]


def _configure(dialog: Any, page: str, settings: dict[str, Any]) -> None:
    """Choose the dialog's page and options as a person would, for a short export."""
    widget = getattr(dialog, page)
    dialog.pages.setCurrentWidget(widget)
    if page == "images":
        widget.count.setValue(settings["count"])
    elif page == "video":
        widget.kinds["walk"].setChecked(True)
        widget.formats[settings["format"]].setChecked(True)
        widget.fps.setValue(8)
        widget.seconds.setValue(1.0)
    else:
        widget.formats[settings["format"]].setChecked(True)


def _export_all(dialog: Any, folder: Path) -> list[str]:
    """Run every export of EXPORTS through the dialog; the names of what was written."""
    written = []
    for page, settings, name in EXPORTS:
        _configure(dialog, page, settings)
        dialog.path.setText(str(folder / name))
        dialog.start_button.click()
        _wait(lambda: not dialog.worker.is_running(), f"the {name} export")
        if dialog.last is None or not (folder / name).exists():
            raise SmokeFailed(f"the Export dialog wrote no {name}: {dialog.result.text()}")
        written.append(name)
    return written


def _onnx_picture(folder: Path, recipe: dict[str, Any]) -> np.ndarray:
    """The recipe's image view (const noise, no directions) run through the exported
    mapping.onnx + synthesis.onnx in onnxruntime: uint8 [H, W, C]."""
    import json

    import onnxruntime as ort

    from studio.explore.latents import z_from_seeds
    from studio.export.images import to_uint8

    spec = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    z_dim = spec["graphs"]["mapping"]["inputs"][0]["shape"][1]
    cutoff = spec["num_ws"] if recipe.get("cutoff") is None else recipe["cutoff"]
    mapping = ort.InferenceSession(str(folder / "mapping.onnx"))
    synthesis = ort.InferenceSession(str(folder / "synthesis.onnx"))
    ws = mapping.run(["ws"], {"z": z_from_seeds([recipe["seed"]], z_dim).numpy(),
                              "psi": np.array(recipe["psi"], np.float32),
                              "cutoff": np.array(cutoff, np.int64)})[0]
    with np.load(folder / spec["noise_const"]) as noise:
        feed = {"ws": ws} | {name: noise[name] for name in noise.files}
    return to_uint8(synthesis.run(["images"], feed)[0])[0]


def explore_export_check(work: Path) -> str:
    """Open the window offscreen (settings and workspace in `work`), explore the bundled
    model, export through the Export dialog into `work/exports`, compare the ONNX's pixels
    with the Explore tab's, close the window. A one-line summary, or SmokeFailed."""
    from studio.app.export_dialog import ExportDialog
    from studio.app.main_window import MainWindow

    app = _offscreen_app()
    handler = qInstallMessageHandler(lambda *_: None)  # the offscreen platform's notes
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("workspace", str(work / "runs"))
    window = MainWindow(settings)
    window.show()
    try:
        _wait(lambda: window.engine is not None, "the training engine to load")
        window.explorer.explore_bundled()
        view = window.explore.image_view
        shown = np.asarray(_wait(view.picture, "the bundled model's first picture"))
        view.export_button.click()
        dialog = _wait(lambda: window.findChild(ExportDialog), "the Export dialog")
        _wait(lambda: dialog.facts is not None, "the Export dialog to load the model")
        written = _export_all(dialog, work / "exports")
        recipe = dialog.recipe
        if recipe.get("noise_mode", "const") != "const" or recipe.get("directions"):
            raise SmokeFailed("the Explore tab did not open with constant noise and no edits")
        levels = int(np.abs(_onnx_picture(work / "exports" / "onnx", recipe).astype(int)
                            - shown.astype(int)).max())
        if levels > 1:
            raise SmokeFailed(f"the ONNX picture differs from Explore's by {levels} levels")
        dialog.close()
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        qInstallMessageHandler(handler)
    return (f"window opened; Explore → Export… wrote {', '.join(written)}; the ONNX gives "
            f"Explore's picture to {levels} grey level(s)")
