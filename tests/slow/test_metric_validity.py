"""Each image metric measures what it claims, in the studio feature net's space on `shapes`.

Real against held-out real is ≈ 0 (FD, KID) and ≈ 1 (precision, recall); then blur, noise,
dropped classes and a duplicated image each move the right metric the right way, steadily
with their strength. The "fakes" are real images spoiled on purpose, so nothing here depends
on how a training run happens to go on this CPU; the margins are wide for the net's own
training, which differs in its last digits from one CPU to another.
"""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from studio.config import DataConfig
from studio.data import open_dataset
from studio.metrics.evaluate import compare, diversity
from studio.metrics.studio_net import studio_features

N = 1500

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    train = open_dataset(DataConfig(dataset="shapes", resolution=32, size=5000, seed=0))
    net = studio_features(train, tmp_path_factory.mktemp("cache"))
    real = train.batch(torch.arange(N))[0]
    held = open_dataset(DataConfig(dataset="shapes", resolution=32, size=N, seed=1))
    held_x, held_y = held.batch(torch.arange(N))
    feats = net.embed(real)[0]
    return net, feats, held_x, held_y


def measure(world, images: torch.Tensor) -> dict[str, float]:
    net, real = world[0], world[1]
    fake = net.embed(images)[0]
    return {**compare(real, fake), "diversity": diversity(real, fake)}


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = int(3 * sigma) + 1
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-t**2 / (2 * sigma**2))
    k = k / k.sum()
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"),
                 k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="reflect"),
                    k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def test_real_against_held_out_real(world):
    m = measure(world, world[2])
    assert m["fd"] < 0.05 * measure(world, blur(world[2], 1.0))["fd"], m
    assert abs(m["kid"]) < 3 * max(m["kid_std"], 1e-4) + 1e-3, m
    assert m["precision"] > 0.85 and m["recall"] > 0.85, m
    assert m["coverage"] > 0.85 and 0.8 < m["density"] < 1.2, m
    assert 0.9 < m["diversity"] < 1.1, m


def increasing(values: list[float]) -> bool:
    return all(b > a for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("spoil,strengths", [
    ("blur", (0.0, 0.6, 1.2, 2.4)),
    ("noise", (0.0, 0.1, 0.2, 0.4)),
])
def test_blur_and_noise_worsen_fidelity_steadily(world, spoil, strengths):
    held = world[2]
    gen = torch.Generator().manual_seed(0)
    runs = []
    for s in strengths:
        if spoil == "blur":
            images = blur(held, s) if s else held
        else:
            images = (held + s * torch.randn(held.shape, generator=gen)).clamp(-1, 1)
        runs.append(measure(world, images))
    fds = [r["fd"] for r in runs]
    kids = [r["kid"] for r in runs]
    precision = [r["precision"] for r in runs]
    assert increasing(fds), fds
    assert increasing(kids), kids
    # FD and KID rise steadily; precision falls, but not always steadily: heavily blurred
    # shapes become blobs that some nets place among the reals again (seen with one net
    # trained under SSE4.1 kernels: 0.93, 0.82, 0.41, 0.59; another here: 0.92, 0.83, 0.57,
    # 0.82), so only the fall is asserted, with room for the net's own training noise
    assert all(p < precision[0] for p in precision[1:]), precision
    assert min(precision) < 0.75 * precision[0], precision


def test_dropped_classes_cut_recall_and_coverage_not_precision(world):
    held, labels = world[2], world[3]
    runs = []
    for kept in (10, 6, 3, 1):  # keep the first `kept` classes, as many images as before
        pool = held[labels < kept]
        pick = torch.arange(N) % len(pool)
        runs.append(measure(world, pool[pick]))
    recall = [r["recall"] for r in runs]
    coverage = [r["coverage"] for r in runs]
    precision = [r["precision"] for r in runs]
    assert increasing([-r for r in recall]), recall
    assert increasing([-c for c in coverage]), coverage
    assert coverage[-1] < 0.35 * coverage[0] and recall[-1] < 0.5 * recall[0], runs
    assert min(precision) > 0.75 * precision[0], precision  # each kept image is still real
    fds = [r["fd"] for r in runs]
    assert increasing(fds), fds


def test_duplicating_one_image_collapses_diversity(world):
    held = world[2]
    runs = []
    for share in (0.0, 0.3, 0.6, 0.9):
        images = held.clone()
        images[: int(share * N)] = held[0]
        runs.append(measure(world, images))
    coverage = [r["coverage"] for r in runs]
    spread = [r["diversity"] for r in runs]
    assert increasing([-c for c in coverage]), coverage
    # recall is not asserted: it barely moves (0.95–0.97 measured, either way), since the few
    # distinct fakes left have huge k-NN balls that still hold most reals — the flaw of recall
    # that coverage was made to fix (Naeem et al. 2020)
    assert increasing([-d for d in spread]), spread
    assert spread[-1] < 0.5, spread
    assert increasing([r["fd"] for r in runs]), runs
