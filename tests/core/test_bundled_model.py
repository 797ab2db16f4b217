"""The model that ships in models/: listed, small, intact, and it renders."""

from __future__ import annotations

import numpy as np

from studio.explore.catalog import list_bundled_models
from studio.explore.recipe import Recipe, render_picture
from studio.explore.source import load_source


def test_the_landscapes_model_is_listed_small_and_renders():
    models = {m.name: m for m in list_bundled_models()}
    model = models["landscapes-64"]
    size = sum(p.stat().st_size for p in model.path.iterdir())
    assert size <= 20 * 2**20
    source = load_source(model.path, device="cpu")  # checks the sha256
    assert (source.G.resolution, source.G.num_ws, source.step) == (64, 10, 4000)
    pictures = [render_picture(source.G, Recipe(source=str(model.path), checkpoint=None,
                                                view="image", seed=seed, psi=psi))
                for seed, psi in ((1, 1.0), (2, 1.0), (1, 0.0), (2, 0.0))]
    assert pictures[0].shape == (64, 64, 3)
    assert not np.array_equal(pictures[0], pictures[1])  # seeds differ…
    assert np.array_equal(pictures[2], pictures[3])  # …until ψ = 0 pulls both to the average
    assert 20 < pictures[0].mean() < 235  # an image, not a blank
