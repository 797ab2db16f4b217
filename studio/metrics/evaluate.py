"""Evaluations: generated samples measured against real ones, as one row of named figures.

An evaluator is built once per run (it embeds a fixed, seeded set of real samples then) and
called with a trainer whenever an evaluation is due. It samples from the trainer's `sample`
(the EMA generator where there is one) with seeds of its own, so it never disturbs training's
random state: a run with evaluations trains exactly as one without.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from torch import Tensor

from studio.data.base import Dataset
from studio.metrics.coverage import mode_coverage
from studio.metrics.features import FeatureNet
from studio.metrics.frechet import fd
from studio.metrics.kid import kid
from studio.metrics.prdc import prdc

EVAL_SEED = 90_001  # generated samples are drawn from this seed on, apart from training's
REAL_SEED = 1234  # which real samples are compared
KID_SUBSETS = 50
PRDC_K = 5
DIVERSITY_SAMPLES = 500


def real_subset(dataset: Dataset, n: int, seed: int = REAL_SEED) -> tuple[Tensor, Tensor | None]:
    """`n` real samples (all of them when fewer) in [-1, 1] on the CPU, and their labels."""
    gen = torch.Generator().manual_seed(seed)
    index = torch.randperm(len(dataset), generator=gen)[:n]
    x, labels = dataset.batch(index)
    return x.cpu(), (None if labels is None else labels.cpu())


def compare(real: Tensor, fake: Tensor) -> dict[str, float]:
    """FD, KID (with its std over subsets) and precision/recall/density/coverage."""
    # subsets smaller than the sets, so the spread over subsets says how sure the mean is
    k = kid(real, fake, subsets=KID_SUBSETS, subset_size=min(1000, len(real) // 2))
    p = prdc(real, fake, k=PRDC_K)
    return {"fd": fd(real, fake), "kid": k.mean,
            "kid_std": k.std, "precision": p.precision, "recall": p.recall,
            "density": p.density, "coverage": p.coverage}


def diversity(real: Tensor, fake: Tensor, n: int = DIVERSITY_SAMPLES) -> float:
    """Mean pairwise distance among fakes ÷ among reals: ≈ 1 when varied, → 0 when collapsed."""
    def spread(x: Tensor) -> Tensor:  # over an evenly strided subset: order does not matter
        return torch.pdist(x[:: max(1, len(x) // n)][:n].double()).mean()

    spread_real, spread_fake = spread(real), spread(fake)
    return float(spread_fake / spread_real) if spread_real > 0 else math.nan


def class_shares(predicted: Tensor, classes: tuple[str, ...]) -> dict[str, float]:
    counts = torch.bincount(predicted, minlength=len(classes)).double()
    return {name: round(float(c / counts.sum()), 4) for name, c in zip(classes, counts,
                                                                       strict=True)}


class ImageEvaluator:
    """Measures an image generator against `samples` real images in a feature net's space."""

    def __init__(self, dataset: Dataset, net: FeatureNet, samples: int) -> None:
        self.net, self.samples = net, min(samples, len(dataset))
        real, labels = real_subset(dataset, self.samples)
        self.real = net.embed(real)[0]  # [N, D]
        self.data_classes = (class_shares(labels, dataset.classes)
                             if labels is not None and net.classes == dataset.classes else None)

    def __call__(self, trainer: Any) -> dict[str, Any]:
        started = time.monotonic()
        fake, predicted = self.net.embed(
            lambda start, count: trainer.sample(count, seed=EVAL_SEED + start), self.samples)
        row: dict[str, Any] = {"features": self.net.name, "samples": self.samples,
                               **self.net.describe(),
                               **compare(self.real, fake),
                               "diversity": diversity(self.real, fake)}
        if predicted is not None and self.net.classes:
            row["classes"] = class_shares(predicted, self.net.classes)
            if self.data_classes:
                row["data_classes"] = self.data_classes
        row["seconds"] = round(time.monotonic() - started, 3)
        return row


class PointsEvaluator:
    """Measures a 2-D generator in the plane itself, plus mode coverage where modes are known."""

    def __init__(self, dataset: Dataset, samples: int,
                 modes: tuple[Tensor, float] | None = None) -> None:
        self.samples = min(samples, len(dataset))
        self.real, _ = real_subset(dataset, self.samples)  # [N, 2]
        self.modes = modes  # (centres [K, 2], σ) of a Gaussian mixture

    def __call__(self, trainer: Any) -> dict[str, Any]:
        started = time.monotonic()
        fake = trainer.sample(self.samples, seed=EVAL_SEED).double()  # [N, 2]
        row: dict[str, Any] = {"features": "points", "samples": self.samples,
                               **compare(self.real.double(), fake),
                               "diversity": diversity(self.real, fake)}
        if self.modes is not None:
            cov = mode_coverage(fake, *self.modes)
            row.update(modes_covered=cov.modes_covered, modes_total=cov.modes_total,
                       high_quality=cov.high_quality, mode_kl=cov.mode_kl)
        row["seconds"] = round(time.monotonic() - started, 3)
        return row
