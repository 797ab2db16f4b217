"""Learners' first experiment: a vanilla GAN with the non-saturating loss on the 8-mode ring."""

from __future__ import annotations

import pytest
import torch

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import open_dataset
from studio.data.toy2d import RING_SIGMA, ring8_centres
from studio.metrics.coverage import mode_coverage
from studio.train.base import DataInfo
from studio.train.loop import NullSink, RunLoop
from studio.train.registry import make_trainer


@pytest.mark.slow
def test_non_saturating_gan_covers_most_of_the_ring():
    config = RunConfig(variant="gan", data=DataConfig(dataset="ring8", size=20000),
                       train=TrainConfig(steps=2000, batch_size=128, lr_g=1e-3, lr_d=1e-3,
                                         r1_gamma=0.1, loss="non-saturating", device="cpu",
                                         snapshot_every=10**6, checkpoint_every=10**7,
                                         log_every=100))
    data = open_dataset(config.data)
    trainer = make_trainer(config, DataInfo.of(data), torch.device("cpu"))
    assert RunLoop(trainer, data, config.train, NullSink()).run() == "finished"
    coverage = mode_coverage(trainer.sample(2000, seed=123), ring8_centres(), RING_SIGMA)
    assert coverage.modes_covered >= 6, coverage
    assert coverage.high_quality > 0.2, coverage
