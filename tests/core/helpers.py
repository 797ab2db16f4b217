"""Tiny configurations that train in well under a second per step on a CPU."""

from __future__ import annotations

from studio.config import DataConfig, RunConfig, TrainConfig
from studio.model_configs import CganModelConfig, DcganModelConfig, GanModelConfig


def tiny_config(variant: str = "gan", dataset: str = "ring8", steps: int = 20,
                **train: object) -> RunConfig:
    """A config small enough for unit tests; `train` overrides TrainConfig fields."""
    image = dataset not in ("ring8", "grid25", "spiral")
    data = DataConfig(dataset=dataset, size=256, resolution=32)
    model = {
        "gan": GanModelConfig(z_dim=8, hidden=32, layers=2),
        "cgan": CganModelConfig(z_dim=8, hidden=32, layers=2, embed_dim=4, channels=8,
                                backbone="conv" if image else "mlp"),
        "dcgan": DcganModelConfig(z_dim=16, g_channels=8, d_channels=8),
    }[variant]
    defaults = {"steps": steps, "batch_size": 16, "device": "cpu", "log_every": 5,
                "snapshot_every": 10, "checkpoint_every": 10, "snapshot_count": 16}
    defaults.update(train)
    return RunConfig(variant=variant, data=data, model=model, train=TrainConfig(**defaults))
