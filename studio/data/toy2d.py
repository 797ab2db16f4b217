"""Built-in 2-D distributions for watching a GAN learn: mixtures of Gaussians and a spiral.

Each is seeded and deterministic. The mixtures know their mode centres and σ, so mode coverage
can be measured exactly (studio.metrics.coverage).
"""

from __future__ import annotations

import math

import torch

from studio.data.base import POINTS, Dataset

RING_RADIUS, RING_SIGMA = 0.8, 0.02
GRID_SPAN, GRID_SIGMA = 0.8, 0.02
SPIRAL_NOISE = 0.02


def ring8_centres() -> torch.Tensor:
    """The 8 mode centres [8, 2] on a circle of radius 0.8."""
    angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
    return (RING_RADIUS * torch.stack([angles.cos(), angles.sin()], 1)).float()


def grid25_centres() -> torch.Tensor:
    """The 25 mode centres [25, 2] on a 5×5 grid spanning [-0.8, 0.8]²."""
    ticks = torch.linspace(-GRID_SPAN, GRID_SPAN, 5)
    ys, xs = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], 1)


def mixture_modes(name: str) -> tuple[torch.Tensor, float] | None:
    """(centres [K, 2], σ) of a built-in Gaussian mixture, or None for any other set."""
    if name == "ring8":
        return ring8_centres(), RING_SIGMA
    if name == "grid25":
        return grid25_centres(), GRID_SIGMA
    return None


def _mixture(name: str, centres: torch.Tensor, sigma: float, size: int, seed: int) -> Dataset:
    gen = torch.Generator().manual_seed(seed)
    labels = torch.randint(len(centres), (size,), generator=gen)
    points = centres[labels] + sigma * torch.randn(size, 2, generator=gen)  # [N, 2]
    classes = tuple(f"mode {i}" for i in range(len(centres)))
    return Dataset(name, POINTS, points, labels, classes, source="built-in")


def make_ring8(size: int, seed: int = 0) -> Dataset:
    """8 Gaussians (σ = 0.02) evenly spaced on a circle of radius 0.8; label = mode."""
    return _mixture("ring8", ring8_centres(), RING_SIGMA, size, seed)


def make_grid25(size: int, seed: int = 0) -> Dataset:
    """25 Gaussians (σ = 0.02) on a 5×5 grid; label = mode."""
    return _mixture("grid25", grid25_centres(), GRID_SIGMA, size, seed)


def make_spiral(size: int, seed: int = 0) -> Dataset:
    """Two interleaved spiral arms (1.5 turns each) with a little noise; label = arm."""
    gen = torch.Generator().manual_seed(seed)
    arm = torch.randint(2, (size,), generator=gen)
    t = torch.rand(size, generator=gen).sqrt()  # denser sampling towards the rim
    angle = 3 * math.pi * t + math.pi * arm
    radius = 0.1 + 0.75 * t
    points = torch.stack([radius * angle.cos(), radius * angle.sin()], 1)
    points = points + SPIRAL_NOISE * torch.randn(size, 2, generator=gen)
    return Dataset("spiral", POINTS, points.float(), arm, ("arm A", "arm B"), source="built-in")
