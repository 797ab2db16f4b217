"""The run loop: drives a trainer through batches and reports to a sink.

    while step < steps:
        obey controls (pause, stop, live changes)
        batch ← next shuffled batch;  metrics ← trainer.train_step(batch);  step += 1
        every log_every: mean metrics → sink (a NaN or Inf stops the run here) → doctor
        every snapshot_every: fixed-noise samples → sink
        every checkpoint_every: the whole state → sink (and a copy kept for a NaN rollback)
        every eval_every: the evaluator's quality row (FD, KID, …) → sink → doctor
The doctor's diagnoses become `warning` events. With `recover_nan`, a NaN or Inf sends the run
back to its last good state with halved learning rates instead of stopping it (recovery.py).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import Tensor

from studio.config import TrainConfig
from studio.errors import ConfigError, TrainingDiverged
from studio.health import Diagnosis, Doctor
from studio.train import distributed
from studio.train.base import Trainer, TrainerState
from studio.train.controls import RunControls
from studio.train.evaluation import EvalRunner, Evaluator
from studio.train.game import game_arrays
from studio.train.recovery import Recovery, diverged_anywhere
from studio.train.sampler import BatchSampler


@dataclass(frozen=True)
class RunEvent:
    """A state change, a live setting change, a warning or a failure."""

    step: int
    kind: str  # started, resumed, paused, continued, change, stopped, finished, failed, warning
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    step: int
    samples: Tensor  # [N, C, H, W] images or [N, 2] points, in [-1, 1], on the CPU
    columns: int = 0  # grid columns; 0 = square
    heat: Tensor | None = None  # 2-D runs: D(x) on the game grid [G, G], row 0 = bottom
    real: Tensor | None = None  # 2-D runs: real points drawn beside the samples [M, 2]


@dataclass
class Checkpoint:
    step: int
    weights: dict[str, Tensor]
    state: dict[str, Any]  # {"trainer": ..., "loop": ...}


class Sink(Protocol):
    def on_metrics(self, step: int, metrics: dict[str, float]) -> None: ...
    def on_snapshot(self, snapshot: Snapshot) -> None: ...
    def on_checkpoint(self, checkpoint: Checkpoint) -> None: ...
    def on_event(self, event: RunEvent) -> None: ...
    def on_eval(self, step: int, row: dict[str, Any]) -> None: ...
    def on_done(self, step: int, status: str) -> None: ...
    def on_failed(self, step: int, error: BaseException) -> None: ...


class NullSink:
    """Discards everything (used on ranks other than 0)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class RunLoop:
    """Runs `trainer` on `dataset` for `config.steps` steps, obeying `controls`."""

    def __init__(self, trainer: Trainer, dataset: Any, config: TrainConfig, sink: Sink,
                 controls: RunControls | None = None,
                 evaluator: Evaluator | None = None) -> None:
        self.trainer, self.dataset, self.config = trainer, dataset, config
        self.evals = EvalRunner(evaluator, trainer.device) if evaluator else None
        self.sink: Sink = sink if distributed.rank() == 0 else NullSink()
        self.controls = controls or RunControls()
        self.sampler = BatchSampler(len(dataset), config.batch_size, config.seed + 2,
                                    distributed.rank(), distributed.world_size())
        self.step = 0
        self._sums: dict[str, Tensor] = {}
        self._count = 0
        self._last_good = -1  # step of the last checkpoint written
        self.live: dict[str, Any] = {"loss": config.loss, "lr_g": config.lr_g,
                                     "lr_d": config.lr_d}  # live settings as they are now
        self.doctor = Doctor(config) if config.doctor and distributed.rank() == 0 else None
        self.recovery = Recovery(config)

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> str:
        """Train until the step budget, a stop request or a failure; returns the end status."""
        self.sink.on_event(RunEvent(self.step, "resumed" if self.step else "started"))
        try:
            if self.recovery.enabled and self.recovery.last is None:
                self.recovery.keep(self.make_checkpoint())  # somewhere to return to
            while True:
                try:
                    return self._train()
                except TrainingDiverged as exc:
                    self.recovery.roll_back(self, exc)  # raises when it cannot
        except BaseException as exc:
            self.sink.on_failed(self.step, exc)
            raise

    def _train(self) -> str:
        while self.step < self.config.steps:
            if not self._obey_controls():
                return self._finish("stopped", save=self.controls.save_on_stop)
            x, y = self.dataset.batch(self.sampler.next())
            metrics = self.trainer.train_step((x, y))
            self.step += 1
            self._accumulate(metrics)
            self._report()
        return self._finish("finished", save=True)

    def _obey_controls(self) -> bool:
        """Apply live changes and wait out a pause; False when a stop was requested."""
        c = self.controls
        if c.paused and not c.stop_requested:
            self.sink.on_event(RunEvent(self.step, "paused"))
            while not c.wait_while_paused():
                pass
            if not c.stop_requested:
                self.sink.on_event(RunEvent(self.step, "continued"))
        for key, value in c.pending_changes():
            try:
                self.apply_live_change(key, value)
            except ConfigError as exc:  # a bad request is reported, the run goes on
                self.sink.on_event(RunEvent(self.step, "warning", f"change refused: {exc}"))
        return not c.stop_requested

    def apply_live_change(self, key: str, value: Any, note: str = "") -> None:
        """Change a live setting now, log it as a `change` event and tell the doctor."""
        old = self.trainer.apply_change(key, value)
        self.live[key] = value
        if self.doctor:
            self.doctor.note_change(key, value)
        self.sink.on_event(RunEvent(self.step, "change", f"{key}: {old} → {value}{note}",
                                    {"key": key, "old": old, "new": value}))

    def report_warning(self, data: dict[str, Any]) -> None:
        """A diagnosis as a `warning` event; `data` holds detector, title, explanation,
        suggestion, fix and evidence."""
        message = f"{data['title']}. {data['suggestion']}"
        self.sink.on_event(RunEvent(self.step, "warning", message, data))

    def _consult_doctor(self, row: dict[str, Any], evaluation: bool = False) -> None:
        """Show a metric (or evaluation) row to the doctor and report each diagnosis it makes;
        a fault in the doctor turns it off with a warning but never ends the run."""
        if self.doctor is None:
            return
        try:
            observe = self.doctor.observe_eval if evaluation else self.doctor.observe
            diagnoses: list[Diagnosis] = observe(self.step, row)
        except Exception as exc:  # advice is optional, training is not
            self.doctor = None
            self.sink.on_event(RunEvent(self.step, "warning", f"the run doctor stopped after "
                                        f"an internal error: {exc!r}"))
            return
        for d in diagnoses:
            self.report_warning({"detector": d.detector, "title": d.title,
                                 "explanation": d.explanation, "suggestion": d.suggestion,
                                 "fix": dict(d.fix), "evidence": dict(d.data)})

    def _accumulate(self, metrics: dict[str, Tensor | float]) -> None:
        for key, value in metrics.items():
            value = torch.as_tensor(value).detach().float()
            self._sums[key] = self._sums[key] + value if key in self._sums else value
        self._count += 1

    def _report(self) -> None:
        c, s = self.config, self.step
        if s % c.log_every == 0:
            self._log_metrics()  # the last partial interval is logged by _finish
        if s % c.snapshot_every == 0 or s == c.steps:
            self.sink.on_snapshot(self.make_snapshot())
        if s % c.checkpoint_every == 0 and s < c.steps:
            self._save_checkpoint()
        if self.evals and c.eval_every and distributed.rank() == 0:
            if s % c.eval_every == 0 or s == c.steps:
                self.evals.submit(self.trainer, s)
            self._report_evals()

    def _report_evals(self, wait: bool = False) -> None:
        """Hand finished evaluations to the sink and the doctor; a failed one is a warning
        (measuring is optional, training is not)."""
        for step, row in self.evals.ready(wait) if self.evals else []:
            if isinstance(row, Exception):
                self.sink.on_event(RunEvent(step, "warning", f"evaluation failed: {row}"))
                continue
            self.sink.on_eval(step, row)
            self._consult_doctor(row, evaluation=True)

    def _log_metrics(self) -> None:
        if not self._count:
            return
        keys = sorted(self._sums)
        means = (torch.stack([self._sums[k] for k in keys]) / self._count).tolist()
        row = dict(zip(keys, means, strict=True))
        self._sums, self._count = {}, 0
        bad = [k for k, v in row.items() if not math.isfinite(v)]
        if self._agree(bool(bad)):
            key = bad[0] if bad else "a loss on another rank"
            raise TrainingDiverged(self._diverged_message(key, row.get(key, math.nan)))
        self.sink.on_metrics(self.step, row)
        self._consult_doctor(row)

    def _agree(self, bad: bool) -> bool:
        """With rollback on, all ranks must agree that a NaN was seen, so they go back together."""
        return diverged_anywhere(bad, self.trainer.device) if self.recovery.enabled else bad

    def _diverged_message(self, key: str, value: float) -> str:
        kept = (f"the last good checkpoint (step {self._last_good}) is kept"
                if self._last_good >= 0 else "no checkpoint had been written yet")
        return (f"training diverged: {key} became {value} by step {self.step}; {kept}. "
                "Try a lower learning rate, another loss, or a gradient penalty.")

    def _save_checkpoint(self) -> None:
        """Hand the whole state to the sink, unless a loss or weight has gone NaN or Inf."""
        checkpoint = self.make_checkpoint()
        pending = {f"pending {k}": v for k, v in self._sums.items()}
        bad = next((k for k, v in {**pending, **checkpoint.weights}.items()
                    if v.is_floating_point() and not torch.isfinite(v).all()), None)
        if self._agree(bad is not None):
            raise TrainingDiverged(self._diverged_message(bad or "a weight on another rank",
                                                          math.nan))
        self.sink.on_checkpoint(checkpoint)
        self.recovery.keep(checkpoint)
        self._last_good = self.step

    def _finish(self, status: str, save: bool) -> str:
        if save:  # before the partial interval is logged, so a resume averages it the same
            self._save_checkpoint()
        self._log_metrics()
        if self.evals:
            self._report_evals(wait=True)
            self.evals.close()
        if status == "stopped" and self.step % self.config.snapshot_every:
            self.sink.on_snapshot(self.make_snapshot())  # the timelapse ends where it stopped
        self.sink.on_event(RunEvent(self.step, status))
        self.sink.on_done(self.step, status)
        return status

    # -- state -------------------------------------------------------------------------------
    def make_snapshot(self) -> Snapshot:
        samples = self.trainer.snapshot()
        heat = real = None
        if samples.ndim == 2 and samples.shape[1] == 2:  # 2-D: what the game view replays
            heat, real = game_arrays(self.trainer, self.dataset)
        return Snapshot(self.step, samples, self.trainer.snapshot_columns, heat, real)

    def make_checkpoint(self) -> Checkpoint:
        ts = self.trainer.state_dict()
        loop = {"step": self.step, "sampler": self.sampler.state_dict(),
                "sums": dict(self._sums), "count": self._count, "time": time.time(),
                "live": dict(self.live)}
        return Checkpoint(self.step, ts.weights, {"trainer": ts.state, "loop": loop})

    def restore(self, checkpoint: Checkpoint) -> None:
        """Continue exactly where `checkpoint` left off."""
        self.trainer.load_state_dict(TrainerState(checkpoint.weights,
                                                  checkpoint.state["trainer"]))
        loop = checkpoint.state["loop"]
        self.step = int(loop["step"])
        self.sampler.load_state_dict(loop["sampler"])
        device = self.trainer.device
        self._sums = {k: v.to(device) for k, v in loop["sums"].items()}
        self._count = int(loop["count"])
        self._last_good = self.step
        self.live.update(loop.get("live", {}))  # older checkpoints: the config's values
        if self.doctor:
            self.doctor.rewind(self.step)
            for key, value in self.live.items():
                self.doctor.note_change(key, value)
