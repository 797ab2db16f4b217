"""The Export dialog on the bundled StyleGAN (and a two-step DCGAN run): images, a GIF walk,
Cancel mid-video, no silent overwrite, options a GAN cannot use, errors shown in the dialog,
and Explore's Export… button. About 15 s on one core, most of it the cancelled MP4's frames
and loading the generator per dialog."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from studio.app import save_files
from studio.app.export_dialog import ExportDialog, open_export_dialog
from studio.explore.recipe import MAX_SEED, Recipe

BUNDLED = "bundled:landscapes-64"


def recipe(**changes) -> dict:
    return Recipe(source=BUNDLED, seed=42, psi=0.7, **changes).to_dict()


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)
    save_files.remember_folder(None)  # each test starts a fresh session's saving
    yield
    save_files.remember_folder(None)


def open_dialog(qtbot, tmp_path: Path, raw: dict) -> ExportDialog:
    """A dialog for `raw`, shown, with its generator loaded (on the worker)."""
    dialog = ExportDialog(None, raw, workspace=tmp_path / "ws", device="cpu")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.facts is not None, timeout=60_000)
    return dialog


def click(qtbot, widget) -> None:
    """Click a button; a check box or radio button on its indicator (a wide one's centre may
    lie past its text, where a click does nothing)."""
    pos = QPoint(8, widget.height() // 2) if widget.isCheckable() else widget.rect().center()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def choose_tab(qtbot, dialog: ExportDialog, title: str) -> None:
    bar = dialog.pages.tabBar()
    index = next(i for i in range(bar.count()) if bar.tabText(i) == title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert dialog.pages.currentIndex() == index


def type_path(qtbot, dialog: ExportDialog, path: Path) -> None:
    dialog.path.selectAll()
    qtbot.keyClicks(dialog.path, str(path))
    assert dialog.output() == path


def set_spin(qtbot, spin, value) -> None:
    """Type a value into a spin box as a person would."""
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), str(value))
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Tab)
    assert spin.value() == value


def run_export(qtbot, dialog: ExportDialog, timeout: int = 60_000) -> None:
    click(qtbot, dialog.start_button)
    assert dialog.worker.is_running()
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=timeout)


def test_images_export_writes_pngs_recipes_and_opens_the_folder(qtbot, tmp_path, monkeypatch):
    dialog = open_dialog(qtbot, tmp_path, recipe())
    default = dialog.output()
    assert default.parent == tmp_path / "exports" and not default.exists()
    assert "landscapes-64" in default.name and "images" in default.name
    assert dialog.start_button.isEnabled()
    set_spin(qtbot, dialog.images.count, 4)
    assert dialog.summary.text().startswith("4 PNGs (seeds 42–45), 64×64")
    out = tmp_path / "pngs"
    type_path(qtbot, dialog, out)
    run_export(qtbot, dialog)
    pngs = sorted(p.name for p in out.glob("seed-*.png"))
    assert pngs == [f"seed-{s:010d}.png" for s in range(42, 46)]
    lines = [json.loads(line) for line in (out / "recipes.jsonl").read_text().splitlines()]
    assert [line["file"] for line in lines] == pngs
    assert lines[0]["recipe"]["psi"] == 0.7 and lines[3]["recipe"]["seed"] == 45
    assert (out / "contact-sheet.png").exists()
    assert dialog.result.text() == f"Wrote 6 files to {out}."
    assert dialog.progress.value() == dialog.progress.maximum()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url))
    click(qtbot, dialog.open_button)
    assert [u.toLocalFile() for u in opened] == [str(out)]
    assert save_files.remembered_folder() == tmp_path  # the next dialog opens there


def test_video_gif_walk_and_stylegan_options(qtbot, tmp_path):
    raw = recipe(directions={"method": "sefa", "count": 3})
    dialog = open_dialog(qtbot, tmp_path, raw)
    choose_tab(qtbot, dialog, "Video")
    video = dialog.video
    assert video.kinds["psi"].isEnabled() and video.kinds["direction"].isEnabled()
    assert video.direction.count() == 3
    click(qtbot, video.formats["gif"])
    assert dialog.output().suffix == ".gif"  # the default name follows the format
    set_spin(qtbot, video.fps, 4)
    set_spin(qtbot, video.seconds, 1.0)
    assert dialog.summary.text().startswith("4 frames, 1.0 s at 4 fps, 256×256, GIF")
    out = tmp_path / "walk.gif"
    type_path(qtbot, dialog, out)
    run_export(qtbot, dialog)
    with Image.open(out) as gif:
        assert gif.n_frames == 4 and gif.size == (256, 256)
        assert gif.info.get("loop") == 0  # loops forever
    assert "4 frames at 4 fps, 256×256" in dialog.result.text()


def test_cancel_mid_video_leaves_nothing_and_the_window_keeps_running(qtbot, tmp_path):
    dialog = open_dialog(qtbot, tmp_path, recipe())
    choose_tab(qtbot, dialog, "Video")
    set_spin(qtbot, dialog.video.seconds, 120.0)  # 2880 frames: far longer than the test
    out = tmp_path / "long.mp4"
    type_path(qtbot, dialog, out)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.progress.value() > 2, timeout=60_000)
    assert "frames" in dialog.progress_label.text()
    assert len(ticks) > 3  # the GUI thread kept serving timers while frames were drawn
    assert not dialog.path.isEnabled() and dialog.cancel_button.isEnabled()
    click(qtbot, dialog.cancel_button)
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=30_000)
    timer.stop()
    assert dialog.result.text() == "Cancelled: nothing was written."
    assert not out.exists()
    assert list(tmp_path.glob(".*part*")) == []  # no half-written file either
    assert dialog.start_button.isEnabled() and not dialog.open_button.isEnabled()


def test_onnx_export_reports_its_check(qtbot, tmp_path):
    dialog = open_dialog(qtbot, tmp_path, recipe())
    choose_tab(qtbot, dialog, "Model")
    assert dialog.job_kind() == "onnx" and dialog.output().name.endswith("_onnx")
    assert "synthesis.onnx" in dialog.summary.text()
    out = dialog.output()
    assert out == tmp_path / "exports" / "landscapes-64_onnx"
    run_export(qtbot, dialog, timeout=120_000)
    assert dialog.output().name == "landscapes-64_onnx-2"  # Start again would not clash
    assert {p.name for p in out.iterdir()} == {"mapping.onnx", "synthesis.onnx", "model.json",
                                               "noise_const.npz", ".gan-studio-export"}
    text = dialog.result.text()
    assert "checked in onnxruntime against PyTorch on 8 seeds" in text
    assert float(text.split("max abs diff ")[1].rstrip(").")) <= 1e-4
    assert dialog.last.details["max_abs_diff"] <= 1e-4


def test_model_folder_and_torchscript_exports(qtbot, tmp_path):
    dialog = open_dialog(qtbot, tmp_path, recipe())
    choose_tab(qtbot, dialog, "Model")
    click(qtbot, dialog.model.formats["model"])
    assert dialog.job_kind() == "model" and "README.md model card" in dialog.summary.text()
    folder = tmp_path / "my-model"
    type_path(qtbot, dialog, folder)
    run_export(qtbot, dialog)
    assert {p.name for p in folder.iterdir()} == {"model.safetensors", "config.toml",
                                                  "manifest.json", "README.md",
                                                  ".gan-studio-export"}
    assert dialog.result.text() == f"Wrote 4 files to {folder}."
    click(qtbot, dialog.model.formats["torchscript"])
    assert dialog.output() == tmp_path / "my-model.pt"  # the typed name, now a .pt file
    run_export(qtbot, dialog)
    assert (tmp_path / "my-model.pt").stat().st_size > 100_000
    text = dialog.result.text()
    assert text.startswith(f"Wrote {tmp_path / 'my-model.pt'} (checked against PyTorch")
    assert float(text.split("max abs diff ")[1].rstrip(").")) <= 1e-4

    again = open_dialog(qtbot, tmp_path, Recipe(source=str(folder)).to_dict())
    assert again.facts.styled and again.facts.step == 4000  # it opens like a bundled model


def test_browse_picks_a_folder_for_images_and_a_file_for_videos(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    dialog = open_dialog(qtbot, tmp_path, recipe())
    name = dialog.output().name
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: str(tmp_path / "pick"))
    click(qtbot, dialog.browse_button)
    assert dialog.output() == tmp_path / "pick" / name  # the folder's name is kept
    choose_tab(qtbot, dialog, "Video")
    assert dialog.output() == tmp_path / "pick" / "landscapes-64_walk.mp4"  # in that folder
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a: (str(tmp_path / "clip"), ""))
    click(qtbot, dialog.browse_button)
    assert dialog.output() == tmp_path / "clip.mp4"  # the format's suffix is added
    click(qtbot, dialog.video.formats["gif"])
    assert dialog.output() == tmp_path / "clip.gif"


def test_closing_while_exporting_cancels_then_closes(qtbot, tmp_path):
    dialog = open_dialog(qtbot, tmp_path, recipe())
    choose_tab(qtbot, dialog, "Video")
    set_spin(qtbot, dialog.video.seconds, 120.0)
    out = tmp_path / "closing.mp4"
    type_path(qtbot, dialog, out)
    click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=60_000)
    click(qtbot, dialog.close_button)
    assert dialog.isVisible() or not dialog.worker.is_running()  # stays until it has stopped
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    assert not dialog.worker.is_running() and not out.exists()
    assert list(tmp_path.glob(".*part*")) == []


def test_the_window_opens_it_and_escape_closes_and_deletes_it(qtbot, tmp_path):
    window = QWidget()
    window.workspace = tmp_path / "runs"  # as MainWindow has it
    qtbot.addWidget(window)
    dialog = open_export_dialog(window, recipe())
    assert dialog.isVisible() and dialog.parent() is window
    assert dialog.output().parent == tmp_path / "exports"  # beside the workspace
    qtbot.waitUntil(lambda: dialog.facts is not None, timeout=60_000)
    with qtbot.waitSignal(dialog.destroyed, timeout=5000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_an_existing_output_is_kept_unless_overwrite_is_ticked(qtbot, tmp_path):
    dialog = open_dialog(qtbot, tmp_path, recipe())
    choose_tab(qtbot, dialog, "Video")
    click(qtbot, dialog.video.formats["gif"])
    set_spin(qtbot, dialog.video.fps, 2)
    out = tmp_path / "taken.gif"
    out.write_bytes(b"keep me")
    type_path(qtbot, dialog, out)
    assert dialog.path_note.isVisible() and "exists" in dialog.path_note.text()
    click(qtbot, dialog.start_button)
    assert not dialog.worker.is_running()
    assert "already exists" in dialog.result.text()
    assert "Overwrite if it exists" in dialog.result.text()
    assert out.read_bytes() == b"keep me"
    click(qtbot, dialog.overwrite)
    assert "will be replaced" in dialog.path_note.text()
    run_export(qtbot, dialog)
    with Image.open(out) as gif:
        assert gif.n_frames == 8  # 2 fps × 4 s


def test_engine_and_loading_errors_show_their_message_in_the_dialog(qtbot, tmp_path):
    dialog = open_dialog(qtbot, tmp_path, Recipe(source=BUNDLED, seed=MAX_SEED - 1).to_dict())
    set_spin(qtbot, dialog.images.count, 4)
    out = tmp_path / "too-far"
    type_path(qtbot, dialog, out)
    run_export(qtbot, dialog)
    assert "pass the largest seed" in dialog.result.text()  # the StudioError's own words
    assert "Traceback" not in dialog.result.text() and not out.exists()

    broken = ExportDialog(None, Recipe(source="bundled:no-such-model").to_dict(),
                          workspace=tmp_path, device="cpu")
    qtbot.addWidget(broken)
    qtbot.waitUntil(lambda: "no bundled model called 'no-such-model'"
                    in broken.source_label.text(), timeout=30_000)
    assert not broken.start_button.isEnabled()


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    """A two-step DCGAN run on 32 px shapes (about 1 s)."""
    from studio.session import start_run
    from tests.core.helpers import tiny_config

    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("dcgan") / "dcgan"
    config = tiny_config("dcgan", "shapes", steps=2, batch_size=4, log_every=1,
                         snapshot_every=2, checkpoint_every=2)
    start_run(config.replace(name="tiny-dcgan"), folder).run()
    return folder


def test_psi_and_direction_sweeps_are_disabled_for_a_gan(qtbot, tmp_path, dcgan_run):
    raw = Recipe(source=str(dcgan_run), seed=5,
                 interpolation={"keyframes": [5, 6], "steps": 8, "space": "z"},
                 view="interpolation").to_dict()
    dialog = open_dialog(qtbot, tmp_path, raw)
    assert dialog.output().parent == dcgan_run / "exports"  # a run's exports go with it
    choose_tab(qtbot, dialog, "Video")
    kinds = dialog.video.kinds
    assert kinds["walk"].isChecked() and kinds["walk"].isEnabled()
    assert not kinds["psi"].isEnabled() and not kinds["direction"].isEnabled()
    assert "StyleGAN" in kinds["psi"].toolTip()
    click(qtbot, kinds["psi"])  # a click on a disabled option changes nothing
    assert kinds["walk"].isChecked()
    assert "walk through seeds 5, 6 in Z" in dialog.summary.text()
    assert "32×32 px · DCGAN" in dialog.source_label.text()


def test_a_stylegan_without_directions_cannot_sweep_one(qtbot, tmp_path):
    dialog = open_dialog(qtbot, tmp_path, recipe())
    assert dialog.video.kinds["psi"].isEnabled()
    assert not dialog.video.kinds["direction"].isEnabled()
    assert "directions" in dialog.video.kinds["direction"].toolTip()


def test_explore_export_button_emits_the_views_recipe(qtbot):
    from studio.app.bridge import RenderResult
    from studio.app.panels.explore import ExplorePanel
    from studio.app.render_worker import GeneratorInfo
    from studio.explore.source import resolve_source

    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    folder = str(resolve_source(BUNDLED))
    panel.open_source(folder, "Landscapes")
    panel.show_source(GeneratorInfo(folder, "Landscapes", 4000, 64, 10, (4,) * 10))
    picture = np.zeros((64, 64, 3), np.uint8)
    for stamp, view in enumerate(("image", "interpolation"), start=100):
        panel.views.setCurrentWidget(panel._views()[view])
        shown = panel.recipe(view).replace(checkpoint=4000)
        panel.show_result(RenderResult(stamp, view, picture, shown, 0.01))
        button = panel._views()[view].export_button
        assert button.isEnabled() and button.text() == "Export…"
        with qtbot.waitSignal(panel.export_requested, timeout=2000) as signal:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
        sent = signal.args[0]
        assert sent == shown.replace(source=BUNDLED).to_dict()  # what Copy recipe copies
        assert sent["view"] == view and sent["checkpoint"] == 4000
