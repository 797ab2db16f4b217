"""mode_coverage and mode_kl on hand-made points, where the right answer is known exactly."""

from __future__ import annotations

import math

import pytest
import torch

from studio.metrics.coverage import mode_coverage, mode_kl

CENTRES = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # [4, 2]
SIGMA = 0.02


def _at(modes: list[int], offset: float = 0.0) -> torch.Tensor:
    """One point per entry of `modes`, at that centre shifted by `offset` along x."""
    return CENTRES[modes] + torch.tensor([offset, 0.0])  # [N, 2]


def test_even_spread_on_every_mode_is_full_coverage_and_zero_kl():
    cov = mode_coverage(_at([0, 1, 2, 3] * 25), CENTRES, SIGMA)
    assert (cov.modes_covered, cov.modes_total) == (4, 4)
    assert cov.high_quality == 1.0
    assert cov.mode_kl == pytest.approx(0.0, abs=1e-12)


def test_collapse_onto_one_mode_gives_kl_log_k():
    cov = mode_coverage(_at([2] * 50), CENTRES, SIGMA)
    assert cov.modes_covered == 1
    assert cov.mode_kl == pytest.approx(math.log(4))


def test_two_modes_half_each_gives_kl_log_2():
    assert mode_coverage(_at([0, 3] * 10), CENTRES, SIGMA).mode_kl == pytest.approx(math.log(2))


def test_points_beyond_three_sigma_are_not_high_quality_but_count_in_kl():
    # half the points sit 2.5σ from their mode (inside), half 3.5σ away (outside)
    near, far = _at([0, 1, 2, 3] * 5, 2.5 * SIGMA), _at([0, 1, 2, 3] * 5, 3.5 * SIGMA)
    cov = mode_coverage(torch.cat([near, far]), CENTRES, SIGMA)
    assert cov.high_quality == pytest.approx(0.5)
    assert cov.modes_covered == 4
    assert cov.mode_kl == pytest.approx(0.0, abs=1e-12)  # nearest-mode histogram is even


def test_a_mode_needs_its_minimum_share_of_samples():
    points = _at([0] * 99 + [1])  # mode 1 holds 1 % of the samples, modes 2 and 3 none
    assert mode_coverage(points, CENTRES, SIGMA, min_share=0.01).modes_covered == 2
    assert mode_coverage(points, CENTRES, SIGMA, min_share=0.02).modes_covered == 1


def test_mode_kl_of_a_known_histogram():
    which = torch.tensor([0, 0, 0, 1])  # p = (3/4, 1/4, 0) over K = 3
    expected = 0.75 * math.log(0.75 * 3) + 0.25 * math.log(0.25 * 3)
    assert mode_kl(which, 3) == pytest.approx(expected)
    with pytest.raises(ValueError):
        mode_kl(torch.tensor([], dtype=torch.long), 3)
