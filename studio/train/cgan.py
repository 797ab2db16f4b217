"""The conditional GAN: G and D both receive the class label."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from studio.config import Settings
from studio.errors import ConfigError
from studio.nets.conditional import (
    ConcatDiscriminator,
    ConditionalGenerator,
    ProjectionDiscriminator,
)
from studio.nets.dcgan import DcganDiscriminator, DcganGenerator
from studio.nets.mlp import MLPDiscriminator, MLPGenerator
from studio.train.adversarial import AdversarialTrainer
from studio.train.base import DataInfo


def build_generator(model_cfg: Settings, data: DataInfo) -> ConditionalGenerator:
    """G exactly as CganTrainer builds it (to load a checkpoint's weights for exploring)."""
    m: Any = model_cfg
    k = data.num_classes
    if k < 2:
        raise ConfigError("the conditional GAN needs a dataset with class labels")
    if m.backbone == "conv":
        if data.kind != "images":
            raise ConfigError("the conditional GAN's conv backbone needs images, and this "
                              "dataset holds points; use the mlp backbone: "
                              "--set model.backbone=mlp")
        c, r, _ = data.shape
        body: nn.Module = DcganGenerator(m.z_dim + m.embed_dim, c, r, m.channels)
    else:
        body = MLPGenerator(m.z_dim + m.embed_dim, data.shape, m.hidden, m.layers)
    return ConditionalGenerator(body, k, m.embed_dim, m.z_dim)


class CganTrainer(AdversarialTrainer):
    """Mirza & Osindero (2014); fakes in D's step carry the labels of the real batch."""

    conditional = True

    @property
    def z_dim(self) -> int:
        return self.config.model.z_dim

    def build_nets(self) -> tuple[nn.Module, nn.Module]:
        m, k = self.config.model, self.data.num_classes
        g = build_generator(m, self.data)
        concat = m.d_condition == "concat"
        if m.backbone == "conv":
            c, r, _ = self.data.shape
            d_body: nn.Module = DcganDiscriminator(c + (k if concat else 0), r, m.channels)
        else:
            d_body = MLPDiscriminator(self.data.shape, m.hidden, m.layers, k if concat else 0)
        if concat:
            return g, ConcatDiscriminator(d_body, k, spatial=m.backbone == "conv")
        return g, ProjectionDiscriminator(d_body, k)

    def generate(self, net: nn.Module, z: Tensor, labels: Tensor | None) -> Tensor:
        return net(z, labels)

    def discriminate(self, x: Tensor, labels: Tensor | None) -> Tensor:
        return self.D(self.augmented(x), labels)

    def condition_labels(self, n: int, labels: Any) -> Tensor:
        """Labels for sampling: None → classes in turn; an int → all that class; a sequence."""
        k = self.data.num_classes
        if labels is None:
            out = torch.arange(n) % k
        elif isinstance(labels, int):
            out = torch.full((n,), labels)
        else:
            out = torch.as_tensor(labels).reshape(-1)
            if len(out) != n:
                raise ValueError(f"{len(out)} labels given for {n} samples")
        if out.numel() and (int(out.min()) < 0 or int(out.max()) >= k):
            raise ConfigError(f"labels must lie in 0..{k - 1} ({', '.join(self.data.classes)})")
        return out.long().to(self.device)

    def snapshot_size(self) -> int:
        """Whole rows of one sample per class (classes in columns), at least as many as asked."""
        k = self.data.num_classes
        per_class = -(-super().snapshot_size() // k)  # ceil: the grid ends on a full row
        return per_class * k

    @property
    def snapshot_columns(self) -> int:
        return self.data.num_classes if self.data.num_classes <= 16 else 0
