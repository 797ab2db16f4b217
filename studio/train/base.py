"""The trainer contract every variant implements, and the small types it exchanges."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import Any

import torch
from torch import Tensor, nn

from studio.config import RunConfig, TrainConfig, check_value
from studio.errors import ConfigError

Batch = tuple[Tensor, Tensor | None]  # samples in [-1, 1] and labels (or None)


@dataclass(frozen=True)
class DataInfo:
    """What a trainer needs to know about its data to build its networks."""

    kind: str  # "points" or "images"
    shape: tuple[int, ...]  # one sample: (2,) or (C, H, W)
    classes: tuple[str, ...] = ()

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @classmethod
    def of(cls, dataset: Any) -> DataInfo:
        classes = tuple(dataset.classes) if dataset.labels is not None else ()
        return cls(dataset.kind, tuple(dataset.shape), classes)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "shape": list(self.shape), "classes": list(self.classes)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DataInfo:
        return cls(raw["kind"], tuple(raw["shape"]), tuple(raw.get("classes", ())))


@dataclass
class TrainerState:
    """A trainer's whole state: tensors to store as safetensors, and everything else."""

    weights: dict[str, Tensor]
    state: dict[str, Any] = field(default_factory=dict)


LIVE_SETTINGS = tuple(f.name for f in fields(TrainConfig) if f.metadata.get("live"))


def check_live_change(key: str, value: Any) -> Any:
    """Validate a setting changed while training; return the value in its proper type."""
    if key not in LIVE_SETTINGS:
        raise ConfigError(f"{key!r} cannot change during training; live settings: "
                          f"{', '.join(LIVE_SETTINGS)}")
    f = next(f for f in fields(TrainConfig) if f.name == key)
    if f.type in (float, "float") and isinstance(value, int):
        value = float(value)
    check_value(f, value, f"train.{key}")
    return value


class Trainer(ABC):
    """How a variant learns. The run loop calls these; nothing here touches files."""

    def __init__(self, config: RunConfig, data: DataInfo, device: torch.device) -> None:
        self.config = config
        self.data = data
        self.device = device

    @abstractmethod
    def train_step(self, batch: Batch) -> dict[str, Tensor | float]:
        """One update of D and G (or of the VAE); scalar metrics (0-d tensors or floats)."""

    @abstractmethod
    def sample(self, n: int, seed: int, **condition: Any) -> Tensor:
        """`n` generated samples in [-1, 1] on the CPU, reproducible from `seed`."""

    @abstractmethod
    def snapshot(self) -> Tensor:
        """The fixed-noise samples used for the timelapse, on the CPU."""

    @abstractmethod
    def state_dict(self) -> TrainerState:
        """Nets, EMA, optimisers, step counters and RNG states."""

    @abstractmethod
    def load_state_dict(self, state: TrainerState) -> None:
        """Restore exactly what `state_dict` returned."""

    @abstractmethod
    def generator(self) -> nn.Module:
        """The network export and exploration use (the EMA copy when there is one)."""

    @abstractmethod
    def apply_change(self, key: str, value: Any) -> Any:
        """Change a live setting (loss, learning rate) now; returns its previous value."""

    def judge(self, x: Tensor) -> Tensor | None:
        """The critic's verdict in [0, 1] on samples `x` (for the 2-D view); None if none."""
        return None

    @property
    def snapshot_columns(self) -> int:
        """Columns of the snapshot grid; 0 lets the grid choose a square layout."""
        return 0


def prefixed(prefix: str, tensors: dict[str, Tensor]) -> dict[str, Tensor]:
    return {f"{prefix}.{k}": v.detach() for k, v in tensors.items()}


def unprefixed(prefix: str, tensors: dict[str, Tensor]) -> dict[str, Tensor]:
    head = prefix + "."
    return {k[len(head):]: v for k, v in tensors.items() if k.startswith(head)}
