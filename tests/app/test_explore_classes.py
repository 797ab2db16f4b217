"""Explore on a cGAN and a DCGAN run: the class picker, the classes × seeds grid with class
names over its columns, and StyleGAN-only controls disabled with the reason. About 8 s on one
core (two two-step runs at 32 px, then rendering)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings, Qt

from studio.app.main_window import MainWindow
from studio.explore.recipe import Recipe, render_picture
from studio.explore.source import load_source
from studio.session import start_run
from tests.app.test_explore import choose
from tests.core.helpers import tiny_config


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace with a cGAN run, a DCGAN run (32 px shapes) and a 2-D GAN run."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("classes")
    for variant, dataset in (("dcgan", "shapes"), ("gan", "ring8"), ("cgan", "shapes")):
        config = tiny_config(variant, dataset, steps=2, batch_size=4, log_every=1,
                             snapshot_every=2, checkpoint_every=2)
        start_run(config.replace(name=f"tiny-{variant}"), root / variant).run()
    return root


@pytest.fixture
def window(qtbot, tmp_path, workspace, monkeypatch):
    from studio.app import explorer

    monkeypatch.setattr(explorer, "list_bundled_models", lambda: [])
    settings = QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
    settings.setValue("workspace", str(workspace))
    w = MainWindow(settings, load_engine=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()


def open_source(qtbot, w, folder):
    """Show the Explore tab and pick `folder` in the generator list with the keyboard."""
    w.tabs.setCurrentWidget(w.explore)
    panel = w.explore
    qtbot.waitUntil(lambda: panel.source_combo.count() > 0)
    index = panel.source_combo.findData(str(folder))
    panel.source_combo.setCurrentIndex(index)
    panel.source_combo.activated.emit(index)
    qtbot.waitUntil(lambda: panel.info is not None and panel.info.source == str(folder),
                    timeout=60_000)
    qtbot.waitUntil(lambda: "image" in panel.results
                    and panel.results["image"].recipe.source == str(folder), timeout=60_000)
    return panel


def test_explore_lists_cgan_and_dcgan_runs_but_not_2d_points(qtbot, window, workspace):
    window.tabs.setCurrentWidget(window.explore)
    combo = window.explore.source_combo
    offered = {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}
    assert set(offered) == {str(workspace / "cgan"), str(workspace / "dcgan")}
    assert "Conditional GAN" in offered[str(workspace / "cgan")]


def test_a_cgan_offers_its_classes_and_only_what_it_can_do(qtbot, window, workspace):
    panel = open_source(qtbot, window, workspace / "cgan")
    assert panel.class_combo.isVisible() and panel.class_combo.count() == 10
    assert panel.class_combo.itemText(3) == "3 · star"
    assert not panel.psi.isVisible() and not panel.noise.isVisible()  # the note says why
    assert not panel.direction_box.isVisible()
    assert not panel.views.isTabEnabled(panel.views.indexOf(panel.mix_view))
    assert "need a StyleGAN" in panel.style_note.text() and panel.style_note.isVisible()
    assert panel.space_z.isChecked()
    before = panel.image_view.picture().copy()
    choose(qtbot, panel.class_combo, 3)
    qtbot.waitUntil(lambda: panel.results["image"].recipe.label == 3, timeout=30_000)
    G = load_source(workspace / "cgan").G
    want = render_picture(G, Recipe(source="x", seed=panel.seed.value(), label=3))
    assert np.array_equal(panel.image_view.picture(), want)
    assert not np.array_equal(want, before)


def test_the_class_grid_has_class_names_over_its_columns(qtbot, window, workspace):
    panel = open_source(qtbot, window, workspace / "cgan")
    bar = panel.views.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton,
                     pos=bar.tabRect(panel.views.indexOf(panel.grid_view)).center())
    qtbot.waitUntil(lambda: "grid" in panel.results, timeout=30_000)
    recipe = panel.results["grid"].recipe
    assert recipe.grid.seeds == (0, 1, 2, 3) and recipe.grid.classes == tuple(range(10))
    engine = render_picture(load_source(workspace / "cgan").G, recipe)  # [4·34+2, 10·34+2]
    shown = panel.grid_view.picture()
    scale = shown.shape[1] // engine.shape[1]
    band = shown.shape[0] - engine.shape[0] * scale
    assert scale == 3 and 14 <= band <= 40  # 32 px tiles enlarged so names fit
    assert np.array_equal(shown[band::scale, ::scale], engine)  # the grid below, untouched
    header = shown[:band].astype(int)
    column = (2 + np.arange(10) * 34) * scale
    inked = [(header[:, c:c + 32 * scale] > 150).any() for c in column]
    assert all(inked)  # a name is written above every column
    assert not (header[:, column[0] - 2 * scale:column[0]] > 150).any()  # gaps stay empty
    panel.grid_view.classes.setText("trouser, 2")  # not a class: marked and not rendered
    assert panel.grid_view.spec() is None and "not a class" in panel.grid_view.classes.toolTip()
    panel.grid_view.classes.setText("heart, 2")
    assert panel.recipe("grid").grid.classes == (5, 2)


def test_a_dcgan_gets_a_seed_grid_without_classes(qtbot, window, workspace):
    panel = open_source(qtbot, window, workspace / "dcgan")
    assert not panel.class_combo.isVisible() and not panel.grid_view.classes.isVisible()
    assert panel.style_note.text().startswith("A DCGAN has only z")
    assert panel.results["image"].recipe.label is None
    panel.views.setCurrentWidget(panel.grid_view)
    qtbot.waitUntil(lambda: "grid" in panel.results, timeout=30_000)
    recipe = panel.results["grid"].recipe
    assert recipe.grid.seeds == tuple(range(16)) and recipe.grid.classes is None
    assert panel.grid_view.picture().shape == (4 * 34 + 2, 4 * 34 + 2, 3)


def test_switching_generators_drops_the_old_pictures_without_an_error(qtbot, window, workspace):
    panel = open_source(qtbot, window, workspace / "cgan")
    panel.views.setCurrentWidget(panel.interp_view)
    qtbot.waitUntil(lambda: "interpolation" in panel.results, timeout=30_000)
    index = panel.source_combo.findData(str(workspace / "dcgan"))
    panel.source_combo.setCurrentIndex(index)
    panel.source_combo.activated.emit(index)
    assert panel.interp_view.picture() is None and not panel.results
    assert not panel.interp_view.copy_button.isEnabled()
    qtbot.waitUntil(lambda: "interpolation" in panel.results
                    and panel.results["interpolation"].recipe.source == str(workspace / "dcgan"),
                    timeout=30_000)
    assert panel.results["interpolation"].recipe.label is None
    assert "d32f2f" not in panel.source_label.text()  # no refusal shown in red
    assert panel.source_label.text().startswith("tiny-dcgan · step 2")
