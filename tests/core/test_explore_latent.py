"""Exploring GAN, DCGAN and cGAN generators (z only, and a cGAN's classes), and portable
recipe sources ("bundled:<name>", relative to the recipe). About 6 s on one core: three
two-step runs at 32 px."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from studio.cli import main
from studio.errors import ConfigError, RunFolderError
from studio.explore.catalog import portable_source
from studio.explore.latents import slerp, z_from_seeds
from studio.explore.recipe import Recipe, render, render_picture
from studio.explore.source import (
    LatentGenerator,
    bundle_model,
    load_source,
    resolve_source,
    write_models_manifest,
)
from studio.export.images import to_uint8
from studio.session import start_run
from tests.core.helpers import tiny_config


def _run(root, variant, dataset="shapes"):
    folder = root / variant
    config = tiny_config(variant, dataset, steps=2, batch_size=4, log_every=1,
                         snapshot_every=2, checkpoint_every=2)
    start_run(config, folder).run()
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("latent")
    return {v: _run(root, v) for v in ("cgan", "dcgan")} | {"points": _run(root, "gan", "ring8")}


def test_a_cgan_draws_the_chosen_class_from_each_seed(runs):
    G = load_source(runs["cgan"]).G
    assert isinstance(G, LatentGenerator) and G.conditional
    assert len(G.classes) == 10 and G.classes[0] == "circle"
    with torch.no_grad():
        want = G.net(z_from_seeds((5,), G.z_dim), torch.tensor([3]))  # [1, C, H, W]
    got = render(G, Recipe(source="x", seed=5, label=3))
    assert torch.equal(got, want.clamp(-1, 1))
    other = render(G, Recipe(source="x", seed=5, label=4))
    assert not torch.equal(got, other)  # the class changes the picture


def test_the_class_grid_has_seeds_in_rows_and_classes_in_columns(runs):
    G = load_source(runs["cgan"]).G
    recipe = Recipe(source="x", view="grid", grid={"seeds": [1, 2], "classes": [0, 7, 9]})
    cells = render(G, recipe)
    assert cells.shape == (6, 3, 32, 32)
    assert torch.equal(cells[5], render(G, Recipe(source="x", seed=2, label=9))[0])
    picture = render_picture(G, recipe)
    assert picture.shape == (2 * 34 + 2, 3 * 34 + 2, 3)  # 32 px tiles, 2 px gaps
    assert np.array_equal(picture[36:68, 2 + 34:34 + 34], to_uint8(cells[4:5].numpy())[0])


def test_an_unconditional_generator_gives_a_seed_grid_and_z_paths(runs):
    G = load_source(runs["dcgan"]).G
    assert not G.conditional
    grid = render_picture(G, Recipe(source="x", view="grid", grid={"seeds": list(range(5))}))
    assert grid.shape == (2 * 34 + 2, 3 * 34 + 2, 3)  # 5 seeds: a near-square 3 × 2
    path = {"keyframes": [1, 2], "steps": 4, "frame": 2, "space": "z"}
    middle = render(G, Recipe(source="x", view="interpolation", interpolation=path))
    z = slerp(*z_from_seeds((1, 2), G.z_dim), 0.5)[None]
    with torch.no_grad():
        assert torch.allclose(middle, G(z).clamp(-1, 1), atol=1e-6)


@pytest.mark.parametrize("changes, message", [
    ({"psi": 0.5}, "truncation ψ needs a StyleGAN"),
    ({"view": "interpolation", "interpolation": {"keyframes": [1, 2], "steps": 2}},
     "paths in W needs a StyleGAN"),
    ({"view": "mix", "mix": {"rows": [1], "cols": [2], "layers": [0, 1]}},
     "style mixing needs a StyleGAN"),
    ({"label": 1}, "not conditional"),
])
def test_what_needs_a_stylegan_or_classes_is_refused_with_the_reason(runs, changes, message):
    G = load_source(runs["dcgan"]).G
    with pytest.raises(ConfigError, match=message):
        render(G, Recipe(source="x", **changes))


def test_a_missing_class_and_a_points_run_are_clear_errors(runs):
    G = load_source(runs["cgan"]).G
    with pytest.raises(ConfigError, match=r"class 10 does not exist; .* classes 0 to 9"):
        render(G, Recipe(source="x", label=10))
    with pytest.raises(RunFolderError, match="generates 2-D points"):
        load_source(runs["points"])


def test_a_bundled_cgan_is_named_portably_and_found_again(runs, tmp_path):
    models = tmp_path / "models"
    bundle_model(runs["cgan"], models / "shapes-cgan", "shapes-cgan", "Shapes cGAN", "test")
    write_models_manifest(models)
    G = load_source(models / "shapes-cgan").G
    recipe = Recipe(source="x", seed=4, label=2)
    assert np.array_equal(render_picture(G, recipe),
                          render_picture(load_source(runs["cgan"]).G, recipe))
    name = portable_source(models / "shapes-cgan", root=models)
    assert name == "bundled:shapes-cgan"
    assert resolve_source(name, models_root=models) == models / "shapes-cgan"
    with pytest.raises(RunFolderError, match=r"no bundled model called 'nope'; .*shapes-cgan"):
        resolve_source("bundled:nope", models_root=models)


def test_a_recipe_beside_its_run_renders_after_both_move(runs, tmp_path, capsys):
    import shutil

    home = tmp_path / "home"
    shutil.copytree(runs["cgan"], home / "runs" / "cgan")
    exports = home / "runs" / "cgan" / "exports"
    exports.mkdir()
    assert portable_source(home / "runs" / "cgan", exports) == ".."
    assert portable_source(home / "runs" / "cgan", home / "exports") == "../runs/cgan"
    assert portable_source(home / "runs" / "cgan", tmp_path / "far" / "away") == \
        str((home / "runs" / "cgan").resolve())
    recipe = Recipe(source="..", seed=3, label=1, checkpoint=2)
    (exports / "r.json").write_text(recipe.to_json(), encoding="utf-8")
    moved = tmp_path / "moved"
    shutil.move(home, moved)  # the run and its recipe travel together
    out = tmp_path / "out.png"
    assert main(["render", str(moved / "runs" / "cgan" / "exports" / "r.json"),
                 "--out", str(out), "--device", "cpu"]) == 0
    from PIL import Image

    G = load_source(moved / "runs" / "cgan").G
    with Image.open(out) as img:
        assert np.array_equal(np.asarray(img), render_picture(G, recipe))
    assert json.loads(recipe.to_json())["label"] == 1


def test_every_variant_explore_lists_has_a_generator_builder():
    from studio.explore.catalog import EXPLORED_VARIANTS
    from studio.explore.source import EXPLORABLE

    assert set(EXPLORED_VARIANTS) == set(EXPLORABLE)
