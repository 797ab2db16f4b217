"""Resolve a variant name to its config class and trainer class (imported on demand)."""

from __future__ import annotations

import importlib

import torch

from studio.config import RunConfig
from studio.errors import ConfigError
from studio.train.base import DataInfo, Trainer
from studio.variants import VARIANTS, variant_info


def trainer_class(name: str) -> type[Trainer]:
    module, _, cls = variant_info(name).trainer.partition(":")
    return getattr(importlib.import_module(module), cls)


def make_trainer(config: RunConfig, data: DataInfo, device: torch.device) -> Trainer:
    """Build the trainer of `config.variant` after checking the data suits it."""
    info = variant_info(config.variant)
    resolution = data.shape[-1] if data.kind == "images" else 0
    reason = info.unsupported_reason(data.kind, data.num_classes, resolution)
    if reason:
        raise ConfigError(reason)
    return trainer_class(config.variant)(config, data, device)


def variant_names() -> list[str]:
    return list(VARIANTS)
