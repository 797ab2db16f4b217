"""The catalogue of variants: names, model configs, what data each needs — torch-free.

The studio lists variants from here before torch has loaded; `studio.train.registry` resolves
each entry's trainer class. Adding a variant: a model config, a net file, a trainer, one entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.errors import ConfigError
from studio.model_configs import (
    CganModelConfig,
    DcganModelConfig,
    GanModelConfig,
    StyleganModelConfig,
)


@dataclass(frozen=True)
class VariantInfo:
    """What a person and the studio need to know about a variant before training it."""

    name: str
    title: str
    summary: str
    model_config: type
    trainer: str  # "module:Class", imported only when training starts
    data_kinds: tuple[str, ...]  # "points" and/or "images"
    needs_labels: bool = False
    resolutions: tuple[int, ...] = ()  # allowed image sizes; empty = any
    # [train] settings this variant starts from instead of TrainConfig's (DCGAN's) defaults
    train_defaults: tuple[tuple[str, object], ...] = ()

    def unsupported_reason(self, kind: str, num_classes: int, resolution: int) -> str | None:
        """Why this variant cannot train on such data, or None when it can."""
        if kind not in self.data_kinds:
            return f"{self.title} trains on {' or '.join(self.data_kinds)}, not {kind}"
        if self.needs_labels and num_classes < 2:
            return f"{self.title} needs a dataset with class labels (at least two classes)"
        if kind == "images" and self.resolutions and resolution not in self.resolutions:
            sizes = ", ".join(str(r) for r in self.resolutions)
            return f"{self.title} generates {sizes} px images; set the resolution to one of them"
        return None


VARIANTS: dict[str, VariantInfo] = {
    v.name: v
    for v in (
        VariantInfo(
            "gan", "GAN",
            "Two players: a generator G turns noise into samples and a discriminator D tells "
            "them from real data. They play the minimax game min_G max_D E[log D(x)] + "
            "E[log(1 − D(G(z)))]; at its equilibrium G reproduces the data distribution.",
            GanModelConfig, "studio.train.gan:GanTrainer", ("points", "images")),
        VariantInfo(
            "cgan", "Conditional GAN",
            "Both players also see a class label: G learns one distribution per class and D "
            "judges whether a sample is real for its label, so you choose what to generate.",
            CganModelConfig, "studio.train.cgan:CganTrainer", ("points", "images"),
            needs_labels=True),
        VariantInfo(
            "dcgan", "DCGAN",
            "A GAN built from convolutions by the DCGAN guidelines: strided convolutions "
            "instead of pooling, batch normalisation, ReLU in G and LeakyReLU in D, no fully "
            "connected hidden layers, Tanh output.",
            DcganModelConfig, "studio.train.dcgan:DcganTrainer", ("images",),
            resolutions=(32, 64, 128)),
        VariantInfo(
            "stylegan", "StyleGAN",
            "A mapping network first turns the noise z into an intermediate latent w; the "
            "generator then grows an image from a learned 4×4 block, and every layer gets its "
            "own style computed from w, plus fresh per-pixel noise for fine detail such as "
            "texture. Training mixes the styles of two latents at a random layer, so coarse "
            "layers learn pose and shape and fine layers colour and texture.",
            StyleganModelConfig, "studio.train.stylegan:StyleganTrainer", ("images",),
            resolutions=(16, 32, 64, 128, 256),
            train_defaults=(("lr_g", 0.002), ("lr_d", 0.002), ("beta1", 0.0), ("beta2", 0.99),
                            ("r1_gamma", 1.0), ("ema_decay", 0.999),
                            ("loss", "non-saturating"))),
    )
}


def variant_info(name: str) -> VariantInfo:
    try:
        return VARIANTS[name]
    except KeyError:
        raise ConfigError(f"unknown variant {name!r}; choose one of "
                          f"{', '.join(VARIANTS)}") from None


def default_train_settings(name: str) -> dict[str, object]:
    """The [train] overrides a new run of variant `name` starts from."""
    return dict(variant_info(name).train_defaults)


def model_config_class(name: str) -> type:
    return variant_info(name).model_config
