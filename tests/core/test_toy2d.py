"""The built-in 2-D sets: shapes, ranges, determinism, labels, and where their mass lies."""

from __future__ import annotations

import pytest
import torch

from studio.config import DataConfig
from studio.data import describe, open_dataset
from studio.data.toy2d import GRID_SIGMA, RING_SIGMA, grid25_centres, ring8_centres
from studio.metrics.coverage import mode_coverage


@pytest.mark.parametrize(("name", "classes"), [("ring8", 8), ("grid25", 25), ("spiral", 2)])
def test_points_are_deterministic_labelled_and_in_range(name, classes):
    a = open_dataset(DataConfig(dataset=name, size=3000, seed=4))
    b = open_dataset(DataConfig(dataset=name, size=3000, seed=4))
    c = open_dataset(DataConfig(dataset=name, size=3000, seed=5))
    assert a.kind == "points" and a.samples.shape == (3000, 2)
    assert torch.equal(a.samples, b.samples) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.samples, c.samples)
    assert a.samples.abs().max() <= 1.0
    assert a.num_classes == classes
    assert set(a.labels.tolist()) == set(range(classes))


def test_mixture_samples_sit_on_their_modes():
    ring = open_dataset(DataConfig(dataset="ring8", size=4000))
    cov = mode_coverage(ring.samples, ring8_centres(), RING_SIGMA)
    assert cov.modes_covered == 8 and cov.high_quality > 0.98
    dist = (ring.samples - ring8_centres()[ring.labels]).norm(dim=1)
    assert dist.mean() == pytest.approx(RING_SIGMA * (torch.pi / 2) ** 0.5, rel=0.1)
    grid = open_dataset(DataConfig(dataset="grid25", size=5000))
    assert mode_coverage(grid.samples, grid25_centres(), GRID_SIGMA).modes_covered == 25


def test_coverage_counts_a_collapsed_generator_as_one_mode():
    collapsed = ring8_centres()[3] + 0.01 * torch.randn(1000, 2)
    cov = mode_coverage(collapsed, ring8_centres(), RING_SIGMA)
    assert cov.modes_covered == 1 and cov.high_quality > 0.9


def test_describe_points_and_images():
    d = describe(DataConfig(dataset="ring8", size=800))
    assert (d.kind, d.count, d.resolution) == ("points", 800, 0)
    assert sum(d.class_counts) == 800 and len(d.class_counts) == 8
    assert d.previews.shape == (1, 256, 256, 3) and d.previews.dtype.name == "uint8"
    s = describe(DataConfig(dataset="shapes", size=100, resolution=16), previews=6)
    assert (s.kind, s.count, s.resolution, s.channels) == ("images", 100, 16, 3)
    assert s.previews.shape == (6, 16, 16, 3) and s.previews.dtype.name == "uint8"
    assert len(s.classes) >= 8 and s.skipped == ()
