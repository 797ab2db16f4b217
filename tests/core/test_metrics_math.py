"""Fréchet distance, KID and PRDC against scipy/pytorch-fid, direct O(n²) sums and worked cases.

All of it is small float64 algebra: the tests take about 0.2 s together on one core.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pytorch_fid.fid_score import calculate_frechet_distance

import studio.metrics.kid as kid_module
import studio.metrics.prdc as prdc_module
from studio.errors import StudioError
from studio.metrics.frechet import fd, frechet_distance, gaussian_stats
from studio.metrics.kid import KID, kid
from studio.metrics.prdc import PRDC, prdc


def _gaussian(n: int, d: int, seed: int, shift: float = 0.0, scale: float = 1.0,
              mix_seed: int = 0) -> np.ndarray:
    """n points of a correlated Gaussian in d dimensions (its covariance set by `mix_seed`)."""
    mixing = np.random.default_rng(mix_seed).normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    return np.random.default_rng(seed).normal(size=(n, d)) @ mixing * scale + shift


# --- Fréchet distance --------------------------------------------------------------------------

def test_gaussian_stats_match_numpy():
    x = _gaussian(50, 7, seed=0)
    mu, sigma = gaussian_stats(torch.from_numpy(x).float())
    assert mu.dtype == sigma.dtype == torch.float64
    np.testing.assert_allclose(mu.numpy(), x.astype(np.float32).mean(0), rtol=1e-6)
    np.testing.assert_allclose(sigma.numpy(), np.cov(x.astype(np.float32), rowvar=False),
                               rtol=1e-6, atol=1e-9)


# pytorch-fid 0.3.0 passes scipy's deprecated `disp` to sqrtm (scipy is pinned below 1.18)
@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")
@pytest.mark.parametrize(("seed", "shift", "scale"), [(1, 0.0, 1.0), (2, 0.3, 1.5), (3, 2.0, 0.2)])
def test_fd_matches_pytorch_fid(seed, shift, scale):
    a = _gaussian(300, 32, seed, mix_seed=seed)
    b = _gaussian(200, 32, seed + 100, shift=shift, scale=scale, mix_seed=seed + 100)
    expected = calculate_frechet_distance(a.mean(0), np.cov(a, rowvar=False),
                                          b.mean(0), np.cov(b, rowvar=False))
    assert fd(torch.from_numpy(a), torch.from_numpy(b)) == pytest.approx(expected, rel=1e-6)
    assert fd(a, b) == pytest.approx(expected, rel=1e-6)  # numpy arrays work too


def test_fd_closed_form_for_diagonal_covariances():
    """For diagonal Σ the square root is elementwise: FD = |Δμ|² + Σ(√a − √b)²."""
    var_a, var_b = np.array([1.0, 4.0, 0.25, 9.0]), np.array([4.0, 1.0, 0.25, 0.0])
    mu_a, mu_b = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 3.0])
    got = frechet_distance(mu_a, np.diag(var_a), mu_b, np.diag(var_b))
    expected = 1.0 + 4.0 + ((np.sqrt(var_a) - np.sqrt(var_b)) ** 2).sum()  # 5 + 1 + 1 + 0 + 9
    assert got == pytest.approx(expected, rel=1e-12)
    assert expected == 16.0


def test_fd_of_a_set_with_itself_is_zero_and_rotation_invariant():
    a, b = _gaussian(20, 64, seed=4), _gaussian(25, 64, seed=5, shift=0.5)  # N < D: singular Σ
    assert fd(a, a) == pytest.approx(0.0, abs=1e-9)
    rotation, _ = np.linalg.qr(np.random.default_rng(6).normal(size=(64, 64)))
    value = fd(a, b)
    assert np.isfinite(value) and value > 0
    assert fd(a @ rotation, b @ rotation) == pytest.approx(value, rel=1e-9)


def test_fd_in_sample_space_equals_fd_from_covariances():
    """fd() of few samples never forms [D, D] matrices; it must agree with the covariance route."""
    a, b = _gaussian(12, 200, seed=21), _gaussian(9, 200, seed=22, shift=0.2, scale=1.3)
    from_stats = frechet_distance(*gaussian_stats(a), *gaussian_stats(b))
    assert fd(a, b) == pytest.approx(from_stats, rel=1e-9)


def test_fd_refuses_bad_input():
    good = torch.zeros(10, 3)
    with pytest.raises(ValueError, match="matrix"):
        fd(torch.zeros(10), good)
    with pytest.raises(ValueError, match="at least 2 rows"):
        fd(torch.zeros(1, 3), good)
    bad = torch.randn(10, 3)
    bad[3, 1] = float("nan")
    with pytest.raises(StudioError, match="NaN"):
        fd(bad, good)
    with pytest.raises(ValueError, match="shape mismatch"):
        frechet_distance(torch.zeros(3), torch.eye(3), torch.zeros(4), torch.eye(4))


# --- KID ---------------------------------------------------------------------------------------

def _mmd2_direct(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² with k(a, b) = (aᵀb/D + 1)³, written as plain double loops."""
    m, d = x.shape
    k = lambda p, q: (p @ q / d + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    return (xx + yy) / (m * (m - 1)) - 2 * xy / (m * m)


def test_kid_matches_direct_sum():
    a, b = _gaussian(30, 6, seed=7), _gaussian(30, 6, seed=8, shift=0.4)
    expected = _mmd2_direct(a, b)
    # subset_size ≥ N: every subset is the whole set in some order, so all estimates coincide
    result = kid(torch.from_numpy(a), torch.from_numpy(b), subsets=4, subset_size=1000)
    assert isinstance(result, KID)
    assert result.mean == pytest.approx(expected, rel=1e-10)
    assert result.std == pytest.approx(0.0, abs=1e-12)


def test_kid_subsets_are_seeded_and_clipped_to_the_smaller_set(monkeypatch):
    a, b = _gaussian(60, 6, seed=9), _gaussian(25, 6, seed=10, shift=0.4)
    first = kid(a, b, subsets=10, subset_size=20, seed=3)
    monkeypatch.setattr(kid_module, "FULL_KERNEL_ELEMENTS", 0)  # kernels per subset instead
    per_subset = kid(a, b, subsets=10, subset_size=20, seed=3)
    assert per_subset.mean == pytest.approx(first.mean, rel=1e-12)
    assert per_subset.std == pytest.approx(first.std, rel=1e-9)
    monkeypatch.undo()
    assert first != kid(a, b, subsets=10, subset_size=20, seed=4)
    assert first.std > 0
    # subset_size 1000 is clipped to 25: the b subset is always the whole of b
    clipped = kid(a[:25], b, subsets=3, subset_size=1000)
    assert clipped.mean == pytest.approx(_mmd2_direct(a[:25], b), rel=1e-10)


def test_kid_separates_shifted_distributions():
    real = _gaussian(400, 16, seed=11)
    same = kid(real, _gaussian(400, 16, seed=12), subsets=20, subset_size=200)
    shifted = kid(real, _gaussian(400, 16, seed=13, shift=1.0), subsets=20, subset_size=200)
    assert abs(same.mean) < 0.05
    assert shifted.mean > 1.0
    with pytest.raises(ValueError, match="subsets"):
        kid(real, real, subsets=0)


# --- PRDC --------------------------------------------------------------------------------------

def _prdc_direct(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, ...]:
    """PRDC from full distance matrices, straight from the papers' definitions (strict <)."""
    def radii(points):
        dist = np.linalg.norm(points[:, None] - points[None], axis=-1)
        return np.sort(dist, axis=1)[:, k]  # column 0 is the point itself
    r_real, r_fake = radii(real), radii(fake)
    cross = np.linalg.norm(real[:, None] - fake[None], axis=-1)  # [N, M]
    precision = (cross < r_real[:, None]).any(axis=0).mean()
    recall = (cross < r_fake[None, :]).any(axis=1).mean()
    density = (cross < r_real[:, None]).sum() / (k * fake.shape[0])
    coverage = (cross.min(axis=1) < r_real).mean()
    return precision, recall, density, coverage


def test_prdc_hand_worked_example():
    """1-D, k = 1. Real radii: 0→1, 1→1, 3→2, 6.5→3.5; fake radii: all 2.

    Precision: 0.5, 2.5, 9 lie in real balls, 11 does not → 3/4. Recall: 0, 1, 3 lie in fake
    balls, 6.5 does not → 3/4. Density: ball hits 2 + 1 + 1 + 0 = 4 over k·M = 4 → 1.
    Coverage: every real's nearest fake (0.5, 0.5, 2.5, 9) is inside its ball → 1.
    """
    real = torch.tensor([[0.0], [1.0], [3.0], [6.5]])
    fake = torch.tensor([[0.5], [2.5], [9.0], [11.0]])
    assert prdc(real, fake, k=1) == PRDC(precision=0.75, recall=0.75, density=1.0, coverage=1.0)


def test_prdc_matches_direct_computation_across_chunks(monkeypatch):
    real, fake = _gaussian(120, 5, seed=14), _gaussian(90, 5, seed=15, shift=0.3, scale=1.2)
    expected = _prdc_direct(real, fake, k=5)
    whole = prdc(real, fake, k=5)
    monkeypatch.setattr(prdc_module, "CHUNK_ELEMENTS", 1000)  # 8 rows at a time
    chunked = prdc(real, fake, k=5)
    assert chunked == whole
    assert (whole.precision, whole.recall, whole.density, whole.coverage) == pytest.approx(
        expected, abs=1e-12)
    assert 0.2 < whole.precision < 1 and 0.2 < whole.coverage < 1  # not a degenerate case


def test_prdc_identical_sets():
    x = _gaussian(300, 8, seed=16)
    result = prdc(x, x.copy())
    assert result.precision == result.recall == result.coverage == 1.0
    assert result.density == pytest.approx(1.0, abs=0.02)


def _clusters(centres: np.ndarray, per: int, seed: int) -> np.ndarray:
    """`per` points around each centre, σ = 0.1."""
    rng = np.random.default_rng(seed)
    return np.concatenate([c + 0.1 * rng.normal(size=(per, centres.shape[1])) for c in centres])


def test_prdc_fakes_covering_half_the_clusters():
    centres = 5.0 * np.random.default_rng(17).normal(size=(10, 8))
    real = _clusters(centres, 60, seed=18)
    fake = _clusters(centres[:5], 120, seed=19)  # as many fakes, all on half the modes
    result = prdc(real, fake)
    assert result.precision > 0.8  # 0.93 here: fakes at a cluster's rim can miss every ball
    assert 0.35 < result.recall < 0.6  # 0.45
    assert 0.4 < result.coverage < 0.6  # 0.50
    assert result.density > 0.7


def test_prdc_far_fakes_score_zero():
    real = _gaussian(100, 4, seed=20)
    result = prdc(real, real + 100.0)
    assert result == PRDC(0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="at least 6 rows"):
        prdc(real[:5], real)
