"""Turning a Recipe into pixels: latents, truncation, mixing, edits, synthesis.

Order of operations, the same for every view: seeds → z (CPU generator) → mapping with
truncation ψ (below `cutoff`) → the view's ws (one image; the mix grid; an interpolation frame)
→ direction edits → synthesis in chunks, with "random" noise from a generator seeded by
noise_seed on G's device (noise is drawn where the image is made).

A GAN, DCGAN or cGAN generator (a `LatentGenerator`) has no W: seeds → z (CPU generator) →
the view's z (one; a grid; a great-circle frame) and class labels → G, in chunks.
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
    if recipe.view == "grid":
        return _mapped(G, recipe, recipe.grid.seeds, device)
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


def _latent_device(G: Any, device: Any) -> torch.device:
    here = next(G.parameters()).device
    if device is not None and torch.device(device).type != here.type:
        raise ValueError(f"render on {device}: the generator lives on {here}; move it first")
    return here


def _check_latent(G: Any, recipe: Recipe) -> None:
    """Refuse what a generator without W, styles or noise cannot do, saying why."""
    needs_style = [what for what, used in (
        ("truncation ψ", recipe.psi != 1.0), ("a truncation cutoff", recipe.cutoff is not None),
        ("directions", recipe.directions is not None or any(recipe.offsets)),
        ("style mixing", recipe.view == "mix"), ("noise settings", recipe.noise_mode != "const"),
        ("paths in W", recipe.interpolation is not None and recipe.interpolation.space == "w"),
    ) if used]
    if needs_style:
        raise ConfigError(f"{needs_style[0]} needs a StyleGAN; this generator has only z "
                          "(use seeds, Z paths and, for a cGAN, classes)")
    k = len(G.classes)
    grid_classes = recipe.grid.classes if recipe.grid is not None else None
    if not k and (recipe.label is not None or grid_classes is not None):
        raise ConfigError("this generator is not conditional: remove the recipe's label and "
                          "grid classes")
    for label in ([recipe.label] if recipe.label is not None else []) + list(grid_classes or []):
        if label >= k:
            raise ConfigError(f"class {label} does not exist; this generator has classes 0 "
                              f"to {k - 1} ({', '.join(G.classes)})")


def _latent_inputs(G: Any, recipe: Recipe) -> tuple[Tensor, Tensor | None]:
    """The view's z [N, z_dim] and labels [N] (None for an unconditional G), on the CPU."""
    label = 0 if recipe.label is None else recipe.label
    if recipe.view == "grid":
        spec = recipe.grid
        z = z_from_seeds(spec.seeds, G.z_dim)  # [S, z_dim]
        if not G.classes:
            return z, None
        rows, cols = spec.shape(len(G.classes))
        classes = torch.tensor(list(spec.classes or range(cols)))  # [K]
        return z.repeat_interleave(cols, 0), classes.repeat(rows)  # row-major: seed, class
    if recipe.view == "interpolation":
        spec = recipe.interpolation
        keys = z_from_seeds(spec.keyframes, G.z_dim)
        z = interpolation_frame(keys, spec.steps, spec.frame, "z")[None]  # [1, z_dim]
    else:
        z = z_from_seeds((recipe.seed,), G.z_dim)
    return z, (torch.full((len(z),), label) if G.classes else None)


@torch.no_grad()
def _render_latent(G: Any, recipe: Recipe, device: Any) -> Tensor:
    """A GAN/DCGAN/cGAN generator's images for the recipe: [N, C, H, W] on the CPU."""
    _check_latent(G, recipe)
    here = _latent_device(G, device)
    z, labels = _latent_inputs(G, recipe)
    images = []
    for start in range(0, len(z), SYNTHESIS_CHUNK):
        part = slice(start, start + SYNTHESIS_CHUNK)
        y = None if labels is None else labels[part].to(here)
        images.append(G(z[part].to(here), y).float().clamp(-1.0, 1.0).cpu())
    return torch.cat(images)


@torch.no_grad()
def _render_all(G: Any, recipe: Recipe, device: Any) -> Tensor:
    if not hasattr(G, "synthesis"):
        return _render_latent(G, recipe, device)
    if recipe.label is not None or (recipe.grid is not None and recipe.grid.classes):
        raise ConfigError("this StyleGAN is not conditional: remove the recipe's label and "
                          "grid classes")
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
    if recipe.view == "grid":
        images = render(G, recipe, device)
        _, columns = recipe.grid.shape(len(getattr(G, "classes", ())))
        return image_grid(images.numpy(), columns=columns, pad=MIX_PAD,
                          background=MIX_BACKGROUND)
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
