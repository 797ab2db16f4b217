"""Fully connected generator and discriminator (the original GAN's) for points or images."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class MLPGenerator(nn.Module):
    """Noise z → a sample of `out_shape` in [-1, 1] through ReLU hidden layers and a Tanh.

    Args:
        z_dim: input size (noise, plus any condition the caller concatenates). Default none.
        out_shape: shape of one sample, (2,) for points or (C, H, W) for images.
        hidden: width of each hidden layer (default 256).
        layers: number of hidden layers (default 3).
    """

    def __init__(self, z_dim: int, out_shape: tuple[int, ...], hidden: int = 256,
                 layers: int = 3) -> None:
        super().__init__()
        self.out_shape = tuple(out_shape)
        blocks: list[nn.Module] = []
        width = z_dim
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.ReLU(inplace=True)]
            width = hidden
        blocks += [nn.Linear(width, math.prod(self.out_shape)), nn.Tanh()]
        self.net = nn.Sequential(*blocks)

    def forward(self, z: Tensor) -> Tensor:  # z: [B, z_dim]
        return self.net(z).view(z.shape[0], *self.out_shape)  # [B, *out_shape]


class MLPDiscriminator(nn.Module):
    """A sample (flattened) → one logit, through LeakyReLU(0.2) hidden layers.

    Split into `features` and `head` so a conditional wrapper can project a label onto the
    features (projection discriminator).

    Args:
        in_shape: shape of one sample, (2,) or (C, H, W).
        hidden: width of each hidden layer (default 256).
        layers: number of hidden layers (default 3).
        extra_inputs: size of a condition vector concatenated to the flattened input (default 0).
    """

    def __init__(self, in_shape: tuple[int, ...], hidden: int = 256, layers: int = 3,
                 extra_inputs: int = 0) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        width = math.prod(in_shape) + extra_inputs
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.LeakyReLU(0.2, inplace=True)]
            width = hidden
        self.body = nn.Sequential(*blocks)
        self.out = nn.Linear(width, 1)
        self.feature_dim = width

    def features(self, x: Tensor, extra: Tensor | None = None) -> Tensor:
        h = x.flatten(1)  # [B, prod(in_shape)]
        if extra is not None:
            h = torch.cat([h, extra], dim=1)
        return self.body(h)  # [B, hidden]

    @staticmethod
    def pooled(h: Tensor) -> Tensor:
        return h  # [B, hidden]

    def head(self, h: Tensor) -> Tensor:
        return self.out(h).view(-1)  # [B]

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))
