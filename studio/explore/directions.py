"""Interpretable directions in W, found without labels, and edits along them.

- PCA (Härkönen et al. 2020, GANSpace): sample many w = mapping(z) and take the principal axes
  of their spread. Sliders move in σ units: an offset of 1 moves w by one standard deviation of
  the samples along that axis.
- SeFa (Shen & Zhou 2021, closed-form factorization): a style layer sees w only through its
  affine map A, so the direction n that changes its styles most is argmax ‖A n‖ over unit n,
  i.e. the top eigenvectors of AᵀA, with A the affines of the chosen layers stacked. No sampling.
  Sliders move in raw w units times SEFA_UNIT (the paper edits with distances of a few units).

Both are deterministic (the sign of each axis is fixed, PCA's samples come from a seed) and
are cached per generator, so dragging a slider never recomputes them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from studio.errors import ConfigError
from studio.explore.mixing import layer_mask

SEFA_UNIT = 1.0  # w distance per slider unit of a SeFa direction
MAPPING_CHUNK = 4096  # samples mapped at once when sampling w for PCA


@dataclass(frozen=True, eq=False)
class Directions:
    """Unit directions in W, strongest first, with the w distance one slider unit moves."""

    method: str  # "pca" or "sefa"
    vectors: Tensor  # [k, w_dim] orthonormal rows, float32 on the CPU
    scales: Tensor  # [k] w distance per slider unit: σ of the samples (PCA) or SEFA_UNIT
    strengths: Tensor  # [k] variance (PCA) or eigenvalue of AᵀA (SeFa), descending

    def offsets_in_w(self, offsets: Sequence[float]) -> list[float]:
        """Slider offsets → distances in W along each direction."""
        return [float(o) * float(s) for o, s in zip(offsets, self.scales, strict=False)]


def _top_eigenvectors(matrix: Tensor, count: int) -> tuple[Tensor, Tensor]:
    """Top `count` eigenpairs of a symmetric float64 matrix: values [k] desc, vectors [k, D].

    Each vector's sign is fixed so its largest-magnitude component is positive.
    """
    values, vectors = torch.linalg.eigh(matrix)  # ascending; vectors in columns
    order = torch.argsort(values, descending=True)[:count]
    vectors = vectors[:, order].T  # [k, D]
    peak = vectors.abs().argmax(dim=1)
    signs = torch.sign(vectors[torch.arange(len(order)), peak])
    return values[order], vectors * signs[:, None]


def _check_count(count: int, w_dim: int) -> None:
    if not 1 <= count <= w_dim:
        raise ConfigError(f"directions count = {count} is out of range; allowed: 1 to {w_dim} "
                          "(the size of w)")


@torch.no_grad()
def sample_w(G: Any, samples: int, seed: int) -> Tensor:
    """`samples` untruncated w from z drawn with a CPU generator seeded by `seed`: [N, w_dim]."""
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    z = torch.randn(samples, G.z_dim, generator=gen)  # [N, z_dim]
    device = G.w_avg.device
    parts = [G.mapping(chunk.to(device), psi=1.0)[:, 0].double().cpu()
             for chunk in z.split(MAPPING_CHUNK)]
    return torch.cat(parts)  # [N, w_dim]


def pca_directions(G: Any, count: int, samples: int = 10_000, seed: int = 0) -> Directions:
    """GANSpace: the `count` principal axes of w sampled from `samples` seeded z."""
    _check_count(count, G.w_dim)
    if samples < max(2, count + 1):
        raise ConfigError(f"directions samples = {samples} is too few for {count} directions; "
                          f"use at least {count + 1}")
    w = sample_w(G, samples, seed)  # [N, w_dim] float64
    centred = w - w.mean(dim=0)
    covariance = centred.T @ centred / (samples - 1)  # [w_dim, w_dim]
    variances, vectors = _top_eigenvectors(covariance, count)
    variances = variances.clamp_min(0.0)
    return Directions("pca", vectors.float(), variances.sqrt().float(), variances.float())


def stacked_affines(G: Any, layers: Collection[int]) -> Tensor:
    """The style affines of the ws indices in `layers`, stacked: [Σ C_in, w_dim] float64."""
    wanted = set(layers)
    weights = [w.detach().double().cpu() for i, w in G.style_affines() if i in wanted]
    if not weights:
        raise ConfigError(f"no style layer among {sorted(wanted)}; this generator styles "
                          f"layers 0 to {G.num_ws - 1}")
    return torch.cat(weights)


def sefa_directions(G: Any, count: int, layers: Collection[int] | None = None) -> Directions:
    """SeFa: the top eigenvectors of AᵀA for the affines of `layers` (None = every layer)."""
    _check_count(count, G.w_dim)
    layers = range(G.num_ws) if layers is None else layers
    layer_mask(G.num_ws, layers)  # refuses indices the generator does not have
    A = stacked_affines(G, layers)  # [Σ C_in, w_dim]
    values, vectors = _top_eigenvectors(A.T @ A, count)
    scales = torch.full((len(values),), SEFA_UNIT)
    return Directions("sefa", vectors.float(), scales, values.float())


_cache: weakref.WeakKeyDictionary[Any, dict[tuple, Directions]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def cached_directions(G: Any, method: str, count: int, samples: int = 10_000, seed: int = 0,
                      layers: Collection[int] | None = None) -> Directions:
    """`pca_directions` or `sefa_directions`, computed once per generator and settings."""
    if method not in ("pca", "sefa"):
        raise ConfigError(f"directions method {method!r} is not allowed; choose 'pca' or "
                          "'sefa'")
    chosen = None if layers is None else tuple(sorted(set(layers)))
    key = ("pca", count, samples, seed) if method == "pca" else ("sefa", count, chosen)
    with _cache_lock:
        found = _cache.setdefault(G, {})
        if key not in found:
            found[key] = (pca_directions(G, count, samples, seed) if method == "pca"
                          else sefa_directions(G, count, chosen))
        return found[key]


def apply_directions(ws: Tensor, directions: Tensor, offsets: Sequence[float],
                     layers: Collection[int] | None = None) -> Tensor:
    """ws [..., num_ws, w_dim] moved by Σ offsets[i]·directions[i] at `layers` (None = all).

    `offsets` are distances in W (see Directions.offsets_in_w); missing ones count as 0.
    Layers not chosen are returned untouched, bit for bit.
    """
    if len(offsets) > directions.shape[0]:
        raise ConfigError(f"{len(offsets)} offsets given for {directions.shape[0]} directions")
    if not offsets or not any(offsets):
        return ws
    weights = torch.tensor(list(offsets), dtype=torch.float64)  # [m]
    delta = (weights[:, None] * directions[: len(offsets)].double().cpu()).sum(0)  # [w_dim]
    delta = delta.to(ws.dtype).to(ws.device)
    num_ws = ws.shape[-2]
    mask = layer_mask(num_ws, range(num_ws) if layers is None else layers, ws.device)
    return torch.where(mask[:, None], ws + delta, ws)
