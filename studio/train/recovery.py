"""NaN rollback: when training blows up, go back to the last good state with gentler steps.

The loop hands every checkpoint it writes (and the state it starts from) to `Recovery.keep`,
which stores a deep copy on the CPU: a trainer's `state_dict()` tensors are views of the live
parameters and optimiser buffers, so without the copy the "last good" state would keep training.
On a NaN or Inf the loop calls `roll_back`: restore that copy, halve both learning rates (as
live changes, so they are logged), explain it in a warning, and carry on, at most
MAX_ROLLBACKS times per run.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from studio.config import TrainConfig
from studio.errors import TrainingDiverged
from studio.train import distributed

if TYPE_CHECKING:
    from studio.train.loop import Checkpoint, RunLoop

MAX_ROLLBACKS = 3
LR_FLOOR = 1e-7  # the smallest learning rate TrainConfig allows


def clone_state(obj: Any) -> Any:
    """A deep copy of nested dicts/lists whose tensors own their memory, on the CPU."""
    if isinstance(obj, Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return type(obj)((k, clone_state(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(clone_state(v) for v in obj)
    return copy.deepcopy(obj)


def copied(checkpoint: Checkpoint) -> Checkpoint:
    """A checkpoint that shares no tensor with `checkpoint` (or with a live network)."""
    return dataclasses.replace(checkpoint, weights=clone_state(checkpoint.weights),
                               state=clone_state(checkpoint.state))


def diverged_anywhere(bad: bool, device: torch.device) -> bool:
    """Under torch.distributed, True on every rank when any rank saw a NaN (ranks stay in step)."""
    if not distributed.is_distributed():
        return bad
    flag = torch.tensor([1.0 if bad else 0.0], device=device)
    torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
    return bool(flag.item())


class Recovery:
    """Keeps the last good state and rolls a diverged run back to it."""

    def __init__(self, config: TrainConfig) -> None:
        self.enabled = config.recover_nan
        self.last: Checkpoint | None = None
        self.rollbacks = 0

    def keep(self, checkpoint: Checkpoint) -> None:
        """Remember `checkpoint` (copied) as the state to return to."""
        if self.enabled:
            self.last = copied(checkpoint)

    def roll_back(self, loop: RunLoop, error: TrainingDiverged) -> None:
        """Return `loop` to the last good state with halved rates, or raise if that is spent."""
        if not self.enabled or self.last is None:
            raise error
        if self.rollbacks >= MAX_ROLLBACKS:
            raise TrainingDiverged(f"{error} It diverged again after {MAX_ROLLBACKS} automatic "
                                   "rollbacks, each with halved learning rates.") from error
        self.rollbacks += 1
        failed_at, before = loop.step, dict(loop.live)
        loop.restore(copied(self.last))  # a fresh copy: the optimiser adopts its tensors
        # half the lower of the failing and the restored rate, so repeated rollbacks compound
        halved = {key: max(min(float(before[key]), float(loop.live[key])) / 2, LR_FLOOR)
                  for key in ("lr_g", "lr_d")}
        loop.report_warning(self.diagnosis(error, failed_at, loop.step, before, halved))
        for key, value in halved.items():
            loop.apply_live_change(key, value, note=" (rollback)")

    def diagnosis(self, error: TrainingDiverged, failed_at: int, back_to: int,
                  before: dict[str, Any], after: dict[str, float]) -> dict[str, Any]:
        """The warning's data, in the same shape as the doctor's diagnoses."""
        left = MAX_ROLLBACKS - self.rollbacks
        return {
            "detector": "nan_rollback",
            "title": f"Training blew up at step {failed_at}; rolled back to step {back_to}",
            "explanation": (
                f"{error} A NaN (not a number) or infinite value means an update was so large "
                "that the numbers overflowed; nothing can be learned from there. The run went "
                f"back to its last good state at step {back_to} and goes on from there with "
                "both learning rates halved, so each update is smaller."),
            "suggestion": (
                f"Nothing to do right now: this was automatic rollback {self.rollbacks} of "
                f"{MAX_ROLLBACKS} ({left} left before the run stops). If it keeps happening, "
                "lower the learning rates further or add a gradient penalty (R1 γ)."),
            "fix": {},
            "evidence": {"failed_at": failed_at, "restored_step": back_to,
                         "rollback": self.rollbacks, "max_rollbacks": MAX_ROLLBACKS,
                         "lr_g_before": before["lr_g"], "lr_d_before": before["lr_d"],
                         "lr_g": after["lr_g"], "lr_d": after["lr_d"]},
        }
