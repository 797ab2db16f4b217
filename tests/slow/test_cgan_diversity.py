"""A trained cGAN varies within each class: rows of a class column are not all alike.

Costs about 25 s of one CPU core. As the cGAN was (projection D, a label embedding holding a
third of G's input energy) every
sample of a class drifted toward one look: within-class diversity 0.14 of the data's on these
settings (median over classes and seeds). Now (label joined to D's input, small embedding at
the start) it is ≈ 0.9. Median over three seeds.
"""

from __future__ import annotations

import statistics

import pytest
import torch

from studio.config import RunConfig
from studio.data import open_dataset
from studio.metrics.class_diversity import class_diversity, real_by_class
from studio.train.base import DataInfo
from studio.train.loop import NullSink, RunLoop
from studio.train.registry import make_trainer

SEEDS = (0, 1, 2)
SAMPLES = 48  # per class
COLLAPSED = 0.14  # the former cGAN's ratio on these settings (seeds 0, 1, 2: 0.14, 0.16, 0.09)


def small_cgan(seed: int) -> RunConfig:
    """A cGAN small enough to train in ~10 s on one CPU thread: shapes at 16 px, 300 steps."""
    return RunConfig.from_dict({
        "variant": "cgan", "data": {"dataset": "shapes", "resolution": 16, "size": 5000},
        "model": {"channels": 16},  # d_condition: the default
        "train": {"seed": seed, "steps": 300, "batch_size": 32, "device": "cpu",
                  "log_every": 10, "snapshot_every": 10**7, "checkpoint_every": 10**7}})


def median_class_diversity(seed: int) -> float:
    """Median over classes of (fake spread ÷ real spread) in pixels, after training."""
    config = small_cgan(seed)
    data = open_dataset(config.data)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        trainer = make_trainer(config, DataInfo.of(data), torch.device("cpu"))
        assert RunLoop(trainer, data, config.train, NullSink()).run() == "finished"
        ratios = class_diversity(lambda k, n: trainer.sample(n, seed=555 + k, labels=k),
                                 real_by_class(data, SAMPLES), SAMPLES)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(ratios.values())


@pytest.mark.slow
def test_cgan_samples_of_a_class_vary_with_z():
    medians = [median_class_diversity(seed) for seed in SEEDS]
    # measured now (seeds 0, 1, 2): 0.92, 0.82, 0.89; either fix alone reached 0.31–0.74
    assert statistics.median(medians) > 4 * COLLAPSED, medians
