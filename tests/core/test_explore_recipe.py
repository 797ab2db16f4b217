"""Recipes: JSON round trip and validation, and rendering every view deterministically."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from studio.errors import ConfigError
from studio.explore.recipe import (
    DirectionsSpec,
    InterpolationSpec,
    MixSpec,
    Recipe,
    mix_tile_origin,
    render,
    render_mix,
    render_picture,
)
from studio.export.images import to_uint8
from tests.core.test_explore_core import TinyStyleG

FULL = Recipe(source="runs/a", view="mix", checkpoint=40, seed=3, psi=0.7, cutoff=4,
              noise_mode="random", noise_seed=9,
              directions=DirectionsSpec("pca", 3, samples=300, seed=2, layers=(0, 4)),
              offsets=(1.5, -0.25), mix=MixSpec((1, 2), (3, 4, 5), (0, 2)))


@pytest.fixture(scope="module")
def G():
    return TinyStyleG(resolution=16, channels=3).eval()


def test_json_round_trip_keeps_every_field():
    text = FULL.to_json()
    raw = json.loads(text)
    assert raw["format"] == "gan-studio/recipe" and raw["version"] == 1
    assert raw["mix"] == {"rows": [1, 2], "cols": [3, 4, 5], "layers": [0, 2]}
    assert Recipe.from_json(text) == FULL
    interp = Recipe(source="m", view="interpolation",
                    interpolation=InterpolationSpec([4, 5, 6], steps=8, frame=9, space="z"))
    assert Recipe.from_json(interp.to_json()) == interp
    assert interp.interpolation.keyframes == (4, 5, 6)  # lists become tuples: hashable
    assert hash(interp) == hash(Recipe.from_json(interp.to_json()))


def test_the_studio_may_give_parts_as_dicts():
    recipe = Recipe(source="m", view="mix", offsets=[1, 0.5],
                    directions={"method": "sefa", "count": 2, "layers": [0, 4]},
                    mix={"rows": [1], "cols": [2, 3], "layers": [2, 2]})
    assert recipe.directions == DirectionsSpec("sefa", 2, layers=(0, 4))
    assert recipe.mix == MixSpec((1,), (2, 3), (2, 2)) and recipe.offsets == (1.0, 0.5)
    with pytest.raises(ConfigError, match="unknown key 'row' in recipe mix"):
        Recipe(source="m", view="mix", mix={"row": [1], "cols": [2], "layers": [0, 1]})


def test_recipes_load_without_torch():
    code = ("import sys, studio.explore.recipe as r, studio.explore.layers; "
            "r.Recipe.from_json(r.Recipe(source='m').to_json()); "
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "False"


def _raw(**changes):
    raw = json.loads(Recipe(source="m", seed=1).to_json())
    raw.update(changes)
    return json.dumps(raw)


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    (_raw(format="png"), "format = 'png' is not allowed"),
    (_raw(version=2), "reads version 1"),
    (_raw(colour=1), "unknown key 'colour' in the recipe; allowed: source, view"),
    (_raw(view="video"), "view = 'video' is not allowed; choose one of 'image', 'grid', 'mix'"),
    (_raw(seed=-1), "seed = -1 is out of range; allowed: 0 to"),
    (_raw(seed=1.5), "seed must be a whole number"),
    (_raw(seed=True), "seed must be a whole number"),
    (_raw(psi="high"), "psi must be a number"),
    (_raw(psi=3.0), "psi = 3.0 is out of range; allowed: -2.0 to 2.0"),
    (_raw(noise_mode="loud"), "noise_mode = 'loud' is not allowed; choose one of 'const'"),
    (_raw(checkpoint="last"), "checkpoint must be a whole number"),
    (_raw(source=""), "source must be the path"),
    (_raw(offsets=[1.0]), "1 offsets but 0 directions"),
    (_raw(directions={"method": "ica", "count": 2}), "directions.method = 'ica'"),
    (_raw(directions={"method": "pca"}), "recipe directions lacks 'count'"),
    (_raw(directions={"method": "pca", "count": 2, "axes": 1}), "unknown key 'axes'"),
    (_raw(directions={"method": "pca", "count": 9, "samples": 5}), "too few"),
    (_raw(directions={"method": "sefa", "count": 2, "layers": [3, 2]}), "runs backwards"),
    (_raw(directions=[1]), "directions must be an object"),
    (_raw(view="mix"), "view 'mix' needs a 'mix' entry"),
    (_raw(mix={"rows": [1], "cols": [2], "layers": [0, 2]}), "'mix' is used only by view"),
    (_raw(view="mix", mix={"rows": [], "cols": [2], "layers": [0, 2]}), "mix.rows must be"),
    (_raw(view="mix", mix={"rows": [1], "cols": [2], "layers": [0]}), "mix.layers must be"),
    (_raw(view="interpolation", interpolation={"keyframes": [1], "steps": 4}),
     "interpolation.keyframes must be a list of 2"),
    (_raw(view="interpolation", interpolation={"keyframes": [1, 2], "steps": 4, "frame": 5}),
     "interpolation.frame = 5 is out of range; allowed: 0 to 4"),
    (_raw(view="interpolation",
          interpolation={"keyframes": [1, 2], "steps": 4, "space": "x"}),
     "interpolation.space = 'x'"),
])
def test_bad_recipes_name_the_key_and_what_is_allowed(text, message):
    with pytest.raises(ConfigError, match=None) as info:
        Recipe.from_json(text)
    assert message in str(info.value)


def test_render_is_deterministic_in_one_process(G):
    recipe = FULL.replace(source="x")
    first, second = render(G, recipe), render(G, recipe)
    assert first.shape == (6, 3, 16, 16) and first.dtype == torch.float32
    assert torch.equal(first, second)
    assert first.min() >= -1 and first.max() <= 1
    assert np.array_equal(render_picture(G, recipe), render_picture(G, recipe))


def test_psi_zero_gives_one_image_for_every_seed(G):
    base = Recipe(source="x", psi=0.0)
    images = [render(G, base.replace(seed=s)) for s in (0, 1, 99)]
    assert torch.equal(images[0], images[1]) and torch.equal(images[0], images[2])
    assert not torch.equal(render(G, base.replace(seed=0, psi=1.0)),
                           render(G, base.replace(seed=1, psi=1.0)))
    cut = base.replace(cutoff=2)  # only the first two layers truncated: seeds differ again
    assert not torch.equal(render(G, cut.replace(seed=0)), render(G, cut.replace(seed=1)))


def test_random_noise_is_seeded(G):
    noisy = Recipe(source="x", noise_mode="random", noise_seed=5)
    assert torch.equal(render(G, noisy), render(G, noisy))
    assert not torch.equal(render(G, noisy), render(G, noisy.replace(noise_seed=6)))


def test_mix_cells_take_the_rows_styles_at_the_layers(G):
    spec = MixSpec((1, 2), (3, 4, 5), (0, G.num_ws))
    recipe = Recipe(source="x", view="mix", mix=spec)
    cells, rows, cols = render_mix(G, recipe)
    assert cells.shape[0] == 6 and rows.shape[0] == 2 and cols.shape[0] == 3
    image = lambda seed: render(G, Recipe(source="x", seed=seed))[0]  # noqa: E731
    assert torch.allclose(rows[1], image(2), atol=1e-6)
    assert torch.allclose(cols[2], image(5), atol=1e-6)
    for r in range(2):  # all layers from the row
        for c in range(3):
            assert torch.allclose(cells[r * 3 + c], rows[r], atol=1e-6)
    none = render(G, recipe.replace(mix=MixSpec((1, 2), (3, 4, 5), (2, 2))))
    assert torch.allclose(none[4], cols[1], atol=1e-6)  # no layers from the row: the column
    cols_only = render(G, recipe.replace(mix=MixSpec((1, 2), (3, 4, 5), (0, 1))))
    assert not torch.allclose(cols_only[4], rows[1], atol=1e-4)  # one layer changes it
    assert not torch.allclose(cols_only[4], cols[1], atol=1e-4)


def test_mix_picture_has_the_headers_and_an_empty_corner(G):
    recipe = Recipe(source="x", view="mix", mix=MixSpec((1, 2), (3, 4, 5), (0, 2)))
    cells, rows, cols = render_mix(G, recipe)
    picture = render_picture(G, recipe)
    pad, side = 2, 16
    assert picture.shape == (3 * (side + pad) + pad, 4 * (side + pad) + pad, 3)

    def tile(r, c):
        top, left = mix_tile_origin(r, c, side, side)
        assert (top, left) == (pad + r * (side + pad), pad + c * (side + pad))
        return picture[top:top + side, left:left + side]

    assert (tile(0, 0) == 24).all()  # the corner
    assert np.array_equal(tile(0, 2), to_uint8(cols.numpy())[1])
    assert np.array_equal(tile(2, 0), to_uint8(rows.numpy())[1])
    assert np.array_equal(tile(2, 3), to_uint8(cells.numpy())[5])


@pytest.mark.parametrize("space", ["w", "z"])
def test_interpolation_frames_at_keyframes_are_the_keyframe_images(G, space):
    path = InterpolationSpec((7, 8, 9), steps=4, frame=0, space=space)
    recipe = Recipe(source="x", view="interpolation", psi=0.8, interpolation=path)
    for k, seed in enumerate((7, 8, 9)):
        frame = render(G, recipe.replace(interpolation=InterpolationSpec(
            (7, 8, 9), 4, 4 * k, space)))
        # the same latent, mapped in a batch of 3 rather than 1: equal up to BLAS rounding
        assert torch.allclose(frame, render(G, Recipe(source="x", psi=0.8, seed=seed)),
                              atol=1e-6)
    between = render(G, recipe.replace(interpolation=InterpolationSpec((7, 8, 9), 4, 2, space)))
    assert not torch.equal(between, render(G, Recipe(source="x", psi=0.8, seed=7)))


@pytest.mark.parametrize("method", ["pca", "sefa"])
def test_direction_offsets_edit_the_image(G, method):
    spec = DirectionsSpec(method, 2, samples=200, layers=(0, 3))
    base = Recipe(source="x", seed=4, directions=spec)
    plain = render(G, base)
    assert torch.equal(plain, render(G, Recipe(source="x", seed=4)))
    assert torch.equal(plain, render(G, base.replace(offsets=(0.0, 0.0))))
    moved = render(G, base.replace(offsets=(2.0,)))
    assert not torch.allclose(moved, plain, atol=1e-4)
    assert torch.equal(moved, render(G, base.replace(offsets=(2.0, 0.0))))


def test_layers_beyond_the_generator_are_a_clear_error(G):
    recipe = Recipe(source="x", view="mix", mix=MixSpec((1,), (2,), (0, G.num_ws + 1)))
    with pytest.raises(ConfigError, match=f"layers 0 to {G.num_ws - 1}"):
        render(G, recipe)
