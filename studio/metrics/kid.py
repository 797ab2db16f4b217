"""Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD² estimate with the cubic
polynomial kernel k(x, y) = (xᵀy/D + 1)³, averaged over random equal-size subsets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from studio.metrics.frechet import check_features

FULL_KERNEL_ELEMENTS = 16_000_000  # (N + M)² up to which whole kernel matrices are kept (128 MB)


@dataclass(frozen=True)
class KID:
    """Mean and (population) standard deviation of the MMD² estimates over the subsets."""

    mean: float
    std: float


def polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """k(x, y) = (xᵀy/D + 1)³ for every pair of rows: x [N, D], y [M, D] → [N, M]."""
    return (x @ y.T / x.shape[1] + 1) ** 3


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor) -> float:
    """Unbiased MMD² between equal-size samples x [m, D] and y [m, D]."""
    return _mmd2_from_kernels(polynomial_kernel(x, x), polynomial_kernel(y, y),
                              polynomial_kernel(x, y))


def _mmd2_from_kernels(k_xx: torch.Tensor, k_yy: torch.Tensor, k_xy: torch.Tensor) -> float:
    """Unbiased MMD² from kernel matrices [m, m]: the diagonals of k(x,x) and k(y,y) are left
    out, the cross term keeps every pair."""
    m = k_xx.shape[0]
    within = k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()
    return float(within / (m * (m - 1)) - 2 * k_xy.sum() / (m * m))


def _mmd2_of_subsets(k_aa: torch.Tensor, k_bb: torch.Tensor, k_ab: torch.Tensor,
                     picks: list[tuple[torch.Tensor, torch.Tensor]], m: int) -> torch.Tensor:
    """Unbiased MMD² of every subset at once from the whole kernel matrices: a subset's kernel
    sum is sᵀKs for its 0/1 indicator s, so all subsets cost three matrix products instead of
    gathering three m×m blocks each."""
    s_a = torch.zeros(k_aa.shape[0], len(picks), dtype=k_aa.dtype, device=k_aa.device)
    s_b = torch.zeros(k_bb.shape[0], len(picks), dtype=k_bb.dtype, device=k_bb.device)
    for j, (pa, pb) in enumerate(picks):
        s_a[pa, j] = 1.0
        s_b[pb, j] = 1.0
    sum_aa = (s_a * (k_aa @ s_a)).sum(0) - s_a.T @ k_aa.diagonal()  # [subsets]
    sum_bb = (s_b * (k_bb @ s_b)).sum(0) - s_b.T @ k_bb.diagonal()  # [subsets]
    sum_ab = (s_a * (k_ab @ s_b)).sum(0)  # [subsets]
    return (sum_aa + sum_bb) / (m * (m - 1)) - 2 * sum_ab / (m * m)


def kid(features_a: torch.Tensor | np.ndarray, features_b: torch.Tensor | np.ndarray,
        subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> KID:
    """KID between `features_a` [N, D] and `features_b` [M, D].

    Each of `subsets` rounds draws min(subset_size, N, M) rows without replacement from each set
    (a torch.Generator seeded with `seed`, so the result is reproducible) and computes MMD².
    When the full kernel matrices are small they are computed once and the rounds index them.
    """
    if subsets < 1:
        raise ValueError(f"subsets must be at least 1, got {subsets}")
    a = check_features(features_a, "features_a")  # [N, D]
    b = check_features(features_b, "features_b").to(a.device)  # [M, D]
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape[1]} and {b.shape[1]}")
    n, n_b = a.shape[0], b.shape[0]
    m = min(subset_size, n, n_b)
    if m < 2:
        raise ValueError(f"subset_size must be at least 2, got {subset_size}")
    whole = (n + n_b) ** 2 <= FULL_KERNEL_ELEMENTS
    if whole:
        k_aa, k_bb, k_ab = (polynomial_kernel(a, a), polynomial_kernel(b, b),
                            polynomial_kernel(a, b))  # [N, N], [M, M], [N, M]
    generator = torch.Generator().manual_seed(seed)
    picks = [(torch.randperm(n, generator=generator)[:m].to(a.device),  # [m]
              torch.randperm(n_b, generator=generator)[:m].to(a.device))  # [m]
             for _ in range(subsets)]
    if whole:
        values = _mmd2_of_subsets(k_aa, k_bb, k_ab, picks, m)
    else:
        values = torch.tensor([mmd2_unbiased(a[pa], b[pb]) for pa, pb in picks],
                              dtype=torch.float64)  # [subsets]
    return KID(float(values.mean()), float(values.std(correction=0)))
