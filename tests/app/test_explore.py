"""The Explore tab on a real (tiny) StyleGAN run: sliders, coalescing, mixing cells, recipes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication

from studio.app.main_window import MainWindow
from studio.config import DataConfig, RunConfig, TrainConfig
from studio.explore.latents import z_from_seeds
from studio.explore.mixing import mix
from studio.explore.recipe import Recipe, render_picture
from studio.explore.source import load_source
from studio.export.images import to_uint8
from studio.model_configs import StyleganModelConfig
from studio.session import start_run


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace holding one StyleGAN run with a checkpoint (16 px, tiny channels)."""
    root = tmp_path_factory.mktemp("workspace")
    config = RunConfig(
        variant="stylegan", name="tiny-stylegan",
        data=DataConfig(dataset="shapes", size=64, resolution=16),
        model=StyleganModelConfig(z_dim=16, w_dim=16, mapping_layers=2, channel_base=128,
                                  max_channels=16),
        train=TrainConfig(steps=4, batch_size=4, device="cpu", lr_g=0.002, lr_d=0.002,
                          beta1=0.0, beta2=0.99, ema_decay=0.9, log_every=2,
                          snapshot_every=4, checkpoint_every=4))
    start_run(config, root / "tiny").run()
    return root


@pytest.fixture
def window(qtbot, tmp_path, workspace, monkeypatch):
    from studio.app import explorer, save_files

    save_files.remember_folder(None)  # each test starts a fresh session's saving
    monkeypatch.setattr(explorer, "list_bundled_models", lambda: [])  # the run comes first
    settings = QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
    settings.setValue("workspace", str(workspace))
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()


def open_explore(qtbot, w):
    w.tabs.setCurrentWidget(w.explore)
    qtbot.waitUntil(lambda: w.explore.info is not None, timeout=60_000)
    qtbot.waitUntil(lambda: w.explore.image_view.picture() is not None, timeout=60_000)
    return w.explore


def wait_for_new_picture(qtbot, view, before):
    qtbot.waitUntil(lambda: view.picture() is not None
                    and not np.array_equal(view.picture(), before), timeout=30_000)
    return view.picture()


def test_the_run_is_offered_and_rendered(qtbot, window, workspace):
    panel = open_explore(qtbot, window)
    assert panel.source_path == str(workspace / "tiny")
    assert panel.info.num_ws == 6 and panel.info.resolution == 16 and panel.info.step == 4
    assert panel.image_view.picture().shape == (16, 16, 3)
    assert panel.cutoff.maximum() == 6


def test_truncation_and_direction_sliders_change_the_image(qtbot, window):
    panel = open_explore(qtbot, window)
    first = panel.image_view.picture().copy()
    panel.psi.setValue(0)  # ψ = 0: the average image
    average = wait_for_new_picture(qtbot, panel.image_view, first)
    panel.seed.setValue(panel.seed.value() + 7)  # another seed at ψ = 0: the same image
    qtbot.waitUntil(lambda: panel.results["image"].recipe.seed == panel.seed.value())
    assert np.array_equal(panel.image_view.picture(), average)
    panel.psi.setValue(100)
    moved = wait_for_new_picture(qtbot, panel.image_view, average)
    panel.sliders.slider(0).setValue(30)  # +3 σ along the first PCA direction
    wait_for_new_picture(qtbot, panel.image_view, moved)
    assert panel.results["image"].recipe.offsets[0] == pytest.approx(3.0)


def test_requests_coalesce_to_the_newest(qtbot, window):
    panel = open_explore(qtbot, window)
    worker = window.explorer.renderer
    worker.rendered_stamps.clear()
    for value in range(100, 40, -2):  # a fast drag: 30 requests in one go
        panel.psi.setValue(value)
    last = panel._stamp
    qtbot.waitUntil(lambda: panel.results["image"].stamp == last, timeout=30_000)
    assert worker.rendered_stamps[-1] == last
    assert len(worker.rendered_stamps) < 10  # the stale ones were never rendered
    assert panel.results["image"].recipe.psi == pytest.approx(0.42)


def test_mixing_cells_equal_the_engines_mix(qtbot, window, workspace):
    panel = open_explore(qtbot, window)
    panel.views.setCurrentWidget(panel.mix_view)
    panel.mix_view.rows.setText("3, 4")
    panel.mix_view.cols.setText("5, 6, 7")
    panel.mix_view.crossover.setCurrentIndex(panel.mix_view.crossover.findData("coarse"))
    panel.refresh()
    qtbot.waitUntil(lambda: "mix" in panel.results
                    and panel.results["mix"].recipe.mix.cols == (5, 6, 7), timeout=30_000)
    source = load_source(workspace / "tiny", device="cpu")
    G = source.G
    with torch.no_grad():
        rows = G.mapping(z_from_seeds((3, 4), G.z_dim))
        cols = G.mapping(z_from_seeds((5, 6, 7), G.z_dim))
        lo, hi = panel.mix_view.layers()
        assert (lo, hi) == (0, 3)  # 4² and 8² layers of a 16 px generator
        for r in range(2):
            for c in range(3):
                ws = mix(rows[r:r + 1], cols[c:c + 1], range(lo, hi))
                want = to_uint8(G.synthesis(ws, noise_mode="const").numpy())[0]
                got = panel.mix_view.cell_picture(r, c)
                assert got.shape == want.shape
                assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


def test_clicking_a_cell_enlarges_it(qtbot, window):
    panel = open_explore(qtbot, window)
    panel.views.setCurrentWidget(panel.mix_view)
    qtbot.waitUntil(lambda: "mix" in panel.results, timeout=30_000)
    picture = panel.mix_view.picture()
    rows = 4
    h = (picture.shape[0] - 2) // (rows + 1) - 2
    panel.mix_view.image.clicked.emit(2 + 2 * (h + 2) + h / 2, 2 + 1 * (h + 2) + h / 2)
    assert panel.cell_dialog.windowTitle() == "Row seed 1 × column seed 11"
    assert np.array_equal(panel.cell_dialog.view.image(), panel.mix_view.cell_picture(0, 1))
    panel.cell_dialog.close()


def test_copied_recipe_reproduces_the_picture(qtbot, window, workspace):
    panel = open_explore(qtbot, window)
    panel.views.setCurrentWidget(panel.interp_view)
    panel.interp_view.frame.setValue(13)
    qtbot.waitUntil(lambda: "interpolation" in panel.results
                    and panel.results["interpolation"].recipe.interpolation.frame == 13,
                    timeout=30_000)
    panel.copy_recipe()
    text = QGuiApplication.clipboard().text()
    recipe = Recipe.from_json(text)
    assert json.loads(text)["checkpoint"] == 4  # the step it really used, not "latest"
    source = load_source(workspace / "tiny", recipe.checkpoint, device="cpu")
    assert np.array_equal(render_picture(source.G, recipe), panel.interp_view.picture())


def test_bad_seeds_are_marked_and_not_rendered(qtbot, window):
    panel = open_explore(qtbot, window)
    panel.views.setCurrentWidget(panel.mix_view)
    panel.mix_view.rows.setText("1, two")
    assert panel.mix_view.spec() is None
    assert "whole numbers" in panel.mix_view.rows.toolTip()
    assert panel.recipe("mix") is None


def test_first_start_offers_the_bundled_model(qtbot, tmp_path, workspace, monkeypatch):
    from studio.app import explorer
    from studio.explore.catalog import BundledModel

    model = BundledModel("tiny", "Tiny shapes", workspace / "tiny")  # any loadable folder
    monkeypatch.setattr(explorer, "list_bundled_models", lambda: [model])
    settings = QSettings(str(tmp_path / "first.ini"), QSettings.Format.IniFormat)
    settings.setValue("workspace", str(tmp_path))
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "Tiny shapes" in w.statusBar().currentMessage())
    assert not w.engine_label.isVisible()  # the message has the bar to itself
    w.explorer.explore_bundled()
    assert w.tabs.currentWidget() is w.explore
    qtbot.waitUntil(lambda: w.explore.image_view.picture() is not None, timeout=60_000)
    assert w.explore.source_combo.currentText() == "Tiny shapes (bundled)"
    w.shutdown()
    again = MainWindow(settings, load_engine=False)  # offered once only
    qtbot.addWidget(again)
    qtbot.wait(50)
    assert "Tiny shapes" not in again.statusBar().currentMessage()
    again.shutdown()


def test_directions_act_on_the_chosen_layer_range(qtbot, window):
    panel = open_explore(qtbot, window)
    panel.layers.setCurrentIndex(panel.layers.findData("custom"))
    assert panel.layer_lo.isEnabled() and (panel.layer_lo.value(), panel.layer_hi.value()) == (0, 6)
    panel.layer_lo.setValue(2)
    panel.layer_hi.setValue(4)
    panel.method.setCurrentIndex(panel.method.findData("sefa"))
    before = panel.image_view.picture().copy()
    panel.sliders.slider(0).setValue(-40)
    qtbot.waitUntil(lambda: panel.results["image"].recipe.offsets[:1] == (-4.0,), timeout=30_000)
    spec = panel.results["image"].recipe.directions
    assert (spec.method, tuple(spec.layers)) == ("sefa", (2, 4))
    assert not np.array_equal(panel.image_view.picture(), before)
    panel.layers.setCurrentIndex(panel.layers.findData("coarse"))
    assert not panel.layer_lo.isEnabled()
    assert tuple(panel.recipe().directions.layers) == (0, 3)


def test_save_image_writes_the_shown_picture_as_png(qtbot, window, tmp_path, monkeypatch):
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    panel = open_explore(qtbot, window)
    target = tmp_path / "chosen"  # no suffix: .png is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "PNG (*.png)")))
    panel.save_picture()
    with Image.open(tmp_path / "chosen.png") as img:
        assert np.array_equal(np.asarray(img), panel.image_view.picture())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("chosen")] == ["chosen.png"]


def choose(qtbot, combo, data):
    """Pick the item holding `data` with the keyboard, as a person would."""
    combo.setFocus()
    while combo.currentData() != data:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{data!r} is not offered"


def test_a_named_band_shows_its_layers_in_the_from_to_boxes(qtbot, window):
    """Defect 13: the From/To boxes must show the layers the recipe will use."""
    panel = open_explore(qtbot, window)
    panel.sliders.slider(0).setValue(20)  # an offset, so the recipe carries directions
    choose(qtbot, panel.layers, "coarse")
    spans = (panel.layer_lo.value(), panel.layer_hi.value())
    assert spans == (0, 3) == tuple(panel.recipe().directions.layers)
    choose(qtbot, panel.layers, "middle")
    assert (panel.layer_lo.value(), panel.layer_hi.value()) == \
        tuple(panel.recipe().directions.layers) == (3, 6)
    choose(qtbot, panel.layers, "fine")  # 64² and up: none at 16 px, an empty range
    assert (panel.layer_lo.value(), panel.layer_hi.value()) == (6, 6)
    choose(qtbot, panel.layers, "custom")  # custom starts from the boxes as shown
    qtbot.keyClick(panel.layer_lo, Qt.Key.Key_Down)
    assert panel.layer_lo.isEnabled() and tuple(panel.recipe().directions.layers) == (5, 6)
    panel.views.setCurrentWidget(panel.mix_view)
    mix = panel.mix_view
    choose(qtbot, mix.crossover, "middle")
    assert (mix.lo.value(), mix.hi.value()) == tuple(panel.recipe("mix").mix.layers) == (3, 6)


def test_saving_suggests_the_runs_exports_folder_a_telling_name_and_confirms(
        qtbot, window, workspace, tmp_path, monkeypatch):
    """Defect 14: a save opens in the run's exports/ with a descriptive, unused name, says
    where it saved, and the next save of the session opens where the last one went."""
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    panel = open_explore(qtbot, window)
    asked = []
    chosen = tmp_path / "mine"
    chosen.mkdir()

    def dialog(parent, title, suggested, filters):
        asked.append(suggested)
        assert Path(suggested).parent.is_dir()  # the dialog opens in a folder that exists
        return str(chosen / Path(suggested).name), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    qtbot.mouseClick(panel.image_view.save_button, Qt.MouseButton.LeftButton)
    first = Path(asked[0])
    assert first.parent == workspace / "tiny" / "exports"
    assert not first.parent.exists()  # saved elsewhere: no empty exports/ left in the run
    assert first.name == "tiny-stylegan_image_seed0_step4.png"
    assert window.statusBar().currentMessage() == f"Saved to {chosen / first.name}"
    with Image.open(chosen / first.name) as img:
        assert np.array_equal(np.asarray(img), panel.image_view.picture())
    qtbot.mouseClick(panel.image_view.save_button, Qt.MouseButton.LeftButton)
    assert Path(asked[1]) == chosen / "tiny-stylegan_image_seed0_step4-2.png"  # no overwrite


def test_copy_and_save_recipe_confirm_and_name_the_source_portably(
        qtbot, window, workspace, monkeypatch):
    """Defect 14: Copy recipe says so; a bundled model is "bundled:<name>"; a recipe saved in
    the run's exports/ names the run relatively ("..")."""
    from PySide6.QtWidgets import QFileDialog

    from studio.explore import catalog

    panel = open_explore(qtbot, window)
    qtbot.mouseClick(panel.image_view.copy_button, Qt.MouseButton.LeftButton)
    assert window.statusBar().currentMessage() == "Recipe copied to the clipboard"
    assert Recipe.from_json(QGuiApplication.clipboard().text()).source == \
        str((workspace / "tiny").resolve())  # not a bundled model, not beside a file
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda parent, title, suggested, f: (suggested, f)))
    qtbot.mouseClick(panel.image_view.save_recipe_button, Qt.MouseButton.LeftButton)
    saved = workspace / "tiny" / "exports" / "tiny-stylegan_image_seed0_step4.json"
    assert window.statusBar().currentMessage() == f"Saved to {saved}"
    recipe = Recipe.from_json(saved.read_text(encoding="utf-8"))
    assert recipe.source == ".." and recipe.checkpoint == 4
    saved.unlink()
    model = catalog.BundledModel("tiny", "Tiny", workspace / "tiny")
    monkeypatch.setattr(catalog, "list_bundled_models", lambda root=None: [model])
    qtbot.mouseClick(panel.image_view.copy_button, Qt.MouseButton.LeftButton)
    assert Recipe.from_json(QGuiApplication.clipboard().text()).source == "bundled:tiny"
