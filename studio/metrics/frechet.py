"""Fréchet distance between Gaussians fitted to two feature sets (FID when the features are
Inception pool3 activations). Pure torch, float64, no scipy."""

from __future__ import annotations

import numpy as np
import torch

from studio.errors import StudioError

SAMPLE_SPACE_ELEMENTS = 16_000_000  # largest [N, M] sample-space matrix fd() builds (128 MB)


def as_float64(values: torch.Tensor | np.ndarray) -> torch.Tensor:
    """`values` as a detached float64 tensor on its device (on the CPU for MPS, which lacks it)."""
    t = torch.as_tensor(values).detach()
    if t.device.type == "mps":  # MPS has no float64
        t = t.cpu()
    return t.to(torch.float64)


def check_features(features: torch.Tensor | np.ndarray, name: str = "features",
                   min_rows: int = 2) -> torch.Tensor:
    """Validate a feature matrix [N, D] and return it as float64; non-finite values are refused."""
    x = as_float64(features)
    if x.dim() != 2:
        raise ValueError(f"{name} must be a matrix [N, D], got shape {tuple(x.shape)}")
    if x.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {x.shape[0]}")
    if not bool(torch.isfinite(x).all()):
        raise StudioError(f"The {name} contain NaN or infinite values, so no metric can be "
                          "computed; the generator has probably diverged. Evaluate an earlier "
                          "checkpoint.")
    return x


def gaussian_stats(features: torch.Tensor | np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean [D] and unbiased covariance [D, D] (like numpy.cov) of `features` [N, D], float64."""
    x = check_features(features)  # [N, D]
    mu = x.mean(dim=0)  # [D]
    centred = x - mu  # [N, D]
    sigma = centred.T @ centred / (x.shape[0] - 1)  # [D, D]
    return mu, sigma


def _drop_rounding(eigenvalues: torch.Tensor) -> torch.Tensor:
    """Eigenvalues [D] of a PSD matrix with those at rounding level (≤ D·eps·λmax) set to 0.

    A singular covariance (fewer samples than dimensions) has many zero eigenvalues that eigh
    returns as ±1e-16·λmax noise; their square roots (1e-8·√λmax each) would add up.
    """
    eps = torch.finfo(eigenvalues.dtype).eps
    floor = eigenvalues.abs().max() * eigenvalues.shape[0] * eps
    return torch.where(eigenvalues > floor, eigenvalues, torch.zeros_like(eigenvalues))


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    """Symmetric square root of a symmetric PSD matrix [D, D]."""
    sym = (matrix + matrix.T) / 2
    eigenvalues, vectors = torch.linalg.eigh(sym)  # [D], [D, D]
    roots = _drop_rounding(eigenvalues).sqrt()  # [D]
    return (vectors * roots) @ vectors.T


def trace_sqrt_product(sigma1: torch.Tensor, sigma2: torch.Tensor) -> float:
    """tr((Σ1 Σ2)^½), computed as Σ √λ of the symmetric PSD matrix Σ1^½ Σ2 Σ1^½.

    Σ1 Σ2 is similar to Σ1^½ Σ2 Σ1^½, so both have the same non-negative eigenvalues; the
    symmetric form needs only eigh, which stays accurate when the covariances are singular.
    """
    root1 = _psd_sqrt(sigma1)  # [D, D]
    middle = root1 @ sigma2 @ root1  # [D, D]
    middle = (middle + middle.T) / 2
    eigenvalues = _drop_rounding(torch.linalg.eigvalsh(middle))  # [D]
    return float(eigenvalues.sqrt().sum())


def frechet_distance(mu1: torch.Tensor | np.ndarray, sigma1: torch.Tensor | np.ndarray,
                     mu2: torch.Tensor | np.ndarray, sigma2: torch.Tensor | np.ndarray) -> float:
    """FD = |μ1−μ2|² + tr(Σ1) + tr(Σ2) − 2·tr((Σ1Σ2)^½) between N(μ1, Σ1) and N(μ2, Σ2)."""
    m1 = as_float64(mu1)  # [D]
    m2 = as_float64(mu2).to(m1.device)  # [D]
    s1 = as_float64(sigma1).to(m1.device)  # [D, D]
    s2 = as_float64(sigma2).to(m1.device)  # [D, D]
    d = m1.shape[0]
    if m1.shape != (d,) or m2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(f"shape mismatch: mu1 {tuple(m1.shape)}, sigma1 {tuple(s1.shape)}, "
                         f"mu2 {tuple(m2.shape)}, sigma2 {tuple(s2.shape)}")
    diff = m1 - m2
    value = float(diff @ diff) + float(torch.trace(s1) + torch.trace(s2))
    value -= 2 * trace_sqrt_product(s1, s2)
    return max(value, 0.0)  # rounding can leave −1e-12 for identical sets


def fd(features_a: torch.Tensor | np.ndarray, features_b: torch.Tensor | np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to `features_a` [N, D] and `features_b` [M, D].

    With few samples (N·M·min(N, M) ≤ D³) it works in sample space and never forms a [D, D]
    matrix; otherwise from the fitted means and covariances.
    """
    x = check_features(features_a, "features_a")  # [N, D]
    y = check_features(features_b, "features_b").to(x.device)  # [M, D]
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature sizes differ: {x.shape[1]} and {y.shape[1]}")
    n, m, d = x.shape[0], y.shape[0], x.shape[1]
    if n * m * min(n, m) <= d**3 and n * m <= SAMPLE_SPACE_ELEMENTS:
        return _fd_sample_space(x, y)
    return frechet_distance(*gaussian_stats(x), *gaussian_stats(y))


def _fd_sample_space(x: torch.Tensor, y: torch.Tensor) -> float:
    """FD from centred samples A [N, D], B [M, D]: Σ1Σ2 = AᵀA·BᵀB/((N−1)(M−1)) has the same
    non-zero eigenvalues as (ABᵀ)(ABᵀ)ᵀ/((N−1)(M−1)), so tr((Σ1Σ2)^½) is the sum of the
    singular values of ABᵀ/√((N−1)(M−1)), an [N, M] matrix."""
    mu_x, mu_y = x.mean(dim=0), y.mean(dim=0)  # [D]
    a, b = x - mu_x, y - mu_y  # [N, D], [M, D]
    dof_x, dof_y = x.shape[0] - 1, y.shape[0] - 1
    cross = a @ b.T / (dof_x * dof_y) ** 0.5  # [N, M]
    diff = mu_x - mu_y
    value = float(diff @ diff) + float((a * a).sum() / dof_x + (b * b).sum() / dof_y)
    value -= 2 * float(torch.linalg.svdvals(cross).sum())
    return max(value, 0.0)
