"""Turning a Recipe into pixels: latents, truncation, mixing, edits, synthesis.

Order of operations, the same for every view: seeds → z (CPU generator) → mapping with
truncation ψ (below `cutoff`) → the view's ws (one image; the mix grid; an interpolation frame)
→ direction edits → synthesis in chunks, with "random" noise from a generator seeded by
noise_seed on G's device (noise is drawn where the image is made).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from studio.errors import ConfigError
from studio.explore.directions import apply_directions, cached_directions
from studio.explore.latents import interpolation_frame, z_from_seeds
from studio.explore.mixing import mix
from studio.explore.recipe import MIX_BACKGROUND, MIX_PAD, Recipe, mix_tile_origin
from studio.export.images import image_grid, to_uint8

SYNTHESIS_CHUNK = 16  # images synthesised at once


def _device_of(G: Any, device: Any) -> torch.device:
    here = G.w_avg.device
    if device is not None:
        wanted = torch.device(device)
        if wanted.type != here.type or wanted.index not in (None, here.index):
            raise ValueError(f"render on {wanted}: the generator lives on {here}; move it first")
    return here


def _mapped(G: Any, recipe: Recipe, seeds: tuple[int, ...], device: torch.device) -> Tensor:
    z = z_from_seeds(seeds, G.z_dim).to(device)  # [N, z_dim]
    return G.mapping(z, psi=recipe.psi, cutoff=recipe.cutoff)  # [N, num_ws, w_dim]


def _edited(G: Any, recipe: Recipe, ws: Tensor) -> Tensor:
    spec = recipe.directions
    if spec is None or not any(recipe.offsets):
        return ws
    layers = range(*spec.layers) if spec.layers is not None else None
    if layers is not None and not layers:  # no layers chosen: nothing moves
        return ws
    found = cached_directions(G, spec.method, spec.count, spec.samples, spec.seed, layers)
    return apply_directions(ws, found.vectors, found.offsets_in_w(recipe.offsets), layers)


def _view_ws(G: Any, recipe: Recipe, device: torch.device) -> Tensor:
    """The ws of every image the view shows: [N, num_ws, w_dim]; for "mix", the R×C cells in
    row-major order, then the R row images, then the C column images."""
    if recipe.view == "image":
        return _mapped(G, recipe, (recipe.seed,), device)
    if recipe.view == "mix":
        spec = recipe.mix
        rows, cols = _mapped(G, recipe, spec.rows, device), _mapped(G, recipe, spec.cols, device)
        cells = mix(rows[:, None], cols[None, :], range(*spec.layers))  # [R, C, L, D]
        return torch.cat([cells.flatten(0, 1), rows, cols])
    spec = recipe.interpolation
    if spec.space == "w":
        keys = _mapped(G, recipe, spec.keyframes, device)  # [K, L, D]
        return interpolation_frame(keys, spec.steps, spec.frame, "w")[None]
    zs = z_from_seeds(spec.keyframes, G.z_dim)  # [K, z_dim] on the CPU
    z = interpolation_frame(zs, spec.steps, spec.frame, "z")[None].to(device)
    return G.mapping(z, psi=recipe.psi, cutoff=recipe.cutoff)


@torch.no_grad()
def _render_all(G: Any, recipe: Recipe, device: Any) -> Tensor:
    here = _device_of(G, device)
    ws = _edited(G, recipe, _view_ws(G, recipe, here))
    generator = None
    if recipe.noise_mode == "random":  # on the generator's device: noise is drawn there
        generator = torch.Generator(device=here).manual_seed(recipe.noise_seed)
    images = [G.synthesis(chunk, noise_mode=recipe.noise_mode, generator=generator)
              .float().clamp(-1.0, 1.0).cpu() for chunk in ws.split(SYNTHESIS_CHUNK)]
    return torch.cat(images)  # [N, C, H, W]


def render(G: Any, recipe: Recipe, device: Any = None) -> Tensor:
    """The recipe's images, float [N, C, H, W] in [-1, 1] on the CPU: one image, or for view
    "mix" the rows×cols cells in row-major order. `device` defaults to G's (and must be it)."""
    images = _render_all(G, recipe, device)
    if recipe.view == "mix":
        return images[: len(recipe.mix.rows) * len(recipe.mix.cols)]
    return images


def render_mix(G: Any, recipe: Recipe, device: Any = None) -> tuple[Tensor, Tensor, Tensor]:
    """For view "mix": (cells [R·C, C, H, W], row images [R, …], column images [C, …])."""
    if recipe.view != "mix":
        raise ConfigError(f"render_mix needs a recipe with view 'mix', not {recipe.view!r}")
    images = _render_all(G, recipe, device)
    r, c = len(recipe.mix.rows), len(recipe.mix.cols)
    return images[: r * c], images[r * c: r * c + r], images[r * c + r:]


def render_picture(G: Any, recipe: Recipe, device: Any = None) -> np.ndarray:
    """The picture the studio shows, uint8 [H, W, C]: the image, or for "mix" the grid with
    the row seeds' images down the left, the column seeds' along the top, the corner empty."""
    if recipe.view != "mix":
        return to_uint8(render(G, recipe, device).numpy())[0]
    cells, rows, cols = render_mix(G, recipe, device)
    r, c = len(recipe.mix.rows), len(recipe.mix.cols)
    blank = torch.zeros_like(cells[:1])
    tiles = [blank, cols]
    for i in range(r):
        tiles += [rows[i: i + 1], cells[i * c: (i + 1) * c]]
    picture = image_grid(torch.cat(tiles).numpy(), columns=c + 1, pad=MIX_PAD,
                         background=MIX_BACKGROUND)
    h, w = cells.shape[-2:]
    top, left = mix_tile_origin(0, 0, h, w)
    picture[top: top + h, left: left + w] = MIX_BACKGROUND  # the empty corner
    return picture
