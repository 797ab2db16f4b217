"""Class conditioning (Mirza & Osindero 2014) wrapped around any generator and discriminator.

G sees a learned label embedding joined to z, kept small beside z so that z still matters.
D is conditioned either by concatenation (the label joined to its input: as a vector for MLPs,
as constant one-hot maps for convolutions) or by projection (Miyato & Koyama 2018):
logit = head(φ(x)) + ⟨embed(y), pool(φ(x))⟩.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LABEL_SHARE = 1 / 16  # the label's share of G's input energy at initialisation


class ConditionalGenerator(nn.Module):
    """G(z, y) = backbone([z, embed(y)]), the label starting as a small share of the input.

    An embedding as large as z lets G draw each class from the label alone and ignore z (every
    sample of a class alike); so its entries start with the variance that gives the label
    `label_share` of the input's energy, ‖e‖² : ‖z‖² = share : 1 − share, whatever its size.

    Args:
        backbone: a generator whose input size is z_dim + embed_dim.
        num_classes: number of labels.
        embed_dim: size of the learned label embedding.
        z_dim: size of the noise z (for the embedding's initial scale); default embed_dim.
        label_share: the label's share of the input energy at initialisation, in (0, 1);
            default 1/16.
    """

    def __init__(self, backbone: nn.Module, num_classes: int, embed_dim: int,
                 z_dim: int | None = None, label_share: float = LABEL_SHARE) -> None:
        super().__init__()
        if not 0.0 < label_share < 1.0:
            raise ValueError(f"label_share must lie in (0, 1), not {label_share}")
        self.backbone = backbone
        self.embed = nn.Embedding(num_classes, embed_dim)
        ratio = label_share / (1.0 - label_share) * (z_dim or embed_dim) / embed_dim
        nn.init.normal_(self.embed.weight, 0.0, math.sqrt(ratio))

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:  # z: [B, z_dim], labels: [B]
        return self.backbone(torch.cat([z, self.embed(labels)], dim=1))


class ProjectionDiscriminator(nn.Module):
    """D(x, y) = head(φ(x)) + ⟨embed(y), pool(φ(x))⟩.

    Args:
        backbone: a discriminator with `features`, `pooled`, `head` and `feature_dim`.
        num_classes: number of labels.
    """

    def __init__(self, backbone: nn.Module, num_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.embed = nn.Embedding(num_classes, backbone.feature_dim)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        h = self.backbone.features(x)
        phi = self.backbone.pooled(h)  # [B, F]
        return self.backbone.head(h) + (self.embed(labels) * phi).sum(dim=1)  # [B]


class ConcatDiscriminator(nn.Module):
    """D(x, y) = backbone(x ⊕ onehot(y)): a vector for flat inputs, constant maps for images.

    Args:
        backbone: a discriminator built with room for `num_classes` extra inputs (MLP) or
            extra input channels (convolutional).
        num_classes: number of labels.
        spatial: True when the backbone takes images and the label becomes channels.
    """

    def __init__(self, backbone: nn.Module, num_classes: int, spatial: bool) -> None:
        super().__init__()
        self.backbone = backbone
        self.num_classes = num_classes
        self.spatial = spatial

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        onehot = F.one_hot(labels, self.num_classes).to(x.dtype)  # [B, K]
        if self.spatial:
            maps = onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
            return self.backbone(torch.cat([x, maps], dim=1))
        return self.backbone.head(self.backbone.features(x, onehot))
