"""The vanilla GAN: MLP networks on 2-D points or flattened images."""

from __future__ import annotations

from torch import nn

from studio.nets.mlp import MLPDiscriminator, MLPGenerator
from studio.train.adversarial import AdversarialTrainer


class GanTrainer(AdversarialTrainer):
    """Goodfellow et al. (2014) with fully connected G and D; the loss is chosen in the config."""

    @property
    def z_dim(self) -> int:
        return self.config.model.z_dim

    def build_nets(self) -> tuple[nn.Module, nn.Module]:
        m = self.config.model
        g = MLPGenerator(m.z_dim, self.data.shape, m.hidden, m.layers)
        d = MLPDiscriminator(self.data.shape, m.hidden, m.layers)
        return g, d
