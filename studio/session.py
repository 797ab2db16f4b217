"""Putting a run together: data, device, trainer, run loop and run folder, new or resumed.

The CLI and the studio's training worker both start runs through here, so a run started in
either place writes the same folder and resumes the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.config import RunConfig, save_toml
from studio.data import open_dataset
from studio.data.base import Dataset
from studio.errors import RunFolderError
from studio.runs.checkpoints import load_checkpoint, load_newest_intact, remove_stale_temps
from studio.runs.layout import CHECKPOINTS, CONFIG
from studio.runs.reader import read_config
from studio.runs.workspace import default_cache
from studio.runs.writer import RunWriter
from studio.train import distributed
from studio.train.base import DataInfo
from studio.train.controls import RunControls
from studio.train.device import select_device
from studio.train.loop import Checkpoint, RunEvent, RunLoop
from studio.train.registry import make_trainer


class MultiSink:
    """Forwards every report to several sinks in order (the run writer first)."""

    def __init__(self, *sinks: Any) -> None:
        self.sinks = [s for s in sinks if s is not None]

    def __getattr__(self, name: str) -> Any:
        def forward(*args: Any, **kwargs: Any) -> None:
            for sink in self.sinks:
                getattr(sink, name)(*args, **kwargs)
        return forward


@dataclass
class Session:
    config: RunConfig
    folder: Path
    dataset: Dataset
    loop: RunLoop
    writer: RunWriter | None

    def run(self) -> str:
        return self.loop.run()


def _say(phase: Callable[[str], None] | None, text: str) -> None:
    """Tell the optional `phase` callback what the session is doing now (for a progress line)."""
    if phase is not None:
        phase(text)


def _build(config: RunConfig, folder: Path, resume: bool, sinks: tuple[Any, ...],
           controls: RunControls | None, phase: Callable[[str], None] | None = None) -> Session:
    _say(phase, "choosing the device")
    device = select_device(distributed.local_device_name(config.train.device))
    _say(phase, "reading data")
    dataset = open_dataset(config.data)
    _say(phase, "building networks")
    trainer = make_trainer(config, DataInfo.of(dataset), device)
    writer = RunWriter(folder, config, resume=resume) if distributed.rank() == 0 else None
    if writer and dataset.skipped:  # one event saying how many, with the first reason
        n, first = len(dataset.skipped), dataset.skipped[0]
        writer.on_event(RunEvent(0, "warning", f"{n} file{'s' * (n != 1)} skipped, e.g. "
                                 f"{first.path}: {first.reason}"))
    sink = MultiSink(writer, *sinks)
    evaluator = None
    if config.train.eval_every and distributed.rank() == 0:
        from studio.metrics.evaluators import make_evaluator

        def note(message: str) -> None:
            sink.on_event(RunEvent(0, "note", message))

        _say(phase, "preparing the quality measure")
        evaluator = make_evaluator(config, dataset, device, default_cache(), log=note)
    loop = RunLoop(trainer, dataset.to(device), config.train, sink, controls, evaluator)
    return Session(config, folder, dataset, loop, writer)


def start_run(config: RunConfig, folder: Path, sinks: tuple[Any, ...] = (),
              controls: RunControls | None = None,
              phase: Callable[[str], None] | None = None) -> Session:
    """A new run writing into `folder` (which must not already hold a run); `phase`, if given,
    hears what is being prepared ("reading data", "building networks", …)."""
    return _build(config, Path(folder), False, sinks, controls, phase)


def resume_run(folder: Path, sinks: tuple[Any, ...] = (), controls: RunControls | None = None,
               steps: int | None = None,
               phase: Callable[[str], None] | None = None) -> Session:
    """Continue the run in `folder` from its latest checkpoint; `steps` raises the budget and
    `phase` hears what is being prepared, as for `start_run`."""
    folder = Path(folder)
    config = read_config(folder)
    if distributed.rank() == 0:  # temp folders of writers killed mid-checkpoint
        remove_stale_temps(folder / CHECKPOINTS)
    _say(phase, "reading the checkpoint")
    intact = load_newest_intact(folder / CHECKPOINTS)  # damaged newer ones: warnings
    if intact is None:
        raise RunFolderError(f"{folder} has no checkpoint to resume from; start a new run "
                             "with its config instead (--config "
                             f"{folder / CONFIG})")
    stored = intact.stored
    if steps is not None and steps != config.train.steps:
        if steps <= stored.step:
            raise RunFolderError(f"--steps {steps} is not beyond the checkpoint's step "
                                 f"{stored.step}")
        config = config.replace(train=config.train.replace(steps=steps))
        save_toml(config, folder / CONFIG)
    elif stored.step >= config.train.steps:
        raise RunFolderError(f"{folder} already finished its {config.train.steps} steps; "
                             "give --steps with a larger number to train further")
    session = _build(config, folder, True, sinks, controls, phase)
    for warning in intact.warnings:
        session.loop.sink.on_event(RunEvent(stored.step, "warning", warning))
    _say(phase, "restoring the networks")
    session.loop.restore(Checkpoint(stored.step, stored.weights, stored.state))
    return session


def evaluate_run(folder: Path, step: int | None = None, samples: int | None = None,
                 inception: str | Path | None = None, device: str = "auto",
                 log: Any = None) -> tuple[int, dict[str, Any]]:
    """Measure the run's generator at checkpoint `step` (default: the newest); returns the step
    and the evaluation row, which is also appended to the run's metrics as an `eval` row."""
    from studio.metrics.evaluators import make_evaluator
    from studio.runs.checkpoints import checkpoint_at
    from studio.runs.writer import append_eval
    from studio.train.base import TrainerState

    folder = Path(folder)
    config = read_config(folder)
    path = checkpoint_at(folder / CHECKPOINTS, step)
    stored = load_checkpoint(path)
    torch_device = select_device(device)
    dataset = open_dataset(config.data)
    trainer = make_trainer(config, DataInfo.of(dataset), torch_device)
    trainer.load_state_dict(TrainerState(stored.weights, stored.state["trainer"]))
    evaluator = make_evaluator(config, dataset, torch_device, default_cache(), log=log,
                               samples=samples, inception=inception)
    row = evaluator(trainer)
    append_eval(folder, stored.step, row)
    return stored.step, row
