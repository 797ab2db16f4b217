"""Latent exploration: seeds and paths, truncation, style mixing, directions, recipes.

Everything an explored picture depends on fits in a `Recipe`; `render` / `render_picture` turn
one into pixels, the same way in the studio's render worker and in `gan-studio render`.
Names are loaded on first use, so `studio.explore.recipe` and `studio.explore.layers` stay
importable without torch (the studio's panels use them before torch has loaded).
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "directions": ("Directions", "apply_directions", "cached_directions", "pca_directions",
                   "sefa_directions"),
    "latents": ("frame_count", "interpolation_frame", "lerp", "slerp", "z_from_seed"),
    "layers": ("LAYER_GROUPS",),
    "mixing": ("layer_range", "mix"),
    "recipe": ("DirectionsSpec", "GridSpec", "InterpolationSpec", "MixSpec", "Recipe", "render",
               "mix_tile_origin", "render_mix", "render_picture"),
    "catalog": ("BundledModel", "EXPLORED_VARIANTS", "default_models_root", "find_bundled",
                "list_bundled_models", "portable_source"),
    "source": ("GeneratorSource", "LatentGenerator", "bundle_model", "current_checkpoint_key",
               "load_source", "resolve_source"),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'studio.explore' has no attribute {name!r}")
    return getattr(importlib.import_module(f"studio.explore.{_WHERE[name]}"), name)
