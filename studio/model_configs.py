"""Model settings of each variant: frozen, torch-free dataclasses the studio form can use."""

from __future__ import annotations

from dataclasses import dataclass

from studio.config import Settings, setting


@dataclass(frozen=True)
class GanModelConfig(Settings):
    """Vanilla GAN (Goodfellow et al. 2014): MLP generator and discriminator."""

    SECTION = "model"
    z_dim: int = setting(16, "Latent size", "Dimensions of the noise z fed to G", min=1,
                         max=1024)
    hidden: int = setting(256, "Hidden units", "Width of each hidden layer", min=4, max=8192)
    layers: int = setting(3, "Hidden layers", "Hidden layers in G and in D", min=1, max=12)


@dataclass(frozen=True)
class CganModelConfig(Settings):
    """Conditional GAN (Mirza & Osindero 2014): G and D both see the class label."""

    SECTION = "model"
    z_dim: int = setting(64, "Latent size", "Dimensions of the noise z fed to G", min=1,
                         max=1024)
    backbone: str = setting("conv", "Backbone", "mlp: fully connected (any data); conv: DCGAN "
                            "layers (images of 32, 64 or 128 px)", choices=("mlp", "conv"))
    embed_dim: int = setting(32, "Label embedding", "Size of the learned label embedding that "
                             "is joined to z", min=1, max=1024)
    d_condition: str = setting("projection", "D conditioning", "projection: inner product of "
                               "the label embedding with D's features (Miyato & Koyama 2018); "
                               "concat: the label joined to D's input",
                               choices=("projection", "concat"))
    hidden: int = setting(256, "Hidden units", "Width of each MLP hidden layer", min=4,
                          max=8192, when=("backbone", ("mlp",)))
    layers: int = setting(3, "Hidden layers", "MLP hidden layers in G and in D", min=1, max=12,
                        when=("backbone", ("mlp",)))
    channels: int = setting(64, "Base channels", "Feature maps of the conv backbone's widest "
                            "full-resolution layer", min=4, max=1024,
                            when=("backbone", ("conv",)))


@dataclass(frozen=True)
class DcganModelConfig(Settings):
    """DCGAN (Radford et al. 2016): all-convolutional G and D with batch normalisation."""

    SECTION = "model"
    z_dim: int = setting(100, "Latent size", "Dimensions of the noise z fed to G", min=1,
                         max=1024)
    g_channels: int = setting(64, "G channels", "Feature maps of G's last hidden layer; each "
                              "earlier layer doubles it", min=4, max=1024)
    d_channels: int = setting(64, "D channels", "Feature maps of D's first layer; each later "
                              "layer doubles it", min=4, max=1024)
