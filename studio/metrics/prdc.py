"""Precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020) from
k-nearest-neighbour balls in feature space; distances in float64, computed in row chunks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from studio.metrics.frechet import check_features

CHUNK_ELEMENTS = 4_000_000  # distances held at once (32 MB in float64)


@dataclass(frozen=True)
class PRDC:
    """Fidelity (precision, density) and diversity (recall, coverage) of fakes against reals."""

    precision: float  # share of fakes inside some real k-NN ball
    recall: float  # share of reals inside some fake k-NN ball
    density: float  # mean count of real balls holding a fake, divided by k (≈ 1 when matched)
    coverage: float  # share of reals whose own k-NN ball holds at least one fake


def _chunk_rows(columns: int) -> int:
    """Rows per chunk so that a [rows, columns] distance block stays near CHUNK_ELEMENTS."""
    return max(1, CHUNK_ELEMENTS // max(columns, 1))


def knn_radii(points: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row of `points` [N, D] to its k-th nearest other row → [N]."""
    rows = _chunk_rows(points.shape[0])
    radii = []
    for start in range(0, points.shape[0], rows):
        dist = torch.cdist(points[start:start + rows], points)  # [c, N]
        # the k+1 smallest include the point itself (distance 0), so index k is the k-th other
        radii.append(dist.topk(k + 1, dim=1, largest=False).values[:, k])
    return torch.cat(radii)


def prdc(real: torch.Tensor | np.ndarray, fake: torch.Tensor | np.ndarray, k: int = 5) -> PRDC:
    """Precision, recall, density and coverage of `fake` [M, D] against `real` [N, D].

    A point lies in a ball when its distance is strictly below the radius, as in Naeem et al.'s
    released code (so identical sets give density exactly 1 up to rounding of tied distances).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    x = check_features(real, "real features", min_rows=k + 1)  # [N, D]
    y = check_features(fake, "fake features", min_rows=k + 1).to(x.device)  # [M, D]
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature sizes differ: {x.shape[1]} and {y.shape[1]}")
    real_radii = knn_radii(x, k)  # [N]
    fake_radii = knn_radii(y, k)  # [M]
    fakes_inside = 0  # fakes in at least one real ball
    ball_hits = 0  # (real ball, fake) pairs with the fake inside
    real_recalled = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)  # [N]
    nearest_fake = torch.full((x.shape[0],), float("inf"), dtype=torch.float64,
                              device=x.device)  # [N]
    rows = _chunk_rows(x.shape[0])
    for start in range(0, y.shape[0], rows):
        dist = torch.cdist(y[start:start + rows], x)  # [c, N]
        inside_real = dist < real_radii  # [c, N]
        fakes_inside += int(inside_real.any(dim=1).sum())
        ball_hits += int(inside_real.sum())
        inside_fake = dist < fake_radii[start:start + rows, None]  # [c, N]
        real_recalled |= inside_fake.any(dim=0)
        nearest_fake = torch.minimum(nearest_fake, dist.min(dim=0).values)
    m = y.shape[0]
    return PRDC(precision=fakes_inside / m,
                recall=float(real_recalled.double().mean()),
                density=ball_hits / (k * m),
                coverage=float((nearest_fake < real_radii).double().mean()))
