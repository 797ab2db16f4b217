"""Model settings of each variant: frozen, torch-free dataclasses the studio form can use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.config import Settings, setting

AUGMENT_CHOICES = ("none", "translation", "translation,cutout", "color,translation,cutout")


def augment_setting(**when: Any) -> Any:
    """DiffAugment's policy (studio/train/augment.py), shared by the image variants."""
    return setting("none", "Augmentation", "Random changes applied to real and fake images "
                   "alike before D sees them, so a small dataset is harder to memorise",
                   choices=AUGMENT_CHOICES, **when)


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
                             "is joined to z (it starts at 1/16 of G's input energy, so z "
                             "keeps its say)", min=1, max=1024)
    d_condition: str = setting("concat", "D conditioning", "concat: the label joined to D's "
                               "input, so D judges image and label together and samples of a "
                               "class stay varied; projection: inner product of the label "
                               "embedding with D's features (Miyato & Koyama 2018); here, without "
                               "spectral norm it pulls every sample of a class toward one "
                               "look (z barely matters)", choices=("concat", "projection"))
    hidden: int = setting(256, "Hidden units", "Width of each MLP hidden layer", min=4,
                          max=8192, when=("backbone", ("mlp",)))
    layers: int = setting(3, "Hidden layers", "MLP hidden layers in G and in D", min=1, max=12,
                        when=("backbone", ("mlp",)))
    channels: int = setting(64, "Base channels", "Feature maps of the conv backbone's widest "
                            "full-resolution layer", min=4, max=1024,
                            when=("backbone", ("conv",)))
    augment: str = augment_setting(when=("backbone", ("conv",)))


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
    augment: str = augment_setting()


@dataclass(frozen=True)
class StyleganModelConfig(Settings):
    """StyleGAN (Karras et al. 2019, 2020): a mapping network and style-modulated synthesis."""

    SECTION = "model"
    z_dim: int = setting(128, "Latent size", "Dimensions of the noise z fed to the mapping "
                         "network", min=1, max=1024)
    w_dim: int = setting(128, "Style size", "Dimensions of the intermediate latent w that "
                         "styles every layer", min=1, max=1024)
    mapping_layers: int = setting(8, "Mapping layers", "Fully connected layers turning z into "
                                  "w; more layers let w untangle the factors of variation",
                                  min=1, max=12)
    style: str = setting("modconv", "Style injection", "modconv: StyleGAN2's modulated "
                         "convolutions (no droplet artifacts); adain: StyleGAN1's adaptive "
                         "instance normalisation", choices=("modconv", "adain"))
    channel_base: int = setting(2048, "Channel base", "Feature maps at resolution r are "
                                "channel base ÷ r (capped by max channels): larger is "
                                "stronger but slower", min=64, max=65536)
    max_channels: int = setting(128, "Max channels", "The cap on feature maps at low "
                                "resolutions", min=4, max=1024)
    mapping_lr_mul: float = setting(0.01, "Mapping learning-rate factor", "The mapping "
                                    "network learns this many times slower than the rest, "
                                    "which keeps w stable", min=1e-4, max=1.0)
    mixing_prob: float = setting(0.9, "Style mixing probability", "Share of fakes whose later "
                                 "layers take their style from a second z, so layers learn "
                                 "to act independently", min=0.0, max=1.0)
    progressive: bool = setting(False, "Progressive growing", "Start at a low resolution and "
                                "fade in each doubling in turn (Progressive GAN)")
    start_resolution: int = setting(8, "Start resolution", "The side training starts at when "
                                    "growing", choices=(4, 8, 16, 32, 64, 128),
                                    when=("progressive", (True,)))
    fade_steps: int = setting(500, "Fade steps", "Steps over which each new resolution fades "
                              "in", min=0, max=10**7, when=("progressive", (True,)))
    stable_steps: int = setting(500, "Stable steps", "Steps each resolution trains for after "
                                "its fade", min=0, max=10**7, when=("progressive", (True,)))
    r1_interval: int = setting(16, "R1 every", "Apply the R1 penalty only every this many "
                               "steps, scaled up to match (lazy regularisation); 1 = every "
                               "step", min=1, max=1000)
    augment: str = augment_setting()
    mbstd_group: int = setting(4, "Minibatch-stddev group", "Samples per group whose spread "
                               "D sees, so it can spot fakes that all look alike", min=1,
                               max=64)
