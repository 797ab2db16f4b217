"""DCGAN: the all-convolutional GAN with the paper's optimiser settings."""

from __future__ import annotations

from torch import nn

from studio.nets.dcgan import DcganDiscriminator, DcganGenerator
from studio.train.adversarial import AdversarialTrainer


class DcganTrainer(AdversarialTrainer):
    """Radford et al. (2016): Adam 2e-4, β = (0.5, 0.999) — the defaults of TrainConfig."""

    @property
    def z_dim(self) -> int:
        return self.config.model.z_dim

    def build_nets(self) -> tuple[nn.Module, nn.Module]:
        m = self.config.model
        channels, resolution, _ = self.data.shape
        g = DcganGenerator(m.z_dim, channels, resolution, m.g_channels)
        d = DcganDiscriminator(channels, resolution, m.d_channels)
        return g, d
