"""The time estimate: the run's cadence turns timed pieces into seconds, and a few real steps
are timed within a budget, scaled up from a smaller batch when a full one is too slow.
(About 2 s: a tiny 2-D GAN.)"""

from __future__ import annotations

import pytest
import torch

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.data import open_dataset
from studio.model_configs import GanModelConfig
from studio.train.estimate import LOOP_OVERHEAD, StepTiming, run_seconds, time_training


def test_run_seconds_follow_the_runs_cadence():
    timing = StepTiming(build_s=2.0, step_s=0.5, snapshot_s=1.0, checkpoint_s=0.25,
                        steps_timed=5)
    train = TrainConfig(steps=1000, snapshot_every=100, checkpoint_every=500, eval_every=0,
                        recover_nan=False)
    # data 3 s + build 2 s + 1000 steps + 11 snapshots (every 100 and the first) + 3 states
    expected = 3.0 + 2.0 + 1000 * 0.5 * LOOP_OVERHEAD + 11 * 1.0 + 3 * 0.25
    assert run_seconds(train, timing, data_s=3.0) == pytest.approx(expected)
    # recovering from NaN keeps one more copy of the state at the start
    nan_safe = run_seconds(train.replace(recover_nan=True), timing, data_s=3.0)
    assert nan_safe == pytest.approx(expected + 0.25)
    # evaluations: 2000 generated samples at the snapshot's cost per sample, twice
    evals = run_seconds(train.replace(eval_every=500), timing, data_s=3.0) - expected
    assert evals == pytest.approx(3 * 2.0 * (1.0 / 64) * 2000)
    # the rest of a run from step 600
    assert run_seconds(train, timing, from_step=600) < 0.45 * expected


def _config(batch: int) -> RunConfig:
    return RunConfig(variant="gan", data=DataConfig(dataset="ring8", size=512),
                     model=GanModelConfig(hidden=32, layers=2),
                     train=TrainConfig(steps=100, batch_size=batch, device="cpu"))


def test_a_few_steps_are_timed_within_the_budget():
    torch.set_num_threads(1)
    config = _config(64)
    dataset = open_dataset(config.data)
    timing = time_training(config, dataset, torch.device("cpu"), budget_s=5.0, max_steps=6)
    assert 2 <= timing.steps_timed <= 6 and timing.scaled_from == 0
    assert 0 < timing.step_s < 1.0 and timing.snapshot_s > 0 and timing.checkpoint_s > 0


def test_a_step_too_slow_for_the_budget_is_timed_at_a_smaller_batch():
    config = _config(512)
    config = config.replace(train=config.train.replace(steps=1))  # a short run: no more time
    dataset = open_dataset(config.data)
    timing = time_training(config, dataset, torch.device("cpu"), budget_s=1e-6, max_steps=3)
    # timed at the probe batch and twice that, then scaled up to 512
    assert timing.scaled_from == 16 and timing.steps_timed == 2
    assert timing.step_s > 0


def test_should_stop_ends_the_timing_between_steps():
    config = _config(64)
    dataset = open_dataset(config.data)
    timing = time_training(config, dataset, torch.device("cpu"), budget_s=60.0,
                           should_stop=lambda: True)
    assert timing.steps_timed == 0 and timing.step_s > 0  # the probe steps still count
