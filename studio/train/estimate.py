"""How long a run will take, from a few of its own training steps timed on the chosen device.

A measured table would be wrong on the next machine; a few real steps are honest anywhere. The
trainer the run would build is built, a handful of steps are timed within a small time budget
(steps too slow for the budget are timed at a smaller batch and scaled up), one snapshot and
one state copy are timed, and the run's cadence turns these into seconds to finish. Files and
Qt stay outside: the caller opens the dataset and passes it in.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from studio.config import RunConfig, TrainConfig
from studio.train.base import DataInfo, Trainer
from studio.train.registry import make_trainer, trainer_class
from studio.train.sampler import BatchSampler

PROBE_BATCH = 8  # the first, cheap step: does a full-batch step fit the budget at all?
LOOP_OVERHEAD = 1.03  # metric rows, the doctor and the writer (bench/throughput.py: < 5 %)
MAX_BUDGET_S = 30.0  # the longest an estimate may time steps (for a run of days)
LONG_RUN_SHARE = 1e-3  # … as a share of the run's predicted length
MAX_EXPONENT = 1.6  # the steepest growth of step time with batch size believed
EVAL_SAMPLE_FACTOR = 2.0  # an evaluation generates its samples and runs a feature net on them


@dataclass(frozen=True)
class StepTiming:
    """Seconds measured for the pieces of a run (one step at the run's batch size, steady)."""

    build_s: float  # networks and optimisers built on the device
    step_s: float  # one training step, batching included
    snapshot_s: float  # one fixed-noise sample grid
    checkpoint_s: float  # one copy of the whole training state (the file write is not timed)
    steps_timed: int
    scaled_from: int = 0  # the batch size step_s was scaled up from (0: timed at full size)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _timed_step(trainer: Trainer, dataset, sampler: BatchSampler, batch: int,
                device: torch.device) -> float:
    """Seconds for one step on the first `batch` samples of the next batch."""
    start = time.perf_counter()
    x, y = dataset.batch(sampler.next()[:batch])  # [B, ...]
    trainer.train_step((x, y))
    _sync(device)
    return time.perf_counter() - start


def time_training(config: RunConfig, dataset, device: torch.device, budget_s: float = 4.0,
                  max_steps: int = 40,
                  should_stop: Callable[[], bool] | None = None) -> StepTiming:
    """Time the run `config` would make on `dataset` (a studio.data Dataset on `device`).

    Steps are timed until `budget_s` is spent (at least two after a warm-up, at most
    `max_steps`); a long run's budget grows to a thousandth of its predicted length, at most
    MAX_BUDGET_S. The batch grows from PROBE_BATCH by doubling while the next size's step is
    predicted to fit a third of the budget; a run whose full batch does not fit is timed at the
    largest that does, then at twice that, and scaled up by the growth seen between the two
    (`_scaled_up`). `should_stop` is asked between steps."""
    stop = should_stop or (lambda: False)
    full = config.train.batch_size
    # one-off costs of a process (imports; the first optimiser loads torch._dynamo, seconds)
    # are paid here, untimed: the run the studio starts later does not pay them again
    trainer_class(config.variant)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    start = time.perf_counter()
    trainer = make_trainer(config, DataInfo.of(dataset), device)
    _sync(device)
    build_s = time.perf_counter() - start
    sampler = BatchSampler(len(dataset), full, config.train.seed + 2)
    batch = min(full, PROBE_BATCH)
    last = min(_timed_step(trainer, dataset, sampler, batch, device) for _ in range(2))
    # a run of days may spend longer on its estimate than one of minutes
    predicted = last * full / batch * config.train.steps
    budget_s = max(budget_s, min(MAX_BUDGET_S, LONG_RUN_SHARE * predicted))
    while batch < full:  # double while a step of the next size fits a third of the budget
        bigger = min(full, 2 * batch)
        if last * bigger / batch > budget_s / 3:
            break
        _timed_step(trainer, dataset, sampler, bigger, device)  # warm-up at the new size
        last, batch = _timed_step(trainer, dataset, sampler, bigger, device), bigger
    times: list[float] = []
    began = time.perf_counter()
    while batch == full and len(times) < max_steps and not stop():
        times.append(_timed_step(trainer, dataset, sampler, batch, device))
        if len(times) >= 2 and time.perf_counter() - began > budget_s:
            break
    # the median: a moment's load from other programs must not set the estimate
    step_s = statistics.median(times) if times else last
    scaled_from = 0
    if batch < full and not stop():  # from `last`, one step at `batch` after its warm-up
        step_s, scaled_from = _scaled_up(trainer, dataset, sampler, device, batch, last, full)
    start = time.perf_counter()
    trainer.snapshot()
    snapshot_s = time.perf_counter() - start
    start = time.perf_counter()
    state = trainer.state_dict()
    {k: v.detach().cpu().clone() for k, v in state.weights.items()}
    checkpoint_s = time.perf_counter() - start
    timed = 2 if scaled_from or (batch < full and not times) else len(times)
    return StepTiming(build_s, step_s, snapshot_s, checkpoint_s, timed, scaled_from)


def _scaled_up(trainer: Trainer, dataset, sampler: BatchSampler, device: torch.device,
               batch: int, step_s: float, full: int) -> tuple[float, int]:
    """A full-batch step's seconds from steps at `batch` (taking `step_s`) and at twice that:
    t ∝ batch^α with α from the two sizes, between 1 and MAX_EXPONENT (StyleGAN's modulated
    convolutions cost more per sample in larger batches: 1.6× at 128 against 8)."""
    bigger = min(full, 2 * batch)
    t_big = min(_timed_step(trainer, dataset, sampler, bigger, device) for _ in range(2))
    exponent = math.log(max(t_big, 1e-9) / max(step_s, 1e-9)) / math.log(bigger / batch)
    exponent = min(MAX_EXPONENT, max(1.0, exponent))
    return t_big * (full / bigger) ** exponent, (bigger if bigger < full else 0)


def run_seconds(train: TrainConfig, timing: StepTiming, data_s: float = 0.0,
                from_step: int = 0) -> float:
    """Seconds from Start to finish of a run with `train`'s cadence, given `timing` and the
    seconds `data_s` the dataset takes to open; `from_step` > 0 for the rest of a run."""
    steps = max(0, train.steps - from_step)
    snapshots = steps // train.snapshot_every + 1
    checkpoints = steps // train.checkpoint_every + 1 + int(train.recover_nan)
    evals = (steps // train.eval_every + 1) if train.eval_every else 0
    per_sample = timing.snapshot_s / max(1, train.snapshot_count)
    eval_s = EVAL_SAMPLE_FACTOR * per_sample * train.eval_samples
    return (data_s + timing.build_s + steps * timing.step_s * LOOP_OVERHEAD
            + snapshots * timing.snapshot_s + checkpoints * timing.checkpoint_s
            + evals * eval_s)
