"""Running a run's evaluations: inline on the CPU or MPS, beside training on a CUDA device.

On a CPU an evaluation on another thread would only compete with training for the same cores,
so it runs inline. On CUDA the generator is copied (a fast device copy) and a side thread
samples and measures the copy on its own stream while training goes on; finished rows are
handed back to the loop's thread, which reports them, so sinks are only ever called from one
thread. Both ways give the same row: the copy holds the weights of the step it was made at,
and evaluations draw their own seeds.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import torch

from studio.train.base import Trainer

Evaluator = Callable[[Any], dict[str, Any]]


class FrozenSampler:
    """A trainer's sampling, on a copy of its generator as it is now (for another thread)."""

    def __init__(self, trainer: Trainer) -> None:
        net = copy.deepcopy(trainer.generator())
        view = copy.copy(trainer)  # shares everything but the generator it samples from
        view.generator = lambda: net  # type: ignore[method-assign]
        self._view = view

    def sample(self, n: int, seed: int, **condition: Any) -> torch.Tensor:
        return self._view.sample(n, seed, **condition)


class EvalRunner:
    """Evaluates when asked and returns finished (step, row) pairs in order."""

    def __init__(self, evaluator: Evaluator, device: torch.device,
                 background: bool | None = None) -> None:
        self.evaluator = evaluator
        self.cuda = device.type == "cuda"
        self.background = self.cuda if background is None else background
        self._pool = ThreadPoolExecutor(1, "evaluation") if self.background else None
        self._pending: list[tuple[int, Future[dict[str, Any]]]] = []
        self._done: list[tuple[int, dict[str, Any] | Exception]] = []

    def submit(self, trainer: Trainer, step: int) -> None:
        if self._pool is None:
            try:
                self._done.append((step, self.evaluator(trainer)))
            except Exception as exc:  # reported by the loop; the run goes on
                self._done.append((step, exc))
            return
        frozen = FrozenSampler(trainer)
        self._pending.append((step, self._pool.submit(self._on_side_stream, frozen)))

    def _on_side_stream(self, sampler: FrozenSampler) -> dict[str, Any]:
        if not self.cuda:
            return self.evaluator(sampler)
        with torch.cuda.stream(torch.cuda.Stream()):
            return self.evaluator(sampler)

    def ready(self, wait: bool = False) -> list[tuple[int, dict[str, Any] | Exception]]:
        """Rows (or the error that stopped one) finished so far — all of them, waiting, with
        `wait` — oldest first."""
        while self._pending and (wait or self._pending[0][1].done()):
            step, future = self._pending.pop(0)
            try:
                self._done.append((step, future.result()))
            except Exception as exc:
                self._done.append((step, exc))
        done, self._done = self._done, []
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
