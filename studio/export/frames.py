"""The frames of an exported video, each as a single-picture Recipe the studio's renderer draws.

walk: the Explore strip's path through keyframe seeds (W line or Z great circle, through
studio.explore.latents.interpolation_frame); psi: a truncation sweep of the image view;
direction: a sweep of one direction's offset. With `loop` the path returns to its start and the
last frame is the one just before the first, so a looping player shows no repeated frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from studio.errors import StudioError
from studio.explore.recipe import MAX_GRID_SIDE, MAX_SEED, InterpolationSpec, Recipe, render_picture

VIDEO_KINDS = ("walk", "psi", "direction")
WALK_KEYFRAMES = 4  # a recipe without a path walks through seed, seed+1, seed+2, seed+3
MAX_FRAMES = 100_000


def is_stylegan(G: Any) -> bool:
    """Whether G has a W space, truncation and styles (a StyleGAN generator)."""
    return hasattr(G, "synthesis") and hasattr(G, "mapping")


def sweep(frames: int, loop: bool) -> list[float]:
    """t in [0, 1] per frame: 0 → 1 (ends included), or with `loop` 0 → 1 → back towards 0."""
    if loop:
        return [1.0 - abs(1.0 - 2.0 * i / frames) for i in range(frames)]
    return [i / (frames - 1) for i in range(frames)]


def _image_view(recipe: Recipe) -> Recipe:
    return recipe.replace(view="image", mix=None, interpolation=None, grid=None)


def walk_recipes(G: Any, recipe: Recipe, frames: int, loop: bool) -> list[Recipe]:
    """One interpolation-view recipe per frame, evenly spaced along the keyframe path."""
    spec = recipe.interpolation
    if spec is not None:
        keys, space = tuple(spec.keyframes), spec.space
    else:
        if recipe.seed + WALK_KEYFRAMES - 1 > MAX_SEED:
            raise StudioError(f"seed {recipe.seed} is too large to walk from; choose a smaller "
                              "seed")
        keys = tuple(range(recipe.seed, recipe.seed + WALK_KEYFRAMES))
        space = "w" if is_stylegan(G) else "z"
    if space == "w" and not is_stylegan(G):
        raise StudioError("a walk in W needs a StyleGAN; this generator has only z: set the "
                          "recipe's interpolation space to \"z\"")
    if loop and keys[-1] != keys[0]:
        if len(keys) >= MAX_GRID_SIDE:
            raise StudioError(f"a looping walk through {len(keys)} keyframes is too long; use "
                              f"at most {MAX_GRID_SIDE - 1}, or no loop")
        keys = keys + keys[:1]
    legs = len(keys) - 1
    steps = frames if loop else frames - 1  # frame i lies i·legs/steps legs along the path
    return [recipe.replace(view="interpolation", mix=None, grid=None,
                           interpolation=InterpolationSpec(keys, steps, i * legs, space))
            for i in range(frames)]


def psi_recipes(G: Any, recipe: Recipe, frames: int, loop: bool,
                psi_range: tuple[float, float]) -> list[Recipe]:
    """The image view with ψ swept from psi_range[0] to psi_range[1]."""
    if not is_stylegan(G):
        raise StudioError("a ψ sweep needs a StyleGAN (truncation works in W); this generator "
                          "has only z: export a walk instead")
    lo, hi = (float(v) for v in psi_range)
    if not (-2.0 <= lo <= 2.0 and -2.0 <= hi <= 2.0):
        raise StudioError(f"ψ range {lo:g} to {hi:g} is out of bounds; ψ must lie in -2 to 2")
    base = _image_view(recipe)
    return [base.replace(psi=lo + (hi - lo) * t) for t in sweep(frames, loop)]


def direction_recipes(G: Any, recipe: Recipe, frames: int, loop: bool, direction: int,
                      direction_range: tuple[float, float]) -> list[Recipe]:
    """The image view with direction `direction`'s offset swept over direction_range."""
    if not is_stylegan(G):
        raise StudioError("a direction sweep needs a StyleGAN; this generator has only z: "
                          "export a walk instead")
    spec = recipe.directions
    if spec is None:
        raise StudioError("a direction sweep needs directions: find them in Explore "
                          "(Directions, PCA or SeFa) and export from there, or give a recipe "
                          "with a \"directions\" entry")
    if not 0 <= direction < spec.count:
        raise StudioError(f"direction {direction} does not exist; the recipe has directions "
                          f"0 to {spec.count - 1}")
    lo, hi = (float(v) for v in direction_range)
    if not (-1000.0 <= lo <= 1000.0 and -1000.0 <= hi <= 1000.0):
        raise StudioError(f"direction range {lo:g} to {hi:g} is out of bounds; offsets must "
                          "lie in -1000 to 1000")
    offsets = list(recipe.offsets) + [0.0] * (spec.count - len(recipe.offsets))
    base = _image_view(recipe)
    out = []
    for t in sweep(frames, loop):
        offsets[direction] = lo + (hi - lo) * t
        out.append(base.replace(offsets=tuple(offsets)))
    return out


def frame_recipes(G: Any, recipe: Recipe, *, kind: str, frames: int, loop: bool = True,
                  psi_range: tuple[float, float] = (0.0, 1.0), direction: int = 0,
                  direction_range: tuple[float, float] = (-3.0, 3.0)) -> list[Recipe]:
    """The recipe of every frame of a `kind` video of `frames` frames."""
    if kind not in VIDEO_KINDS:
        raise StudioError(f"video kind {kind!r} is not known; choose one of "
                          f"{', '.join(VIDEO_KINDS)}")
    if not 2 <= frames <= MAX_FRAMES:
        raise StudioError(f"a video of {frames} frames cannot be made; give 2 to {MAX_FRAMES} "
                          "frames (seconds × fps)")
    if kind == "walk":
        return walk_recipes(G, recipe, frames, loop)
    if kind == "psi":
        return psi_recipes(G, recipe, frames, loop, psi_range)
    return direction_recipes(G, recipe, frames, loop, direction, direction_range)


def video_frames(source: Any, recipe: Recipe, *, kind: str, frames: int, loop: bool = True,
                 psi_range: tuple[float, float] = (0.0, 1.0), direction: int = 0,
                 direction_range: tuple[float, float] = (-3.0, 3.0)) -> Iterator[np.ndarray]:
    """Each frame as uint8 RGB [H, W, 3], rendered one by one by the studio's renderer (the
    Explore strip's pixels; "random" noise stays the same from frame to frame)."""
    plan = frame_recipes(source.G, recipe, kind=kind, frames=frames, loop=loop,
                         psi_range=psi_range, direction=direction,
                         direction_range=direction_range)
    for single in plan:
        picture = render_picture(source.G, single)  # uint8 [H, W, C]
        yield np.repeat(picture, 3, axis=-1) if picture.shape[-1] == 1 else picture
